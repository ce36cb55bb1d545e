#include "engine/tensor/quantize.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace scribed::engine {
namespace {

uint32_t FloatBits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof(u));
  return u;
}
float BitsFloat(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof(f));
  return f;
}

float H(uint16_t h) { return F16ToF32(h); }

int Nearest(float x) { return static_cast<int>(std::nearbyint(x)); }

int Clamp(int v, int lo, int hi) { return std::min(hi, std::max(lo, v)); }

int64_t CheckedBlocks(TensorType type, int64_t n, const char* what) {
  const int64_t bs = Traits(type).block_size;
  if (n < 0 || n % bs != 0) {
    throw std::invalid_argument(std::string(what) + ": row length " + std::to_string(n) +
                                " is not a multiple of the " + std::string(Name(type)) +
                                " block size " + std::to_string(bs));
  }
  return n / bs;
}

// Value of largest magnitude, keeping its sign (the symmetric formats map it to
// the most negative code so the other side gets one more level).
float SignedAbsMax(const float* x, int n) {
  float best = 0.0f;
  for (int i = 0; i < n; ++i) {
    if (std::fabs(x[i]) > std::fabs(best)) best = x[i];
  }
  return best;
}

// ---- Dequantization ---------------------------------------------------------

void DeqQ4_0(const BlockQ4_0& b, float* y) {
  const float d = H(b.d);
  for (int i = 0; i < 16; ++i) {
    y[i] = d * static_cast<float>((b.qs[i] & 0xF) - 8);
    y[i + 16] = d * static_cast<float>((b.qs[i] >> 4) - 8);
  }
}
void DeqQ4_1(const BlockQ4_1& b, float* y) {
  const float d = H(b.d), m = H(b.m);
  for (int i = 0; i < 16; ++i) {
    y[i] = d * static_cast<float>(b.qs[i] & 0xF) + m;
    y[i + 16] = d * static_cast<float>(b.qs[i] >> 4) + m;
  }
}
uint32_t Load32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}
void DeqQ5_0(const BlockQ5_0& b, float* y) {
  const float d = H(b.d);
  const uint32_t qh = Load32(b.qh);
  for (int i = 0; i < 16; ++i) {
    const int lo = static_cast<int>((b.qs[i] & 0xF) | (((qh >> i) & 1) << 4));
    const int hi = static_cast<int>((b.qs[i] >> 4) | (((qh >> (i + 16)) & 1) << 4));
    y[i] = d * static_cast<float>(lo - 16);
    y[i + 16] = d * static_cast<float>(hi - 16);
  }
}
void DeqQ5_1(const BlockQ5_1& b, float* y) {
  const float d = H(b.d), m = H(b.m);
  const uint32_t qh = Load32(b.qh);
  for (int i = 0; i < 16; ++i) {
    const int lo = static_cast<int>((b.qs[i] & 0xF) | (((qh >> i) & 1) << 4));
    const int hi = static_cast<int>((b.qs[i] >> 4) | (((qh >> (i + 16)) & 1) << 4));
    y[i] = d * static_cast<float>(lo) + m;
    y[i + 16] = d * static_cast<float>(hi) + m;
  }
}
void DeqQ8_0(const BlockQ8_0& b, float* y) {
  const float d = H(b.d);
  for (int i = 0; i < 32; ++i) y[i] = d * static_cast<float>(b.qs[i]);
}
void DeqQ2_K(const BlockQ2_K& b, float* y) {
  const float d = H(b.d), dmin = H(b.dmin);
  int is = 0;
  for (int half = 0; half < 2; ++half) {
    const uint8_t* q = b.qs + 32 * half;
    for (int shift = 0; shift < 8; shift += 2) {
      for (int part = 0; part < 2; ++part) {
        const uint8_t sc = b.scales[is++];
        const float dl = d * static_cast<float>(sc & 0xF);
        const float ml = dmin * static_cast<float>(sc >> 4);
        for (int l = 0; l < 16; ++l) {
          *y++ = dl * static_cast<float>((q[l + 16 * part] >> shift) & 3) - ml;
        }
      }
    }
  }
}
int Q3KScale(const uint8_t* s, int i) {
  const int lo = i < 8 ? (s[i] & 0xF) : (s[i - 8] >> 4);
  const int hi = (s[8 + i % 4] >> (2 * (i / 4))) & 3;
  return (lo | (hi << 4)) - 32;
}
void DeqQ3_K(const BlockQ3_K& b, float* y) {
  const float d = H(b.d);
  int is = 0;
  uint8_t m = 1;
  for (int half = 0; half < 2; ++half) {
    const uint8_t* q = b.qs + 32 * half;
    for (int shift = 0; shift < 8; shift += 2, m = static_cast<uint8_t>(m << 1)) {
      for (int part = 0; part < 2; ++part) {
        const float dl = d * static_cast<float>(Q3KScale(b.scales, is++));
        for (int l = 16 * part; l < 16 * part + 16; ++l) {
          const int v = ((q[l] >> shift) & 3) - ((b.hmask[l] & m) ? 0 : 4);
          *y++ = dl * static_cast<float>(v);
        }
      }
    }
  }
}
// Q4_K and Q5_K share scales, mins and nibbles; Q5_K adds a fifth bit per
// code from qh (bit 2k for the low nibbles of pair k, 2k + 1 for the high).
template <class Block>
void DeqQ45K(const Block& b, float* y) {
  constexpr bool kQ5 = std::is_same_v<Block, BlockQ5_K>;
  const float d = H(b.d), dmin = H(b.dmin);
  for (int k = 0; k < 4; ++k) {
    const uint8_t* q = b.qs + 32 * k;
    uint8_t sc, mn;
    UnpackScaleMinK4(b.scales, 2 * k, &sc, &mn);
    const float d1 = d * sc, m1 = dmin * mn;
    UnpackScaleMinK4(b.scales, 2 * k + 1, &sc, &mn);
    const float d2 = d * sc, m2 = dmin * mn;
    for (int l = 0; l < 32; ++l) {
      int lo = q[l] & 0xF, hi = q[l] >> 4;
      if constexpr (kQ5) {
        lo |= ((b.qh[l] >> (2 * k)) & 1) << 4;
        hi |= ((b.qh[l] >> (2 * k + 1)) & 1) << 4;
      }
      y[l] = d1 * static_cast<float>(lo) - m1;
      y[32 + l] = d2 * static_cast<float>(hi) - m2;
    }
    y += 64;
  }
}
void DeqQ4_K(const BlockQ4_K& b, float* y) { DeqQ45K(b, y); }
void DeqQ5_K(const BlockQ5_K& b, float* y) { DeqQ45K(b, y); }
void DeqQ6_K(const BlockQ6_K& b, float* y) {
  const float d = H(b.d);
  for (int half = 0; half < 2; ++half) {
    const uint8_t* ql = b.ql + 64 * half;
    const uint8_t* qh = b.qh + 32 * half;
    const int8_t* sc = b.scales + 8 * half;
    for (int l = 0; l < 32; ++l) {
      const int is = l / 16;
      const int q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
      const int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
      const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
      const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
      y[l] = d * static_cast<float>(sc[is] * q1);
      y[l + 32] = d * static_cast<float>(sc[is + 2] * q2);
      y[l + 64] = d * static_cast<float>(sc[is + 4] * q3);
      y[l + 96] = d * static_cast<float>(sc[is + 6] * q4);
    }
    y += 128;
  }
}
void DeqQ8_K(const BlockQ8_K& b, float* y) {
  for (int i = 0; i < 256; ++i) y[i] = b.d * static_cast<float>(b.qs[i]);
}

