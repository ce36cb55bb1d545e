// Register-blocked microkernels over packed 8-row groups: each 32-byte weight
// load covers 4 columns of 8 rows and is multiplied against up to 4 tokens
// (a broadcast 4-byte activation word each) before the next load, so each
// unpacked weight vector feeds 32 output products per column step.
#include "engine/kernels/packed_matmul.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "engine/kernels/activation_quant.h"
#include "engine/kernels/packed_gemm_reference.h"
#include "engine/kernels/packed_weights.h"
#include "engine/tensor/quantize.h"

// clang-format off
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "engine/kernels/packed_matmul.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>
// clang-format on

HWY_BEFORE_NAMESPACE();
namespace scribed::engine::kernels {
namespace HWY_NAMESPACE {

#if HWY_TARGET == HWY_AVX2 || HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL
#define SCRIBED_PACKED_SIMD 1

// Decode (one token) reads every weight byte once and does little work per
// byte, so the core's out-of-order window holds too few loads to keep memory
// busy, and the hardware prefetcher restarts at each task's first row. A
// software prefetch this far ahead of the loads keeps enough lines in flight
// to run at the read bandwidth (+10-25% in scribe bench kernels --packed).
// With several tokens the kernel is compute-bound and reuses each group from
// cache, so only the one-token bodies prefetch.
constexpr int kPrefetchBytes = 1024;

template <int T>
HWY_INLINE void PrefetchAhead(const uint8_t* p) {
  if constexpr (T == 1) {
    _mm_prefetch(reinterpret_cast<const char*>(p + kPrefetchBytes), _MM_HINT_T0);
  }
}

// Fully unrolled column loops let the compiler hoist every product ahead of
// the sums and spill them; kept as loops, the accumulators stay in registers.
#define SCRIBED_KEEP_LOOP _Pragma("GCC unroll 1")

HWY_INLINE __m256i Broadcast4(const int8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return _mm256_set1_epi32(v);
}

HWY_INLINE __m256i Load256(const void* p) {
  return _mm256_loadu_si256(static_cast<const __m256i*>(p));
}

HWY_INLINE __m256 HalfsToFloats(const uint8_t* p) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

// Q8_0: |w| meets x with w's sign so vpmaddubsw sees an unsigned operand;
// int16 pair sums (<= 2*128*127) are widened by vpmaddwd before adding.
template <int T>
HWY_INLINE void Q8_0Tokens(const uint8_t* group, int64_t nb, const ActBlock32* const* x,
                           float* const* out) {
  const __m256i ones = _mm256_set1_epi16(1);
  __m256 acc[T];
  for (int t = 0; t < T; ++t) acc[t] = _mm256_setzero_ps();
  for (int64_t i = 0; i < nb; ++i) {
    const uint8_t* b = group + i * 272;
    __m256i isum[T];
    for (int t = 0; t < T; ++t) isum[t] = _mm256_setzero_si256();
    SCRIBED_KEEP_LOOP
    for (int s = 0; s < 8; ++s) {
      PrefetchAhead<T>(b + 16 + 32 * s);
      const __m256i w = Load256(b + 16 + 32 * s);
      const __m256i aw = _mm256_abs_epi8(w);
      for (int t = 0; t < T; ++t) {
        const __m256i xs = _mm256_sign_epi8(Broadcast4(x[t][i].qs + 4 * s), w);
        isum[t] = _mm256_add_epi32(isum[t],
                                   _mm256_madd_epi16(_mm256_maddubs_epi16(aw, xs), ones));
      }
    }
    const __m256 dw = HalfsToFloats(b);
    for (int t = 0; t < T; ++t) {
      acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum[t]),
                               _mm256_mul_ps(dw, _mm256_set1_ps(x[t][i].d)), acc[t]);
    }
  }
  for (int t = 0; t < T; ++t) _mm256_storeu_ps(out[t], acc[t]);
}

