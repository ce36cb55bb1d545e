#include "engine/testgen/weight_rule.h"

#include <cmath>

namespace scribed::engine::testgen {

uint64_t Fnv1a64(std::string_view bytes) noexcept {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char b : bytes) {
    h ^= b;
    h *= 0x100000001b3ULL;
  }
  return h;
}

double UniformDraw(uint64_t name_key, uint64_t index) noexcept {
  // splitmix64 finaliser over a Weyl sequence keyed by the tensor name.
  uint64_t z = name_key + (index + 1) * 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z = z ^ (z >> 31);
  const int64_t s = static_cast<int64_t>(z >> 40) - (int64_t{1} << 23);
  return static_cast<double>(s) / static_cast<double>(1 << 23);
}

void FillWeights(std::string_view name, uint64_t seed, WeightClass cls, int head_dim,
                 uint64_t first, std::span<float> out) noexcept {
  const uint64_t key = Fnv1a64(name) ^ seed;
  const double qk_factor = 1.0 / std::sqrt(std::sqrt(static_cast<double>(head_dim)));
  for (size_t i = 0; i < out.size(); ++i) {
    const double u = UniformDraw(key, first + i);
    double w = 0;
    switch (cls) {
      case WeightClass::kMatrix: w = u / 32; break;
      case WeightClass::kNorm: w = 1 + u / 32; break;
      case WeightClass::kQkNorm: w = (1 + u / 32) * qk_factor; break;
      case WeightClass::kScale: w = 0.75 + u / 4; break;
    }
    out[i] = static_cast<float>(w);
  }
}

}  // namespace scribed::engine::testgen
