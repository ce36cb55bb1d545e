// Vector ops against double-precision references, every compiled target,
// lengths 0..70, misaligned pointers.
#include "engine/kernels/ops.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "tests/engine/hwy_targets.h"

namespace scribed::engine::kernels {
namespace {

using scribed::engine::testing::ForEachTarget;

constexpr double kRel = 2e-6;

// Random values at offset `misalign` floats into a fresh buffer.
struct Buf {
  std::vector<float> storage;
  float* p;
  Buf(std::mt19937& rng, int n, int misalign, float scale) : storage(n + 8) {
    std::normal_distribution<float> dist(0.0f, scale);
    p = storage.data() + misalign;
    for (int i = 0; i < n; ++i) p[i] = dist(rng);
  }
};

template <class F>
void ForLengths(const F& f) {
  std::mt19937 rng(42);
  for (int n = 0; n <= 70; ++n) {
    for (int mis : {0, 1, 3}) f(rng, n, mis);
  }
}

TEST(OpsTest, RmsNorm) {
  ForEachTarget([](int64_t) {
    ForLengths([](std::mt19937& rng, int n, int mis) {
      Buf x(rng, n, mis, 3.0f), w(rng, n, (mis + 1) % 4, 1.0f);
      std::vector<float> out(n);
      double ss = 0;
      for (int i = 0; i < n; ++i) ss += double{x.p[i]} * x.p[i];
      const double inv = 1.0 / std::sqrt(ss / std::max(n, 1) + 1e-6);
      RmsNorm(x.p, w.p, n, 1e-6f, out.data());
      for (int i = 0; i < n; ++i) {
        const double ref = x.p[i] * inv * w.p[i];
        ASSERT_NEAR(out[i], ref, std::fabs(ref) * kRel + 1e-30) << n << " " << i;
      }
      // Unweighted, in place.
      std::vector<float> copy(x.p, x.p + n);
      RmsNorm(copy.data(), nullptr, n, 1e-6f, copy.data());
      for (int i = 0; i < n; ++i) {
        ASSERT_NEAR(copy[i], x.p[i] * inv, std::fabs(x.p[i] * inv) * kRel + 1e-30);
      }
    });
  });
}

TEST(OpsTest, GeluTanhMul) {
  ForEachTarget([](int64_t) {
    ForLengths([](std::mt19937& rng, int n, int mis) {
      Buf g(rng, n, mis, 4.0f), u(rng, n, 2, 1.0f);
      if (n > 2) g.p[0] = -30.0f, g.p[1] = 25.0f, g.p[2] = -1e-5f;
      std::vector<float> out(n);
      GeluTanhMul(g.p, u.p, n, out.data());
      for (int i = 0; i < n; ++i) {
        const double x = g.p[i];
        // 0.5x(1 + tanh(v)) written as x / (1 + exp(-2v)), which double can
        // evaluate without cancellation where tanh(v) is near -1.
        const double v = std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x);
        const double ref = x / (1.0 + std::exp(-2.0 * v)) * u.p[i];
        // exp's condition number |2v| scales the unavoidable float rounding of v.
        const double tol = std::fabs(ref) * 2.5e-7 * (8.0 + std::fabs(2.0 * v)) + 1e-35;
        ASSERT_NEAR(out[i], ref, tol) << n << " x=" << x;
      }
    });
  });
}

TEST(OpsTest, SoftmaxAndSoftcap) {
  ForEachTarget([](int64_t) {
    ForLengths([](std::mt19937& rng, int n, int mis) {
      Buf x(rng, n, mis, 5.0f);
      std::vector<double> ref(n);
      double mx = -INFINITY, sum = 0;
      for (int i = 0; i < n; ++i) mx = std::max(mx, double{x.p[i]});
      for (int i = 0; i < n; ++i) sum += ref[i] = std::exp(x.p[i] - mx);
      std::vector<float> sm(x.p, x.p + n);
      Softmax(sm.data(), n);
      for (int i = 0; i < n; ++i) ASSERT_NEAR(sm[i], ref[i] / sum, ref[i] / sum * kRel) << n;

      std::vector<float> sc(x.p, x.p + n);
      Softcap(sc.data(), n, 30.0f);
      for (int i = 0; i < n; ++i) {
        const double r = 30.0 * std::tanh(x.p[i] / 30.0);
        ASSERT_NEAR(sc[i], r, std::fabs(r) * kRel + 1e-30) << n;
      }
    });
  });
}

TEST(OpsTest, DotAxpyAddScale) {
  ForEachTarget([](int64_t) {
    ForLengths([](std::mt19937& rng, int n, int mis) {
      Buf a(rng, n, mis, 1.0f), b(rng, n, (mis + 2) % 4, 1.0f);
      double dot = 0, mag = 0;
      for (int i = 0; i < n; ++i) {
        dot += double{a.p[i]} * b.p[i];
        mag += std::fabs(double{a.p[i]} * b.p[i]);
      }
      ASSERT_NEAR(Dot(a.p, b.p, n), dot, mag * 1e-6 + 1e-30) << n;

      std::vector<float> y(b.p, b.p + n);
      Axpy(0.75f, a.p, y.data(), n);
      for (int i = 0; i < n; ++i) {
        const double r = 0.75 * a.p[i] + b.p[i];
        ASSERT_NEAR(y[i], r, (std::fabs(0.75 * a.p[i]) + std::fabs(b.p[i])) * 1e-7) << n;
      }
      std::vector<float> s(n);
      Add(a.p, b.p, s.data(), n);
      for (int i = 0; i < n; ++i) ASSERT_EQ(s[i], a.p[i] + b.p[i]);
      std::vector<float> c(a.p, a.p + n);
      Scale(c.data(), -1.5f, n);
      for (int i = 0; i < n; ++i) ASSERT_EQ(c[i], a.p[i] * -1.5f);
    });
  });
}

}  // namespace
}  // namespace scribed::engine::kernels