template <class Block, class Fn>
void DeqBlocks(const void* src, float* dst, int64_t blocks, int block_elems, Fn fn) {
  const auto* p = static_cast<const uint8_t*>(src);
  for (int64_t i = 0; i < blocks; ++i) {
    Block b;  // copy: rows of 34/18-byte blocks are not aligned for the struct
    std::memcpy(&b, p + i * static_cast<int64_t>(sizeof(Block)), sizeof(Block));
    fn(b, dst + i * block_elems);
  }
}

// ---- Quantization -----------------------------------------------------------

void QuaQ4_0(const float* x, BlockQ4_0& b) {
  const float max = SignedAbsMax(x, 32);
  const float d = max / -8.0f;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  b.d = F32ToF16(d);
  for (int i = 0; i < 16; ++i) {
    const int lo = Clamp(Nearest(x[i] * id) + 8, 0, 15);
    const int hi = Clamp(Nearest(x[i + 16] * id) + 8, 0, 15);
    b.qs[i] = static_cast<uint8_t>(lo | (hi << 4));
  }
}
void MinMax(const float* x, int n, float* mn, float* mx) {
  *mn = x[0];
  *mx = x[0];
  for (int i = 1; i < n; ++i) {
    *mn = std::min(*mn, x[i]);
    *mx = std::max(*mx, x[i]);
  }
}
void QuaQ4_1(const float* x, BlockQ4_1& b) {
  float mn, mx;
  MinMax(x, 32, &mn, &mx);
  const float d = (mx - mn) / 15.0f;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  b.d = F32ToF16(d);
  b.m = F32ToF16(mn);
  const float m = F16ToF32(b.m);  // quantize against the stored offset
  for (int i = 0; i < 16; ++i) {
    const int lo = Clamp(Nearest((x[i] - m) * id), 0, 15);
    const int hi = Clamp(Nearest((x[i + 16] - m) * id), 0, 15);
    b.qs[i] = static_cast<uint8_t>(lo | (hi << 4));
  }
}
void Store32(uint32_t v, uint8_t* p) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
void QuaQ5_0(const float* x, BlockQ5_0& b) {
  const float max = SignedAbsMax(x, 32);
  const float d = max / -16.0f;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  b.d = F32ToF16(d);
  uint32_t qh = 0;
  for (int i = 0; i < 16; ++i) {
    const int lo = Clamp(Nearest(x[i] * id) + 16, 0, 31);
    const int hi = Clamp(Nearest(x[i + 16] * id) + 16, 0, 31);
    b.qs[i] = static_cast<uint8_t>((lo & 0xF) | ((hi & 0xF) << 4));
    qh |= static_cast<uint32_t>(lo >> 4) << i;
    qh |= static_cast<uint32_t>(hi >> 4) << (i + 16);
  }
  Store32(qh, b.qh);
}
void QuaQ5_1(const float* x, BlockQ5_1& b) {
  float mn, mx;
  MinMax(x, 32, &mn, &mx);
  const float d = (mx - mn) / 31.0f;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  b.d = F32ToF16(d);
  b.m = F32ToF16(mn);
  const float m = F16ToF32(b.m);
  uint32_t qh = 0;
  for (int i = 0; i < 16; ++i) {
    const int lo = Clamp(Nearest((x[i] - m) * id), 0, 31);
    const int hi = Clamp(Nearest((x[i + 16] - m) * id), 0, 31);
    b.qs[i] = static_cast<uint8_t>((lo & 0xF) | ((hi & 0xF) << 4));
    qh |= static_cast<uint32_t>(lo >> 4) << i;
    qh |= static_cast<uint32_t>(hi >> 4) << (i + 16);
  }
  Store32(qh, b.qh);
}
float AbsMax(const float* x, int n) {
  float a = 0.0f;
  for (int i = 0; i < n; ++i) a = std::max(a, std::fabs(x[i]));
  return a;
}
void QuaQ8_0(const float* x, BlockQ8_0& b) {
  const float d = AbsMax(x, 32) / 127.0f;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  b.d = F32ToF16(d);
  for (int i = 0; i < 32; ++i) b.qs[i] = static_cast<int8_t>(Clamp(Nearest(x[i] * id), -127, 127));
}

