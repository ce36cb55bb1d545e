// Per-target dot products of one weight row with one activation row, for
// matmul.cc (included once per Highway target through foreach_target).
// Quantized weights meet int8 activations (activation_quant.h); AVX-512
// targets use intrinsics Highway 1.0 lacks (VNNI dpbusd/dpwssd on AVX3_DL,
// maddubs+madd on AVX3 and AVX2); SSE4/scalar run integer C++ loops the
// compiler vectorizes. Float weights (F32/F16/BF16) use portable Highway code.

#if defined(SCRIBED_ENGINE_KERNELS_QUANT_DOT_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef SCRIBED_ENGINE_KERNELS_QUANT_DOT_INL_H_
#undef SCRIBED_ENGINE_KERNELS_QUANT_DOT_INL_H_
#else
#define SCRIBED_ENGINE_KERNELS_QUANT_DOT_INL_H_
#endif

#include <hwy/highway.h>

#include <cstdint>
#include <cstring>

#include "engine/kernels/activation_quant.h"
#include "engine/tensor/quantize.h"

HWY_BEFORE_NAMESPACE();
namespace scribed::engine::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// ---- Float weights ----------------------------------------------------------

template <class D>
hn::Vec<D> LoadPartial(D d, const float* p, size_t n) {
  HWY_ALIGN float buf[hn::MaxLanes(D())] = {};
  std::memcpy(buf, p, n * sizeof(float));
  return hn::Load(d, buf);
}

// Sum of w[i]*x[i]; `load(i)` returns Lanes() weights starting at i as floats
// and `load_tail(i, n)` the last n < Lanes() of them (zero padded).
template <class LoadW, class LoadWTail>
float DotFloatGeneric(const float* x, int64_t n, const LoadW& load, const LoadWTail& load_tail) {
  const hn::ScalableTag<float> d;
  const size_t N = hn::Lanes(d), len = static_cast<size_t>(n);
  auto a0 = hn::Zero(d), a1 = hn::Zero(d), a2 = hn::Zero(d), a3 = hn::Zero(d);
  size_t i = 0;
  for (; i + 4 * N <= len; i += 4 * N) {
    a0 = hn::MulAdd(load(i), hn::LoadU(d, x + i), a0);
    a1 = hn::MulAdd(load(i + N), hn::LoadU(d, x + i + N), a1);
    a2 = hn::MulAdd(load(i + 2 * N), hn::LoadU(d, x + i + 2 * N), a2);
    a3 = hn::MulAdd(load(i + 3 * N), hn::LoadU(d, x + i + 3 * N), a3);
  }
  for (; i + N <= len; i += N) a0 = hn::MulAdd(load(i), hn::LoadU(d, x + i), a0);
  if (i < len) a1 = hn::MulAdd(load_tail(i, len - i), LoadPartial(d, x + i, len - i), a1);
  return hn::GetLane(hn::SumOfLanes(d, hn::Add(hn::Add(a0, a1), hn::Add(a2, a3))));
}

float DotF32(const uint8_t* w, const float* x, int64_t n) {
  const hn::ScalableTag<float> d;
  const float* wf = reinterpret_cast<const float*>(w);
  return DotFloatGeneric(
      x, n, [&](size_t i) { return hn::LoadU(d, wf + i); },
      [&](size_t i, size_t m) { return LoadPartial(d, wf + i, m); });
}

template <class T>
float DotHalfLike(const uint8_t* w, const float* x, int64_t n) {
  const hn::ScalableTag<float> d;
  const hn::Rebind<T, decltype(d)> dh;
  const T* wh = reinterpret_cast<const T*>(w);
  return DotFloatGeneric(
      x, n, [&](size_t i) { return hn::PromoteTo(d, hn::LoadU(dh, wh + i)); },
      [&](size_t i, size_t m) {
        HWY_ALIGN T buf[hn::MaxLanes(decltype(d)())] = {};
        std::memcpy(buf, wh + i, m * sizeof(T));
        return hn::PromoteTo(d, hn::Load(dh, buf));
      });
}

