// MatMul: splits the output into (row chunk x token tile) tasks of fixed
// geometry, so each output element is computed by one task with one fixed
// summation order whatever the thread count; weights of a chunk are read once
// per token tile while the tile's activations stay in cache.
#include "engine/kernels/matmul.h"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/kernels/activation_quant.h"
#include "engine/kernels/packed_matmul.h"
#include "engine/kernels/packed_weights.h"
#include "engine/tensor/quantize.h"

// Order matters: foreach_target re-includes this file once per target.
// clang-format off
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "engine/kernels/matmul.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>
#include "engine/kernels/quant_dot-inl.h"
// clang-format on

HWY_BEFORE_NAMESPACE();
namespace scribed::engine::kernels {
namespace HWY_NAMESPACE {

// y[t * y_stride + r] for rows [0, nrows) x tokens [0, ntok) of one task.
// `act` points at the first token's activation (float or int8 blocks).
void DotTileImpl(TensorType type, const uint8_t* w, int64_t row_bytes, int64_t nrows,
                 const void* act, int64_t act_bytes, int64_t ntok, int64_t cols, float* y,
                 int64_t y_stride, float* scratch) {
  const auto* a = static_cast<const uint8_t*>(act);
  auto for_each = [&](auto dot) {
    for (int64_t r = 0; r < nrows; ++r) {
      const uint8_t* row = w + r * row_bytes;
      for (int64_t t = 0; t < ntok; ++t) y[t * y_stride + r] = dot(row, a + t * act_bytes);
    }
  };
  const int64_t nb32 = cols / kQK, nbk = cols / kQKK;
  switch (type) {
    case TensorType::kF32:
      return for_each([&](const uint8_t* row, const uint8_t* x) {
        return DotF32(row, reinterpret_cast<const float*>(x), cols);
      });
    case TensorType::kF16:
      return for_each([&](const uint8_t* row, const uint8_t* x) {
        return DotF16(row, reinterpret_cast<const float*>(x), cols);
      });
    case TensorType::kBF16:
      return for_each([&](const uint8_t* row, const uint8_t* x) {
        return DotBF16(row, reinterpret_cast<const float*>(x), cols);
      });
    case TensorType::kQ8_0:
      return for_each([&](const uint8_t* row, const uint8_t* x) {
        return DotQ8_0(row, reinterpret_cast<const ActBlock32*>(x), nb32);
      });
    case TensorType::kQ4_0:
      return for_each([&](const uint8_t* row, const uint8_t* x) {
        return DotQ4_0(row, reinterpret_cast<const ActBlock32*>(x), nb32);
      });
    case TensorType::kQ4_K:
      // Several tokens per unpacked weight block.
      for (int64_t r = 0; r < nrows; ++r) {
        DotQ45KTokens<false>(w + r * row_bytes, a, act_bytes, ntok, nbk, y + r, y_stride);
      }
      return;
    case TensorType::kQ5_K:
      for (int64_t r = 0; r < nrows; ++r) {
        DotQ45KTokens<true>(w + r * row_bytes, a, act_bytes, ntok, nbk, y + r, y_stride);
      }
      return;
    case TensorType::kQ6_K:
      return for_each([&](const uint8_t* row, const uint8_t* x) {
        return DotQ6_K(row, reinterpret_cast<const BlockQ8_K*>(x), nbk);
      });
    default:
      // Other formats: dequantize the row once, then float dots per token.
      for (int64_t r = 0; r < nrows; ++r) {
        DequantizeRow(type, w + r * row_bytes, scratch, cols);
        for (int64_t t = 0; t < ntok; ++t) {
          y[t * y_stride + r] = DotF32(reinterpret_cast<const uint8_t*>(scratch),
                                       reinterpret_cast<const float*>(a + t * act_bytes), cols);
        }
      }
      return;
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace scribed::engine::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace scribed::engine::kernels {

HWY_EXPORT(DotTileImpl);

namespace {

enum class ActKind { kFloat, kBlocks32, kBlocksK, kBlocksKInterleaved };

ActKind ActivationKind(TensorType type) {
  switch (type) {
    case TensorType::kQ8_0:
    case TensorType::kQ4_0:
      return ActKind::kBlocks32;
    case TensorType::kQ4_K:
    case TensorType::kQ5_K:
      return ActKind::kBlocksKInterleaved;
    case TensorType::kQ6_K:
      return ActKind::kBlocksK;
    default:
      return ActKind::kFloat;
  }
}

constexpr int64_t kTokenTile = 8;
// Weight bytes per task: big enough to amortize task dispatch, small enough
// for ~100 tasks per decode matrix (load balance on shared cores).
constexpr int64_t kChunkBytes = 32 * 1024;

}  // namespace

void MatMul(const Matrix& w, const float* x, int64_t n_tokens, float* y, ThreadPool& pool) {
  if (w.type == TensorType::kQ8_1) {
    throw std::invalid_argument("MatMul: Q8_1 is not a weight type");
  }
  const auto row_bytes_opt = RowBytes(w.type, w.cols);
  if (!row_bytes_opt || w.rows < 0 || n_tokens < 0) {
    throw std::invalid_argument("MatMul: " + std::string(Name(w.type)) + " matrix with " +
                                std::to_string(w.cols) +
                                " columns is not a whole number of blocks");
  }
  if (w.rows == 0 || n_tokens == 0) return;
  if (w.packed) return PackedMatMul(w, x, n_tokens, y, pool);
  const auto row_bytes = static_cast<int64_t>(*row_bytes_opt);
  const ActKind kind = ActivationKind(w.type);

  // Activations in the form the kernel wants; reused across calls.
  thread_local std::vector<uint8_t> act_storage;
  const void* act = x;
  int64_t act_bytes = w.cols * static_cast<int64_t>(sizeof(float));
  if (kind != ActKind::kFloat) {
    act_bytes = kind == ActKind::kBlocks32
                    ? (w.cols / kQK) * static_cast<int64_t>(sizeof(ActBlock32))
                    : (w.cols / kQKK) * static_cast<int64_t>(sizeof(BlockQ8_K));
    act_storage.resize(static_cast<size_t>(act_bytes * n_tokens));
    uint8_t* base = act_storage.data();
    const int64_t cols = w.cols;
    pool.ParallelFor(n_tokens, [&](int64_t t, int) {
      if (kind == ActKind::kBlocks32) {
        QuantizeActivation32(x + t * cols, cols,
                             reinterpret_cast<ActBlock32*>(base + t * act_bytes));
      } else if (kind == ActKind::kBlocksK) {
        QuantizeActivationK(x + t * cols, cols, reinterpret_cast<BlockQ8_K*>(base + t * act_bytes));
      } else {
        QuantizeActivationKInterleaved(x + t * cols, cols,
                                       reinterpret_cast<BlockQ8_K*>(base + t * act_bytes));
      }
    });
    act = base;
  }

  const bool needs_scratch = kind == ActKind::kFloat && w.type != TensorType::kF32 &&
                             w.type != TensorType::kF16 && w.type != TensorType::kBF16;
  std::vector<std::vector<float>> scratch(needs_scratch ? static_cast<size_t>(pool.size()) : 0);
  for (auto& s : scratch) s.resize(static_cast<size_t>(w.cols));

  const int64_t rows_per_chunk =
      std::clamp<int64_t>(kChunkBytes / std::max<int64_t>(row_bytes, 1), 1, 64);
  const int64_t n_chunks = (w.rows + rows_per_chunk - 1) / rows_per_chunk;
  const int64_t n_tiles = (n_tokens + kTokenTile - 1) / kTokenTile;
  const auto* wdata = reinterpret_cast<const uint8_t*>(w.data);
  const auto* abytes = static_cast<const uint8_t*>(act);
  auto* tile_fn = HWY_DYNAMIC_DISPATCH(DotTileImpl);
  // Task order keeps a chunk's token tiles adjacent so its weights are still
  // cached when the next tile needs them.
  pool.ParallelFor(n_chunks * n_tiles, [&](int64_t task, int thread) {
    const int64_t chunk = task / n_tiles, tile = task % n_tiles;
    const int64_t r0 = chunk * rows_per_chunk, t0 = tile * kTokenTile;
    const int64_t nr = std::min(rows_per_chunk, w.rows - r0);
    const int64_t nt = std::min(kTokenTile, n_tokens - t0);
    tile_fn(w.type, wdata + r0 * row_bytes, row_bytes, nr, abytes + t0 * act_bytes, act_bytes, nt,
            w.cols, y + t0 * w.rows + r0, w.rows,
            needs_scratch ? scratch[static_cast<size_t>(thread)].data() : nullptr);
  });
}

void DequantizeRow(const Matrix& w, int64_t row, float* dst) {
  const auto row_bytes = RowBytes(w.type, w.cols);
  if (!row_bytes || row < 0 || row >= w.rows) {
    throw std::invalid_argument("DequantizeRow: row " + std::to_string(row) + " outside " +
                                std::to_string(w.rows) + " rows of " + std::string(Name(w.type)));
  }
  if (w.packed) {
    thread_local std::vector<std::byte> row_bytes_buf;
    row_bytes_buf.resize(*row_bytes);
    UnpackRow(w.type, w.data, w.cols, row, row_bytes_buf.data());
    engine::DequantizeRow(w.type, row_bytes_buf.data(), dst, w.cols);
    return;
  }
  engine::DequantizeRow(w.type, w.data + row * static_cast<int64_t>(*row_bytes), dst, w.cols);
}

}  // namespace scribed::engine::kernels
#endif  // HWY_ONCE