// Q4_0: nibbles stay unsigned; the -8 offset comes off via the block sums.
// Eight int16 products per lane stay below 8*15*128.
template <int T>
HWY_INLINE void Q4_0Tokens(const uint8_t* group, int64_t nb, const ActBlock32* const* x,
                           const int32_t* const* xsum, float* const* out) {
  const __m256i ones = _mm256_set1_epi16(1), m4 = _mm256_set1_epi8(0x0F);
  __m256 acc[T];
  for (int t = 0; t < T; ++t) acc[t] = _mm256_setzero_ps();
  for (int64_t i = 0; i < nb; ++i) {
    const uint8_t* b = group + i * 144;
    __m256i s16[T];
    for (int t = 0; t < T; ++t) s16[t] = _mm256_setzero_si256();
    SCRIBED_KEEP_LOOP
    for (int s = 0; s < 4; ++s) {
      PrefetchAhead<T>(b + 16 + 32 * s);
      const __m256i v = Load256(b + 16 + 32 * s);
      const __m256i lo = _mm256_and_si256(v, m4);
      const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), m4);
      for (int t = 0; t < T; ++t) {
        s16[t] = _mm256_add_epi16(s16[t], _mm256_maddubs_epi16(lo, Broadcast4(x[t][i].qs + 4 * s)));
        s16[t] = _mm256_add_epi16(s16[t],
                                  _mm256_maddubs_epi16(hi, Broadcast4(x[t][i].qs + 16 + 4 * s)));
      }
    }
    const __m256 dw = HalfsToFloats(b);
    for (int t = 0; t < T; ++t) {
      const __m256i isum = _mm256_sub_epi32(_mm256_madd_epi16(s16[t], ones),
                                            _mm256_set1_epi32(8 * xsum[t][i]));
      acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum),
                               _mm256_mul_ps(dw, _mm256_set1_ps(x[t][i].d)), acc[t]);
    }
  }
  for (int t = 0; t < T; ++t) _mm256_storeu_ps(out[t], acc[t]);
}

// The 64 six-bit values (scales or mins) of a packed Q4_K header as bytes:
// out[8j + r] = value of sub-block j, row r (packed_weights.h).
HWY_INLINE void UnpackQ4KSixBits(const uint8_t* lo_nibbles, const uint8_t* top_bits, uint8_t* out) {
  const __m256i m4 = _mm256_set1_epi8(0x0F), m2 = _mm256_set1_epi8(0x03);
  const __m256i lo = Load256(lo_nibbles);
  const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(top_bits));
  const __m256i top = _mm256_set_m128i(_mm_srli_epi16(h, 2), h);
  const __m256i v0 = _mm256_or_si256(_mm256_and_si256(lo, m4),
                                     _mm256_slli_epi16(_mm256_and_si256(top, m2), 4));
  const __m256i v1 =
      _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(lo, 4), m4),
                      _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(top, 4), m2), 4));
  _mm256_store_si256(reinterpret_cast<__m256i*>(out), v0);
  _mm256_store_si256(reinterpret_cast<__m256i*>(out + 32), v1);
}

HWY_INLINE __m128i Load8(const uint8_t* p) {
  return _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
}

