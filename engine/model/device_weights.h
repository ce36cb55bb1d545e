// The model's weights as a backend holds them: every matrix and 1-D tensor of
// ModelWeights uploaded once at load (the CPU backend views them in place).
//
// Thread-safe (immutable after UploadWeights).
#pragma once

#include <memory>
#include <vector>

#include "engine/backends/backend.h"
#include "engine/model/weights.h"

namespace scribed::engine::model {

struct DeviceLayer {
  std::unique_ptr<backend::Buffer> attn_norm, q_norm, k_norm, post_attn_norm, ffn_norm,
      post_ffw_norm;
  std::unique_ptr<backend::Weight> q, k, v, o, gate, up, down;  // v null when V = K projection
  float output_scale = 1.0f;
};

struct DeviceWeights {
  std::unique_ptr<backend::Weight> token_embd;
  std::unique_ptr<backend::Weight> untied_output;  // null when the LM head is token_embd
  const backend::Weight* output = nullptr;
  std::unique_ptr<backend::Buffer> output_norm;
  std::unique_ptr<backend::Buffer> rope_freqs;     // null when the file has none
  std::vector<DeviceLayer> layers;
};

DeviceWeights UploadWeights(backend::Backend& backend, const ModelWeights& weights);

}  // namespace scribed::engine::model
