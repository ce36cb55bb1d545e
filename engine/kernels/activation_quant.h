// Activations quantized to int8 blocks for the integer dot-product kernels:
// 32-element blocks for Q8_0/Q4_0 weights, Q8_K super-blocks (with per-16
// sums) for the k-quants. Scalar and deterministic, so results never depend
// on the SIMD target or thread count that quantized them.
//
// Thread-safe: pure functions.
#pragma once

#include <cstdint>

#include "engine/tensor/quantize.h"

namespace scribed::engine::kernels {

struct ActBlock32 {
  float d;  // x ~= d * qs[i]
  int8_t qs[kQK];
};
static_assert(sizeof(ActBlock32) == 36);

// n must be a multiple of 32 / 256 respectively.
void QuantizeActivation32(const float* x, int64_t n, ActBlock32* out) noexcept;
void QuantizeActivationK(const float* x, int64_t n, BlockQ8_K* out) noexcept;

}  // namespace scribed::engine::kernels
