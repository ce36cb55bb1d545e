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
    case TensorType::kQ4_K:  // d, dmin, 128 nibble bytes; scales: see Q4KScales
      move(0, 2 * r, 2);
      move(2, 16 + 2 * r, 2);
      for (int k = 0; k < 4; ++k) {
        for (int s = 0; s < 8; ++s) move(16 + 32 * k + 4 * s, 128 + 32 * (8 * k + s) + 4 * r, 4);
      }
      return;
    case TensorType::kQ6_K:  // d, 16 scales; codes: see Q6KCodes
      move(208, 2 * r, 2);
      for (int j = 0; j < 16; ++j) move(192 + j, 16 + 8 * j + r, 1);
      return;
    default:
      return;
  }
}

// Q6_K codes (6 bits, 0..63) of one 256-column block in column order, from
// and to the GGUF layout: code e is ql's nibble (4 * (quarter / 2)) at byte
// 64h + l + 32 * (quarter % 2) with its top bits (2 * quarter) at qh byte
// 128 + 32h + l, where h = e / 128, quarter = e % 128 / 32, l = e % 32.
void GgufQ6Codes(const uint8_t* block, uint8_t* q) {
  for (int h = 0; h < 2; ++h) {
    for (int quarter = 0; quarter < 4; ++quarter) {
      const uint8_t* ql = block + 64 * h + 32 * (quarter & 1);
      const uint8_t* qh = block + 128 + 32 * h;
      const int ql_shift = 4 * (quarter >> 1), qh_shift = 2 * quarter;
      uint8_t* out = q + 128 * h + 32 * quarter;
      for (int l = 0; l < 32; ++l) {
        out[l] = static_cast<uint8_t>(((ql[l] >> ql_shift) & 15) | (((qh[l] >> qh_shift) & 3) << 4));
      }
    }
  }
}

void SetGgufQ6Codes(const uint8_t* q, uint8_t* block) {
  for (int h = 0; h < 2; ++h) {
    for (int l = 0; l < 32; ++l) {
      const uint8_t* c = q + 128 * h + l;  // c[32 * quarter]
      block[64 * h + l] = static_cast<uint8_t>((c[0] & 15) | ((c[64] & 15) << 4));
      block[64 * h + 32 + l] = static_cast<uint8_t>((c[32] & 15) | ((c[96] & 15) << 4));
      block[128 + 32 * h + l] = static_cast<uint8_t>((c[0] >> 4) | ((c[32] >> 4) << 2) |
                                                     ((c[64] >> 4) << 4) | ((c[96] >> 4) << 6));
    }
  }
}

// The same for row r of a packed block: per 16-column group j, byte 4r + b
// of the three vectors at 144 + 96j holds column 16j + 4 * step + b, steps
// 0/1 (resp. 2/3) in the low/high nibble of the first (second) vector and
// all four steps' top bits (2 * step) in the third. Each byte belongs to one
// row, so packing writes whole bytes.
void SetPackedQ6Codes(const uint8_t* q, int r, uint8_t* block) {
  for (int j = 0; j < 16; ++j) {
    uint8_t* g = block + 144 + 96 * j + 4 * r;
    for (int b = 0; b < 4; ++b) {
      const uint8_t* c = q + 16 * j + b;  // c[4 * step]
      g[b] = static_cast<uint8_t>((c[0] & 15) | ((c[4] & 15) << 4));
      g[32 + b] = static_cast<uint8_t>((c[8] & 15) | ((c[12] & 15) << 4));
      g[64 + b] = static_cast<uint8_t>((c[0] >> 4) | ((c[4] >> 4) << 2) | ((c[8] >> 4) << 4) |
                                       ((c[12] >> 4) << 6));
    }
  }
}

void PackedQ6Codes(const uint8_t* block, int r, uint8_t* q) {
  for (int j = 0; j < 16; ++j) {
    const uint8_t* g = block + 144 + 96 * j + 4 * r;
    for (int b = 0; b < 4; ++b) {
      uint8_t* c = q + 16 * j + b;
      c[0] = static_cast<uint8_t>((g[b] & 15) | ((g[64 + b] & 3) << 4));
      c[4] = static_cast<uint8_t>((g[b] >> 4) | (((g[64 + b] >> 2) & 3) << 4));
      c[8] = static_cast<uint8_t>((g[32 + b] & 15) | (((g[64 + b] >> 4) & 3) << 4));
      c[12] = static_cast<uint8_t>((g[32 + b] >> 4) | ((g[64 + b] >> 6) << 4));
    }
  }
}

