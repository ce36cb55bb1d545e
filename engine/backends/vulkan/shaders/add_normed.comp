#version 450
// Per row: a = RmsNorm(a) * w; x = (x + a) * scale.
#extension GL_GOOGLE_include_directive : require
layout(std430, binding = 0) buffer Ab { float a[]; };
layout(std430, binding = 1) readonly buffer Wb { float w[]; };
layout(std430, binding = 2) buffer Xb { float x[]; };
layout(push_constant) uniform P {
  uint d, n;
  float eps, scale;
} p;
#include "common.glsl"

void main() {
  const uint tid = gl_LocalInvocationID.x;
  for (uint t = gl_WorkGroupID.x; t < p.n; t += gl_NumWorkGroups.x) {
    const uint o = t * p.d;
    float ss = 0.0;
    for (uint i = tid; i < p.d; i += WG) ss += a[o + i] * a[o + i];
    const float inv = 1.0 / sqrt(wg_sum(ss) / float(p.d) + p.eps);
    for (uint i = tid; i < p.d; i += WG) {
      const float v = a[o + i] * inv * w[i];
      a[o + i] = v;
      x[o + i] = (x[o + i] + v) * p.scale;
    }
  }
}