// Q4_K: per sub-block pair, 8 column steps accumulate int16 partial sums
// (<= 8 * 2*15*128), then vpmaddwd applies the 6-bit scales per row; int16
// lanes (2r, 2r+1) belong to row r throughout.
template <int T>
HWY_INLINE void Q4_KTokens(const uint8_t* group, int64_t nb, const BlockQ8_K* const* x,
                           const int32_t* const* pairs, float* const* out) {
  const __m256i m4 = _mm256_set1_epi8(0x0F);
  __m256 acc[T], macc[T];
  for (int t = 0; t < T; ++t) acc[t] = macc[t] = _mm256_setzero_ps();
  alignas(32) uint8_t sc[64], mn[64];
  for (int64_t i = 0; i < nb; ++i) {
    const uint8_t* b = group + i * 1152;
    const uint8_t* q = b + 128;
    UnpackQ4KSixBits(b + 32, b + 96, sc);
    UnpackQ4KSixBits(b + 64, b + 112, mn);
    __m256i isum[T];
    for (int t = 0; t < T; ++t) isum[t] = _mm256_setzero_si256();
    for (int k = 0; k < 4; ++k) {
      __m256i slo[T], shi[T];
      for (int t = 0; t < T; ++t) slo[t] = shi[t] = _mm256_setzero_si256();
      SCRIBED_KEEP_LOOP
      for (int s = 0; s < 8; ++s) {
        PrefetchAhead<T>(q + 32 * (8 * k + s));
        const __m256i v = Load256(q + 32 * (8 * k + s));
        const __m256i lo = _mm256_and_si256(v, m4);
        const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), m4);
        for (int t = 0; t < T; ++t) {
          const int8_t* xq = x[t][i].qs + 64 * k + 4 * s;
          slo[t] = _mm256_add_epi16(slo[t], _mm256_maddubs_epi16(lo, Broadcast4(xq)));
          shi[t] = _mm256_add_epi16(shi[t], _mm256_maddubs_epi16(hi, Broadcast4(xq + 32)));
        }
      }
      const __m128i s0 = Load8(sc + 16 * k), s1 = Load8(sc + 16 * k + 8);
      const __m256i sc_lo = _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(s0, s0));
      const __m256i sc_hi = _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(s1, s1));
      for (int t = 0; t < T; ++t) {
        isum[t] = _mm256_add_epi32(isum[t], _mm256_add_epi32(_mm256_madd_epi16(slo[t], sc_lo),
                                                             _mm256_madd_epi16(shi[t], sc_hi)));
      }
    }
    __m256i mins[4];
    for (int k = 0; k < 4; ++k) {
      mins[k] = _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(Load8(mn + 16 * k), Load8(mn + 16 * k + 8)));
    }
    const __m256 dw = HalfsToFloats(b), dm = HalfsToFloats(b + 16);
    for (int t = 0; t < T; ++t) {
      const int32_t* pr = pairs[t] + 4 * i;
      __m256i ms = _mm256_madd_epi16(mins[0], _mm256_set1_epi32(pr[0]));
      for (int k = 1; k < 4; ++k) {
        ms = _mm256_add_epi32(ms, _mm256_madd_epi16(mins[k], _mm256_set1_epi32(pr[k])));
      }
      const __m256 xd = _mm256_set1_ps(x[t][i].d);
      acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum[t]), _mm256_mul_ps(dw, xd), acc[t]);
      macc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(ms), _mm256_mul_ps(dm, xd), macc[t]);
    }
  }
  for (int t = 0; t < T; ++t) _mm256_storeu_ps(out[t], _mm256_sub_ps(acc[t], macc[t]));
}

// Q6_K: 6-bit codes rebuilt from nibble and top-bit vectors; two column
// steps share an int16 sum (<= 2 * 2*63*127) before vpmaddwd applies the
// 16-column group's int8 scale. The +32 offset comes off via the bsums.
template <int T>
HWY_INLINE void Q6_KTokens(const uint8_t* group, int64_t nb, const BlockQ8_K* const* x,
                           float* const* out) {
  const __m256i m4 = _mm256_set1_epi8(0x0F), m3 = _mm256_set1_epi8(0x03);
  __m256 acc[T];
  for (int t = 0; t < T; ++t) acc[t] = _mm256_setzero_ps();
  for (int64_t i = 0; i < nb; ++i) {
    const uint8_t* b = group + i * 1680;
    const uint8_t* sc = b + 16;
    __m256i isum[T];
    for (int t = 0; t < T; ++t) isum[t] = _mm256_setzero_si256();
    SCRIBED_KEEP_LOOP
    for (int j = 0; j < 16; ++j) {
      const uint8_t* g = b + 144 + 96 * j;
      PrefetchAhead<T>(g);
      PrefetchAhead<T>(g + 64);
      const __m256i v0 = Load256(g), v1 = Load256(g + 32), h = Load256(g + 64);
      auto top = [&](int shift) {
        return _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(h, shift), m3), 4);
      };
      const __m256i q0 = _mm256_or_si256(_mm256_and_si256(v0, m4), top(0));
      const __m256i q1 = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(v0, 4), m4), top(2));
      const __m256i q2 = _mm256_or_si256(_mm256_and_si256(v1, m4), top(4));
      const __m256i q3 = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(v1, 4), m4), top(6));
      const __m128i s8 = Load8(sc + 8 * j);
      const __m256i scale = _mm256_cvtepi8_epi16(_mm_unpacklo_epi8(s8, s8));
      for (int t = 0; t < T; ++t) {
        const int8_t* xq = x[t][i].qs + 16 * j;
        const __m256i s01 = _mm256_add_epi16(_mm256_maddubs_epi16(q0, Broadcast4(xq)),
                                             _mm256_maddubs_epi16(q1, Broadcast4(xq + 4)));
        const __m256i s23 = _mm256_add_epi16(_mm256_maddubs_epi16(q2, Broadcast4(xq + 8)),
                                             _mm256_maddubs_epi16(q3, Broadcast4(xq + 12)));
        isum[t] = _mm256_add_epi32(isum[t], _mm256_add_epi32(_mm256_madd_epi16(s01, scale),
                                                             _mm256_madd_epi16(s23, scale)));
      }
    }
    __m256i pairs[8];
    for (int m = 0; m < 8; ++m) {
      pairs[m] = _mm256_cvtepi8_epi16(_mm_unpacklo_epi8(Load8(sc + 16 * m), Load8(sc + 16 * m + 8)));
    }
    const __m256 dw = HalfsToFloats(b);
    for (int t = 0; t < T; ++t) {
      const int16_t* bs = x[t][i].bsums;
      __m256i os = _mm256_setzero_si256();
      for (int m = 0; m < 8; ++m) {
        int32_t pair;
        std::memcpy(&pair, bs + 2 * m, 4);
        os = _mm256_add_epi32(os, _mm256_madd_epi16(pairs[m], _mm256_set1_epi32(pair)));
      }
      const __m256i tot = _mm256_sub_epi32(isum[t], _mm256_slli_epi32(os, 5));
      acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(tot),
                               _mm256_mul_ps(dw, _mm256_set1_ps(x[t][i].d)), acc[t]);
    }
  }
  for (int t = 0; t < T; ++t) _mm256_storeu_ps(out[t], acc[t]);
}

