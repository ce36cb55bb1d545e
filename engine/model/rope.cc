#include "engine/model/rope.h"

#include <cmath>
#include <vector>

namespace scribed::engine::model {

void ApplyRope(float* x, int n_heads, int head_dim, int n_rot, int64_t pos, float base,
               std::span<const float> freq_divisors) noexcept {
  const int half = n_rot / 2;
  // At most a few hundred pairs; a small stack buffer avoids a heap allocation per head.
  constexpr int kMaxPairs = 1024;
  float cos_buf[kMaxPairs], sin_buf[kMaxPairs];
  const float theta_scale = std::pow(base, -2.0f / static_cast<float>(n_rot));
  float theta = static_cast<float>(pos);
  for (int i = 0; i < half && i < kMaxPairs; ++i) {
    const float divisor = freq_divisors.empty() ? 1.0f : freq_divisors[i];
    const float angle = theta / divisor;
    cos_buf[i] = std::cos(angle);
    sin_buf[i] = std::sin(angle);
    theta *= theta_scale;
  }
  for (int h = 0; h < n_heads; ++h) {
    float* head = x + static_cast<int64_t>(h) * head_dim;
    for (int i = 0; i < half && i < kMaxPairs; ++i) {
      const float x0 = head[i], x1 = head[i + half];
      head[i] = x0 * cos_buf[i] - x1 * sin_buf[i];
      head[i + half] = x0 * sin_buf[i] + x1 * cos_buf[i];
    }
  }
}

}  // namespace scribed::engine::model
