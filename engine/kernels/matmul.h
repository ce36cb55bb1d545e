// Matrix products between quantized GGUF weights and float activations: the
// arithmetic that dominates every forward pass. Runtime-dispatched SIMD
// (Highway) with scalar references in kernels/reference.h.
#pragma once

#include <cstddef>
#include <cstdint>

#include "engine/runtime/thread_pool.h"
#include "scribed/engine/tensor_type.h"

namespace scribed::engine::kernels {

// A weight matrix as GGUF stores it: `rows` rows (output features, ggml ne[1])
// of `cols` elements (input features, ne[0]); each row takes
// RowBytes(type, cols) bytes and rows are contiguous.
struct Matrix {
  TensorType type;
  const std::byte* data;
  int64_t rows;
  int64_t cols;
  // Rows interleaved in groups of 8 (packed_weights.h) instead of GGUF order.
  bool packed = false;
};

// y[t][r] = sum_c W[r][c] * x[t][c] for t < n_tokens.
// x: [n_tokens, cols] row-major float; y: [n_tokens, rows] row-major float.
// n_tokens == 1 is the decode (matrix x vector) case.
//
// Precision: Q8_0 and Q4_0 weights multiply x rounded to int8 per 32-element
// block, Q4_K/Q5_K/Q6_K per 256-element block (scale d = max|x|/127 as a
// float, codes round(x*127/max|x|)), like llama.cpp; all other types use x as
// given (Q4_1/Q5_x/Q2_K/Q3_K through dequantized rows). Results do not depend
// on the pool's thread count. Throws std::invalid_argument if cols is not a
// whole number of blocks or the type is not a weight type (Q8_1).
// Thread-compatible; calls pool.ParallelFor.
void MatMul(const Matrix& w, const float* x, int64_t n_tokens, float* y, ThreadPool& pool);

// Row `row` of `w` as floats (cols values), e.g. an embedding lookup.
// Throws std::invalid_argument for a row outside the matrix.
void DequantizeRow(const Matrix& w, int64_t row, float* dst);

}  // namespace scribed::engine::kernels
