// Keys and values of past positions, per layer. Full-attention layers keep
// every position; sliding-window layers keep a ring of the most recent ones,
// sized so a batch never overwrites a key one of its own queries still needs.
//
// Thread-compatible.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/model/config.h"

namespace scribed::engine::model {

class KvCache {
 public:
  // n_ctx: most positions a session holds; max_batch: most positions one
  // forward pass appends.
  KvCache(const ModelConfig& config, int64_t n_ctx, int64_t max_batch);

  int64_t n_ctx() const noexcept { return n_ctx_; }

  // Row of K / V for absolute position `pos` in `layer`: [n_kv_head * head_dim] floats.
  float* K(int layer, int64_t pos) noexcept { return Row(k_[layer], layer, pos); }
  float* V(int layer, int64_t pos) noexcept { return Row(v_[layer], layer, pos); }
  const float* K(int layer, int64_t pos) const noexcept { return Row(k_[layer], layer, pos); }
  const float* V(int layer, int64_t pos) const noexcept { return Row(v_[layer], layer, pos); }

  // Whether a session that has written positions [0, written) can drop back to
  // `n` positions: every key a later query at >= n may need is still held.
  bool CanRewind(int64_t written, int64_t n) const noexcept;

  uint64_t bytes() const noexcept;

 private:
  float* Row(const std::vector<float>& buf, int layer, int64_t pos) const noexcept {
    const int64_t slot = pos % capacity_[layer];
    return const_cast<float*>(buf.data()) + slot * row_size_[layer];
  }

  int64_t n_ctx_;
  int window_;
  std::vector<int64_t> capacity_;  // rows per layer
  std::vector<int64_t> row_size_;  // floats per row
  std::vector<bool> sliding_;
  std::vector<std::vector<float>> k_, v_;  // [layer][capacity, n_kv_head * head_dim]
};

}  // namespace scribed::engine::model