float DotF16(const uint8_t* w, const float* x, int64_t n) {
  return DotHalfLike<hwy::float16_t>(w, x, n);
}
float DotBF16(const uint8_t* w, const float* x, int64_t n) {
  return DotHalfLike<hwy::bfloat16_t>(w, x, n);
}

// ---- Quantized weights x int8 activations ------------------------------------

// Q4_K / Q5_K: 6-bit scales/mins unpacked four at a time from the packed
// 12 bytes (see UnpackScaleMinK4).
HWY_INLINE void UnpackK4(const uint8_t* s, uint32_t* sc, uint32_t* mn) {
  uint32_t a[3];
  std::memcpy(a, s, 12);
  sc[0] = a[0] & 0x3F3F3F3Fu;
  sc[1] = (a[2] & 0x0F0F0F0Fu) | (((a[0] >> 6) & 0x03030303u) << 4);
  mn[0] = a[1] & 0x3F3F3F3Fu;
  mn[1] = ((a[2] >> 4) & 0x0F0F0F0Fu) | (((a[1] >> 6) & 0x03030303u) << 4);
}

#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL

#undef SCRIBED_VNNI
#if HWY_TARGET == HWY_AVX3_DL
// Highway's AVX3_DL attribute names VEX "avxvnni" only; dpbusd/dpwssd on zmm
// need avx512vnni, which Highway's AVX3_DL runtime check already requires.
#define SCRIBED_VNNI __attribute__((target("avx512vnni")))
#else
#define SCRIBED_VNNI
#endif

// acc += sum over groups of 4 bytes of u8(u) * s8(s).
SCRIBED_VNNI HWY_INLINE __m512i DotU8S8(__m512i acc, __m512i u, __m512i s) {
#if HWY_TARGET == HWY_AVX3_DL
  return _mm512_dpbusd_epi32(acc, u, s);
#else
  const __m512i p16 = _mm512_maddubs_epi16(u, s);
  return _mm512_add_epi32(acc, _mm512_madd_epi16(p16, _mm512_set1_epi16(1)));
#endif
}

// acc += sum over byte pairs of (u8(u) * s8(s) summed in pairs) * scale16.
// Pair sums stay below 2*63*127, so the int16 products cannot saturate.
SCRIBED_VNNI HWY_INLINE __m512i DotScaled(__m512i acc, __m512i u, __m512i s, __m512i scale16) {
  const __m512i p16 = _mm512_maddubs_epi16(u, s);
#if HWY_TARGET == HWY_AVX3_DL
  return _mm512_dpwssd_epi32(acc, p16, scale16);
#else
  return _mm512_add_epi32(acc, _mm512_madd_epi16(p16, scale16));
#endif
}

HWY_INLINE float Half(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return _cvtsh_ss(h);
}

HWY_INLINE __m512i Join(__m256i lo, __m256i hi) {
  return _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
}

HWY_INLINE int HSum128(__m128i v) {
  v = _mm_add_epi32(v, _mm_shuffle_epi32(v, _MM_SHUFFLE(1, 0, 3, 2)));
  v = _mm_add_epi32(v, _mm_shuffle_epi32(v, _MM_SHUFFLE(2, 3, 0, 1)));
  return _mm_cvtsi128_si32(v);
}

