// The testgen-1 weight rule: deterministic pseudo-random weights for tiny
// Gemma 4 Unified test models, reproducible bit for bit by any program from a
// tensor name, a seed and an element index (see docs/testing.md).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace scribed::engine::testgen {

// How a tensor's uniform draw u in [-1, 1) becomes a weight.
enum class WeightClass {
  kMatrix,  // u / 32
  kNorm,    // 1 + u / 32
  kQkNorm,  // (1 + u / 32) / sqrt(sqrt(head_dim))
  kScale,   // 0.75 + u / 4
};

uint64_t Fnv1a64(std::string_view bytes) noexcept;

// Uniform draw for element `index` of tensor `name`: an integer multiple of
// 2^-23 in [-1, 1), exact in double.
double UniformDraw(uint64_t name_key, uint64_t index) noexcept;

// Fills `out` with elements [first, first + out.size()) of tensor `name`.
// `head_dim` is used by kQkNorm only.
void FillWeights(std::string_view name, uint64_t seed, WeightClass cls, int head_dim,
                 uint64_t first, std::span<float> out) noexcept;

}  // namespace scribed::engine::testgen
