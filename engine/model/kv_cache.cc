#include "engine/model/kv_cache.h"

#include <algorithm>

namespace scribed::engine::model {

KvCache::KvCache(const ModelConfig& c, int64_t n_ctx, int64_t max_batch, KvType type)
    : n_ctx_(n_ctx), window_(c.window), type_(type) {
  for (int l = 0; l < c.n_layer; ++l) {
    const bool sliding = c.layers[l].sliding;
    // A ring of window + max_batch rows lets one batch write all its keys before
    // attending; the extra window lets a session rewind to a shared prefix after
    // up to a window's worth of further positions.
    const int64_t cap =
        sliding ? std::min<int64_t>(n_ctx, 2 * int64_t{c.window} + max_batch) : n_ctx;
    const int64_t row = c.kv_dim(l);
    capacity_.push_back(cap);
    row_size_.push_back(row);
    sliding_.push_back(sliding);
    const auto size = static_cast<size_t>(cap * row);
    if (type == KvType::kF32) {
      f32_k_.emplace_back(size);
      f32_v_.emplace_back(size);
    } else {
      f16_k_.emplace_back(size);
      f16_v_.emplace_back(size);
    }
  }
}

bool KvCache::CanRewind(int64_t written, int64_t n) const noexcept {
  if (n > written || n < 0) return false;
  for (size_t l = 0; l < capacity_.size(); ++l) {
    if (!sliding_[l] || capacity_[l] >= n_ctx_) continue;
    // Oldest position still needed by a query at n is n - window + 1; the ring
    // still holds it while it was not overwritten by positions < written.
    const int64_t oldest_needed = std::max<int64_t>(0, n - window_ + 1);
    if (written - 1 - oldest_needed >= capacity_[l]) return false;
  }
  return true;
}

uint64_t KvCache::bytes() const noexcept {
  uint64_t total = 0;
  for (size_t l = 0; l < capacity_.size(); ++l) {
    total += 2 * static_cast<uint64_t>(capacity_[l] * row_size_[l]) *
             (type_ == KvType::kF32 ? sizeof(float) : sizeof(uint16_t));
  }
  return total;
}

}  // namespace scribed::engine::model
