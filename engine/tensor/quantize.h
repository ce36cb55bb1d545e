// GGUF/ggml block layouts and scalar (reference) conversions between them and
// float32. DequantizeRow here is the reference every SIMD kernel is tested
// against; QuantizeRow is what the model converter uses to write weights.
//
// Thread-safe: all functions are pure.
#pragma once

#include <cstdint>
#include <cstring>

#include "scribed/engine/tensor_type.h"

namespace scribed::engine {

// ---- Scalar float conversions ----------------------------------------------

// IEEE binary16 <-> binary32; F32ToF16 rounds to nearest even, overflows to
// infinity and keeps NaNs NaN.
float F16ToF32(uint16_t h) noexcept;
uint16_t F32ToF16(float f) noexcept;

// bfloat16 <-> binary32; F32ToBF16 rounds to nearest even and keeps NaNs NaN.
inline float BF16ToF32(uint16_t b) noexcept {
  const uint32_t bits = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return f;
}
uint16_t F32ToBF16(float f) noexcept;

// ---- Block layouts (byte-exact with ggml; all little-endian) --------------

inline constexpr int kQK = 32;    // elements per block of the Q*_0/_1 types
inline constexpr int kQKK = 256;  // elements per k-quant super-block

struct BlockQ4_0 {
  uint16_t d;           // f16 scale
  uint8_t qs[kQK / 2];  // element i < 16 in low nibble of qs[i], i >= 16 in high nibble of qs[i-16]
};
struct BlockQ4_1 {
  uint16_t d, m;  // f16 scale and offset: x = d*q + m
  uint8_t qs[kQK / 2];
};
struct BlockQ5_0 {
  uint16_t d;
  uint8_t qh[4];  // bit i (of the little-endian uint32) = fifth bit of element i
  uint8_t qs[kQK / 2];
};
struct BlockQ5_1 {
  uint16_t d, m;
  uint8_t qh[4];
  uint8_t qs[kQK / 2];
};
struct BlockQ8_0 {
  uint16_t d;
  int8_t qs[kQK];
};
struct BlockQ2_K {
  uint8_t scales[kQKK / 16];  // per 16 elements: low nibble scale, high nibble min
  uint8_t qs[kQKK / 4];       // 2-bit quants
  uint16_t d, dmin;           // f16 super-block scales of the scales and mins
};
struct BlockQ3_K {
  uint8_t hmask[kQKK / 8];  // third bit of each quant (set = no -4 offset)
  uint8_t qs[kQKK / 4];     // low 2 bits
  uint8_t scales[12];       // 16 6-bit signed (offset 32) scales, packed
  uint16_t d;
};
struct BlockQ4_K {
  uint16_t d, dmin;
  uint8_t scales[12];  // 8 6-bit scales and 8 6-bit mins, packed
  uint8_t qs[kQKK / 2];
};
struct BlockQ5_K {
  uint16_t d, dmin;
  uint8_t scales[12];
  uint8_t qh[kQKK / 8];
  uint8_t qs[kQKK / 2];
};
struct BlockQ6_K {
  uint8_t ql[kQKK / 2];      // low 4 bits
  uint8_t qh[kQKK / 4];      // high 2 bits
  int8_t scales[kQKK / 16];  // per 16 elements
  uint16_t d;
};
struct BlockQ8_K {  // activations: float scale, per-16 sums for the k-quant mins
  float d;
  int8_t qs[kQKK];
  int16_t bsums[kQKK / 16];
};

static_assert(sizeof(BlockQ4_0) == 18 && sizeof(BlockQ4_1) == 20);
static_assert(sizeof(BlockQ5_0) == 22 && sizeof(BlockQ5_1) == 24);
static_assert(sizeof(BlockQ8_0) == 34 && sizeof(BlockQ2_K) == 84);
static_assert(sizeof(BlockQ3_K) == 110 && sizeof(BlockQ4_K) == 144);
static_assert(sizeof(BlockQ5_K) == 176 && sizeof(BlockQ6_K) == 210);
static_assert(sizeof(BlockQ8_K) == 292);

// Scale j and min j (j < 8) of a Q4_K/Q5_K block's packed 12-byte field.
inline void UnpackScaleMinK4(const uint8_t* s, int j, uint8_t* scale, uint8_t* min) noexcept {
  if (j < 4) {
    *scale = s[j] & 63;
    *min = s[j + 4] & 63;
  } else {
    *scale = static_cast<uint8_t>((s[j + 4] & 0xF) | ((s[j - 4] >> 6) << 4));
    *min = static_cast<uint8_t>((s[j + 4] >> 4) | ((s[j] >> 6) << 4));
  }
}

// ---- Rows ------------------------------------------------------------------

// Whether QuantizeRow can produce `type` (every weight type plus Q8_K).
bool CanQuantize(TensorType type) noexcept;

// dst[0..n) = the `n` elements stored at `src` in `type`. Reads
// RowBytes(type, n) bytes. Throws std::invalid_argument if n is not a multiple
// of the block size or `type` is Q8_1.
void DequantizeRow(TensorType type, const void* src, float* dst, int64_t n);

// Encodes n floats as `type` into RowBytes(type, n) bytes at dst, rounding to
// nearest with per-block scales chosen from the block's range. Throws
// std::invalid_argument if n is not a multiple of the block size or
// !CanQuantize(type). Inputs must be finite.
void QuantizeRow(TensorType type, const float* src, void* dst, int64_t n);

}  // namespace scribed::engine