template <int T>
HWY_INLINE void GroupTokens(TensorType type, const uint8_t* group, int64_t nb, const uint8_t* act,
                            int64_t act_bytes, const int32_t* extra, int64_t extra_stride,
                            float* y, int64_t y_stride) {
  const void* xs[T];
  const int32_t* es[T];
  float* out[T];
  for (int t = 0; t < T; ++t) {
    xs[t] = act + t * act_bytes;
    es[t] = extra + t * extra_stride;
    out[t] = y + t * y_stride;
  }
  if (type == TensorType::kQ8_0) {
    Q8_0Tokens<T>(group, nb, reinterpret_cast<const ActBlock32* const*>(xs), out);
  } else if (type == TensorType::kQ4_0) {
    Q4_0Tokens<T>(group, nb, reinterpret_cast<const ActBlock32* const*>(xs), es, out);
  } else if (type == TensorType::kQ4_K) {
    Q4_KTokens<T>(group, nb, reinterpret_cast<const BlockQ8_K* const*>(xs), es, out);
  } else {
    Q6_KTokens<T>(group, nb, reinterpret_cast<const BlockQ8_K* const*>(xs), out);
  }
}

#endif  // AVX2 and up

// Rows [0, 8 n_groups) of `groups` x ntok tokens.
void PackedTask(TensorType type, const uint8_t* groups, int64_t n_groups, int64_t nb,
                const uint8_t* act, int64_t act_bytes, const int32_t* extra, int64_t ntok,
                float* y, int64_t y_stride) {
  const int64_t group_bytes = nb * PackedBlockBytes(type);
  [[maybe_unused]] const int64_t extra_stride = ExtraPerBlock(type) * nb;
  for (int64_t g = 0; g < n_groups; ++g) {
    const uint8_t* group = groups + g * group_bytes;
    float* yg = y + 8 * g;
#ifdef SCRIBED_PACKED_SIMD
    int64_t t = 0;
    for (; t + 4 <= ntok; t += 4) {
      GroupTokens<4>(type, group, nb, act + t * act_bytes, act_bytes,
                     extra + t * extra_stride, extra_stride, yg + t * y_stride, y_stride);
    }
    for (; t < ntok; ++t) {
      GroupTokens<1>(type, group, nb, act + t * act_bytes, act_bytes,
                     extra + t * extra_stride, extra_stride, yg + t * y_stride, y_stride);
    }
#else
    PackedGroupReference(type, group, nb, act, act_bytes, extra, ntok, yg, y_stride);
#endif
  }
}
#undef SCRIBED_PACKED_SIMD
#undef SCRIBED_KEEP_LOOP

}  // namespace HWY_NAMESPACE
}  // namespace scribed::engine::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace scribed::engine::kernels {

HWY_EXPORT(PackedTask);

namespace {

// Tokens per task: their activations stay in L2 while each 8-row group's
// weights are reused for all of them from L1/L2.
constexpr int64_t kTokenTile = 32;
constexpr int64_t kChunkBytes = 32 * 1024;

}  // namespace

bool PackedKernelsFast() {
  return (hwy::SupportedTargets() & (HWY_AVX2 | HWY_AVX3 | HWY_AVX3_DL)) != 0;
}

