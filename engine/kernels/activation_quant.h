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

// As QuantizeActivationK, but each 128 codes are stored as elements
// [0,32) [64,96) [32,64) [96,128) (bsums stay in natural order): the order in
// which one 64-byte load of Q4_K/Q5_K nibbles yields its sub-blocks.
void QuantizeActivationKInterleaved(const float* x, int64_t n, BlockQ8_K* out) noexcept;

// Position in an interleaved Q8_K block of natural element e (< 256).
constexpr int InterleavedK(int e) {
  const int o = e % 128, quarter = o / 32;
  const int slot = quarter == 1 ? 2 : quarter == 2 ? 1 : quarter;
  return e - o + slot * 32 + o % 32;
}

}  // namespace scribed::engine::kernels
