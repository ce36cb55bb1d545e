// GEMM over packed weights (packed_weights.h): the prefill and decode product
// for matrices whose Matrix::packed is set.
#pragma once

#include <cstdint>
#include <span>

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

// Packs each matrix that is Packable in place and marks it packed (their data
// must be writable; see gguf::File::EditResident), spread over `pool` in
// slices of rows: a slice of whole 8-row groups is packed on its own. A
// matrix listed twice (tied embeddings) is packed once.
void PackMatricesInPlace(std::span<Matrix* const> matrices, ThreadPool& pool);

}  // namespace scribed::engine::kernels