int64_t BlockElems(TensorType type) { return Traits(type).block_size; }

// Q4_K scales and mins of row r between the GGUF 12-byte packing (`gguf`)
// and the packed block header (bytes 32..128 of `packed`).
void PackQ4KScales(const uint8_t* gguf, int r, uint8_t* packed) {
  uint8_t sc[8], mn[8];
  for (int j = 0; j < 8; ++j) UnpackScaleMinK4(gguf, j, &sc[j], &mn[j]);
  for (int which = 0; which < 2; ++which) {
    const uint8_t* v = which ? mn : sc;
    uint8_t* lo = packed + 32 + 32 * which;
    uint8_t* hi = packed + 96 + 16 * which;
    for (int j = 0; j < 4; ++j) {
      lo[8 * j + r] = static_cast<uint8_t>((v[j] & 15) | ((v[j + 4] & 15) << 4));
    }
    for (int h = 0; h < 2; ++h) {
      int bits = 0;
      for (int q = 0; q < 4; ++q) bits |= (v[h + 2 * q] >> 4) << (2 * q);
      hi[8 * h + r] = static_cast<uint8_t>(bits);
    }
  }
}

void UnpackQ4KScales(const uint8_t* packed, int r, uint8_t* gguf) {
  uint8_t sc[8], mn[8];
  DecodePackedQ4KScales(packed, r, sc, mn);
  for (int j = 0; j < 4; ++j) {
    gguf[j] = static_cast<uint8_t>(sc[j] | ((sc[j + 4] >> 4) << 6));
    gguf[j + 4] = static_cast<uint8_t>(mn[j] | ((mn[j + 4] >> 4) << 6));
    gguf[j + 8] = static_cast<uint8_t>((sc[j + 4] & 15) | ((mn[j + 4] & 15) << 4));
  }
}

}  // namespace

void DecodePackedQ4KScales(const uint8_t* block, int r, uint8_t* scale, uint8_t* min) {
  for (int which = 0; which < 2; ++which) {
    uint8_t* v = which ? min : scale;
    const uint8_t* lo = block + 32 + 32 * which;
    const uint8_t* hi = block + 96 + 16 * which;
    for (int j = 0; j < 8; ++j) {
      const int low = (lo[8 * (j % 4) + r] >> (4 * (j / 4))) & 15;
      const int top = (hi[8 * (j % 2) + r] >> (2 * (j / 2))) & 3;
      v[j] = static_cast<uint8_t>(low | (top << 4));
    }
  }
}

int64_t PackedBlockBytes(TensorType type) {
  return kPackRows * static_cast<int64_t>(Traits(type).type_size);
}

bool Packable(TensorType type, int64_t rows, int64_t cols) {
  if (type != TensorType::kQ8_0 && type != TensorType::kQ4_0 && type != TensorType::kQ4_K &&
      type != TensorType::kQ6_K) {
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
        if (type == TensorType::kQ4_K) {
          PackQ4KScales(reinterpret_cast<const uint8_t*>(from) + 4, r,
                        reinterpret_cast<uint8_t*>(dst));
        } else if (type == TensorType::kQ6_K) {
          uint8_t codes[256];
          GgufQ6Codes(reinterpret_cast<const uint8_t*>(from), codes);
          SetPackedQ6Codes(codes, r, reinterpret_cast<uint8_t*>(dst));
        }
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
    if (type == TensorType::kQ4_K) {
      UnpackQ4KScales(reinterpret_cast<const uint8_t*>(src), r, reinterpret_cast<uint8_t*>(to) + 4);
    } else if (type == TensorType::kQ6_K) {
      uint8_t codes[256];
      PackedQ6Codes(reinterpret_cast<const uint8_t*>(src), r, codes);
      SetGgufQ6Codes(codes, reinterpret_cast<uint8_t*>(to));
    }
  }
}

}  // namespace scribed::engine::kernels
