#include "engine/kernels/packed_gemm_prep.h"

#include <cmath>
#include <cstring>

#include "engine/kernels/packed_weights.h"
#include "engine/tensor/quantize.h"

namespace scribed::engine::kernels {
namespace {

uint16_t Load16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}

int32_t PackPair(int lo, int hi) {
  return static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint16_t>(lo)) |
                              (static_cast<uint32_t>(static_cast<uint16_t>(hi)) << 16));
}

// Codes of row r, 4 consecutive columns, from a packed step of 32 bytes.
const uint8_t* Step(const uint8_t* q, int step, int r) { return q + 32 * step + 4 * r; }

float GroupQ8_0(const uint8_t* b, const float* d, const ActBlock32& x, int r, float acc) {
  int isum = 0;
  for (int s = 0; s < 8; ++s) {
    const auto* w = reinterpret_cast<const int8_t*>(Step(b + 16, s, r));
    for (int l = 0; l < 4; ++l) isum += w[l] * x.qs[4 * s + l];
  }
  return std::fma(static_cast<float>(isum), d[r] * x.d, acc);
}

float GroupQ4_0(const uint8_t* b, const float* d, const ActBlock32& x, int32_t xsum, int r,
                float acc) {
  int isum = 0;
  for (int s = 0; s < 4; ++s) {
    const uint8_t* w = Step(b + 16, s, r);
    for (int l = 0; l < 4; ++l) {
      isum += (w[l] & 0xF) * x.qs[4 * s + l] + (w[l] >> 4) * x.qs[16 + 4 * s + l];
    }
  }
  isum -= 8 * xsum;
  return std::fma(static_cast<float>(isum), d[r] * x.d, acc);
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

int64_t PrepBytes(TensorType type, int64_t nb) {
  return type == TensorType::kQ4_K ? nb * static_cast<int64_t>(sizeof(PackedQ4KPrep))
                                   : nb * 8 * static_cast<int64_t>(sizeof(float));
}

void PrepareGroup(TensorType type, const uint8_t* group, int64_t nb, void* prep) {
  const int64_t block_bytes = PackedBlockBytes(type);
  if (type != TensorType::kQ4_K) {
    auto* d = static_cast<float*>(prep);
    for (int64_t i = 0; i < nb; ++i) {
      for (int r = 0; r < 8; ++r) d[8 * i + r] = F16ToF32(Load16(group + i * block_bytes + 2 * r));
    }
    return;
  }
  auto* p = static_cast<PackedQ4KPrep*>(prep);
  for (int64_t i = 0; i < nb; ++i) {
    const uint8_t* b = group + i * block_bytes;
    PackedQ4KPrep& o = p[i];
    for (int r = 0; r < 8; ++r) {
      o.d[r] = F16ToF32(Load16(b + 2 * r));
      o.dmin[r] = F16ToF32(Load16(b + 16 + 2 * r));
      uint8_t sc[8], mn[8];
      for (int j = 0; j < 8; ++j) UnpackScaleMinK4(b + 32 + 12 * r, j, &sc[j], &mn[j]);
      for (int j = 0; j < 8; ++j) o.scale[j][2 * r] = o.scale[j][2 * r + 1] = sc[j];
      for (int k = 0; k < 4; ++k) {
        o.min[k][2 * r] = mn[2 * k];
        o.min[k][2 * r + 1] = mn[2 * k + 1];
      }
    }
  }
}

void PackedGroupReference(TensorType type, const uint8_t* group, const void* prep, int64_t nb,
                          const uint8_t* act, int64_t act_bytes, const int32_t* extra,
                          int64_t ntok, float* y, int64_t y_stride) {
  const int64_t block_bytes = PackedBlockBytes(type);
  const int64_t extra_stride = ExtraPerBlock(type) * nb;
  for (int64_t t = 0; t < ntok; ++t) {
    const uint8_t* xt = act + t * act_bytes;
    const int32_t* et = extra + t * extra_stride;
    for (int r = 0; r < 8; ++r) {
      float acc = 0.0f, macc = 0.0f;
      for (int64_t i = 0; i < nb; ++i) {
        const uint8_t* b = group + i * block_bytes;
        if (type == TensorType::kQ8_0) {
          acc = GroupQ8_0(b, static_cast<const float*>(prep) + 8 * i,
                          reinterpret_cast<const ActBlock32*>(xt)[i], r, acc);
        } else if (type == TensorType::kQ4_0) {
          acc = GroupQ4_0(b, static_cast<const float*>(prep) + 8 * i,
                          reinterpret_cast<const ActBlock32*>(xt)[i], et[i], r, acc);
        } else {
          const PackedQ4KPrep& p = static_cast<const PackedQ4KPrep*>(prep)[i];
          const BlockQ8_K& x = reinterpret_cast<const BlockQ8_K*>(xt)[i];
          int isum = 0, msum = 0;
          for (int k = 0; k < 4; ++k) {
            int lo = 0, hi = 0;
            for (int s = 0; s < 8; ++s) {
              const uint8_t* w = Step(b + 128, 8 * k + s, r);
              for (int l = 0; l < 4; ++l) {
                lo += (w[l] & 0xF) * x.qs[64 * k + 4 * s + l];
                hi += (w[l] >> 4) * x.qs[64 * k + 32 + 4 * s + l];
              }
            }
            isum += p.scale[2 * k][2 * r] * lo + p.scale[2 * k + 1][2 * r] * hi;
            const int32_t pair = et[4 * i + k];
            msum += p.min[k][2 * r] * static_cast<int16_t>(pair & 0xFFFF) +
                    p.min[k][2 * r + 1] * static_cast<int16_t>(pair >> 16);
          }
          const float xd = x.d;
          acc = std::fma(static_cast<float>(isum), p.d[r] * xd, acc);
          macc = std::fma(static_cast<float>(msum), p.dmin[r] * xd, macc);
        }
      }
      y[t * y_stride + r] = acc - macc;
    }
  }
}

}  // namespace scribed::engine::kernels
