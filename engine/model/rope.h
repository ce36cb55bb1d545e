// Rotary position embedding, NeoX pairing (dimension i with i + n_rot/2), as
// Gemma 4 uses it. Angles follow the reference implementation's recurrence
// (theta_i = pos * base^(-2i/n_rot), accumulated in float) so logits match it.
#pragma once

#include <cstdint>
#include <span>

namespace scribed::engine::model {

// Rotates the first n_rot values of every head in `x` ([n_heads, head_dim]).
// `freq_divisors` (n_rot / 2 values, may be empty) divide the angles; a huge
// divisor freezes a pair, which is how partial rotation is encoded.
void ApplyRope(float* x, int n_heads, int head_dim, int n_rot, int64_t pos, float base,
               std::span<const float> freq_divisors) noexcept;

}  // namespace scribed::engine::model
