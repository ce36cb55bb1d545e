// The Gemma 4 text decoder's forward pass over a batch of consecutive
// positions: embeddings (or projected audio rows), the layer stack with
// sliding and full attention, and the final norm + tied LM head + softcap.
// Reads top to bottom like the model description in docs/model.md; the
// arithmetic runs on whatever backend the Context belongs to.
//
// Thread-compatible: one Decoder per session; the weights it points to are shared.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "engine/backends/backend.h"
#include "engine/model/config.h"
#include "engine/model/device_weights.h"

namespace scribed::engine::model {

using backend::InputRow;

class Decoder {
 public:
  Decoder(const ModelConfig& config, const DeviceWeights& weights, backend::Context& context,
          int64_t max_batch);

  int64_t max_batch() const noexcept { return max_batch_; }

  // Processes rows at positions [n_past, n_past + rows.size()), storing their
  // keys and values in `cache`. When `logits` is set, writes the final logits
  // (after the softcap) of the last row there: n_vocab floats. Token ids must
  // be valid (the caller checks them). Long inputs are split into batches.
  void Forward(std::span<const InputRow> rows, int64_t n_past, backend::KvStore& cache,
               float* logits);

 private:
  void Layer(int l, int64_t n, int64_t pos0, backend::KvStore& cache);
  void Logits(int64_t n, float* logits);

  const ModelConfig& c_;
  const DeviceWeights& w_;
  backend::Context& ctx_;
  int64_t max_batch_;
  // Activations for one batch, row-major per position.
  std::unique_ptr<backend::Buffer> x_;       // [max_batch, n_embd] residual stream
  std::unique_ptr<backend::Buffer> h_;       // [max_batch, n_embd] normed input of a block
  std::unique_ptr<backend::Buffer> a_;       // [max_batch, n_embd] block output
  std::unique_ptr<backend::Buffer> q_;       // [max_batch, max q_dim]
  std::unique_ptr<backend::Buffer> k_;       // [max_batch, max kv_dim] raw K projection
  std::unique_ptr<backend::Buffer> v_;       // [max_batch, max kv_dim] raw V projection
  std::unique_ptr<backend::Buffer> attn_;    // [max_batch, max q_dim] attention output per head
  std::unique_ptr<backend::Buffer> gate_;    // [max_batch, max n_ff]
  std::unique_ptr<backend::Buffer> up_;      // [max_batch, max n_ff]
  std::unique_ptr<backend::Buffer> logits_;  // [n_vocab] of the last position
};

}  // namespace scribed::engine::model
