// Keys and values of past positions, per layer, in float32 or IEEE half
// precision. Full-attention layers keep every position; sliding-window layers
// keep a ring of the most recent ones, sized so a batch never overwrites a key
// one of its own queries still needs.
//
// Thread-compatible; Store for distinct positions and the const reads may run
// concurrently.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/kernels/ops.h"
#include "engine/model/config.h"
#include "engine/model/kv_geometry.h"
#include "engine/tensor/quantize.h"

namespace scribed::engine::model {

enum class KvType { kF32, kF16 };

class KvCache {
 public:
  // n_ctx: most positions a session holds; max_batch: most positions one
  // forward pass appends.
  KvCache(const ModelConfig& config, int64_t n_ctx, int64_t max_batch, KvType type);

  int64_t n_ctx() const noexcept { return geometry_.n_ctx; }
  KvType type() const noexcept { return type_; }

  // Stores the K and V rows ([n_kv_head * head_dim] floats each) of `pos`.
  void Store(int layer, int64_t pos, const float* k, const float* v) noexcept {
    const int64_t n = geometry_.row_size[layer], off = Slot(layer, pos) * n;
    if (type_ == KvType::kF32) {
      std::copy(k, k + n, f32_k_[layer].data() + off);
      std::copy(v, v + n, f32_v_[layer].data() + off);
    } else {
      for (int64_t i = 0; i < n; ++i) {
        f16_k_[layer][off + i] = F32ToF16(k[i]);
        f16_v_[layer][off + i] = F32ToF16(v[i]);
      }
    }
  }

  // q . K[pos][offset, offset + n)
  float DotK(int layer, int64_t pos, int64_t offset, const float* q, int64_t n) const noexcept {
    const int64_t at = Slot(layer, pos) * geometry_.row_size[layer] + offset;
    return type_ == KvType::kF32 ? kernels::Dot(q, f32_k_[layer].data() + at, n)
                                 : kernels::DotF16(q, f16_k_[layer].data() + at, n);
  }

  // out += w * V[pos][offset, offset + n)
  void AxpyV(int layer, int64_t pos, int64_t offset, float w, float* out, int64_t n) const noexcept {
    const int64_t at = Slot(layer, pos) * geometry_.row_size[layer] + offset;
    if (type_ == KvType::kF32) {
      kernels::Axpy(w, f32_v_[layer].data() + at, out, n);
    } else {
      kernels::AxpyF16(w, f16_v_[layer].data() + at, out, n);
    }
  }

  // Whether a session that has written positions [0, written) can drop back to
  // `n` positions: every key a later query at >= n may need is still held.
  bool CanRewind(int64_t written, int64_t n) const noexcept;

  uint64_t bytes() const noexcept;

 private:
  // A global layer's capacity is n_ctx, so its slot is the position itself; a
  // sliding layer reuses the slot of the position `capacity` back, which no
  // query of this or a later batch can reach (KvGeometry sizes the ring).
  int64_t Slot(int layer, int64_t pos) const noexcept { return pos % geometry_.capacity[layer]; }

  KvGeometry geometry_;
  KvType type_;
  // [layer][capacity, n_kv_head * head_dim]; only the vectors of `type_` are used.
  std::vector<std::vector<float>> f32_k_, f32_v_;
  std::vector<std::vector<uint16_t>> f16_k_, f16_v_;
};

}  // namespace scribed::engine::model
