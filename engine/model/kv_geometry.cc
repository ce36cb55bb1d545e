#include "engine/model/kv_geometry.h"

#include <algorithm>

namespace scribed::engine::model {

KvGeometry::KvGeometry(const ModelConfig& c, int64_t n_ctx_in, int64_t max_batch)
    : n_ctx(n_ctx_in), window(c.window) {
  for (int l = 0; l < c.n_layer; ++l) {
    const bool is_sliding = c.layers[l].sliding;
    // A batch writes all its keys before any of its queries attends, and its
    // first query still needs the window before it: window + max_batch rows
    // keep both. The second window is what rewinding needs: dropping back to a
    // shared prefix (the prompt) after up to a window's worth of further
    // positions finds the prefix's last window of keys not yet overwritten.
    capacity.push_back(is_sliding ? std::min<int64_t>(n_ctx, 2 * int64_t{c.window} + max_batch)
                                  : n_ctx);
    row_size.push_back(c.kv_dim(l));
    sliding.push_back(is_sliding);
  }
}

bool KvGeometry::CanRewind(int64_t written, int64_t n) const noexcept {
  if (n > written || n < 0) return false;
  for (size_t l = 0; l < capacity.size(); ++l) {
    // A layer that holds every position (global, or a ring as long as the
    // context) has lost nothing.
    if (!sliding[l] || capacity[l] >= n_ctx) continue;
    // Oldest position still needed by a query at n is n - window + 1; the ring
    // still holds it while it was not overwritten by positions < written.
    const int64_t oldest_needed = std::max<int64_t>(0, n - window + 1);
    if (written - 1 - oldest_needed >= capacity[l]) return false;
  }
  return true;
}

uint64_t KvGeometry::values() const noexcept {
  uint64_t total = 0;
  for (size_t l = 0; l < capacity.size(); ++l) {
    total += 2 * static_cast<uint64_t>(capacity[l] * row_size[l]);
  }
  return total;
}

}  // namespace scribed::engine::model