HWY_INLINE float HSumF256(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// Weights Q8_0 (signed) or Q4_0 (nibbles - 8), two blocks per zmm.
template <bool kQ4>
SCRIBED_VNNI float DotQ32(const uint8_t* w, const ActBlock32* x, int64_t nb) {
  constexpr int64_t kBytes = kQ4 ? sizeof(BlockQ4_0) : sizeof(BlockQ8_0);
  __m512 acc = _mm512_setzero_ps();
  const __m256i m4 = _mm256_set1_epi8(0x0F);
  const __m512i eight = _mm512_set1_epi8(8);
  for (int64_t i = 0; i < nb; i += 2) {
    const bool pair = i + 1 < nb;
    const uint8_t* b0 = w + i * kBytes;
    const uint8_t* b1 = b0 + kBytes;
    __m256i w0, w1 = _mm256_setzero_si256(), x1 = _mm256_setzero_si256();
    const __m256i x0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[i].qs));
    float s1 = 0.0f;
    if constexpr (kQ4) {
      const __m128i q0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b0 + 2));
      w0 = _mm256_and_si256(
          _mm256_inserti128_si256(_mm256_castsi128_si256(q0), _mm_srli_epi16(q0, 4), 1), m4);
      if (pair) {
        const __m128i q1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b1 + 2));
        w1 = _mm256_and_si256(
            _mm256_inserti128_si256(_mm256_castsi128_si256(q1), _mm_srli_epi16(q1, 4), 1), m4);
      }
    } else {
      w0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b0 + 2));
      if (pair) w1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b1 + 2));
    }
    if (pair) {
      x1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[i + 1].qs));
      s1 = Half(b1) * x[i + 1].d;
    }
    const __m512i wv = Join(w0, w1), xv = Join(x0, x1);
    __m512i dot;
    if constexpr (kQ4) {
      dot = _mm512_sub_epi32(DotU8S8(_mm512_setzero_si512(), wv, xv),
                             DotU8S8(_mm512_setzero_si512(), eight, xv));
    } else {
      const __m512i xs =
          _mm512_mask_sub_epi8(xv, _mm512_movepi8_mask(wv), _mm512_setzero_si512(), xv);
      dot = DotU8S8(_mm512_setzero_si512(), _mm512_abs_epi8(wv), xs);
    }
    const __m512 scale =
        _mm512_insertf32x8(_mm512_set1_ps(Half(b0) * x[i].d), _mm256_set1_ps(s1), 1);
    acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), scale, acc);
  }
  return _mm512_reduce_add_ps(acc);
}

SCRIBED_VNNI float DotQ8_0(const uint8_t* w, const ActBlock32* x, int64_t nb) {
  return DotQ32<false>(w, x, nb);
}
SCRIBED_VNNI float DotQ4_0(const uint8_t* w, const ActBlock32* x, int64_t nb) {
  return DotQ32<true>(w, x, nb);
}

// Index vectors spreading int16 lane `a` over lanes 0..15 and `b`
// over 16..31 (one scale per 32-element sub-block), or 4 scales over 8 lanes
// each (one per 16-element group).
HWY_INLINE __m512i SpreadIndexPair(int a, int b) {
  return _mm512_inserti64x4(_mm512_set1_epi16(static_cast<int16_t>(a)),
                            _mm256_set1_epi16(static_cast<int16_t>(b)), 1);
}
HWY_INLINE __m512i SpreadIndex4(int first) {
  const __m128i a = _mm_set1_epi16(static_cast<int16_t>(first));
  const __m128i b = _mm_set1_epi16(static_cast<int16_t>(first + 1));
  const __m128i c = _mm_set1_epi16(static_cast<int16_t>(first + 2));
  const __m128i d = _mm_set1_epi16(static_cast<int16_t>(first + 3));
  return _mm512_inserti64x4(
      _mm512_castsi256_si512(_mm256_inserti128_si256(_mm256_castsi128_si256(a), b, 1)),
      _mm256_inserti128_si256(_mm256_castsi128_si256(c), d, 1), 1);
}

