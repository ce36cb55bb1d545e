#include "engine/kernels/packed_gemm_reference.h"

#include <cmath>
#include <cstring>

#include "engine/kernels/packed_weights.h"
#include "engine/tensor/quantize.h"

namespace scribed::engine::kernels {
namespace {

float HalfAt(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return F16ToF32(v);
}

int32_t PackPair(int lo, int hi) {
  return static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint16_t>(lo)) |
                              (static_cast<uint32_t>(static_cast<uint16_t>(hi)) << 16));
}

// Row r's 4 consecutive codes within packed 32-byte step `step`.
const uint8_t* Step(const uint8_t* q, int step, int r) { return q + 32 * step + 4 * r; }

int SumQ8_0(const uint8_t* b, const ActBlock32& x, int r) {
  int isum = 0;
  for (int s = 0; s < 8; ++s) {
    const auto* w = reinterpret_cast<const int8_t*>(Step(b + 16, s, r));
    for (int l = 0; l < 4; ++l) isum += w[l] * x.qs[4 * s + l];
  }
  return isum;
}

int SumQ4_0(const uint8_t* b, const ActBlock32& x, int32_t xsum, int r) {
  int isum = 0;
  for (int s = 0; s < 4; ++s) {
    const uint8_t* w = Step(b + 16, s, r);
    for (int l = 0; l < 4; ++l) {
      isum += (w[l] & 0xF) * x.qs[4 * s + l] + (w[l] >> 4) * x.qs[16 + 4 * s + l];
    }
  }
  return isum - 8 * xsum;
}

// Integer sums of one Q4_K super-block: codes x scales, and mins x code sums.
void SumsQ4_K(const uint8_t* b, const BlockQ8_K& x, const int32_t* pairs, int r, int* isum,
              int* msum) {
  uint8_t sc[8], mn[8];
  DecodePackedQ4KScales(b, r, sc, mn);
  *isum = *msum = 0;
  for (int k = 0; k < 4; ++k) {
    int lo = 0, hi = 0;
    for (int s = 0; s < 8; ++s) {
      const uint8_t* w = Step(b + 128, 8 * k + s, r);
      for (int l = 0; l < 4; ++l) {
        lo += (w[l] & 0xF) * x.qs[64 * k + 4 * s + l];
        hi += (w[l] >> 4) * x.qs[64 * k + 32 + 4 * s + l];
      }
    }
    *isum += sc[2 * k] * lo + sc[2 * k + 1] * hi;
    *msum += mn[2 * k] * static_cast<int16_t>(pairs[k] & 0xFFFF) +
             mn[2 * k + 1] * static_cast<int16_t>(pairs[k] >> 16);
  }
}

// Integer sum of one Q6_K super-block, the +32 code offset taken off via
// the activation's per-16 sums.
int SumQ6_K(const uint8_t* b, const BlockQ8_K& x, int r) {
  const auto* sc = reinterpret_cast<const int8_t*>(b + 16);
  int isum = 0, osum = 0;
  for (int j = 0; j < 16; ++j) {
    const uint8_t* g = b + 144 + 96 * j + 4 * r;
    int dot = 0;
    for (int step = 0; step < 4; ++step) {
      for (int l = 0; l < 4; ++l) {
        const int lo = (g[32 * (step / 2) + l] >> (4 * (step % 2))) & 15;
        const int hi = (g[64 + l] >> (2 * step)) & 3;
        dot += (lo | (hi << 4)) * x.qs[16 * j + 4 * step + l];
      }
    }
    isum += sc[8 * j + r] * dot;
    osum += sc[8 * j + r] * x.bsums[j];
  }
  return isum - 32 * osum;
}

}  // namespace

int ExtraPerBlock(TensorType type) {
  return type == TensorType::kQ4_K ? 4 : type == TensorType::kQ4_0 ? 1 : 0;
}

void ComputeActivationExtra(TensorType type, const void* act, int64_t nb, int32_t* extra) {
  if (type == TensorType::kQ4_K) {
    const auto* x = static_cast<const BlockQ8_K*>(act);
    for (int64_t i = 0; i < nb; ++i) {
      for (int k = 0; k < 4; ++k) {
        const int16_t* s = x[i].bsums + 4 * k;
        extra[4 * i + k] = PackPair(s[0] + s[1], s[2] + s[3]);
      }
    }
  } else if (type == TensorType::kQ4_0) {
    const auto* x = static_cast<const ActBlock32*>(act);
    for (int64_t i = 0; i < nb; ++i) {
      int s = 0;
      for (int l = 0; l < kQK; ++l) s += x[i].qs[l];
      extra[i] = s;
    }
  }
}

void PackedGroupReference(TensorType type, const uint8_t* group, int64_t nb, const uint8_t* act,
                          int64_t act_bytes, const int32_t* extra, int64_t ntok, float* y,
                          int64_t y_stride) {
  const int64_t block_bytes = PackedBlockBytes(type);
  const int64_t extra_stride = ExtraPerBlock(type) * nb;
  for (int64_t t = 0; t < ntok; ++t) {
    const uint8_t* xt = act + t * act_bytes;
    const int32_t* et = extra + t * extra_stride;
    for (int r = 0; r < 8; ++r) {
      float acc = 0.0f, macc = 0.0f;
      for (int64_t i = 0; i < nb; ++i) {
        const uint8_t* b = group + i * block_bytes;
        const float dw = HalfAt(b + 2 * r);
        if (type == TensorType::kQ4_K) {
          const BlockQ8_K& x = reinterpret_cast<const BlockQ8_K*>(xt)[i];
          int isum, msum;
          SumsQ4_K(b, x, et + 4 * i, r, &isum, &msum);
          acc = std::fma(static_cast<float>(isum), dw * x.d, acc);
          macc = std::fma(static_cast<float>(msum), HalfAt(b + 16 + 2 * r) * x.d, macc);
        } else if (type == TensorType::kQ6_K) {
          const BlockQ8_K& x = reinterpret_cast<const BlockQ8_K*>(xt)[i];
          acc = std::fma(static_cast<float>(SumQ6_K(b, x, r)), dw * x.d, acc);
        } else {
          const ActBlock32& x = reinterpret_cast<const ActBlock32*>(xt)[i];
          const int isum = type == TensorType::kQ8_0 ? SumQ8_0(b, x, r) : SumQ4_0(b, x, et[i], r);
          acc = std::fma(static_cast<float>(isum), dw * x.d, acc);
        }
      }
      y[t * y_stride + r] = acc - macc;
    }
  }
}

}  // namespace scribed::engine::kernels
