// Block formats against an element-by-element reference written from the
// ggml block definitions, plus quantize->dequantize error bounds.
#include "engine/tensor/quantize.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <stdexcept>
#include <vector>

namespace scribed::engine {
namespace {

// Independent f16 decoding: value = (-1)^s * 2^(e-15) * (1 + m/1024).
double RefHalf(const uint8_t* p) {
  const int h = p[0] | (p[1] << 8);
  const int s = h >> 15, e = (h >> 10) & 31, m = h & 1023;
  double v = e == 0 ? std::ldexp(m, -24) : std::ldexp(1024 + m, e - 25);
  return s ? -v : v;
}
int Bit(const uint8_t* p, int bit) { return (p[bit / 8] >> (bit % 8)) & 1; }
int Nib(const uint8_t* p, int i, bool high) { return high ? p[i] >> 4 : p[i] & 15; }

// Element i of one block at b, read straight from the layout.
double RefElement(TensorType t, const uint8_t* b, int i) {
  switch (t) {
    case TensorType::kQ4_0:
      return RefHalf(b) * (Nib(b + 2, i % 16, i >= 16) - 8);
    case TensorType::kQ4_1:
      return RefHalf(b) * Nib(b + 4, i % 16, i >= 16) + RefHalf(b + 2);
    case TensorType::kQ5_0:
      return RefHalf(b) * ((Nib(b + 6, i % 16, i >= 16) + 16 * Bit(b + 2, i)) - 16);
    case TensorType::kQ5_1:
      return RefHalf(b) * (Nib(b + 8, i % 16, i >= 16) + 16 * Bit(b + 4, i)) + RefHalf(b + 2);
    case TensorType::kQ8_0:
      return RefHalf(b) * static_cast<int8_t>(b[2 + i]);
    case TensorType::kQ2_K: {
      // 2-bit field (i%128)/32 of byte 32*(i/128) + i%32; scale byte i/16.
      const int q = (b[16 + 32 * (i / 128) + i % 32] >> (2 * ((i % 128) / 32))) & 3;
      const int sc = b[i / 16];
      return RefHalf(b + 80) * (sc & 15) * q - RefHalf(b + 82) * (sc >> 4);
    }
    case TensorType::kQ3_K: {
      const int lo = (b[32 + 32 * (i / 128) + i % 32] >> (2 * ((i % 128) / 32))) & 3;
      const int hbit = Bit(b, 8 * (i % 32) + i / 32);
      const int j = i / 16;
      const uint8_t* s = b + 96;
      // 6-bit scale j: low 4 bits are nibble j of bytes 0..7 (bytes first, then
      // high nibbles); high 2 bits are bit pair j/4 of byte 8 + j%4.
      const int low4 = Nib(s, j % 8, j >= 8);
      const int high2 = (s[8 + j % 4] >> (2 * (j / 4))) & 3;
      return RefHalf(b + 108) * ((low4 + 16 * high2) - 32) * (lo - (hbit ? 0 : 4));
    }
    case TensorType::kQ4_K:
    case TensorType::kQ5_K: {
      const uint8_t* s = b + 4;
      const int j = i / 32;  // sub-block
      int sc, mn;
      if (j < 4) {
        sc = s[j] % 64;
        mn = s[j + 4] % 64;
      } else {
        sc = (s[j + 4] % 16) + 16 * (s[j - 4] / 64);
        mn = (s[j + 4] / 16) + 16 * (s[j] / 64);
      }
      const uint8_t* qs = t == TensorType::kQ4_K ? b + 16 : b + 48;
      int q = Nib(qs, 32 * (i / 64) + i % 32, (i / 32) % 2 == 1);
      if (t == TensorType::kQ5_K) q += 16 * Bit(b + 16, 8 * (i % 32) + j);
      return RefHalf(b) * sc * q - RefHalf(b + 2) * mn;
    }
    case TensorType::kQ6_K: {
      // Within each 128 half: quarter g = (i%128)/32 takes ql nibble
      // (g>=2) of byte 64*half + 32*(g%2) + l and qh bits 2g..2g+1 of byte 32*half + l.
      const int half = i / 128, g = (i % 128) / 32, l = i % 32;
      const int low = Nib(b, 64 * half + 32 * (g % 2) + l, g >= 2);
      const int high = (b[128 + 32 * half + l] >> (2 * g)) & 3;
      return RefHalf(b + 208) * static_cast<int8_t>(b[192 + i / 16]) * ((low + 16 * high) - 32);
    }
    default:
      break;
  }
  ADD_FAILURE() << "no reference for " << Name(t);
  return 0;
}

const TensorType kBlockTypes[] = {
    TensorType::kQ4_0, TensorType::kQ4_1, TensorType::kQ5_0, TensorType::kQ5_1, TensorType::kQ8_0,
    TensorType::kQ2_K, TensorType::kQ3_K, TensorType::kQ4_K, TensorType::kQ5_K, TensorType::kQ6_K};

// Offsets of the f16 fields of each block type, so random blocks can get
// finite scales (including extremes and negative zero).
std::vector<int> HalfOffsets(TensorType t) {
  switch (t) {
    case TensorType::kQ4_0:
    case TensorType::kQ5_0:
    case TensorType::kQ8_0:
      return {0};
    case TensorType::kQ4_1:
    case TensorType::kQ5_1:
    case TensorType::kQ4_K:
    case TensorType::kQ5_K:
      return {0, 2};
    case TensorType::kQ2_K:
      return {80, 82};
    case TensorType::kQ3_K:
      return {108};
    case TensorType::kQ6_K:
      return {208};
    default:
      return {};
  }
}

TEST(QuantizeTest, DequantizeMatchesLayoutReference) {
  std::mt19937 rng(1234);
  const uint16_t kSpecial[] = {0x0000, 0x8000, 0x7BFF, 0xFBFF, 0x0001, 0x8001, 0x03FF, 0x3C00};
  for (TensorType t : kBlockTypes) {
    const auto& tr = Traits(t);
    const int nblocks = 40;
    std::vector<uint8_t> data(nblocks * tr.type_size);
    for (auto& v : data) v = static_cast<uint8_t>(rng());
    for (int blk = 0; blk < nblocks; ++blk) {
      for (int off : HalfOffsets(t)) {
        uint16_t h = blk < 8 ? kSpecial[blk] : static_cast<uint16_t>(rng() & 0x7BFF);
        if (blk >= 8 && (rng() & 1)) h |= 0x8000;
        std::memcpy(&data[blk * tr.type_size + off], &h, 2);
      }
    }
    std::vector<float> out(nblocks * tr.block_size);
    DequantizeRow(t, data.data(), out.data(), static_cast<int64_t>(out.size()));
    for (int blk = 0; blk < nblocks; ++blk) {
      for (int i = 0; i < tr.block_size; ++i) {
        const double ref = RefElement(t, &data[blk * tr.type_size], i);
        const float got = out[blk * tr.block_size + i];
        ASSERT_NEAR(got, ref, std::fabs(ref) * 1e-6 + 1e-30)
            << Name(t) << " block " << blk << " element " << i;
      }
    }
  }
}

TEST(QuantizeTest, HalfConversionsRoundToNearestEven) {
  // Every f16 value decodes exactly and re-encodes to itself.
  for (uint32_t h = 0; h < 0x10000; ++h) {
    const uint8_t bytes[2] = {static_cast<uint8_t>(h), static_cast<uint8_t>(h >> 8)};
    const float f = F16ToF32(static_cast<uint16_t>(h));
    if (((h >> 10) & 31) == 31) {
      EXPECT_EQ(std::isnan(f), (h & 1023) != 0);
      EXPECT_EQ(std::isnan(F16ToF32(F32ToF16(f))), std::isnan(f));
      continue;
    }
    ASSERT_EQ(static_cast<double>(f), RefHalf(bytes)) << h;
    ASSERT_EQ(F32ToF16(f), h) << h;
  }
  // Midpoints between neighbours round to the even one, just above rounds up.
  for (uint16_t h = 0; h < 0x7BFF; h = static_cast<uint16_t>(h + 97)) {
    const double a = F16ToF32(h), b = F16ToF32(static_cast<uint16_t>(h + 1));
    const float mid = static_cast<float>((a + b) / 2);
    EXPECT_EQ(F32ToF16(mid), (h % 2 == 0) ? h : h + 1) << h;
    EXPECT_EQ(F32ToF16(std::nextafter(mid, 1e9f)), h + 1) << h;
  }
  EXPECT_EQ(F32ToF16(65519.0f), 0x7BFF);
  EXPECT_EQ(F32ToF16(65520.0f), 0x7C00);
  EXPECT_EQ(F32ToF16(-1e10f), 0xFC00);
  EXPECT_EQ(F32ToF16(-0.0f), 0x8000);
}

TEST(QuantizeTest, Bf16RoundsToNearestEvenAndKeepsNaN) {
  std::mt19937 rng(7);
  for (int i = 0; i < 100000; ++i) {
    const uint32_t bits = rng();
    float f;
    std::memcpy(&f, &bits, 4);
    const uint16_t b = F32ToBF16(f);
    if (std::isnan(f)) {
      EXPECT_TRUE(std::isnan(BF16ToF32(b)));
      continue;
    }
    // Reference: pick the nearer of the two truncation neighbours, ties to even.
    const uint32_t lo = bits >> 16, rem = bits & 0xFFFF;
    uint32_t want = lo;
    if (rem > 0x8000 || (rem == 0x8000 && (lo & 1))) want = lo + 1;
    ASSERT_EQ(b, static_cast<uint16_t>(want)) << std::hex << bits;
  }
  EXPECT_TRUE(std::isnan(BF16ToF32(F32ToBF16(std::numeric_limits<float>::quiet_NaN()))));
  EXPECT_TRUE(std::isnan(BF16ToF32(F32ToBF16(BF16ToF32(0x7F81)))));  // signalling, low payload
}

// Largest error quantization may introduce for one element of a block with
// values in [lo, hi] (per format: step/2 plus scale quantization slack).
TEST(QuantizeTest, RoundTripErrorWithinFormatBounds) {
  struct Case {
    TensorType type;
    double rel;  // bound as a fraction of the block's max |x|
  };
  const Case cases[] = {
      {TensorType::kF32, 0},
      {TensorType::kF16, 1.0 / 1024},
      {TensorType::kBF16, 1.0 / 128},
      {TensorType::kQ8_0, 0.5 / 127 + 1e-3},
      {TensorType::kQ4_0, 1.0 / 8 + 1e-3},
      {TensorType::kQ4_1, 1.0 / 15 + 1e-3},
      {TensorType::kQ5_0, 1.0 / 16 + 1e-3},
      {TensorType::kQ5_1, 1.0 / 31 + 1e-3},
      {TensorType::kQ2_K, 0.75},
      {TensorType::kQ3_K, 0.35},
      {TensorType::kQ4_K, 0.12},
      {TensorType::kQ5_K, 0.06},
      {TensorType::kQ6_K, 0.04},
      {TensorType::kQ8_K, 0.5 / 127 + 1e-6},
  };
  std::mt19937 rng(99);
  for (const auto& c : cases) {
    const int64_t n = 256 * 6;
    std::vector<float> x(n);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    for (int64_t i = 0; i < n; ++i) {
      // Blocks of very different magnitudes, one all-zero, one one-signed.
      const int64_t blk = i / 256;
      const float scale = blk == 2 ? 0.0f : std::pow(10.0f, static_cast<float>(blk) - 2.0f);
      x[i] = blk == 4 ? std::fabs(normal(rng)) + 1.0f : normal(rng) * scale;
    }
    std::vector<uint8_t> q(*RowBytes(c.type, n));
    QuantizeRow(c.type, x.data(), q.data(), n);
    std::vector<float> back(n);
    DequantizeRow(c.type, q.data(), back.data(), n);
    const int64_t bs = Traits(c.type).block_size;
    double sq_err = 0, sq = 0;
    for (int64_t b0 = 0; b0 < n; b0 += std::max<int64_t>(bs, 32)) {
      const int64_t len = std::max<int64_t>(bs, 32);
      double amax = 0;
      for (int64_t i = b0; i < b0 + len; ++i) amax = std::max(amax, std::fabs(double{x[i]}));
      for (int64_t i = b0; i < b0 + len; ++i) {
        const double err = std::fabs(double{back[i]} - x[i]);
        // Elementwise types: relative, plus half a subnormal f16 step.
        const double bound =
            bs == 1 ? std::fabs(double{x[i]}) * c.rel + std::ldexp(1.0, -25) : amax * c.rel;
        ASSERT_LE(err, bound + 1e-30) << Name(c.type) << " element " << i << " x=" << x[i];
        sq_err += err * err;
        sq += double{x[i]} * x[i];
      }
    }
    if (c.type != TensorType::kF32) {
      EXPECT_GT(sq_err, 0.0) << Name(c.type);
    }
  }
}

TEST(QuantizeTest, RejectsBadLengthsAndTypes) {
  std::vector<float> x(64, 1.0f);
  std::vector<uint8_t> q(1024);
  EXPECT_THROW(QuantizeRow(TensorType::kQ4_K, x.data(), q.data(), 64), std::invalid_argument);
  EXPECT_THROW(DequantizeRow(TensorType::kQ8_0, q.data(), x.data(), 33), std::invalid_argument);
  EXPECT_THROW(QuantizeRow(TensorType::kQ8_1, x.data(), q.data(), 32), std::invalid_argument);
  EXPECT_FALSE(CanQuantize(TensorType::kQ8_1));
}

}  // namespace
}  // namespace scribed::engine