// x holds interleaved Q8_K activations (QuantizeActivationKInterleaved): one
// 64-byte load of nibbles gives sub-blocks (4c, 4c+2) in its low nibbles and
// (4c+1, 4c+3) in its high ones, matching 64 contiguous activation bytes each.
template <bool kQ5>
SCRIBED_VNNI float DotQ45K(const uint8_t* w, const BlockQ8_K* x, int64_t nb) {
  constexpr int64_t kBytes = kQ5 ? sizeof(BlockQ5_K) : sizeof(BlockQ4_K);
  constexpr int kQsOffset = kQ5 ? 48 : 16;
  const __m512i m4 = _mm512_set1_epi8(0x0F);
  const __m512i bit0 = _mm512_set1_epi8(0x01), bit1 = _mm512_set1_epi8(0x02);
  const __m512i idx_lo[2] = {SpreadIndexPair(0, 2), SpreadIndexPair(4, 6)};
  const __m512i idx_hi[2] = {SpreadIndexPair(1, 3), SpreadIndexPair(5, 7)};
  __m512 acc = _mm512_setzero_ps();
  __m256 min_acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < nb; ++i) {
    const uint8_t* b = w + i * kBytes;
    const BlockQ8_K& xb = x[i];
    uint32_t sc[2], mn[2];
    UnpackK4(b + 4, sc, mn);
    int32_t dpair;
    std::memcpy(&dpair, b, 4);
    // d and dmin together: lanes 0 and 1.
    const __m128 dd = _mm_mul_ps(_mm_cvtph_ps(_mm_cvtsi32_si128(dpair)), _mm_set1_ps(xb.d));
    const __m128i mn8 = _mm_set_epi32(0, 0, static_cast<int>(mn[1]), static_cast<int>(mn[0]));
    // Mins: bsums[i] times min[i/2], pair-summed to 8 int32.
    const __m256i mins =
        _mm256_madd_epi16(_mm256_cvtepu8_epi16(_mm_unpacklo_epi8(mn8, mn8)),
                          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xb.bsums)));
    min_acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(mins), _mm256_broadcastss_ps(_mm_movehdup_ps(dd)),
                              min_acc);
    const __m512i sc16 = _mm512_castsi256_si512(_mm256_cvtepu8_epi16(
        _mm_set_epi32(0, 0, static_cast<int>(sc[1]), static_cast<int>(sc[0]))));
    __m512i qh = _mm512_setzero_si512();
    if constexpr (kQ5) {
      // Low half: fifth bits of sub-blocks 4c, 4c+1; high half: 4c+2, 4c+3.
      const __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 16));
      qh = Join(h, _mm256_srli_epi16(h, 2));
    }
    __m512i isum = _mm512_setzero_si512();
    for (int c = 0; c < 2; ++c) {
      const __m512i q = _mm512_loadu_si512(b + kQsOffset + 64 * c);
      __m512i lo = _mm512_and_si512(q, m4);
      __m512i hi = _mm512_and_si512(_mm512_srli_epi16(q, 4), m4);
      if constexpr (kQ5) {
        lo = _mm512_or_si512(lo, _mm512_slli_epi16(_mm512_and_si512(qh, bit0), 4));
        hi = _mm512_or_si512(hi, _mm512_slli_epi16(_mm512_and_si512(qh, bit1), 3));
        qh = _mm512_srli_epi16(qh, 4);
      }
      isum = DotScaled(isum, lo, _mm512_loadu_si512(xb.qs + 128 * c),
                       _mm512_permutexvar_epi16(idx_lo[c], sc16));
      isum = DotScaled(isum, hi, _mm512_loadu_si512(xb.qs + 128 * c + 64),
                       _mm512_permutexvar_epi16(idx_hi[c], sc16));
    }
    acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum), _mm512_broadcastss_ps(dd), acc);
  }
  return _mm512_reduce_add_ps(acc) - HSumF256(min_acc);
}

SCRIBED_VNNI float DotQ4_K(const uint8_t* w, const BlockQ8_K* x, int64_t nb) {
  return DotQ45K<false>(w, x, nb);
}
SCRIBED_VNNI float DotQ5_K(const uint8_t* w, const BlockQ8_K* x, int64_t nb) {
  return DotQ45K<true>(w, x, nb);
}

