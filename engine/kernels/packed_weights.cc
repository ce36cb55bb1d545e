#include "engine/kernels/packed_weights.h"

#include <cstring>
#include <vector>

#include "engine/tensor/quantize.h"

namespace scribed::engine::kernels {
namespace {

// Where each byte of one GGUF block of row r lands in the packed 8-row block:
// calls move(src_offset_in_row_block, dst_offset_in_group_block, n_bytes).
template <class Move>
void ForEachPiece(TensorType type, int r, const Move& move) {
  switch (type) {
    case TensorType::kQ8_0:  // d, then 32 codes in 8 steps of 4
      move(0, 2 * r, 2);
      for (int s = 0; s < 8; ++s) move(2 + 4 * s, 16 + 32 * s + 4 * r, 4);
      return;
    case TensorType::kQ4_0:  // d, then 16 nibble bytes in 4 steps of 4
      move(0, 2 * r, 2);
      for (int s = 0; s < 4; ++s) move(2 + 4 * s, 16 + 32 * s + 4 * r, 4);
      return;
    case TensorType::kQ4_K:  // d, dmin, 12 scale bytes, 128 nibble bytes
      move(0, 2 * r, 2);
      move(2, 16 + 2 * r, 2);
      move(4, 32 + 12 * r, 12);
      for (int k = 0; k < 4; ++k) {
        for (int s = 0; s < 8; ++s) move(16 + 32 * k + 4 * s, 128 + 32 * (8 * k + s) + 4 * r, 4);
      }
      return;
    default:
      return;
  }
}

int64_t BlockElems(TensorType type) { return Traits(type).block_size; }

}  // namespace

int64_t PackedBlockBytes(TensorType type) {
  return kPackRows * static_cast<int64_t>(Traits(type).type_size);
}

bool Packable(TensorType type, int64_t rows, int64_t cols) {
  if (type != TensorType::kQ8_0 && type != TensorType::kQ4_0 && type != TensorType::kQ4_K) {
    return false;
  }
  return rows > 0 && rows % kPackRows == 0 && cols > 0 && cols % BlockElems(type) == 0;
}

void PackInPlace(TensorType type, std::byte* data, int64_t rows, int64_t cols) {
  const int64_t block_bytes = static_cast<int64_t>(Traits(type).type_size);
  const int64_t nb = cols / BlockElems(type), row_bytes = nb * block_bytes;
  const int64_t group_bytes = kPackRows * row_bytes;
  std::vector<std::byte> src(static_cast<size_t>(group_bytes));
  for (int64_t g = 0; g < rows / kPackRows; ++g) {
    std::byte* group = data + g * group_bytes;
    std::memcpy(src.data(), group, src.size());
    for (int64_t b = 0; b < nb; ++b) {
      std::byte* dst = group + b * PackedBlockBytes(type);
      for (int r = 0; r < kPackRows; ++r) {
        const std::byte* from = src.data() + r * row_bytes + b * block_bytes;
        ForEachPiece(type, r, [&](int s, int d, int n) { std::memcpy(dst + d, from + s, n); });
      }
    }
  }
}

void UnpackRow(TensorType type, const std::byte* packed, int64_t cols, int64_t row,
               std::byte* out) {
  const int64_t block_bytes = static_cast<int64_t>(Traits(type).type_size);
  const int64_t nb = cols / BlockElems(type);
  const std::byte* group = packed + (row / kPackRows) * kPackRows * nb * block_bytes;
  const int r = static_cast<int>(row % kPackRows);
  for (int64_t b = 0; b < nb; ++b) {
    const std::byte* src = group + b * PackedBlockBytes(type);
    std::byte* to = out + b * block_bytes;
    ForEachPiece(type, r, [&](int s, int d, int n) { std::memcpy(to + s, src + d, n); });
  }
}

}  // namespace scribed::engine::kernels
