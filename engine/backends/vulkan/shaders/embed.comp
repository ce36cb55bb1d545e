#version 450
// x[t] = table[ids[t]] * scale, or the host row of t when ids[t] < 0.
#extension GL_GOOGLE_include_directive : require
layout(std430, binding = 0) readonly buffer W { uint wq[]; };
layout(std430, binding = 1) readonly buffer Ids { int ids[]; };
layout(std430, binding = 2) readonly buffer Rows { float host_rows[]; };
layout(std430, binding = 3) writeonly buffer X { float x[]; };
layout(push_constant) uniform P {
  uint cols, row_bytes, n, row0, rows, copy_host_rows;  // this part holds rows [row0, row0 + rows)
  float scale;
} p;
#include "common.glsl"
#include "weights.glsl"

void main() {
  const uint tid = gl_LocalInvocationID.x;
  for (uint t = gl_WorkGroupID.x; t < p.n; t += gl_NumWorkGroups.x) {
    const int id = ids[t];
    const uint xo = t * p.cols;
    if (id < 0) {
      if (p.copy_host_rows != 0u) {
        for (uint c = tid; c < p.cols; c += WG) x[xo + c] = host_rows[xo + c];
      }
      continue;
    }
    if (uint(id) < p.row0 || uint(id) >= p.row0 + p.rows) continue;
    const uint row = (uint(id) - p.row0) * p.row_bytes;
#if IS_FLOAT_TYPE
    for (uint c = tid; c < p.cols; c += WG) x[xo + c] = float_at(row, c) * p.scale;
#else
    float v[32];
    for (uint sub = tid; sub < p.cols / 32u; sub += WG) {
      dequant_sub(row, sub, v);
      for (uint l = 0u; l < 32u; ++l) x[xo + 32u * sub + l] = v[l] * p.scale;
    }
#endif
  }
}