SCRIBED_VNNI float DotQ6_K(const uint8_t* w, const BlockQ8_K* x, int64_t nb) {
  const __m256i m4 = _mm256_set1_epi8(0x0F), m30 = _mm256_set1_epi8(0x30);
  const __m512i idx[4] = {SpreadIndex4(0), SpreadIndex4(4), SpreadIndex4(8), SpreadIndex4(12)};
  __m512 acc = _mm512_setzero_ps();
  __m256 off_acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < nb; ++i) {
    const uint8_t* b = w + i * static_cast<int64_t>(sizeof(BlockQ6_K));
    const BlockQ8_K& xb = x[i];
    const __m256i sc16 =
        _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b + 192)));
    // Codes are stored +32: subtract 32 * sum_g scale_g * bsums_g.
    const __m256i prod =
        _mm256_madd_epi16(sc16, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xb.bsums)));
    const __m512i sc512 = _mm512_castsi256_si512(sc16);
    __m512i isum = _mm512_setzero_si512();
    for (int h = 0; h < 2; ++h) {
      const __m256i ql0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 64 * h));
      const __m256i ql1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 64 * h + 32));
      const __m256i qh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 128 + 32 * h));
      const __m256i q1 = _mm256_or_si256(_mm256_and_si256(ql0, m4),
                                         _mm256_and_si256(_mm256_slli_epi16(qh, 4), m30));
      const __m256i q2 = _mm256_or_si256(_mm256_and_si256(ql1, m4),
                                         _mm256_and_si256(_mm256_slli_epi16(qh, 2), m30));
      const __m256i q3 = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), m4),
                                         _mm256_and_si256(qh, m30));
      const __m256i q4 = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), m4),
                                         _mm256_and_si256(_mm256_srli_epi16(qh, 2), m30));
      const __m512i x0 = _mm512_loadu_si512(xb.qs + 128 * h);
      const __m512i x1 = _mm512_loadu_si512(xb.qs + 128 * h + 64);
      isum = DotScaled(isum, Join(q1, q2), x0, _mm512_permutexvar_epi16(idx[2 * h], sc512));
      isum = DotScaled(isum, Join(q3, q4), x1, _mm512_permutexvar_epi16(idx[2 * h + 1], sc512));
    }
    const float dd = Half(b + 208) * xb.d;
    acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum), _mm512_set1_ps(dd), acc);
    off_acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(prod), _mm256_set1_ps(32.0f * dd), off_acc);
  }
  return _mm512_reduce_add_ps(acc) - HSumF256(off_acc);
}

#undef SCRIBED_VNNI

#elif HWY_TARGET == HWY_AVX2

HWY_INLINE float Half(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return _cvtsh_ss(h);
}

HWY_INLINE int HSum128(__m128i v) {
  v = _mm_add_epi32(v, _mm_shuffle_epi32(v, _MM_SHUFFLE(1, 0, 3, 2)));
  v = _mm_add_epi32(v, _mm_shuffle_epi32(v, _MM_SHUFFLE(2, 3, 0, 1)));
  return _mm_cvtsi128_si32(v);
}

HWY_INLINE float HSumF(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// int16 pair sums of u8(u) * s8(s), multiplied by `scale16` and pair-summed to int32.
HWY_INLINE __m256i DotScaled(__m256i u, __m256i s, __m256i scale16) {
  return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), scale16);
}

