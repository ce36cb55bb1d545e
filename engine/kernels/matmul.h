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
};

// y[t][r] = sum_c W[r][c] * x[t][c] for t < n_tokens.
// x: [n_tokens, cols] row-major float; y: [n_tokens, rows] row-major float.
// n_tokens == 1 is the decode (matrix x vector) case.
void MatMul(const Matrix& w, const float* x, int64_t n_tokens, float* y, ThreadPool& pool);

// Row `row` of `w` as floats (cols values), e.g. an embedding lookup.
void DequantizeRow(const Matrix& w, int64_t row, float* dst);

}  // namespace scribed::engine::kernels
