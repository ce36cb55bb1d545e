// Elementwise and reduction ops of the transformer, vectorized with Highway
// (runtime dispatch). All buffers are float32; `n` may be any length.
#pragma once

#include <cstdint>

namespace scribed::engine::kernels {

// out = x / sqrt(mean(x^2) + eps) * weight; weight may be null (no scale).
// out may alias x.
void RmsNorm(const float* x, const float* weight, int64_t n, float eps, float* out) noexcept;

// out = gelu_tanh(gate) * up, gelu_tanh(x) = 0.5x(1 + tanh(sqrt(2/pi)(x + 0.044715x^3))).
// out may alias gate or up.
void GeluTanhMul(const float* gate, const float* up, int64_t n, float* out) noexcept;

// In place: x = exp(x - max) / sum.
void Softmax(float* x, int64_t n) noexcept;

// In place: x = cap * tanh(x / cap).
void Softcap(float* x, int64_t n, float cap) noexcept;

float Dot(const float* a, const float* b, int64_t n) noexcept;

// y += a * x
void Axpy(float a, const float* x, float* y, int64_t n) noexcept;

// Dot and Axpy with the second vector in IEEE half precision (raw binary16
// bits), accumulated in float: attention over an F16 KV cache.
float DotF16(const float* a, const uint16_t* b, int64_t n) noexcept;
void AxpyF16(float a, const uint16_t* x, float* y, int64_t n) noexcept;

// out = a + b (out may alias either)
void Add(const float* a, const float* b, float* out, int64_t n) noexcept;

// x *= s
void Scale(float* x, float s, int64_t n) noexcept;

}  // namespace scribed::engine::kernels