// Q8_0 (signed codes) or Q4_0 (nibbles - 8): sign moved onto the activation
// so maddubs sees an unsigned operand.
template <bool kQ4>
float DotQ32(const uint8_t* w, const ActBlock32* x, int64_t nb) {
  constexpr int64_t kBytes = kQ4 ? sizeof(BlockQ4_0) : sizeof(BlockQ8_0);
  const __m256i m4 = _mm256_set1_epi8(0x0F), eight = _mm256_set1_epi8(8);
  const __m256i ones = _mm256_set1_epi16(1);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < nb; ++i) {
    const uint8_t* b = w + i * kBytes;
    __m256i wv;
    if constexpr (kQ4) {
      const __m128i q = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + 2));
      wv = _mm256_sub_epi8(
          _mm256_and_si256(
              _mm256_inserti128_si256(_mm256_castsi128_si256(q), _mm_srli_epi16(q, 4), 1), m4),
          eight);
    } else {
      wv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 2));
    }
    const __m256i xv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[i].qs));
    const __m256i dot = DotScaled(_mm256_abs_epi8(wv), _mm256_sign_epi8(xv, wv), ones);
    acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), _mm256_set1_ps(Half(b) * x[i].d), acc);
  }
  return HSumF(acc);
}

float DotQ8_0(const uint8_t* w, const ActBlock32* x, int64_t nb) { return DotQ32<false>(w, x, nb); }
float DotQ4_0(const uint8_t* w, const ActBlock32* x, int64_t nb) { return DotQ32<true>(w, x, nb); }

template <bool kQ5>
float DotQ45K(const uint8_t* w, const BlockQ8_K* x, int64_t nb) {
  constexpr int64_t kBytes = kQ5 ? sizeof(BlockQ5_K) : sizeof(BlockQ4_K);
  constexpr int kQsOffset = kQ5 ? 48 : 16;
  const __m256i m4 = _mm256_set1_epi8(0x0F);
  const __m256i bit0 = _mm256_set1_epi8(0x01), bit1 = _mm256_set1_epi8(0x02);
  __m256 acc = _mm256_setzero_ps();
  float mins = 0.0f;
  for (int64_t i = 0; i < nb; ++i) {
    const uint8_t* b = w + i * kBytes;
    const BlockQ8_K& xb = x[i];
    uint32_t sc[2], mn[2];
    uint8_t scales[8];
    UnpackK4(b + 4, sc, mn);
    std::memcpy(scales, sc, 8);
    const __m128i mn8 = _mm_set_epi32(0, 0, static_cast<int>(mn[1]), static_cast<int>(mn[0]));
    const __m128i bsum =
        _mm_hadd_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(xb.bsums)),
                       _mm_loadu_si128(reinterpret_cast<const __m128i*>(xb.bsums + 8)));
    const int msum = HSum128(_mm_madd_epi16(_mm_cvtepu8_epi16(mn8), bsum));
    __m256i qh = _mm256_setzero_si256();
    if constexpr (kQ5) qh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 16));
    __m256i isum = _mm256_setzero_si256();
    for (int k = 0; k < 4; ++k) {
      const __m256i q =
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + kQsOffset + 32 * k));
      __m256i lo = _mm256_and_si256(q, m4);
      __m256i hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), m4);
      if constexpr (kQ5) {
        lo = _mm256_or_si256(lo, _mm256_slli_epi16(_mm256_and_si256(qh, bit0), 4));
        hi = _mm256_or_si256(hi, _mm256_slli_epi16(_mm256_and_si256(qh, bit1), 3));
        qh = _mm256_srli_epi16(qh, 2);
      }
      // Interleaved activations (see the AVX-512 version).
      const int8_t* xq = xb.qs + 128 * (k / 2) + 32 * (k % 2);
      const __m256i x0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xq));
      const __m256i x1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xq + 64));
      isum = _mm256_add_epi32(isum, DotScaled(lo, x0, _mm256_set1_epi16(scales[2 * k])));
      isum = _mm256_add_epi32(isum, DotScaled(hi, x1, _mm256_set1_epi16(scales[2 * k + 1])));
    }
    const float dx = xb.d;
    acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum), _mm256_set1_ps(Half(b) * dx), acc);
    mins += Half(b + 2) * dx * static_cast<float>(msum);
  }
  return HSumF(acc) - mins;
}

