// The shape of a KV cache, shared by the CPU cache (model::KvCache) and the
// backends' stores (backend::KvStore): global layers hold every position;
// sliding-window layers keep a ring of the most recent ones.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/model/config.h"

namespace scribed::engine::model {

struct KvGeometry {
  // n_ctx: most positions a session holds; max_batch: most positions one
  // forward pass appends.
  KvGeometry(const ModelConfig& config, int64_t n_ctx, int64_t max_batch);

  // Whether a session that has written positions [0, written) can drop back to
  // `n` positions: every key a later query at >= n may need is still held.
  bool CanRewind(int64_t written, int64_t n) const noexcept;
  // Values (K and V) of every layer's rows.
  uint64_t values() const noexcept;

  int64_t n_ctx;
  int window;
  std::vector<int64_t> capacity;  // rows per layer
  std::vector<int64_t> row_size;  // values per row
  std::vector<bool> sliding;
};

}  // namespace scribed::engine::model