// Asymmetric k-quant sub-blocks: scale[j] and min[j] (>= 0, subtracted) for
// `nsub` sub-blocks of `len` elements with codes 0..qmax.
void SubBlockScaleMin(const float* x, int nsub, int len, int qmax, float* scale, float* min) {
  for (int j = 0; j < nsub; ++j) {
    float mn, mx;
    MinMax(x + j * len, len, &mn, &mx);
    mn = std::min(mn, 0.0f);  // the stored min is subtracted, so it must be >= 0
    scale[j] = (mx - mn) / static_cast<float>(qmax);
    min[j] = -mn;
  }
}
// Quantizes nonnegative per-sub-block values to `levels` steps of one shared
// step `*d`; each code is rounded up so the quantized scale/min still covers
// the sub-block's range.
void QuantizeScales(const float* v, int n, int levels, float* d, uint8_t* codes) {
  float mx = 0.0f;
  for (int i = 0; i < n; ++i) mx = std::max(mx, v[i]);
  *d = F16ToF32(F32ToF16(mx / static_cast<float>(levels)));
  for (int i = 0; i < n; ++i) {
    codes[i] = *d > 0.0f
                   ? static_cast<uint8_t>(Clamp(static_cast<int>(std::ceil(v[i] / *d)), 0, levels))
                   : 0;
  }
}
// Fills a super-block's integer codes for asymmetric sub-blocks given the
// quantized scales: q = round((x + dmin*m) / (d*sc)).
void AsymCodes(const float* x, int nsub, int len, int qmax, float d, const uint8_t* sc, float dmin,
               const uint8_t* mn, uint8_t* q) {
  for (int j = 0; j < nsub; ++j) {
    const float step = d * sc[j];
    const float off = dmin * mn[j];
    for (int l = 0; l < len; ++l) {
      const int i = j * len + l;
      q[i] = step > 0.0f ? static_cast<uint8_t>(Clamp(Nearest((x[i] + off) / step), 0, qmax)) : 0;
    }
  }
}