float DotQ4_K(const uint8_t* w, const BlockQ8_K* x, int64_t nb) { return DotQ45K<false>(w, x, nb); }
float DotQ5_K(const uint8_t* w, const BlockQ8_K* x, int64_t nb) { return DotQ45K<true>(w, x, nb); }

float DotQ6_K(const uint8_t* w, const BlockQ8_K* x, int64_t nb) {
  const __m256i m4 = _mm256_set1_epi8(0x0F), m30 = _mm256_set1_epi8(0x30);
  __m256 acc = _mm256_setzero_ps();
  float offs = 0.0f;
  for (int64_t i = 0; i < nb; ++i) {
    const uint8_t* b = w + i * static_cast<int64_t>(sizeof(BlockQ6_K));
    const BlockQ8_K& xb = x[i];
    const int8_t* sc = reinterpret_cast<const int8_t*>(b + 192);
    const __m256i sc16 =
        _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b + 192)));
    const __m256i prod =
        _mm256_madd_epi16(sc16, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xb.bsums)));
    const int osum =
        HSum128(_mm_add_epi32(_mm256_castsi256_si128(prod), _mm256_extracti128_si256(prod, 1)));
    __m256i isum = _mm256_setzero_si256();
    // Scale vector for a 32-element quarter: groups g and g+1, 8 int16 lanes each.
    auto scales = [&](int g) {
      return _mm256_set_m128i(_mm_set1_epi16(sc[g + 1]), _mm_set1_epi16(sc[g]));
    };
    for (int h = 0; h < 2; ++h) {
      const __m256i ql0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 64 * h));
      const __m256i ql1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 64 * h + 32));
      const __m256i qh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 128 + 32 * h));
      const __m256i q[4] = {_mm256_or_si256(_mm256_and_si256(ql0, m4),
                                            _mm256_and_si256(_mm256_slli_epi16(qh, 4), m30)),
                            _mm256_or_si256(_mm256_and_si256(ql1, m4),
                                            _mm256_and_si256(_mm256_slli_epi16(qh, 2), m30)),
                            _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), m4),
                                            _mm256_and_si256(qh, m30)),
                            _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), m4),
                                            _mm256_and_si256(_mm256_srli_epi16(qh, 2), m30))};
      for (int j = 0; j < 4; ++j) {
        const __m256i xv =
            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xb.qs + 128 * h + 32 * j));
        isum = _mm256_add_epi32(isum, DotScaled(q[j], xv, scales(8 * h + 2 * j)));
      }
    }
    const float dd = Half(b + 208) * xb.d;
    acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum), _mm256_set1_ps(dd), acc);
    offs += dd * static_cast<float>(32 * osum);
  }
  return HSumF(acc) - offs;
}

#else  // Targets without AVX2: integer loops (vectorized by the compiler).

float DotQ8_0(const uint8_t* w, const ActBlock32* x, int64_t nb) {
  float acc = 0.0f;
  for (int64_t i = 0; i < nb; ++i) {
    BlockQ8_0 b;
    std::memcpy(&b, w + i * static_cast<int64_t>(sizeof(b)), sizeof(b));
    int s = 0;
    for (int l = 0; l < kQK; ++l) s += b.qs[l] * x[i].qs[l];
    acc += F16ToF32(b.d) * x[i].d * static_cast<float>(s);
  }
  return acc;
}

float DotQ4_0(const uint8_t* w, const ActBlock32* x, int64_t nb) {
  float acc = 0.0f;
  for (int64_t i = 0; i < nb; ++i) {
    BlockQ4_0 b;
    std::memcpy(&b, w + i * static_cast<int64_t>(sizeof(b)), sizeof(b));
    int s = 0;
    for (int l = 0; l < 16; ++l) {
      s += ((b.qs[l] & 0xF) - 8) * x[i].qs[l] + ((b.qs[l] >> 4) - 8) * x[i].qs[l + 16];
    }
    acc += F16ToF32(b.d) * x[i].d * static_cast<float>(s);
  }
  return acc;
}

