// Shared pieces of the packed-weight GEMM (packed_matmul.cc): the per-token
// activation sums the kernels need besides the int8 codes, and the scalar
// reference kernel that every SIMD body must match bit for bit.
// Thread-safe: pure functions.
#pragma once

#include <cstdint>

#include "engine/kernels/activation_quant.h"
#include "scribed/engine/tensor_type.h"

namespace scribed::engine::kernels {

// Per block of one token: for Q4_K the 32-element code sums as int16 pairs
// (sub-blocks 2k, 2k+1 in one int32, k < 4), for Q4_0 the block's code sum.
int ExtraPerBlock(TensorType type);
void ComputeActivationExtra(TensorType type, const void* act, int64_t nb, int32_t* extra);

// y[t * y_stride + r] (r < 8) for ntok tokens against one packed group of nb
// blocks. act: per-token ActBlock32 (Q8_0, Q4_0) or BlockQ8_K (Q4_K) rows,
// act_bytes apart; extra: ExtraPerBlock(type) * nb int32 per token.
// Per row: acc = fma(float(block integer sum), d_w * d_x, acc) block by block
// (Q4_K: the same for the mins into a second sum), y = acc - mins.
void PackedGroupReference(TensorType type, const uint8_t* group, int64_t nb, const uint8_t* act,
                          int64_t act_bytes, const int32_t* extra, int64_t ntok, float* y,
                          int64_t y_stride);

}  // namespace scribed::engine::kernels
