// Packed (row-interleaved) weights: the layout round-trips, and PackedMatMul
// matches the scalar reference kernel bit for bit on every compiled target,
// the GGUF-layout MatMul within float rounding, and itself across threads.
#include "engine/kernels/packed_matmul.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "engine/kernels/activation_quant.h"
#include "engine/kernels/packed_gemm_reference.h"
#include "engine/kernels/packed_weights.h"
#include "engine/tensor/quantize.h"
#include "tests/engine/hwy_targets.h"

namespace scribed::engine::kernels {
namespace {

using scribed::engine::testing::ForEachTarget;

const TensorType kPackedTypes[] = {TensorType::kQ8_0, TensorType::kQ4_0, TensorType::kQ4_K,
                                   TensorType::kQ6_K};

std::vector<std::byte> RandomWeights(TensorType type, int64_t rows, int64_t cols,
                                     std::mt19937& rng) {
  const int64_t row_bytes = static_cast<int64_t>(*RowBytes(type, cols));
  std::vector<std::byte> bytes(static_cast<size_t>(rows * row_bytes));
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> src(static_cast<size_t>(cols));
  for (int64_t r = 0; r < rows; ++r) {
    const float scale = std::exp(dist(rng));
    for (auto& v : src) v = dist(rng) * scale;
    QuantizeRow(type, src.data(), bytes.data() + r * row_bytes, cols);
  }
  if (type == TensorType::kQ8_0) {  // the extreme code -128 too
    for (size_t b = 0; b < bytes.size() / 34; b += 5) bytes[b * 34 + 2 + b % 32] = std::byte{0x80};
  }
  return bytes;
}

// Bit-exact expectation built from the reference pieces.
std::vector<float> Reference(TensorType type, const std::vector<std::byte>& packed, int64_t rows,
                             int64_t cols, const std::vector<float>& x, int64_t ntok) {
  const bool k = type == TensorType::kQ4_K || type == TensorType::kQ6_K;
  const int64_t nb = cols / (k ? kQKK : kQK);
  const int64_t act_bytes = nb * static_cast<int64_t>(k ? sizeof(BlockQ8_K) : sizeof(ActBlock32));
  std::vector<uint8_t> act(static_cast<size_t>(act_bytes * ntok));
  std::vector<int32_t> extra(static_cast<size_t>(ExtraPerBlock(type) * nb * ntok + 1));
  for (int64_t t = 0; t < ntok; ++t) {
    void* a = act.data() + t * act_bytes;
    if (k) {
      QuantizeActivationK(x.data() + t * cols, cols, static_cast<BlockQ8_K*>(a));
    } else {
      QuantizeActivation32(x.data() + t * cols, cols, static_cast<ActBlock32*>(a));
    }
    ComputeActivationExtra(type, a, nb, extra.data() + t * ExtraPerBlock(type) * nb);
  }
  std::vector<float> y(static_cast<size_t>(rows * ntok));
  const int64_t group_bytes = nb * PackedBlockBytes(type);
  for (int64_t g = 0; g < rows / kPackRows; ++g) {
    const auto* group = reinterpret_cast<const uint8_t*>(packed.data()) + g * group_bytes;
    PackedGroupReference(type, group, nb, act.data(), act_bytes, extra.data(), ntok,
                         y.data() + 8 * g, rows);
  }
  return y;
}

TEST(PackedWeightsTest, UnpackRowRestoresEveryRow) {
  std::mt19937 rng(7);
  for (TensorType type : kPackedTypes) {
    const int64_t rows = 16, cols = Traits(type).block_size == 256 ? 512 : 96;
    ASSERT_TRUE(Packable(type, rows, cols));
    EXPECT_FALSE(Packable(type, rows + 1, cols));
    const auto original = RandomWeights(type, rows, cols, rng);
    auto packed = original;
    PackInPlace(type, packed.data(), rows, cols);
    EXPECT_NE(original, packed);
    const size_t row_bytes = *RowBytes(type, cols);
    std::vector<std::byte> row(row_bytes);
    for (int64_t r = 0; r < rows; ++r) {
      UnpackRow(type, packed.data(), cols, r, row.data());
      ASSERT_EQ(0, std::memcmp(row.data(), original.data() + r * row_bytes, row_bytes))
          << Name(type) << " row " << r;
    }
    // DequantizeRow reads packed matrices through the same mapping.
    std::vector<float> a(static_cast<size_t>(cols)), b(a.size());
    const Matrix plain{type, original.data(), rows, cols};
    const Matrix pk{type, packed.data(), rows, cols, true};
    DequantizeRow(plain, 13, a.data());
    DequantizeRow(pk, 13, b.data());
    EXPECT_EQ(a, b);
  }
}

TEST(PackedMatMulTest, MatchesReferenceBitExactOnEveryTargetAndThreadCount) {
  std::mt19937 rng(11);
  ThreadPool pool1(1), pool3(3);
  for (TensorType type : kPackedTypes) {
    const int64_t cols = Traits(type).block_size == 256 ? 256 * 3 : 32 * 25;
    const int64_t rows = 72;
    const auto original = RandomWeights(type, rows, cols, rng);
    auto packed = original;
    PackInPlace(type, packed.data(), rows, cols);
    const Matrix plain{type, original.data(), rows, cols};
    const Matrix pk{type, packed.data(), rows, cols, true};
    std::normal_distribution<float> dist(0.0f, 1.0f);
    for (int64_t ntok : {1, 2, 3, 5, 9, 40}) {
      std::vector<float> x(static_cast<size_t>(ntok * cols));
      for (auto& v : x) v = dist(rng) * 3.0f;
      if (ntok == 3) std::fill(x.begin() + cols, x.begin() + 2 * cols, 0.0f);  // zero token
      const auto expected = Reference(type, packed, rows, cols, x, ntok);
      std::vector<float> plain_y(expected.size());
      MatMul(plain, x.data(), ntok, plain_y.data(), pool1);
      ForEachTarget([&](int64_t) {
        std::vector<float> y1(expected.size(), NAN), y3(expected.size(), NAN);
        MatMul(pk, x.data(), ntok, y1.data(), pool1);
        PackedMatMul(pk, x.data(), ntok, y3.data(), pool3);
        ASSERT_EQ(0, std::memcmp(y1.data(), expected.data(), y1.size() * sizeof(float)))
            << Name(type) << " ntok " << ntok;
        ASSERT_EQ(0, std::memcmp(y3.data(), expected.data(), y3.size() * sizeof(float)))
            << Name(type) << " ntok " << ntok << ": thread count changed the result";
        // Same products as the GGUF-layout kernel, summed in another order.
        float scale = 0.0f;
        for (float v : plain_y) scale = std::max(scale, std::fabs(v));
        for (size_t i = 0; i < y1.size(); ++i) {
          ASSERT_NEAR(y1[i], plain_y[i], 1e-5f * scale)
              << Name(type) << " ntok " << ntok << " index " << i;
        }
      });
    }
  }
}

}  // namespace
}  // namespace scribed::engine::kernels
