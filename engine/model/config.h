// Hyper-parameters of a Gemma 4 text decoder, read from GGUF metadata and
// validated before any tensor is touched. Sizes come from the file, never
// from constants, so tiny test models and the real 12B load the same way.
#pragma once

#include <cstdint>
#include <vector>

#include "scribed/engine/gguf.h"

namespace scribed::engine::model {

struct LayerConfig {
  bool sliding;      // sliding-window attention (else full/global)
  int n_kv_head;
  int head_dim;
  int n_rot;         // leading dims of each head that RoPE rotates (NeoX pairing over n_rot)
  float rope_base;
  bool has_v;        // false: V is the K projection (full layers of the 12B)
  int n_ff;
};

struct ModelConfig {
  int n_embd = 0;
  int n_layer = 0;
  int n_head = 0;
  int n_vocab = 0;
  int window = 0;           // sliding window, in positions
  int context_length = 0;   // training context
  float eps = 1e-6f;
  float final_softcap = 0;  // 0 = none
  std::vector<LayerConfig> layers;

  int q_dim(int l) const { return n_head * layers[l].head_dim; }
  int kv_dim(int l) const { return layers[l].n_kv_head * layers[l].head_dim; }
};

// Throws ModelError when the file is not a Gemma 4 decoder scribed supports
// (wrong architecture, per-layer embeddings, MoE, inconsistent head counts),
// gguf::KeyError when a required key is missing or mistyped.
ModelConfig ReadModelConfig(const gguf::File& file);

}  // namespace scribed::engine::model
