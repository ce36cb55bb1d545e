// GEMM over packed weights (packed_weights.h): the prefill and decode product
// for matrices whose Matrix::packed is set.
#pragma once

#include <cstdint>

#include "engine/kernels/matmul.h"
#include "engine/runtime/thread_pool.h"

namespace scribed::engine::kernels {

// As MatMul (same activation rounding and contract) for a packed matrix.
// Every output is one fixed-order sum over the row, so results do not depend
// on the thread count or on how tokens are tiled; they match
// PackedGroupReference bit for bit on every target.
void PackedMatMul(const Matrix& w, const float* x, int64_t n_tokens, float* y, ThreadPool& pool);

// Whether this CPU runs a SIMD body of PackedMatMul (AVX2 or better); where
// it does not, the scalar reference would be slower than the GGUF-layout
// kernels and weights are better left unpacked.
bool PackedKernelsFast();

// Packs `m` in place when Packable (its data must be writable; see
// gguf::File::EditResident) and marks it packed. Returns whether it did.
bool PackMatrixInPlace(Matrix& m);

}  // namespace scribed::engine::kernels
