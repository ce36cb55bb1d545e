#version 450
// y[t][r] = W[r] . x[t]: one workgroup per (row, tile of up to TILE tokens).
// Its threads split the row into 32-element sub-blocks, decode each once for
// the whole tile, and sum per token in shared memory.
#extension GL_GOOGLE_include_directive : require
layout(std430, binding = 0) readonly buffer W { uint wq[]; };
layout(std430, binding = 1) readonly buffer X { float x[]; };
layout(std430, binding = 2) writeonly buffer Y { float y[]; };
layout(push_constant) uniform P {
  uint rows, cols, row_bytes, n, row0, y_stride;  // rows of this part, from row0
} p;
#include "common.glsl"
#include "weights.glsl"

#define TILE 8u

void main() {
  const uint tid = gl_LocalInvocationID.x;
  const uint tiles = (p.n + TILE - 1u) / TILE;
  for (uint tile = gl_WorkGroupID.y; tile < tiles; tile += gl_NumWorkGroups.y) {
    const uint t0 = tile * TILE, nt = min(TILE, p.n - t0);
    for (uint r = gl_WorkGroupID.x; r < p.rows; r += gl_NumWorkGroups.x) {
      const uint row = r * p.row_bytes;
      float acc[TILE];
      for (uint j = 0u; j < TILE; ++j) acc[j] = 0.0;
#if IS_FLOAT_TYPE
      for (uint c = tid; c < p.cols; c += WG) {
        const float w = float_at(row, c);
        for (uint j = 0u; j < nt; ++j) acc[j] += w * x[(t0 + j) * p.cols + c];
      }
#else
      float v[32];
      for (uint sub = tid; sub < p.cols / 32u; sub += WG) {
        dequant_sub(row, sub, v);
        for (uint j = 0u; j < nt; ++j) {
          const uint xo = (t0 + j) * p.cols + 32u * sub;
          float s = 0.0;
          for (uint l = 0u; l < 32u; ++l) s += v[l] * x[xo + l];
          acc[j] += s;
        }
      }
#endif
      for (uint j = 0u; j < nt; ++j) {
        const float total = wg_sum(acc[j]);
        if (tid == 0u) y[(t0 + j) * p.y_stride + p.row0 + r] = total;
      }
    }
  }
}
