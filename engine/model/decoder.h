// The Gemma 4 text decoder's forward pass over a batch of consecutive
// positions: embeddings (or projected audio rows), the layer stack with
// sliding and full attention, and the final norm + tied LM head + softcap.
// Reads top to bottom like the model description in docs/model.md.
//
// Thread-compatible: one Decoder per session; the weights it points to are shared.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "engine/model/config.h"
#include "engine/model/kv_cache.h"
#include "engine/model/weights.h"
#include "engine/runtime/thread_pool.h"

namespace scribed::engine::model {

// One input position: a token id, or an embedding row (audio) that enters the
// residual stream as is. `embedding` points to n_embd floats when set.
struct InputRow {
  int32_t token = -1;
  const float* embedding = nullptr;
};

class Decoder {
 public:
  Decoder(const ModelConfig& config, const ModelWeights& weights, int64_t max_batch,
          int64_t n_ctx);

  int64_t max_batch() const noexcept { return max_batch_; }

  // Processes rows at positions [n_past, n_past + rows.size()), storing their
  // keys and values in `cache`. When `logits` is set, writes the final logits
  // (after the softcap) of the last row there: n_vocab floats. Token ids must
  // be valid (the caller checks them). Long inputs are split into batches.
  void Forward(std::span<const InputRow> rows, int64_t n_past, KvCache& cache, ThreadPool& pool,
               float* logits);

 private:
  void Embed(std::span<const InputRow> rows, ThreadPool& pool);
  void Layer(int l, int64_t n, int64_t pos0, KvCache& cache, ThreadPool& pool);
  void Attention(int l, int64_t n, int64_t pos0, const KvCache& cache, ThreadPool& pool);
  void Logits(int64_t n, ThreadPool& pool, float* logits);

  const ModelConfig& c_;
  const ModelWeights& w_;
  int64_t max_batch_;
  int64_t n_ctx_;
  // Activations for one batch, row-major per position.
  std::vector<float> x_;     // [max_batch, n_embd] residual stream
  std::vector<float> h_;     // [max_batch, n_embd] normed input of a block
  std::vector<float> a_;     // [max_batch, n_embd] block output
  std::vector<float> q_;     // [max_batch, max q_dim]
  std::vector<float> k_;     // [max_batch, max kv_dim] raw K projection
  std::vector<float> v_;     // [max_batch, max kv_dim] raw V projection
  std::vector<float> attn_;  // [max_batch, max q_dim] attention output per head
  std::vector<float> gate_;  // [max_batch, max n_ff]
  std::vector<float> up_;    // [max_batch, max n_ff]
  std::vector<std::vector<float>> scores_;  // [threads][n_ctx] attention weights
};

}  // namespace scribed::engine::model
