#include "engine/model/decoder.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine/kernels/ops.h"
#include "engine/model/rope.h"

namespace scribed::engine::model {

using kernels::Matrix;

Decoder::Decoder(const ModelConfig& c, const ModelWeights& w, int64_t max_batch, int64_t n_ctx)
    : c_(c), w_(w), max_batch_(max_batch), n_ctx_(n_ctx) {
  int64_t q_max = 0, kv_max = 0, ff_max = 0;
  for (int l = 0; l < c.n_layer; ++l) {
    q_max = std::max<int64_t>(q_max, c.q_dim(l));
    kv_max = std::max<int64_t>(kv_max, c.kv_dim(l));
    ff_max = std::max<int64_t>(ff_max, c.layers[l].n_ff);
  }
  const auto rows = static_cast<size_t>(max_batch);
  x_.resize(rows * c.n_embd);
  h_.resize(rows * c.n_embd);
  a_.resize(rows * c.n_embd);
  q_.resize(rows * q_max);
  k_.resize(rows * kv_max);
  v_.resize(rows * kv_max);
  attn_.resize(rows * q_max);
  gate_.resize(rows * ff_max);
  up_.resize(rows * ff_max);
}

void Decoder::Forward(std::span<const InputRow> rows, int64_t n_past, KvCache& cache,
                      ThreadPool& pool, float* logits) {
  if (scores_.size() != static_cast<size_t>(pool.size())) {
    scores_.assign(pool.size(), std::vector<float>(static_cast<size_t>(n_ctx_)));
  }
  for (size_t start = 0; start < rows.size(); start += max_batch_) {
    const auto batch = rows.subspan(start, std::min<size_t>(max_batch_, rows.size() - start));
    const auto n = static_cast<int64_t>(batch.size());
    const int64_t pos0 = n_past + static_cast<int64_t>(start);
    Embed(batch, pool);
    for (int l = 0; l < c_.n_layer; ++l) Layer(l, n, pos0, cache, pool);
    if (logits != nullptr && start + batch.size() == rows.size()) Logits(n, pool, logits);
  }
}

void Decoder::Embed(std::span<const InputRow> rows, ThreadPool& pool) {
  const int d = c_.n_embd;
  // Token embeddings are scaled by sqrt(n_embd) in float32; projected audio rows are not.
  const float scale = std::sqrt(static_cast<float>(d));
  pool.ParallelFor(static_cast<int64_t>(rows.size()), [&](int64_t t, int) {
    float* x = x_.data() + t * d;
    if (rows[t].embedding != nullptr) {
      std::memcpy(x, rows[t].embedding, sizeof(float) * d);
    } else {
      kernels::DequantizeRow(w_.token_embd, rows[t].token, x);
      kernels::Scale(x, scale, d);
    }
  });
}

void Decoder::Layer(int l, int64_t n, int64_t pos0, KvCache& cache, ThreadPool& pool) {
  const LayerConfig& lc = c_.layers[l];
  const LayerWeights& lw = w_.layers[l];
  const int d = c_.n_embd, hd = lc.head_dim;
  const int q_dim = c_.q_dim(l), kv_dim = c_.kv_dim(l), n_ff = lc.n_ff;
  const float eps = c_.eps;
  const std::span<const float> freqs =
      lc.sliding ? std::span<const float>() : std::span<const float>(w_.rope_freqs);

  pool.ParallelFor(n, [&](int64_t t, int) {
    kernels::RmsNorm(x_.data() + t * d, lw.attn_norm.data(), d, eps, h_.data() + t * d);
  });
  kernels::MatMul(lw.q, h_.data(), n, q_.data(), pool);
  kernels::MatMul(lw.k, h_.data(), n, k_.data(), pool);
  // Full layers have no V projection: V is the raw K projection, normed without weight.
  const bool v_from_k = lw.v.data == nullptr;
  if (!v_from_k) kernels::MatMul(lw.v, h_.data(), n, v_.data(), pool);

  pool.ParallelFor(n, [&](int64_t t, int) {
    const int64_t pos = pos0 + t;
    float* q = q_.data() + t * q_dim;
    for (int h = 0; h < c_.n_head; ++h) {
      kernels::RmsNorm(q + h * hd, lw.q_norm.data(), hd, eps, q + h * hd);
    }
    ApplyRope(q, c_.n_head, hd, lc.n_rot, pos, lc.rope_base, freqs);
    // V first: on full layers it is the raw K projection, normed in place below.
    float* k = k_.data() + t * kv_dim;
    float* v = v_.data() + t * kv_dim;
    if (v_from_k) std::copy(k, k + kv_dim, v);
    for (int h = 0; h < lc.n_kv_head; ++h) {
      kernels::RmsNorm(v + h * hd, nullptr, hd, eps, v + h * hd);
      kernels::RmsNorm(k + h * hd, lw.k_norm.data(), hd, eps, k + h * hd);
    }
    ApplyRope(k, lc.n_kv_head, hd, lc.n_rot, pos, lc.rope_base, freqs);
    cache.Store(l, pos, k, v);
  });

  Attention(l, n, pos0, cache, pool);
  kernels::MatMul(lw.o, attn_.data(), n, a_.data(), pool);

  pool.ParallelFor(n, [&](int64_t t, int) {
    float* x = x_.data() + t * d;
    float* a = a_.data() + t * d;
    kernels::RmsNorm(a, lw.post_attn_norm.data(), d, eps, a);
    kernels::Add(x, a, x, d);
    kernels::RmsNorm(x, lw.ffn_norm.data(), d, eps, h_.data() + t * d);
  });
  kernels::MatMul(lw.gate, h_.data(), n, gate_.data(), pool);
  kernels::MatMul(lw.up, h_.data(), n, up_.data(), pool);
  pool.ParallelFor(n, [&](int64_t t, int) {
    float* g = gate_.data() + t * n_ff;
    kernels::GeluTanhMul(g, up_.data() + t * n_ff, n_ff, g);
  });
  kernels::MatMul(lw.down, gate_.data(), n, a_.data(), pool);
  pool.ParallelFor(n, [&](int64_t t, int) {
    float* x = x_.data() + t * d;
    float* a = a_.data() + t * d;
    kernels::RmsNorm(a, lw.post_ffw_norm.data(), d, eps, a);
    kernels::Add(x, a, x, d);
    kernels::Scale(x, lw.output_scale, d);
  });
}

void Decoder::Attention(int l, int64_t n, int64_t pos0, const KvCache& cache, ThreadPool& pool) {
  const LayerConfig& lc = c_.layers[l];
  const int hd = lc.head_dim, q_dim = c_.q_dim(l);
  const int group = c_.n_head / lc.n_kv_head;
  // Scores are plain dot products: Gemma 4 normalises q and k instead of scaling by 1/sqrt(d).
  pool.ParallelFor(n * c_.n_head, [&](int64_t task, int thread) {
    const int64_t t = task / c_.n_head;
    const int h = static_cast<int>(task % c_.n_head);
    const int kv_off = (h / group) * hd;
    const int64_t pos = pos0 + t;
    const int64_t first = lc.sliding ? std::max<int64_t>(0, pos - c_.window + 1) : 0;
    const int64_t count = pos - first + 1;
    const float* q = q_.data() + t * q_dim + h * hd;
    float* scores = scores_[thread].data();
    for (int64_t s = 0; s < count; ++s) scores[s] = cache.DotK(l, first + s, kv_off, q, hd);
    kernels::Softmax(scores, count);
    float* out = attn_.data() + t * q_dim + h * hd;
    std::fill(out, out + hd, 0.0f);
    for (int64_t s = 0; s < count; ++s) cache.AxpyV(l, first + s, kv_off, scores[s], out, hd);
  });
}

void Decoder::Logits(int64_t n, ThreadPool& pool, float* logits) {
  const int d = c_.n_embd;
  float* y = h_.data();
  kernels::RmsNorm(x_.data() + (n - 1) * d, w_.output_norm.data(), d, c_.eps, y);
  kernels::MatMul(w_.output, y, 1, logits, pool);
  if (c_.final_softcap > 0) kernels::Softcap(logits, c_.n_vocab, c_.final_softcap);
}

}  // namespace scribed::engine::model
