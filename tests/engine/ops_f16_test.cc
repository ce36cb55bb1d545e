// Half-precision attention ops against a double-precision reference over the
// same (exactly representable) half values, for ragged lengths.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "engine/kernels/ops.h"
#include "engine/tensor/quantize.h"

namespace scribed::engine::kernels {
namespace {

TEST(OpsF16, DotAndAxpyMatchDoubleReference) {
  std::mt19937 rng(7);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  for (int64_t n : {0, 1, 3, 15, 16, 17, 31, 33, 64, 100, 255, 256, 512}) {
    std::vector<float> a(static_cast<size_t>(n)), y(a.size()), y_ref(a.size());
    std::vector<uint16_t> b(a.size());
    double dot_ref = 0, abs_sum = 0;
    for (int64_t i = 0; i < n; ++i) {
      a[i] = dist(rng);
      b[i] = F32ToF16(dist(rng));
      y[i] = y_ref[i] = dist(rng);
      dot_ref += static_cast<double>(a[i]) * F16ToF32(b[i]);
      abs_sum += std::abs(static_cast<double>(a[i]) * F16ToF32(b[i]));
    }
    EXPECT_NEAR(DotF16(a.data(), b.data(), n), dot_ref, 1e-6 * abs_sum + 1e-7) << "n=" << n;
    const float w = 0.37f;
    AxpyF16(w, b.data(), y.data(), n);
    for (int64_t i = 0; i < n; ++i) {
      const double want = y_ref[i] + static_cast<double>(w) * F16ToF32(b[i]);
      EXPECT_NEAR(y[i], want, 1e-6 * (std::abs(want) + 1)) << "n=" << n << " i=" << i;
    }
  }
}

}  // namespace
}  // namespace scribed::engine::kernels
