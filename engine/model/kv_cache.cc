#include "engine/model/kv_cache.h"

#include <algorithm>

namespace scribed::engine::model {

KvCache::KvCache(const ModelConfig& c, int64_t n_ctx, int64_t max_batch, KvType type)
    : geometry_(c, n_ctx, max_batch), type_(type) {
  for (int l = 0; l < c.n_layer; ++l) {
    const int64_t cap = geometry_.capacity[l], row = geometry_.row_size[l];
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
  return geometry_.CanRewind(written, n);
}

uint64_t KvCache::bytes() const noexcept {
  return geometry_.values() * (type_ == KvType::kF32 ? sizeof(float) : sizeof(uint16_t));
}

}  // namespace scribed::engine::model
