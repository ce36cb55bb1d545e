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
// ROWS rows per workgroup, LANES threads per row: fewer, fuller workgroups
// than one per row, which matters for the 262144-row LM head.
#define LANES 16u
#define ROWS (WG / LANES)

void main() {
  const uint tid = gl_LocalInvocationID.x, lane = tid % LANES, slot = tid / LANES;
  const uint tiles = (p.n + TILE - 1u) / TILE;
  for (uint tile = gl_WorkGroupID.y; tile < tiles; tile += gl_NumWorkGroups.y) {
    const uint t0 = tile * TILE, nt = min(TILE, p.n - t0);
    for (uint r0 = gl_WorkGroupID.x * ROWS; r0 < p.rows; r0 += gl_NumWorkGroups.x * ROWS) {
      const uint r = r0 + slot;
      const bool valid = r < p.rows;
      const uint row = r * p.row_bytes;
      float acc[TILE];
      for (uint j = 0u; j < TILE; ++j) acc[j] = 0.0;
      if (valid) {
#if IS_FLOAT_TYPE
        for (uint c = lane; c < p.cols; c += LANES) {
          const float w = float_at(row, c);
          for (uint j = 0u; j < nt; ++j) acc[j] += w * x[(t0 + j) * p.cols + c];
        }
#else
        float v[32];
        for (uint sub = lane; sub < p.cols / 32u; sub += LANES) {
          dequant_sub(row, sub, v);
          for (uint j = 0u; j < nt; ++j) {
            const uint xo = (t0 + j) * p.cols + 32u * sub;
            float s = 0.0;
            for (uint l = 0u; l < 32u; ++l) s += v[l] * x[xo + l];
            acc[j] += s;
          }
        }
#endif
      }
      for (uint j = 0u; j < nt; ++j) {
        red[tid] = acc[j];
        barrier();
        for (uint s = LANES / 2u; s > 0u; s >>= 1) {
          if (lane < s) red[tid] += red[tid + s];
          barrier();
        }
        if (lane == 0u && valid) y[(t0 + j) * p.y_stride + p.row0 + r] = red[tid];
        barrier();
      }
    }
  }
}
