// Tensor element types as GGUF files store them (ggml's numbering) and their
// block geometry. Quantized types pack `block_size` consecutive elements of a
// row into `type_size` bytes; a row's length must be a multiple of block_size.
//
// Thread-safe: everything here is immutable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace scribed::engine {

// Values are ggml's `enum ggml_type` ids, which is what GGUF tensor infos hold.
enum class TensorType : uint32_t {
  kF32 = 0,
  kF16 = 1,
  kQ4_0 = 2,
  kQ4_1 = 3,
  kQ5_0 = 6,
  kQ5_1 = 7,
  kQ8_0 = 8,
  kQ8_1 = 9,
  kQ2_K = 10,
  kQ3_K = 11,
  kQ4_K = 12,
  kQ5_K = 13,
  kQ6_K = 14,
  kQ8_K = 15,
  kBF16 = 30,
};

struct TensorTypeTraits {
  TensorType type;
  std::string_view name;  // "Q4_K", as llama.cpp prints it
  int64_t block_size;     // elements per block
  int64_t type_size;      // bytes per block
};

// Traits of a ggml type id, or nullopt for ids scribed cannot read
// (IQ*, MXFP4, removed types, garbage from a corrupt file).
std::optional<TensorTypeTraits> FindTensorType(uint32_t ggml_id) noexcept;

// Traits of a supported type; never fails for enumerators above.
const TensorTypeTraits& Traits(TensorType type) noexcept;

// Bytes taken by `n` elements of `type`; nullopt when `n` is negative, not a
// multiple of the block size, or the byte count would overflow.
std::optional<uint64_t> RowBytes(TensorType type, int64_t n) noexcept;

inline std::string_view Name(TensorType type) noexcept { return Traits(type).name; }

}  // namespace scribed::engine