template <bool kQ5>
float DotQ45K(const uint8_t* w, const BlockQ8_K* x, int64_t nb) {
  float acc = 0.0f;
  for (int64_t i = 0; i < nb; ++i) {
    const BlockQ8_K& xb = x[i];
    uint16_t d, dmin;
    uint8_t scales[12], qh[32] = {}, qs[128];
    const uint8_t* b = w + i * static_cast<int64_t>(kQ5 ? sizeof(BlockQ5_K) : sizeof(BlockQ4_K));
    std::memcpy(&d, b, 2);
    std::memcpy(&dmin, b + 2, 2);
    std::memcpy(scales, b + 4, 12);
    if constexpr (kQ5) std::memcpy(qh, b + 16, 32);
    std::memcpy(qs, b + (kQ5 ? 48 : 16), 128);
    int isum = 0, msum = 0;
    for (int k = 0; k < 4; ++k) {
      uint8_t sc0, mn0, sc1, mn1;
      UnpackScaleMinK4(scales, 2 * k, &sc0, &mn0);
      UnpackScaleMinK4(scales, 2 * k + 1, &sc1, &mn1);
      int s0 = 0, s1 = 0;
      for (int l = 0; l < 32; ++l) {
        int lo = qs[32 * k + l] & 0xF, hi = qs[32 * k + l] >> 4;
        if constexpr (kQ5) {
          lo |= ((qh[l] >> (2 * k)) & 1) << 4;
          hi |= ((qh[l] >> (2 * k + 1)) & 1) << 4;
        }
        s0 += lo * xb.qs[InterleavedK(64 * k + l)];
        s1 += hi * xb.qs[InterleavedK(64 * k + 32 + l)];
      }
      isum += sc0 * s0 + sc1 * s1;
      msum += mn0 * (xb.bsums[4 * k] + xb.bsums[4 * k + 1]) +
              mn1 * (xb.bsums[4 * k + 2] + xb.bsums[4 * k + 3]);
    }
    acc += F16ToF32(d) * xb.d * static_cast<float>(isum) -
           F16ToF32(dmin) * xb.d * static_cast<float>(msum);
  }
  return acc;
}

float DotQ4_K(const uint8_t* w, const BlockQ8_K* x, int64_t nb) { return DotQ45K<false>(w, x, nb); }
float DotQ5_K(const uint8_t* w, const BlockQ8_K* x, int64_t nb) { return DotQ45K<true>(w, x, nb); }

float DotQ6_K(const uint8_t* w, const BlockQ8_K* x, int64_t nb) {
  float acc = 0.0f;
  for (int64_t i = 0; i < nb; ++i) {
    BlockQ6_K b;
    std::memcpy(&b, w + i * static_cast<int64_t>(sizeof(b)), sizeof(b));
    const BlockQ8_K& xb = x[i];
    int isum = 0;
    for (int h = 0; h < 2; ++h) {
      const uint8_t* ql = b.ql + 64 * h;
      const uint8_t* qh = b.qh + 32 * h;
      const int8_t* xq = xb.qs + 128 * h;
      int g[8] = {};
      for (int l = 0; l < 32; ++l) {
        const int q1 = ((ql[l] & 0xF) | ((qh[l] & 3) << 4)) - 32;
        const int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
        const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
        const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
        const int half = l / 16;
        g[half] += q1 * xq[l];
        g[2 + half] += q2 * xq[l + 32];
        g[4 + half] += q3 * xq[l + 64];
        g[6 + half] += q4 * xq[l + 96];
      }
      for (int j = 0; j < 8; ++j) isum += b.scales[8 * h + j] * g[j];
    }
    acc += F16ToF32(b.d) * xb.d * static_cast<float>(isum);
  }
  return acc;
}

#endif  // HWY_TARGET

}  // namespace HWY_NAMESPACE
}  // namespace scribed::engine::kernels
HWY_AFTER_NAMESPACE();

#endif  // include guard toggle
