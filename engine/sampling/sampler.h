// Picks the next token from logits: suppression of tokens that must never be
// generated, repetition penalty, then greedy argmax or temperature sampling
// restricted by top-k, top-p and min-p.
//
// Thread-compatible.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "scribed/engine/engine.h"

namespace scribed::engine::sampling {

class Sampler {
 public:
  Sampler(const SamplingParams& params, std::vector<int32_t> suppressed);

  // `recent` are the latest tokens of the context (for the repetition penalty).
  int32_t Sample(std::span<const float> logits, std::span<const int32_t> recent);

 private:
  SamplingParams params_;
  std::vector<int32_t> suppressed_;
  std::mt19937_64 rng_;
  std::vector<float> work_;
  std::vector<int32_t> candidates_;
};

// Index of the largest value; ties go to the lowest index. -1 when empty.
int32_t Argmax(std::span<const float> values) noexcept;

}  // namespace scribed::engine::sampling
