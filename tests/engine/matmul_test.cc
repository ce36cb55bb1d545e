// MatMul for every weight type and compiled SIMD target against a double
// reference computed from the scalar-dequantized weights.
#include "engine/kernels/matmul.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "engine/tensor/quantize.h"
#include "tests/engine/hwy_targets.h"

namespace scribed::engine::kernels {
namespace {

using scribed::engine::testing::ForEachTarget;

struct Weights {
  TensorType type;
  int64_t rows, cols;
  std::vector<uint8_t> bytes;
  std::vector<float> deq;  // reference values, rows x cols

  Matrix matrix() const {
    return {type, reinterpret_cast<const std::byte*>(bytes.data()), rows, cols};
  }
};

Weights MakeWeights(TensorType type, int64_t rows, int64_t cols, std::mt19937& rng) {
  Weights w{type, rows, cols, {}, {}};
  const int64_t row_bytes = static_cast<int64_t>(*RowBytes(type, cols));
  w.bytes.resize(static_cast<size_t>(rows * row_bytes));
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> src(static_cast<size_t>(cols));
  for (int64_t r = 0; r < rows; ++r) {
    const float scale = std::exp(dist(rng));  // rows of different magnitude
    for (auto& v : src) v = dist(rng) * scale;
    QuantizeRow(type, src.data(), w.bytes.data() + r * row_bytes, cols);
  }
  if (type == TensorType::kQ8_0) {
    // Raw random codes too, so the extreme -128 appears.
    for (int64_t b = 0; b < rows * cols / 32; b += 3) {
      for (int i = 2; i < 34; ++i)
        w.bytes[static_cast<size_t>(b * 34 + i)] = static_cast<uint8_t>(rng());
    }
  }
  w.deq.resize(static_cast<size_t>(rows * cols));
  for (int64_t r = 0; r < rows; ++r) {
    DequantizeRow(type, w.bytes.data() + r * row_bytes, w.deq.data() + r * cols, cols);
  }
  return w;
}

// Block length over which the kernel quantizes activations to int8 (the
// documented contract in matmul.h), or 0 for exact float activations.
int64_t ActivationBlock(TensorType type) {
  switch (type) {
    case TensorType::kQ8_0:
    case TensorType::kQ4_0:
      return 32;
    case TensorType::kQ4_K:
    case TensorType::kQ5_K:
    case TensorType::kQ6_K:
      return 256;
    default:
      return 0;
  }
}

// The activation values the kernel multiplies by: x itself, or for int8 types
// d * round(x / d) per block with d = amax / 127 (the contract in matmul.h).
std::vector<double> EffectiveActivation(const float* x, int64_t n, int64_t block) {
  std::vector<double> out(x, x + n);
  if (block == 0) return out;
  for (int64_t b = 0; b < n; b += block) {
    float amax = 0;
    for (int64_t c = b; c < b + block; ++c) amax = std::max(amax, std::fabs(x[c]));
    const float d = amax / 127.0f, id = amax > 0 ? 127.0f / amax : 0.0f;
    for (int64_t c = b; c < b + block; ++c) out[c] = double{d} * std::nearbyint(x[c] * id);
  }
  return out;
}

void CheckAgainstReference(const Weights& w, const std::vector<float>& x, int64_t ntok,
                           const std::vector<float>& y) {
  for (int64_t t = 0; t < ntok; ++t) {
    const std::vector<double> xt =
        EffectiveActivation(x.data() + t * w.cols, w.cols, ActivationBlock(w.type));
    for (int64_t r = 0; r < w.rows; ++r) {
      const float* wr = w.deq.data() + r * w.cols;
      double ref = 0, mag = 0;
      for (int64_t c = 0; c < w.cols; ++c) {
        ref += wr[c] * xt[c];
        mag += std::fabs(wr[c] * xt[c]);
      }
      ASSERT_NEAR(y[static_cast<size_t>(t * w.rows + r)], ref, mag * 2e-6 + 1e-30)
          << Name(w.type) << " rows " << w.rows << " cols " << w.cols << " token " << t << "/"
          << ntok << " row " << r;
    }
  }
}

const TensorType kWeightTypes[] = {
    TensorType::kF32,  TensorType::kF16,  TensorType::kBF16, TensorType::kQ8_0, TensorType::kQ4_0,
    TensorType::kQ4_1, TensorType::kQ5_0, TensorType::kQ5_1, TensorType::kQ2_K, TensorType::kQ3_K,
    TensorType::kQ4_K, TensorType::kQ5_K, TensorType::kQ6_K};

TEST(MatMulTest, EveryTypeMatchesDoubleReferenceOnEveryTarget) {
  std::mt19937 rng(2024);
  ThreadPool pool1(1), pool3(3);
  for (TensorType type : kWeightTypes) {
    const int64_t bs = Traits(type).block_size;
    // Ragged shapes: odd block counts, rows not a multiple of any chunk.
    const int64_t cols = bs == 1 ? 203 : bs == 32 ? 32 * 25 : 256 * 3;
    const int64_t rows = 67;
    const Weights w = MakeWeights(type, rows, cols, rng);
    std::normal_distribution<float> dist(0.0f, 1.0f);
    for (int64_t ntok : {1, 2, 3, 7, 17, 64}) {
      std::vector<float> x(static_cast<size_t>(ntok * cols));
      for (auto& v : x) v = dist(rng);
      if (ntok == 3) std::fill(x.begin() + cols, x.begin() + 2 * cols, 0.0f);  // zero token
      ForEachTarget([&](int64_t) {
        std::vector<float> y1(static_cast<size_t>(ntok * rows), NAN), y3(y1.size(), NAN);
        MatMul(w.matrix(), x.data(), ntok, y1.data(), pool1);
        MatMul(w.matrix(), x.data(), ntok, y3.data(), pool3);
        ASSERT_EQ(0, std::memcmp(y1.data(), y3.data(), y1.size() * sizeof(float)))
            << Name(type) << ": thread count changed the result";
        CheckAgainstReference(w, x, ntok, y1);
      });
    }
  }
}

TEST(MatMulTest, LargeRowsSpanManyChunks) {
  std::mt19937 rng(5);
  ThreadPool pool(2);
  for (TensorType type : {TensorType::kQ4_K, TensorType::kQ8_0, TensorType::kBF16}) {
    const Weights w = MakeWeights(type, 301, 512, rng);
    std::vector<float> x(512);
    std::normal_distribution<float> dist(0.0f, 1.0f);
    for (auto& v : x) v = dist(rng);
    std::vector<float> y(301);
    MatMul(w.matrix(), x.data(), 1, y.data(), pool);
    CheckAgainstReference(w, x, 1, y);
  }
}

TEST(MatMulTest, DequantizeRowAndBadShapes) {
  std::mt19937 rng(9);
  const Weights w = MakeWeights(TensorType::kQ6_K, 4, 256, rng);
  std::vector<float> row(256);
  DequantizeRow(w.matrix(), 2, row.data());
  EXPECT_EQ(0, std::memcmp(row.data(), w.deq.data() + 512, 256 * sizeof(float)));
  EXPECT_THROW(DequantizeRow(w.matrix(), 4, row.data()), std::invalid_argument);
  ThreadPool pool(1);
  Matrix bad = w.matrix();
  bad.cols = 100;
  std::vector<float> x(100), y(4);
  EXPECT_THROW(MatMul(bad, x.data(), 1, y.data(), pool), std::invalid_argument);
}

}  // namespace
}  // namespace scribed::engine::kernels
