#version 450
// out[t, h] = softmax(q . K) V over the positions a query at pos0 + t sees,
// one workgroup per (head, position). Chunks of WG positions with a running
// max and sum (online softmax), so any context length fits in shared memory.
#extension GL_GOOGLE_include_directive : require
layout(std430, binding = 0) readonly buffer Qb { float q[]; };
// KV_F16: the cache holds IEEE halves, two per uint.
#ifdef KV_F16
layout(std430, binding = 1) readonly buffer KCb { uint kc[]; };
layout(std430, binding = 2) readonly buffer VCb { uint vc[]; };
float K(uint i) { return unpackHalf2x16(kc[i >> 1])[i & 1u]; }
float V(uint i) { return unpackHalf2x16(vc[i >> 1])[i & 1u]; }
#else
layout(std430, binding = 1) readonly buffer KCb { float kc[]; };
layout(std430, binding = 2) readonly buffer VCb { float vc[]; };
float K(uint i) { return kc[i]; }
float V(uint i) { return vc[i]; }
#endif
layout(std430, binding = 3) writeonly buffer Ob { float o[]; };
layout(push_constant) uniform P {
  uint n, pos0, n_head, hd, group, window, capacity, kv_dim;
} p;
#include "common.glsl"

const uint kMaxHead = 512u;
const uint kPerThread = kMaxHead / WG;
shared float sq[kMaxHead];
shared float sp[WG];

void main() {
  const uint tid = gl_LocalInvocationID.x;
  const uint h = gl_WorkGroupID.x;
  const uint q_dim = p.n_head * p.hd, kv_off = (h / p.group) * p.hd;
  for (uint t = gl_WorkGroupID.y; t < p.n; t += gl_NumWorkGroups.y) {
    const uint pos = p.pos0 + t;
    const uint first = p.window > 0u && pos + 1u > p.window ? pos + 1u - p.window : 0u;
    const uint count = pos - first + 1u;
    const uint qo = t * q_dim + h * p.hd;
    for (uint i = tid; i < p.hd; i += WG) sq[i] = q[qo + i];
    barrier();
    float m = -1e30, l = 0.0;
    float acc[kPerThread];
    for (uint k = 0u; k < kPerThread; ++k) acc[k] = 0.0;
    for (uint c0 = 0u; c0 < count; c0 += WG) {
      const uint i = c0 + tid;
      float s = -1e30;
      if (i < count) {
        const uint row = ((first + i) % p.capacity) * p.kv_dim + kv_off;
        s = 0.0;
        for (uint d = 0u; d < p.hd; ++d) s += sq[d] * K(row + d);
      }
      const float m_new = max(m, wg_max(s));
      const float corr = exp(m - m_new);
      const float pr = i < count ? exp(s - m_new) : 0.0;
      sp[tid] = pr;
      l = l * corr + wg_sum(pr);  // wg_sum's barriers also publish sp
      const uint cn = min(uint(WG), count - c0);
      for (uint k = 0u; k < kPerThread; ++k) acc[k] *= corr;
      for (uint j = 0u; j < cn; ++j) {
        const uint row = ((first + c0 + j) % p.capacity) * p.kv_dim + kv_off;
        const float pj = sp[j];
        for (uint k = 0u; k < kPerThread; ++k) {
          const uint d = tid + k * WG;
          if (d < p.hd) acc[k] += pj * V(row + d);
        }
      }
      barrier();
      m = m_new;
    }
    for (uint k = 0u; k < kPerThread; ++k) {
      const uint d = tid + k * WG;
      if (d < p.hd) o[qo + d] = acc[k] / l;
    }
    barrier();
  }
}
