// Highway bodies of the ops in kernels/ops.h that read IEEE half-precision
// vectors (the F16 KV cache): promoted to float in registers, accumulated in
// float, tails finished in scalar code.
#include <cstring>

#include "engine/kernels/ops.h"
#include "engine/tensor/quantize.h"

// clang-format off
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "engine/kernels/ops_f16.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>
// clang-format on

HWY_BEFORE_NAMESPACE();
namespace scribed::engine::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;
using DF = hn::ScalableTag<float>;
using DH = hn::Rebind<hwy::float16_t, DF>;

hn::Vec<DF> LoadHalf(const uint16_t* p) {
  return hn::PromoteTo(DF(), hn::LoadU(DH(), reinterpret_cast<const hwy::float16_t*>(p)));
}

float DotF16Impl(const float* a, const uint16_t* b, int64_t n) {
  const DF d;
  const auto N = static_cast<int64_t>(hn::Lanes(d));
  auto s0 = hn::Zero(d), s1 = hn::Zero(d);
  int64_t i = 0;
  for (; i + 2 * N <= n; i += 2 * N) {
    s0 = hn::MulAdd(hn::LoadU(d, a + i), LoadHalf(b + i), s0);
    s1 = hn::MulAdd(hn::LoadU(d, a + i + N), LoadHalf(b + i + N), s1);
  }
  for (; i + N <= n; i += N) s0 = hn::MulAdd(hn::LoadU(d, a + i), LoadHalf(b + i), s0);
  float sum = hn::GetLane(hn::SumOfLanes(d, hn::Add(s0, s1)));
  for (; i < n; ++i) sum += a[i] * F16ToF32(b[i]);
  return sum;
}

void AxpyF16Impl(float a, const uint16_t* x, float* y, int64_t n) {
  const DF d;
  const auto N = static_cast<int64_t>(hn::Lanes(d));
  const auto va = hn::Set(d, a);
  int64_t i = 0;
  for (; i + N <= n; i += N) hn::StoreU(hn::MulAdd(va, LoadHalf(x + i), hn::LoadU(d, y + i)), d, y + i);
  for (; i < n; ++i) y[i] += a * F16ToF32(x[i]);
}

}  // namespace HWY_NAMESPACE
}  // namespace scribed::engine::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace scribed::engine::kernels {

HWY_EXPORT(DotF16Impl);
HWY_EXPORT(AxpyF16Impl);

float DotF16(const float* a, const uint16_t* b, int64_t n) noexcept {
  return HWY_DYNAMIC_DISPATCH(DotF16Impl)(a, b, n);
}
void AxpyF16(float a, const uint16_t* x, float* y, int64_t n) noexcept {
  HWY_DYNAMIC_DISPATCH(AxpyF16Impl)(a, x, y, n);
}

}  // namespace scribed::engine::kernels
#endif  // HWY_ONCE
