// Gemma 4 weights bound in place from a mapped GGUF: matrices are views into
// the mapping in whatever type the file stores; 1-D tensors (norms, scales)
// are float32 views, or owned float copies when a file stores them as F16/BF16.
// Every tensor's presence, type and shape is checked against the config.
#pragma once

#include <span>
#include <vector>

#include "engine/kernels/matmul.h"
#include "engine/model/config.h"
#include "engine/runtime/thread_pool.h"
#include "scribed/engine/gguf.h"

namespace scribed::engine::model {

struct LayerWeights {
  std::span<const float> attn_norm;       // [n_embd]
  kernels::Matrix q;                      // [n_embd -> n_head * head_dim]
  kernels::Matrix k;                      // [n_embd -> n_kv_head * head_dim]
  kernels::Matrix v;                      // like k; data == nullptr when V = K projection
  kernels::Matrix o;                      // [n_head * head_dim -> n_embd]
  std::span<const float> q_norm;          // [head_dim], shared by all heads
  std::span<const float> k_norm;          // [head_dim]
  std::span<const float> post_attn_norm;  // [n_embd]
  std::span<const float> ffn_norm;        // [n_embd]
  kernels::Matrix gate;                   // [n_embd -> n_ff]
  kernels::Matrix up;                     // [n_embd -> n_ff]
  kernels::Matrix down;                   // [n_ff -> n_embd]
  std::span<const float> post_ffw_norm;   // [n_embd]
  float output_scale = 1.0f;              // multiplies the residual stream after the layer
};

struct ModelWeights {
  kernels::Matrix token_embd;             // [n_embd, n_vocab]; rows are embeddings
  kernels::Matrix output;                 // LM head; the embedding matrix when tied
  std::span<const float> output_norm;     // [n_embd]
  std::vector<float> rope_freqs;          // [n_rot_full / 2] divisors of full-layer RoPE angles
  std::vector<LayerWeights> layers;
  std::vector<std::vector<float>> owned;  // storage for converted 1-D tensors

  uint64_t MatrixBytes() const;           // bytes of all matrices (what decode streams)
};

// Throws ModelError naming the tensor and the expected shape or type.
ModelWeights BindWeights(const gguf::File& file, const ModelConfig& config);

// Re-lays every matrix the packed GEMM supports into its row-interleaved
// layout, in place (the data must be writable: a resident file inside
// gguf::File::EditResident), on the threads of `pool`. A tied LM head is
// packed once.
void PackMatrices(ModelWeights& w, ThreadPool& pool);

// A matrix view of tensor `name` with shape [cols, rows] (ggml order). Throws
// ModelError when missing, mis-shaped or of an unsupported type.
kernels::Matrix BindMatrix(const gguf::File& file, std::string_view name, int64_t cols,
                           int64_t rows);

}  // namespace scribed::engine::model
