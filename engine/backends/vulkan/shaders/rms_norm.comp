#version 450
// out[t] = x[first + t] / sqrt(mean(x^2) + eps) * w, one workgroup per row.
#extension GL_GOOGLE_include_directive : require
layout(std430, binding = 0) readonly buffer Xb { float x[]; };
layout(std430, binding = 1) readonly buffer Wb { float w[]; };
layout(std430, binding = 2) buffer Ob { float o[]; };
layout(push_constant) uniform P {
  uint d, first, n, has_weight;
  float eps;
} p;
#include "common.glsl"

void main() {
  const uint tid = gl_LocalInvocationID.x;
  for (uint t = gl_WorkGroupID.x; t < p.n; t += gl_NumWorkGroups.x) {
    const uint xo = (p.first + t) * p.d, oo = t * p.d;
    float ss = 0.0;
    for (uint i = tid; i < p.d; i += WG) ss += x[xo + i] * x[xo + i];
    const float inv = 1.0 / sqrt(wg_sum(ss) / float(p.d) + p.eps);
    for (uint i = tid; i < p.d; i += WG) o[oo + i] = x[xo + i] * inv * (p.has_weight != 0u ? w[i] : 1.0);
  }
}
