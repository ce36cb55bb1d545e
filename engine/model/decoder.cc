#include "engine/model/decoder.h"

#include <algorithm>
#include <cmath>

namespace scribed::engine::model {

Decoder::Decoder(const ModelConfig& c, const DeviceWeights& w, backend::Context& ctx,
                 int64_t max_batch)
    : c_(c), w_(w), ctx_(ctx), max_batch_(max_batch) {
  int64_t q_max = 0, kv_max = 0, ff_max = 0;
  for (int l = 0; l < c.n_layer; ++l) {
    q_max = std::max<int64_t>(q_max, c.q_dim(l));
    kv_max = std::max<int64_t>(kv_max, c.kv_dim(l));
    ff_max = std::max<int64_t>(ff_max, c.layers[l].n_ff);
  }
  const int64_t rows = max_batch;
  x_ = ctx.NewBuffer(rows * c.n_embd);
  h_ = ctx.NewBuffer(rows * c.n_embd);
  a_ = ctx.NewBuffer(rows * c.n_embd);
  q_ = ctx.NewBuffer(rows * q_max);
  k_ = ctx.NewBuffer(rows * kv_max);
  v_ = ctx.NewBuffer(rows * kv_max);
  attn_ = ctx.NewBuffer(rows * q_max);
  gate_ = ctx.NewBuffer(rows * ff_max);
  up_ = ctx.NewBuffer(rows * ff_max);
  logits_ = ctx.NewBuffer(c.n_vocab);
}

void Decoder::Forward(std::span<const InputRow> rows, int64_t n_past, backend::KvStore& cache,
                      float* logits) {
  // Token embeddings are scaled by sqrt(n_embd) in float32; projected audio rows are not.
  const float embed_scale = std::sqrt(static_cast<float>(c_.n_embd));
  for (size_t start = 0; start < rows.size(); start += max_batch_) {
    const auto batch = rows.subspan(start, std::min<size_t>(max_batch_, rows.size() - start));
    const auto n = static_cast<int64_t>(batch.size());
    const int64_t pos0 = n_past + static_cast<int64_t>(start);
    ctx_.Embed(batch, *w_.token_embd, embed_scale, *x_);
    for (int l = 0; l < c_.n_layer; ++l) Layer(l, n, pos0, cache);
    if (logits != nullptr && start + batch.size() == rows.size()) Logits(n, logits);
  }
}

void Decoder::Layer(int l, int64_t n, int64_t pos0, backend::KvStore& cache) {
  const LayerConfig& lc = c_.layers[l];
  const DeviceLayer& lw = w_.layers[l];
  const int d = c_.n_embd;
  const float eps = c_.eps;
  const backend::AttentionShape shape{l, c_.n_head, lc.n_kv_head, lc.head_dim,
                                      lc.sliding ? c_.window : 0};
  // Full layers divide their angles by rope_freqs; sliding layers rotate plainly.
  const backend::Rope rope{lc.n_rot, lc.rope_base, lc.sliding ? nullptr : w_.rope_freqs.get()};

  ctx_.RmsNorm(*x_, 0, n, d, lw.attn_norm.get(), eps, *h_);
  ctx_.MatMul(*lw.q, *h_, n, *q_);
  ctx_.MatMul(*lw.k, *h_, n, *k_);
  // Full layers have no V projection: V is the raw K projection, normed without weight.
  if (lw.v != nullptr) ctx_.MatMul(*lw.v, *h_, n, *v_);
  ctx_.QkNormRopeStore(shape, n, pos0, *q_, *k_, lw.v != nullptr ? v_.get() : nullptr,
                       *lw.q_norm, *lw.k_norm, eps, rope, cache);
  ctx_.Attention(shape, n, pos0, *q_, cache, *attn_);
  ctx_.MatMul(*lw.o, *attn_, n, *a_);
  ctx_.AddNormed(*a_, *lw.post_attn_norm, n, d, eps, 1.0f, *x_);

  ctx_.RmsNorm(*x_, 0, n, d, lw.ffn_norm.get(), eps, *h_);
  ctx_.MatMul(*lw.gate, *h_, n, *gate_);
  ctx_.MatMul(*lw.up, *h_, n, *up_);
  ctx_.GeluMul(*gate_, *up_, n, lc.n_ff);
  ctx_.MatMul(*lw.down, *gate_, n, *a_);
  ctx_.AddNormed(*a_, *lw.post_ffw_norm, n, d, eps, lw.output_scale, *x_);
}

void Decoder::Logits(int64_t n, float* logits) {
  ctx_.RmsNorm(*x_, n - 1, 1, c_.n_embd, w_.output_norm.get(), c_.eps, *h_);
  ctx_.MatMul(*w_.output, *h_, 1, *logits_);
  if (c_.final_softcap > 0) ctx_.Softcap(*logits_, c_.n_vocab, c_.final_softcap);
  ctx_.Read(*logits_, 0, std::span<float>(logits, static_cast<size_t>(c_.n_vocab)));
}

}  // namespace scribed::engine::model
