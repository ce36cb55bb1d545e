#version 450
// Per position and head: q heads RMS-normed (q_norm) and rotated in place;
// per kv head, V (the v projection, or the raw k projection) normed without
// weight and K normed (k_norm) and rotated, both stored in the cache ring.
// Rotation: NeoX pairs (i, i + n_rot/2), angles by the same float recurrence
// as model/rope.cc. One workgroup per (head slot, position).
#extension GL_GOOGLE_include_directive : require
layout(std430, binding = 0) buffer Qb { float q[]; };
layout(std430, binding = 1) buffer Kb { float k[]; };
layout(std430, binding = 2) readonly buffer Vb { float v[]; };
layout(std430, binding = 3) readonly buffer QNb { float q_norm[]; };
layout(std430, binding = 4) readonly buffer KNb { float k_norm[]; };
layout(std430, binding = 5) readonly buffer Fb { float freqs[]; };
// KV_F16: the cache holds IEEE halves, two per uint.
#ifdef KV_F16
layout(std430, binding = 6) writeonly buffer KCb { uint kc[]; };
layout(std430, binding = 7) writeonly buffer VCb { uint vc[]; };
#else
layout(std430, binding = 6) writeonly buffer KCb { float kc[]; };
layout(std430, binding = 7) writeonly buffer VCb { float vc[]; };
#endif
layout(push_constant) uniform P {
  uint n, pos0, n_head, n_kv_head, hd, n_rot, has_v, has_freqs, capacity;
  float eps, theta_scale;
} p;
#include "common.glsl"

const uint kMaxHead = 512u;
shared float sa[kMaxHead];
shared float sb[kMaxHead];

// sa = sa / rms(sa) * (weighted ? w : 1); `w` selects q_norm (0) or k_norm (1).
void norm_sa(uint which) {
  const uint tid = gl_LocalInvocationID.x;
  float ss = 0.0;
  for (uint i = tid; i < p.hd; i += WG) ss += sa[i] * sa[i];
  const float inv = 1.0 / sqrt(wg_sum(ss) / float(p.hd) + p.eps);
  for (uint i = tid; i < p.hd; i += WG) sa[i] = sa[i] * inv * (which == 0u ? q_norm[i] : k_norm[i]);
  barrier();
}

// The rotated value of element i of sa at position `pos`.
float rotated(uint i, uint pos) {
  const uint half_rot = p.n_rot / 2u;
  if (i >= p.n_rot) return sa[i];
  const uint j = i < half_rot ? i : i - half_rot;
  float theta = float(pos);
  for (uint s = 0u; s < j; ++s) theta *= p.theta_scale;
  const float angle = theta / (p.has_freqs != 0u ? freqs[j] : 1.0);
  const float c = cos(angle), s = sin(angle);
  return i < half_rot ? sa[i] * c - sa[i + half_rot] * s : sa[j] * s + sa[i] * c;
}

void main() {
  const uint tid = gl_LocalInvocationID.x;
  const uint head = gl_WorkGroupID.x;
  const uint q_dim = p.n_head * p.hd, kv_dim = p.n_kv_head * p.hd;
  for (uint t = gl_WorkGroupID.y; t < p.n; t += gl_NumWorkGroups.y) {
    const uint pos = p.pos0 + t;
    if (head < p.n_head) {
      const uint o = t * q_dim + head * p.hd;
      for (uint i = tid; i < p.hd; i += WG) sa[i] = q[o + i];
      barrier();
      norm_sa(0u);
      for (uint i = tid; i < p.hd; i += WG) q[o + i] = rotated(i, pos);
      barrier();
      continue;
    }
    const uint kh = head - p.n_head;
    const uint o = t * kv_dim + kh * p.hd;
    const uint c = (pos % p.capacity) * kv_dim + kh * p.hd;
    for (uint i = tid; i < p.hd; i += WG) {
      sa[i] = k[o + i];
      sb[i] = p.has_v != 0u ? v[o + i] : k[o + i];
    }
    barrier();
    float ss = 0.0;
    for (uint i = tid; i < p.hd; i += WG) ss += sb[i] * sb[i];
    const float inv = 1.0 / sqrt(wg_sum(ss) / float(p.hd) + p.eps);
#ifdef KV_F16
    for (uint i = 2u * tid; i < p.hd; i += 2u * WG) {
      vc[(c + i) >> 1] = packHalf2x16(vec2(sb[i] * inv, sb[i + 1u] * inv));
    }
    norm_sa(1u);
    for (uint i = 2u * tid; i < p.hd; i += 2u * WG) {
      const vec2 r = vec2(rotated(i, pos), rotated(i + 1u, pos));
      k[o + i] = r.x;
      k[o + i + 1u] = r.y;
      kc[(c + i) >> 1] = packHalf2x16(r);
    }
#else
    for (uint i = tid; i < p.hd; i += WG) vc[c + i] = sb[i] * inv;
    norm_sa(1u);
    for (uint i = tid; i < p.hd; i += WG) {
      const float r = rotated(i, pos);
      k[o + i] = r;
      kc[c + i] = r;
    }
#endif
    barrier();
  }
}