void QuaQ2_K(const float* x, BlockQ2_K& b) {
  float scale[16], min[16], d, dmin;
  uint8_t sc[16], mn[16], q[256];
  SubBlockScaleMin(x, 16, 16, 3, scale, min);
  QuantizeScales(scale, 16, 15, &d, sc);
  QuantizeScales(min, 16, 15, &dmin, mn);
  b.d = F32ToF16(d);
  b.dmin = F32ToF16(dmin);
  AsymCodes(x, 16, 16, 3, d, sc, dmin, mn, q);
  for (int j = 0; j < 16; ++j) b.scales[j] = static_cast<uint8_t>(sc[j] | (mn[j] << 4));
  // Element e = half*128 + shiftIdx*32 + part*16 + l sits in qs[half*32 + part*16 + l].
  std::memset(b.qs, 0, sizeof(b.qs));
  for (int e = 0; e < 256; ++e) {
    const int half = e / 128, s = (e % 128) / 32, idx = half * 32 + e % 32;
    b.qs[idx] = static_cast<uint8_t>(b.qs[idx] | (q[e] << (2 * s)));
  }
}
void QuaQ3_K(const float* x, BlockQ3_K& b) {
  float scale[16];
  for (int j = 0; j < 16; ++j) scale[j] = SignedAbsMax(x + 16 * j, 16) / -4.0f;
  const float smax = SignedAbsMax(scale, 16);
  const float d = F16ToF32(F32ToF16(smax / -32.0f));
  int sc[16];
  for (int j = 0; j < 16; ++j) sc[j] = d != 0.0f ? Clamp(Nearest(scale[j] / d), -32, 31) : 0;
  b.d = F32ToF16(d);
  std::memset(b.scales, 0, sizeof(b.scales));
  for (int i = 0; i < 16; ++i) {
    const int v = sc[i] + 32;
    if (i < 8) {
      b.scales[i] = static_cast<uint8_t>(b.scales[i] | (v & 0xF));
    } else {
      b.scales[i - 8] = static_cast<uint8_t>(b.scales[i - 8] | ((v & 0xF) << 4));
    }
    b.scales[8 + i % 4] = static_cast<uint8_t>(b.scales[8 + i % 4] | ((v >> 4) << (2 * (i / 4))));
  }
  std::memset(b.qs, 0, sizeof(b.qs));
  std::memset(b.hmask, 0, sizeof(b.hmask));
  for (int e = 0; e < 256; ++e) {
    const float step = d * static_cast<float>(sc[e / 16]);
    const int q = step != 0.0f ? Clamp(Nearest(x[e] / step), -4, 3) + 4 : 4;
    const int half = e / 128, s = (e % 128) / 32, idx = half * 32 + e % 32;
    b.qs[idx] = static_cast<uint8_t>(b.qs[idx] | ((q & 3) << (2 * s)));
    if (q >= 4) b.hmask[e % 32] = static_cast<uint8_t>(b.hmask[e % 32] | (1 << (half * 4 + s)));
  }
}
void PackScaleMinK4(const uint8_t* sc, const uint8_t* mn, uint8_t* s) {
  for (int j = 0; j < 4; ++j) {
    s[j] = static_cast<uint8_t>((sc[j] & 63) | ((sc[j + 4] >> 4) << 6));
    s[j + 4] = static_cast<uint8_t>((mn[j] & 63) | ((mn[j + 4] >> 4) << 6));
    s[j + 8] = static_cast<uint8_t>((sc[j + 4] & 0xF) | ((mn[j + 4] & 0xF) << 4));
  }
}
template <class Block>
void QuaK45(const float* x, Block& b, int qmax, uint8_t* q) {
  float scale[8], min[8], d, dmin;
  uint8_t sc[8], mn[8];
  SubBlockScaleMin(x, 8, 32, qmax, scale, min);
  QuantizeScales(scale, 8, 63, &d, sc);
  QuantizeScales(min, 8, 63, &dmin, mn);
  b.d = F32ToF16(d);
  b.dmin = F32ToF16(dmin);
  PackScaleMinK4(sc, mn, b.scales);
  AsymCodes(x, 8, 32, qmax, d, sc, dmin, mn, q);
}
void QuaQ4_K(const float* x, BlockQ4_K& b) {
  uint8_t q[256];
  QuaK45(x, b, 15, q);
  for (int k = 0; k < 4; ++k) {
    for (int l = 0; l < 32; ++l) {
      b.qs[32 * k + l] = static_cast<uint8_t>(q[64 * k + l] | (q[64 * k + 32 + l] << 4));
    }
  }
}
void QuaQ5_K(const float* x, BlockQ5_K& b) {
  uint8_t q[256];
  QuaK45(x, b, 31, q);
  std::memset(b.qh, 0, sizeof(b.qh));
  for (int k = 0; k < 4; ++k) {
    for (int l = 0; l < 32; ++l) {
      const int lo = q[64 * k + l], hi = q[64 * k + 32 + l];
      b.qs[32 * k + l] = static_cast<uint8_t>((lo & 0xF) | ((hi & 0xF) << 4));
      b.qh[l] = static_cast<uint8_t>(b.qh[l] | ((lo >> 4) << (2 * k)) | ((hi >> 4) << (2 * k + 1)));
    }
  }
}
void QuaQ6_K(const float* x, BlockQ6_K& b) {
  float scale[16];
  for (int j = 0; j < 16; ++j) scale[j] = SignedAbsMax(x + 16 * j, 16) / -32.0f;
  const float smax = SignedAbsMax(scale, 16);
  const float d = F16ToF32(F32ToF16(smax / -128.0f));
  int sc[16];
  for (int j = 0; j < 16; ++j) {
    sc[j] = d != 0.0f ? Clamp(Nearest(scale[j] / d), -128, 127) : 0;
    b.scales[j] = static_cast<int8_t>(sc[j]);
  }
  b.d = F32ToF16(d);
  uint8_t q[256];
  for (int e = 0; e < 256; ++e) {
    const float step = d * static_cast<float>(sc[e / 16]);
    q[e] = static_cast<uint8_t>(step != 0.0f ? Clamp(Nearest(x[e] / step), -32, 31) + 32 : 32);
  }
  std::memset(b.qh, 0, sizeof(b.qh));
  for (int half = 0; half < 2; ++half) {
    const uint8_t* qq = q + 128 * half;
    uint8_t* ql = b.ql + 64 * half;
    uint8_t* qh = b.qh + 32 * half;
    for (int l = 0; l < 32; ++l) {
      ql[l] = static_cast<uint8_t>((qq[l] & 0xF) | ((qq[l + 64] & 0xF) << 4));
      ql[l + 32] = static_cast<uint8_t>((qq[l + 32] & 0xF) | ((qq[l + 96] & 0xF) << 4));
      qh[l] = static_cast<uint8_t>((qq[l] >> 4) | ((qq[l + 32] >> 4) << 2) |
                                   ((qq[l + 64] >> 4) << 4) | ((qq[l + 96] >> 4) << 6));
    }
  }
}
void QuaQ8_K(const float* x, BlockQ8_K& b) {
  const float amax = AbsMax(x, 256);
  b.d = amax / 127.0f;
  const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
  for (int i = 0; i < 256; ++i) b.qs[i] = static_cast<int8_t>(Clamp(Nearest(x[i] * id), -127, 127));
  for (int j = 0; j < 16; ++j) {
    int s = 0;
    for (int l = 0; l < 16; ++l) s += b.qs[16 * j + l];
    b.bsums[j] = static_cast<int16_t>(s);
  }
}