void PackMatricesInPlace(std::span<Matrix* const> matrices, ThreadPool& pool) {
  struct Slice {
    const Matrix* m;
    int64_t row0, rows;
  };
  // About 1 MiB per task: enough to amortize the hand-out, small enough that
  // the last matrices do not leave one thread packing alone.
  constexpr int64_t kSliceBytes = 1 << 20;
  std::vector<Slice> slices;
  std::vector<const std::byte*> seen;
  for (const Matrix* m : matrices) {
    if (m->packed || m->data == nullptr || !Packable(m->type, m->rows, m->cols)) continue;
    if (std::find(seen.begin(), seen.end(), m->data) != seen.end()) continue;
    seen.push_back(m->data);
    const auto row_bytes = static_cast<int64_t>(*RowBytes(m->type, m->cols));
    const int64_t step = std::max<int64_t>(1, kSliceBytes / (kPackRows * row_bytes)) * kPackRows;
    for (int64_t r = 0; r < m->rows; r += step) slices.push_back({m, r, std::min(step, m->rows - r)});
  }
  pool.ParallelFor(static_cast<int64_t>(slices.size()), [&](int64_t i, int) {
    const Slice& s = slices[static_cast<size_t>(i)];
    const auto row_bytes = static_cast<int64_t>(*RowBytes(s.m->type, s.m->cols));
    PackInPlace(s.m->type, const_cast<std::byte*>(s.m->data) + s.row0 * row_bytes, s.rows,
                s.m->cols);
  });
  for (Matrix* m : matrices) {
    if (std::find(seen.begin(), seen.end(), m->data) != seen.end()) m->packed = true;
  }
}

void PackedMatMul(const Matrix& w, const float* x, int64_t n_tokens, float* y, ThreadPool& pool) {
  if (n_tokens <= 0) return;
  const TensorType type = w.type;
  const bool k_quant = type == TensorType::kQ4_K || type == TensorType::kQ6_K;
  const int64_t block = k_quant ? kQKK : kQK;
  const int64_t nb = w.cols / block;
  const int64_t act_bytes =
      nb * static_cast<int64_t>(k_quant ? sizeof(BlockQ8_K) : sizeof(ActBlock32));
  const int64_t extra_stride = ExtraPerBlock(type) * nb;

  thread_local std::vector<uint8_t> act_storage;
  thread_local std::vector<int32_t> extra_storage;
  act_storage.resize(static_cast<size_t>(act_bytes * n_tokens));
  extra_storage.resize(static_cast<size_t>(std::max<int64_t>(extra_stride * n_tokens, 1)));
  uint8_t* act = act_storage.data();
  int32_t* extra = extra_storage.data();
  const int64_t cols = w.cols;
  pool.ParallelFor(n_tokens, [&](int64_t t, int) {
    void* a = act + t * act_bytes;
    if (k_quant) {
      QuantizeActivationK(x + t * cols, cols, static_cast<BlockQ8_K*>(a));
    } else {
      QuantizeActivation32(x + t * cols, cols, static_cast<ActBlock32*>(a));
    }
    ComputeActivationExtra(type, a, nb, extra + t * extra_stride);
  });

  const int64_t group_bytes = nb * PackedBlockBytes(type);
  const int64_t n_groups = w.rows / kPackRows;
  const int64_t groups_per_chunk = std::clamp<int64_t>(kChunkBytes / group_bytes, 1, 8);
  const int64_t n_chunks = (n_groups + groups_per_chunk - 1) / groups_per_chunk;
  const int64_t n_tiles = (n_tokens + kTokenTile - 1) / kTokenTile;
  const auto* wdata = reinterpret_cast<const uint8_t*>(w.data);
  auto* task_fn = HWY_DYNAMIC_DISPATCH(PackedTask);
  pool.ParallelFor(n_chunks * n_tiles, [&](int64_t task, int) {
    const int64_t chunk = task / n_tiles, tile = task % n_tiles;
    const int64_t g0 = chunk * groups_per_chunk, t0 = tile * kTokenTile;
    const int64_t ng = std::min(groups_per_chunk, n_groups - g0);
    const int64_t nt = std::min(kTokenTile, n_tokens - t0);
    task_fn(type, wdata + g0 * group_bytes, ng, nb, act + t0 * act_bytes, act_bytes,
            extra + t0 * extra_stride, nt, y + t0 * w.rows + g0 * kPackRows, w.rows);
  });
}

}  // namespace scribed::engine::kernels
#endif  // HWY_ONCE
