// Shared pieces of the packed-weight GEMM (packed_matmul.cc): the per-group
// scale tables built once per 8-row group and reused for every token, and the
// scalar reference kernel that every SIMD body must match bit for bit.
// Thread-safe: pure functions.
#pragma once

#include <cstdint>

#include "engine/kernels/activation_quant.h"
#include "scribed/engine/tensor_type.h"

namespace scribed::engine::kernels {

// One Q4_K super-block of an 8-row group, unpacked for the kernel: int16
// lane pairs (2r, 2r+1) hold row r's value so that vpmaddwd against a
// per-row pair of int16 partial sums yields one int32 per row.
struct alignas(32) PackedQ4KPrep {
  float d[8];
  float dmin[8];
  int16_t scale[8][16];  // [sub-block j][2r, 2r+1] = scale of row r, sub-block j
  int16_t min[4][16];    // [k][2r] = min of sub-block 2k, [k][2r+1] = of 2k+1
};

// Per-token side data the kernels need besides the int8 codes: for Q4_K the
// 32-element code sums as int16 pairs (sub-blocks 2k, 2k+1 in one int32), for
// Q4_0 the block code sums; `ExtraPerBlock` int32 per block.
int ExtraPerBlock(TensorType type);
void ComputeActivationExtra(TensorType type, const void* act, int64_t nb, int32_t* extra);

// Scale tables of one packed group: float[nb][8] for Q8_0/Q4_0,
// PackedQ4KPrep[nb] for Q4_K. `prep` must hold PrepBytes(type, nb).
int64_t PrepBytes(TensorType type, int64_t nb);
void PrepareGroup(TensorType type, const uint8_t* group, int64_t nb, void* prep);

// y[t * y_stride + r] (r < 8) for ntok tokens against one packed group.
// act: per-token int8 blocks (ActBlock32 or BlockQ8_K), act_bytes apart;
// extra: ExtraPerBlock(type) * nb int32 per token, contiguous.
void PackedGroupReference(TensorType type, const uint8_t* group, const void* prep, int64_t nb,
                          const uint8_t* act, int64_t act_bytes, const int32_t* extra,
                          int64_t ntok, float* y, int64_t y_stride);

}  // namespace scribed::engine::kernels