template <class Block, class Fn>
void QuaBlocks(const float* src, void* dst, int64_t blocks, int block_elems, Fn fn) {
  auto* p = static_cast<uint8_t*>(dst);
  for (int64_t i = 0; i < blocks; ++i) {
    Block b{};
    fn(src + i * block_elems, b);
    std::memcpy(p + i * static_cast<int64_t>(sizeof(Block)), &b, sizeof(Block));
  }
}

}  // namespace

float F16ToF32(uint16_t h) noexcept {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  const uint32_t exp = (h >> 10) & 0x1F;
  const uint32_t mant = h & 0x3FF;
  if (exp == 0) {  // zero or subnormal: mant * 2^-24, exact in float
    const float v = static_cast<float>(mant) * 5.9604644775390625e-8f;
    return BitsFloat(FloatBits(v) | sign);
  }
  if (exp == 31) return BitsFloat(sign | 0x7F800000u | (mant << 13));
  return BitsFloat(sign | ((exp + 112) << 23) | (mant << 13));
}

uint16_t F32ToF16(float f) noexcept {
  uint32_t x = FloatBits(f);
  const auto sign = static_cast<uint16_t>((x >> 16) & 0x8000);
  x &= 0x7FFFFFFFu;
  if (x > 0x7F800000u) return static_cast<uint16_t>(sign | 0x7E00 | ((x >> 13) & 0x3FF));
  if (x >= 0x477FF000u) return static_cast<uint16_t>(sign | 0x7C00);  // >= 65520 rounds to inf
  if (x < 0x38800000u) {  // below the smallest normal half: a multiple of 2^-24
    const float scaled = BitsFloat(x) * 16777216.0f;  // exact (power of two)
    return static_cast<uint16_t>(sign | static_cast<uint16_t>(std::nearbyint(scaled)));
  }
  const uint32_t rounded = x + 0xFFFu + ((x >> 13) & 1u);  // ties to even
  return static_cast<uint16_t>(sign | ((rounded - 0x38000000u) >> 13));
}

