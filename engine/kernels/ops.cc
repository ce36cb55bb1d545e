// Highway per-target bodies of kernels/ops.h. Every op processes full vectors
// and finishes a ragged tail by running the same vector code on a padded copy,
// so each element gets identical arithmetic wherever it sits.
#include "engine/kernels/ops.h"

#include <cmath>
#include <cstring>

// Order matters: foreach_target re-includes this file once per target.
// clang-format off
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "engine/kernels/ops.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>
#include <hwy/contrib/math/math-inl.h>
// clang-format on

HWY_BEFORE_NAMESPACE();
namespace scribed::engine::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;
using DF = hn::ScalableTag<float>;

// Loads n < Lanes elements padded with `pad`.
template <class D>
hn::Vec<D> LoadTail(D d, const float* p, size_t n, float pad) {
  HWY_ALIGN float buf[hn::MaxLanes(DF())];
  for (size_t i = 0; i < hn::Lanes(d); ++i) buf[i] = i < n ? p[i] : pad;
  return hn::Load(d, buf);
}
template <class D>
void StoreTail(D d, hn::Vec<D> v, float* p, size_t n) {
  HWY_ALIGN float buf[hn::MaxLanes(DF())];
  hn::Store(v, d, buf);
  std::memcpy(p, buf, n * sizeof(float));
}

// out[i] = f(a[i], b[i]) over any length; b may be null when f ignores it.
template <class F>
void Map2(const float* a, const float* b, float* out, size_t n, const F& f) {
  const DF d;
  const size_t N = hn::Lanes(d);
  size_t i = 0;
  for (; i + N <= n; i += N) {
    const auto vb = b ? hn::LoadU(d, b + i) : hn::Zero(d);
    hn::StoreU(f(d, hn::LoadU(d, a + i), vb), d, out + i);
  }
  if (i < n) {
    const auto vb = b ? LoadTail(d, b + i, n - i, 0.0f) : hn::Zero(d);
    StoreTail(d, f(d, LoadTail(d, a + i, n - i, 0.0f), vb), out + i, n - i);
  }
}

float SumSquares(const float* x, size_t n) {
  const DF d;
  const size_t N = hn::Lanes(d);
  auto s0 = hn::Zero(d), s1 = hn::Zero(d);
  size_t i = 0;
  for (; i + 2 * N <= n; i += 2 * N) {
    const auto a = hn::LoadU(d, x + i), b = hn::LoadU(d, x + i + N);
    s0 = hn::MulAdd(a, a, s0);
    s1 = hn::MulAdd(b, b, s1);
  }
  for (; i < n; i += N) {
    const auto a = i + N <= n ? hn::LoadU(d, x + i) : LoadTail(d, x + i, n - i, 0.0f);
    s0 = hn::MulAdd(a, a, s0);
  }
  return hn::GetLane(hn::SumOfLanes(d, hn::Add(s0, s1)));
}

void RmsNormImpl(const float* x, const float* weight, int64_t n, float eps, float* out) {
  if (n <= 0) return;
  const size_t len = static_cast<size_t>(n);
  const float ms = SumSquares(x, len) / static_cast<float>(n);
  const float inv = 1.0f / std::sqrt(ms + eps);
  if (weight) {
    Map2(x, weight, out, len,
         [inv](DF d, auto vx, auto vw) { return hn::Mul(hn::Mul(vx, hn::Set(d, inv)), vw); });
  } else {
    Map2(x, nullptr, out, len, [inv](DF d, auto vx, auto) { return hn::Mul(vx, hn::Set(d, inv)); });
  }
}

// gelu_tanh(g) = 0.5 g (1 + tanh(u)) = g * sigmoid(2u), with the sigmoid taken
// from t = exp(-2|u|) <= 1: full relative precision where tanh(u) is near -1
// and no overflow.
void GeluTanhMulImpl(const float* gate, const float* up, int64_t n, float* out) {
  if (n <= 0) return;
  Map2(gate, up, out, static_cast<size_t>(n), [](DF d, auto g, auto u) {
    const auto inner = hn::MulAdd(hn::Mul(hn::Set(d, 0.044715f), g), hn::Mul(g, g), g);
    const auto two_u = hn::Mul(hn::Set(d, 2.0f * 0.7978845608028654f), inner);
    const auto t = hn::Exp(d, hn::Neg(hn::Abs(two_u)));
    const auto num = hn::IfThenElse(hn::Lt(two_u, hn::Zero(d)), t, hn::Set(d, 1.0f));
    const auto sig = hn::Div(num, hn::Add(hn::Set(d, 1.0f), t));
    return hn::Mul(hn::Mul(g, sig), u);
  });
}

