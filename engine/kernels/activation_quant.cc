#include "engine/kernels/activation_quant.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace scribed::engine::kernels {
namespace {

// Returns the scale d = amax/127 and writes round(x/d) to q. Symmetric
// (no zero point) so a weight x activation product is one integer multiply;
// the range is +-127, not -128, so that negating a code (the sign trick of
// the Q8_0 kernels) cannot overflow.
float QuantizeBlock(const float* x, int n, int8_t* q) noexcept {
  float amax = 0.0f;
  for (int i = 0; i < n; ++i) amax = std::max(amax, std::fabs(x[i]));
  const float id = amax > 0.0f ? 127.0f / amax : 0.0f;
  for (int i = 0; i < n; ++i) {
    const float v = std::min(127.0f, std::max(-127.0f, std::nearbyint(x[i] * id)));
    q[i] = static_cast<int8_t>(v);
  }
  return amax / 127.0f;
}

}  // namespace

void QuantizeActivation32(const float* x, int64_t n, ActBlock32* out) noexcept {
  for (int64_t b = 0; b < n / kQK; ++b) out[b].d = QuantizeBlock(x + b * kQK, kQK, out[b].qs);
}

void QuantizeActivationK(const float* x, int64_t n, BlockQ8_K* out) noexcept {
  for (int64_t b = 0; b < n / kQKK; ++b) {
    BlockQ8_K& blk = out[b];
    blk.d = QuantizeBlock(x + b * kQKK, kQKK, blk.qs);
    // Per-16 sums let the k-quant kernels take off the weights' offsets
    // (Q6_K's +32, the Q4_K mins) once per group instead of per element.
    for (int j = 0; j < kQKK / 16; ++j) {
      int s = 0;
      for (int l = 0; l < 16; ++l) s += blk.qs[16 * j + l];
      blk.bsums[j] = static_cast<int16_t>(s);
    }
  }
}

// The bsums stay in natural order: only the codes move, to the order in which
// one wide load of Q4_K/Q5_K nibbles presents the weights (InterleavedK).
void QuantizeActivationKInterleaved(const float* x, int64_t n, BlockQ8_K* out) noexcept {
  QuantizeActivationK(x, n, out);
  for (int64_t b = 0; b < n / kQKK; ++b) {
    int8_t natural[kQKK];
    std::memcpy(natural, out[b].qs, sizeof(natural));
    for (int e = 0; e < kQKK; ++e) out[b].qs[InterleavedK(e)] = natural[e];
  }
}

}  // namespace scribed::engine::kernels