uint16_t F32ToBF16(float f) noexcept {
  const uint32_t x = FloatBits(f);
  if ((x & 0x7FFFFFFFu) > 0x7F800000u) return static_cast<uint16_t>((x >> 16) | 0x40);
  return static_cast<uint16_t>((x + 0x7FFFu + ((x >> 16) & 1u)) >> 16);
}

bool CanQuantize(TensorType type) noexcept { return type != TensorType::kQ8_1; }

void DequantizeRow(TensorType type, const void* src, float* dst, int64_t n) {
  const int64_t blocks = CheckedBlocks(type, n, "DequantizeRow");
  const auto* p = static_cast<const uint8_t*>(src);
  switch (type) {
    case TensorType::kF32:
      std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
      return;
    case TensorType::kF16:
      for (int64_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, p + 2 * i, 2);
        dst[i] = F16ToF32(h);
      }
      return;
    case TensorType::kBF16:
      for (int64_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, p + 2 * i, 2);
        dst[i] = BF16ToF32(h);
      }
      return;
    case TensorType::kQ4_0:
      return DeqBlocks<BlockQ4_0>(src, dst, blocks, 32, DeqQ4_0);
    case TensorType::kQ4_1:
      return DeqBlocks<BlockQ4_1>(src, dst, blocks, 32, DeqQ4_1);
    case TensorType::kQ5_0:
      return DeqBlocks<BlockQ5_0>(src, dst, blocks, 32, DeqQ5_0);
    case TensorType::kQ5_1:
      return DeqBlocks<BlockQ5_1>(src, dst, blocks, 32, DeqQ5_1);
    case TensorType::kQ8_0:
      return DeqBlocks<BlockQ8_0>(src, dst, blocks, 32, DeqQ8_0);
    case TensorType::kQ2_K:
      return DeqBlocks<BlockQ2_K>(src, dst, blocks, 256, DeqQ2_K);
    case TensorType::kQ3_K:
      return DeqBlocks<BlockQ3_K>(src, dst, blocks, 256, DeqQ3_K);
    case TensorType::kQ4_K:
      return DeqBlocks<BlockQ4_K>(src, dst, blocks, 256, DeqQ4_K);
    case TensorType::kQ5_K:
      return DeqBlocks<BlockQ5_K>(src, dst, blocks, 256, DeqQ5_K);
    case TensorType::kQ6_K:
      return DeqBlocks<BlockQ6_K>(src, dst, blocks, 256, DeqQ6_K);
    case TensorType::kQ8_K:
      return DeqBlocks<BlockQ8_K>(src, dst, blocks, 256, DeqQ8_K);
    case TensorType::kQ8_1:
      break;
  }
  throw std::invalid_argument("DequantizeRow: unsupported type " + std::string(Name(type)));
}

