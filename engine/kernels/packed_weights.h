// Row-interleaved ("packed") weight layouts for the prefill GEMM: eight rows
// of a matrix are stored block by block so that one 32-byte load holds four
// consecutive codes of each of the eight rows, and one broadcast activation
// word meets all eight in a single multiply. A packed matrix takes exactly the
// bytes of the GGUF layout, so weights can be packed in place at load time.
//
// Packed group of 8 rows, per block (one block = 32 columns for Q8_0/Q4_0,
// 256 for the k-quants), in this order:
//   Q8_0: f16 d[8]; 8 steps x (8 rows x 4 codes)                       272 B
//   Q4_0: f16 d[8]; 4 steps x (8 rows x 4 bytes: low nibble column
//         4s+b, high nibble 16+4s+b)                                   144 B
//   Q4_K: f16 d[8]; f16 dmin[8]; the 6-bit scales, then the mins, as
//         low nibbles lo[j%4][r] (j/4 selects the byte's nibble, 32 B)
//         and top bits hi[j%2][r] (bits 2*(j/2), 16 B) for sub-block j
//         of row r; then 4 pairs x 8 steps x (8 rows x 4 bytes: low
//         nibble column 64k+4s+b of sub-block 2k, high 64k+32+4s+b)  1152 B
//   Q6_K: f16 d[8]; int8 scales[16 groups][8 rows]; then per 16-column
//         group j: two 32-byte vectors of low nibbles (8 rows x 4 bytes;
//         byte b: steps 0/1 resp. 2/3 of the group in low/high nibble,
//         step = 4 columns) and one of top bits (bits 2*step)          1680 B
// Thread-safe: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>

#include "scribed/engine/tensor_type.h"

namespace scribed::engine::kernels {

inline constexpr int64_t kPackRows = 8;

// Whether PackInPlace supports this type and shape (rows a multiple of 8,
// cols a whole number of blocks).
bool Packable(TensorType type, int64_t rows, int64_t cols);

// Rewrites rows x RowBytes(type, cols) bytes of GGUF layout into the packed
// layout above. Precondition: Packable(type, rows, cols).
void PackInPlace(TensorType type, std::byte* data, int64_t rows, int64_t cols);

// Row `row` of a packed matrix in GGUF layout (RowBytes(type, cols) bytes).
void UnpackRow(TensorType type, const std::byte* packed, int64_t cols, int64_t row,
               std::byte* out);

// The 6-bit scales and mins of row r (< 8) of a packed Q4_K block.
void DecodePackedQ4KScales(const uint8_t* block, int r, uint8_t* scale, uint8_t* min);

// Bytes of one packed 8-row group per block.
int64_t PackedBlockBytes(TensorType type);

}  // namespace scribed::engine::kernels
