// Dequantization of one 32-element sub-block of a GGUF weight row, in the
// layouts engine/tensor/quantize.h documents. The weights are bound as a
// uint array; quantized blocks are not 4-byte aligned (Q8_0 is 34 bytes), so
// everything is read through byte_at.
//
// Define WTYPE to one of the ggml ids below before including.
#define T_F32 0
#define T_F16 1
#define T_Q4_0 2
#define T_Q8_0 8
#define T_Q4_K 12
#define T_Q5_K 13
#define T_Q6_K 14
#define T_BF16 30

uint byte_at(uint b) { return (wq[b >> 2] >> ((b & 3u) * 8u)) & 0xFFu; }
int sbyte_at(uint b) { return int(byte_at(b) << 24) >> 24; }
float half_at(uint b) { return unpackHalf2x16(byte_at(b) | (byte_at(b + 1u) << 8)).x; }

// Scale and min j (< 8) of a Q4_K/Q5_K block's 12 packed bytes at `s`.
void scale_min_k4(uint s, uint j, out float sc, out float mn) {
  if (j < 4u) {
    sc = float(byte_at(s + j) & 63u);
    mn = float(byte_at(s + j + 4u) & 63u);
  } else {
    sc = float((byte_at(s + j + 4u) & 0xFu) | ((byte_at(s + j - 4u) >> 6) << 4));
    mn = float((byte_at(s + j + 4u) >> 4) | ((byte_at(s + j) >> 6) << 4));
  }
}

// Element `e` of a row starting at byte `row`. Used for the float types.
float float_at(uint row, uint e) {
#if WTYPE == T_F32
  return uintBitsToFloat(wq[(row >> 2) + e]);
#elif WTYPE == T_F16
  const uint u = wq[(row >> 2) + (e >> 1)];
  return unpackHalf2x16(u)[e & 1u];
#elif WTYPE == T_BF16
  const uint u = wq[(row >> 2) + (e >> 1)];
  return uintBitsToFloat((e & 1u) == 0u ? u << 16 : u & 0xFFFF0000u);
#else
  return 0.0;
#endif
}

#define IS_FLOAT_TYPE (WTYPE == T_F32 || WTYPE == T_F16 || WTYPE == T_BF16)

// Sub-block `sub` (elements [32 sub, 32 sub + 32)) of the quantized row at byte
// `row`; for float types the caller uses float_at instead.
void dequant_sub(uint row, uint sub, out float v[32]) {
#if WTYPE == T_Q8_0
  const uint b = row + sub * 34u;
  const float d = half_at(b);
  for (uint l = 0u; l < 32u; ++l) v[l] = d * float(sbyte_at(b + 2u + l));
#elif WTYPE == T_Q4_0
  const uint b = row + sub * 18u;
  const float d = half_at(b);
  for (uint l = 0u; l < 16u; ++l) {
    const uint q = byte_at(b + 2u + l);
    v[l] = d * (float(q & 0xFu) - 8.0);
    v[l + 16u] = d * (float(q >> 4) - 8.0);
  }
#elif WTYPE == T_Q4_K || WTYPE == T_Q5_K
#if WTYPE == T_Q4_K
  const uint b = row + (sub >> 3) * 144u, qs = b + 16u;
#else
  const uint b = row + (sub >> 3) * 176u, qs = b + 48u;
#endif
  const uint j = sub & 7u, chunk = j >> 1, shift = (j & 1u) * 4u;
  float sc, mn;
  scale_min_k4(b + 4u, j, sc, mn);
  const float d = half_at(b) * sc, m = half_at(b + 2u) * mn;
  for (uint l = 0u; l < 32u; ++l) {
    uint q = (byte_at(qs + 32u * chunk + l) >> shift) & 0xFu;
#if WTYPE == T_Q5_K
    q |= ((byte_at(b + 16u + l) >> j) & 1u) << 4;
#endif
    v[l] = d * float(q) - m;
  }
#elif WTYPE == T_Q6_K
  const uint b = row + (sub >> 3) * 210u;
  const uint j = sub & 7u, h = j >> 2, quarter = j & 3u;
  const float d = half_at(b + 208u);
  const uint ql = b + 64u * h + 32u * (quarter & 1u), qh = b + 128u + 32u * h;
  const uint lshift = quarter < 2u ? 0u : 4u, hshift = 2u * quarter;
  for (uint l = 0u; l < 32u; ++l) {
    const int q = int(((byte_at(ql + l) >> lshift) & 0xFu) | (((byte_at(qh + l) >> hshift) & 3u) << 4)) - 32;
    const float s = float(sbyte_at(b + 192u + 8u * h + 2u * quarter + (l >> 4)));
    v[l] = d * s * float(q);
  }
#else
  for (uint l = 0u; l < 32u; ++l) v[l] = 0.0;
#endif
}