void QuantizeRow(TensorType type, const float* src, void* dst, int64_t n) {
  const int64_t blocks = CheckedBlocks(type, n, "QuantizeRow");
  auto* p = static_cast<uint8_t*>(dst);
  switch (type) {
    case TensorType::kF32:
      std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
      return;
    case TensorType::kF16:
      for (int64_t i = 0; i < n; ++i) {
        const uint16_t h = F32ToF16(src[i]);
        std::memcpy(p + 2 * i, &h, 2);
      }
      return;
    case TensorType::kBF16:
      for (int64_t i = 0; i < n; ++i) {
        const uint16_t h = F32ToBF16(src[i]);
        std::memcpy(p + 2 * i, &h, 2);
      }
      return;
    case TensorType::kQ4_0:
      return QuaBlocks<BlockQ4_0>(src, dst, blocks, 32, QuaQ4_0);
    case TensorType::kQ4_1:
      return QuaBlocks<BlockQ4_1>(src, dst, blocks, 32, QuaQ4_1);
    case TensorType::kQ5_0:
      return QuaBlocks<BlockQ5_0>(src, dst, blocks, 32, QuaQ5_0);
    case TensorType::kQ5_1:
      return QuaBlocks<BlockQ5_1>(src, dst, blocks, 32, QuaQ5_1);
    case TensorType::kQ8_0:
      return QuaBlocks<BlockQ8_0>(src, dst, blocks, 32, QuaQ8_0);
    case TensorType::kQ2_K:
      return QuaBlocks<BlockQ2_K>(src, dst, blocks, 256, QuaQ2_K);
    case TensorType::kQ3_K:
      return QuaBlocks<BlockQ3_K>(src, dst, blocks, 256, QuaQ3_K);
    case TensorType::kQ4_K:
      return QuaBlocks<BlockQ4_K>(src, dst, blocks, 256, QuaQ4_K);
    case TensorType::kQ5_K:
      return QuaBlocks<BlockQ5_K>(src, dst, blocks, 256, QuaQ5_K);
    case TensorType::kQ6_K:
      return QuaBlocks<BlockQ6_K>(src, dst, blocks, 256, QuaQ6_K);
    case TensorType::kQ8_K:
      return QuaBlocks<BlockQ8_K>(src, dst, blocks, 256, QuaQ8_K);
    case TensorType::kQ8_1:
      break;
  }
  throw std::invalid_argument("QuantizeRow: unsupported type " + std::string(Name(type)));
}

}  // namespace scribed::engine
