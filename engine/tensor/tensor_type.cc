#include "scribed/engine/tensor_type.h"

#include <array>
#include <limits>

namespace scribed::engine {
namespace {

// Block geometry as GGUF defines it (QK_K = 256 for the k-quants).
constexpr std::array kTypes = {
    TensorTypeTraits{TensorType::kF32, "F32", 1, 4},
    TensorTypeTraits{TensorType::kF16, "F16", 1, 2},
    TensorTypeTraits{TensorType::kQ4_0, "Q4_0", 32, 2 + 16},
    TensorTypeTraits{TensorType::kQ4_1, "Q4_1", 32, 2 + 2 + 16},
    TensorTypeTraits{TensorType::kQ5_0, "Q5_0", 32, 2 + 4 + 16},
    TensorTypeTraits{TensorType::kQ5_1, "Q5_1", 32, 2 + 2 + 4 + 16},
    TensorTypeTraits{TensorType::kQ8_0, "Q8_0", 32, 2 + 32},
    TensorTypeTraits{TensorType::kQ8_1, "Q8_1", 32, 4 + 4 + 32},  // not a weight type
    TensorTypeTraits{TensorType::kQ2_K, "Q2_K", 256, 16 + 64 + 2 + 2},
    TensorTypeTraits{TensorType::kQ3_K, "Q3_K", 256, 32 + 64 + 12 + 2},
    TensorTypeTraits{TensorType::kQ4_K, "Q4_K", 256, 2 + 2 + 12 + 128},
    TensorTypeTraits{TensorType::kQ5_K, "Q5_K", 256, 2 + 2 + 12 + 32 + 128},
    TensorTypeTraits{TensorType::kQ6_K, "Q6_K", 256, 128 + 64 + 16 + 2},
    TensorTypeTraits{TensorType::kQ8_K, "Q8_K", 256, 4 + 256 + 32},  // activations only
    TensorTypeTraits{TensorType::kBF16, "BF16", 1, 2},
};

}  // namespace

std::optional<TensorTypeTraits> FindTensorType(uint32_t ggml_id) noexcept {
  for (const auto& t : kTypes) {
    if (static_cast<uint32_t>(t.type) == ggml_id) return t;
  }
  return std::nullopt;
}

const TensorTypeTraits& Traits(TensorType type) noexcept {
  for (const auto& t : kTypes) {
    if (t.type == type) return t;
  }
  return kTypes[0];  // unreachable for valid enumerators
}

std::optional<uint64_t> RowBytes(TensorType type, int64_t n) noexcept {
  const auto& t = Traits(type);
  if (n < 0 || n % t.block_size != 0) return std::nullopt;
  const uint64_t blocks = static_cast<uint64_t>(n / t.block_size);
  const uint64_t size = static_cast<uint64_t>(t.type_size);
  if (blocks > std::numeric_limits<uint64_t>::max() / size) return std::nullopt;
  return blocks * size;
}

}  // namespace scribed::engine