void SoftmaxImpl(float* x, int64_t n) {
  if (n <= 0) return;
  const DF d;
  const size_t N = hn::Lanes(d), len = static_cast<size_t>(n);
  auto vmax = hn::Set(d, -INFINITY);
  for (size_t i = 0; i < len; i += N) {
    const auto v = i + N <= len ? hn::LoadU(d, x + i) : LoadTail(d, x + i, len - i, -INFINITY);
    vmax = hn::Max(vmax, v);
  }
  const auto m = hn::MaxOfLanes(d, vmax);
  auto sum = hn::Zero(d);
  size_t i = 0;
  for (; i + N <= len; i += N) {
    const auto e = hn::Exp(d, hn::Sub(hn::LoadU(d, x + i), m));
    sum = hn::Add(sum, e);
    hn::StoreU(e, d, x + i);
  }
  if (i < len) {
    const auto e = hn::Exp(d, hn::Sub(LoadTail(d, x + i, len - i, -INFINITY), m));
    sum = hn::Add(sum, e);
    StoreTail(d, e, x + i, len - i);
  }
  const float inv = 1.0f / hn::GetLane(hn::SumOfLanes(d, sum));
  Map2(x, nullptr, x, len, [inv](DF dd, auto v, auto) { return hn::Mul(v, hn::Set(dd, inv)); });
}

void SoftcapImpl(float* x, int64_t n, float cap) {
  if (n <= 0) return;
  const float inv = 1.0f / cap;
  Map2(x, nullptr, x, static_cast<size_t>(n), [cap, inv](DF d, auto v, auto) {
    return hn::Mul(hn::Set(d, cap), hn::Tanh(d, hn::Mul(v, hn::Set(d, inv))));
  });
}

float DotImpl(const float* a, const float* b, int64_t n) {
  if (n <= 0) return 0.0f;
  const DF d;
  const size_t N = hn::Lanes(d), len = static_cast<size_t>(n);
  auto s0 = hn::Zero(d), s1 = hn::Zero(d);
  size_t i = 0;
  for (; i + 2 * N <= len; i += 2 * N) {
    s0 = hn::MulAdd(hn::LoadU(d, a + i), hn::LoadU(d, b + i), s0);
    s1 = hn::MulAdd(hn::LoadU(d, a + i + N), hn::LoadU(d, b + i + N), s1);
  }
  for (; i < len; i += N) {
    const bool full = i + N <= len;
    const auto va = full ? hn::LoadU(d, a + i) : LoadTail(d, a + i, len - i, 0.0f);
    const auto vb = full ? hn::LoadU(d, b + i) : LoadTail(d, b + i, len - i, 0.0f);
    s0 = hn::MulAdd(va, vb, s0);
  }
  return hn::GetLane(hn::SumOfLanes(d, hn::Add(s0, s1)));
}

void AxpyImpl(float a, const float* x, float* y, int64_t n) {
  if (n <= 0) return;
  Map2(x, y, y, static_cast<size_t>(n),
       [a](DF d, auto vx, auto vy) { return hn::MulAdd(hn::Set(d, a), vx, vy); });
}

void AddImpl(const float* a, const float* b, float* out, int64_t n) {
  if (n <= 0) return;
  Map2(a, b, out, static_cast<size_t>(n), [](DF, auto va, auto vb) { return hn::Add(va, vb); });
}

void ScaleImpl(float* x, float s, int64_t n) {
  if (n <= 0) return;
  Map2(x, nullptr, x, static_cast<size_t>(n),
       [s](DF d, auto v, auto) { return hn::Mul(v, hn::Set(d, s)); });
}

}  // namespace HWY_NAMESPACE
}  // namespace scribed::engine::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace scribed::engine::kernels {

HWY_EXPORT(RmsNormImpl);
HWY_EXPORT(GeluTanhMulImpl);
HWY_EXPORT(SoftmaxImpl);
HWY_EXPORT(SoftcapImpl);
HWY_EXPORT(DotImpl);
HWY_EXPORT(AxpyImpl);
HWY_EXPORT(AddImpl);
HWY_EXPORT(ScaleImpl);

void RmsNorm(const float* x, const float* weight, int64_t n, float eps, float* out) noexcept {
  HWY_DYNAMIC_DISPATCH(RmsNormImpl)(x, weight, n, eps, out);
}
void GeluTanhMul(const float* gate, const float* up, int64_t n, float* out) noexcept {
  HWY_DYNAMIC_DISPATCH(GeluTanhMulImpl)(gate, up, n, out);
}
void Softmax(float* x, int64_t n) noexcept { HWY_DYNAMIC_DISPATCH(SoftmaxImpl)(x, n); }
void Softcap(float* x, int64_t n, float cap) noexcept {
  HWY_DYNAMIC_DISPATCH(SoftcapImpl)(x, n, cap);
}
float Dot(const float* a, const float* b, int64_t n) noexcept {
  return HWY_DYNAMIC_DISPATCH(DotImpl)(a, b, n);
}
void Axpy(float a, const float* x, float* y, int64_t n) noexcept {
  HWY_DYNAMIC_DISPATCH(AxpyImpl)(a, x, y, n);
}
void Add(const float* a, const float* b, float* out, int64_t n) noexcept {
  HWY_DYNAMIC_DISPATCH(AddImpl)(a, b, out, n);
}
void Scale(float* x, float s, int64_t n) noexcept { HWY_DYNAMIC_DISPATCH(ScaleImpl)(x, s, n); }

}  // namespace scribed::engine::kernels
#endif  // HWY_ONCE
