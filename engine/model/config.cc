#include "engine/model/config.h"

#include <string>

#include "engine/model/tensor_names.h"
#include "scribed/engine/errors.h"

namespace scribed::engine::model {
namespace {

std::string Where(const gguf::File& f) { return f.path().filename().string(); }

[[noreturn]] void Fail(const gguf::File& f, const std::string& what) {
  throw ModelError(Where(f) + ": " + what);
}

// A per-layer u32 that GGUF writes either as a scalar or as one value per layer.
std::vector<int64_t> PerLayer(const gguf::File& f, const std::string& key, int n_layer) {
  const gguf::Value* v = f.Find(key);
  if (v == nullptr) Fail(f, "metadata key " + key + " is missing");
  if (v->type() == gguf::ValueType::kArray) {
    std::vector<int64_t> values = f.GetIntArray(key);
    if (values.size() != static_cast<size_t>(n_layer)) {
      Fail(f, key + " has " + std::to_string(values.size()) + " entries for " +
                  std::to_string(n_layer) + " layers");
    }
    return values;
  }
  return std::vector<int64_t>(n_layer, f.GetU32(key));
}

int Positive(const gguf::File& f, const std::string& what, int64_t v, int64_t max) {
  if (v <= 0 || v > max) {
    Fail(f, what + " = " + std::to_string(v) + " is out of range (1.." + std::to_string(max) + ")");
  }
  return static_cast<int>(v);
}

}  // namespace

ModelConfig ReadModelConfig(const gguf::File& f) {
  const std::string arch(f.GetString("general.architecture"));
  if (arch != "gemma4") {
    Fail(f, "this is a " + arch + " model; scribed needs Gemma 4 12B Unified (architecture gemma4)");
  }
  const std::string p = "gemma4.";
  if (f.FindU32(p + "embedding_length_per_layer_input").value_or(0) != 0) {
    Fail(f, "this Gemma 4 model has per-layer embeddings (an E2B/E4B variant); scribed needs "
            "Gemma 4 12B Unified");
  }
  if (f.FindU32(p + "expert_count").value_or(0) != 0) {
    Fail(f, "this Gemma 4 model is a mixture of experts; scribed needs Gemma 4 12B Unified");
  }
  if (f.FindU32(p + "attention.shared_kv_layers").value_or(0) != 0) {
    Fail(f, "this Gemma 4 model shares KV caches across layers; scribed needs Gemma 4 12B Unified");
  }

  ModelConfig c;
  constexpr int64_t kMaxDim = 1 << 20;
  c.n_embd = Positive(f, p + "embedding_length", f.GetU32(p + "embedding_length"), kMaxDim);
  c.n_layer = Positive(f, p + "block_count", f.GetU32(p + "block_count"), 4096);
  c.n_head = Positive(f, p + "attention.head_count", f.GetU32(p + "attention.head_count"), 4096);
  c.window = Positive(f, p + "attention.sliding_window",
                      f.GetU32(p + "attention.sliding_window"), int64_t{1} << 30);
  c.context_length = Positive(f, p + "context_length", f.GetU32(p + "context_length"),
                              int64_t{1} << 30);
  c.eps = f.GetF32(p + "attention.layer_norm_rms_epsilon");
  c.final_softcap = f.FindF32(p + "final_logit_softcapping").value_or(0.0f);
  if (!(c.eps > 0) || !(c.final_softcap >= 0)) Fail(f, "bad epsilon or final logit softcap");

  const int head_dim_full = Positive(f, p + "attention.key_length",
                                     f.GetU32(p + "attention.key_length"), 65536);
  const int head_dim_swa = Positive(f, p + "attention.key_length_swa",
                                    f.GetU32(p + "attention.key_length_swa"), 65536);
  if (f.FindU32(p + "attention.value_length").value_or(head_dim_full) != uint32_t(head_dim_full) ||
      f.FindU32(p + "attention.value_length_swa").value_or(head_dim_swa) != uint32_t(head_dim_swa)) {
    Fail(f, "value_length differs from key_length; Gemma 4 uses equal K and V head sizes");
  }
  const int rot_full = Positive(f, p + "rope.dimension_count",
                                f.FindU32(p + "rope.dimension_count").value_or(head_dim_full), 65536);
  const int rot_swa = Positive(f, p + "rope.dimension_count_swa",
                               f.FindU32(p + "rope.dimension_count_swa").value_or(head_dim_swa), 65536);
  if (rot_full > head_dim_full || rot_swa > head_dim_swa || rot_full % 2 || rot_swa % 2 ||
      rot_full > 2048 || rot_swa > 2048) {
    Fail(f, "rope dimension count is odd, above 2048 or larger than the head size");
  }
  const float base_full = f.FindF32(p + "rope.freq_base").value_or(1e6f);
  const float base_swa = f.FindF32(p + "rope.freq_base_swa").value_or(1e4f);

  const std::vector<int64_t> kv_heads = PerLayer(f, p + "attention.head_count_kv", c.n_layer);
  const std::vector<int64_t> n_ff = PerLayer(f, p + "feed_forward_length", c.n_layer);
  std::vector<bool> sliding;
  if (f.Find(p + "attention.sliding_window_pattern") != nullptr) {
    sliding = f.GetBoolArray(p + "attention.sliding_window_pattern");
    if (sliding.size() != static_cast<size_t>(c.n_layer)) {
      Fail(f, "attention.sliding_window_pattern has " + std::to_string(sliding.size()) +
                  " entries for " + std::to_string(c.n_layer) + " layers");
    }
  } else {
    // Gemma 4's fixed pattern: five sliding layers, then one full; the last is always full.
    for (int l = 0; l < c.n_layer; ++l) sliding.push_back(l % 6 != 5 && l != c.n_layer - 1);
  }

  for (int l = 0; l < c.n_layer; ++l) {
    LayerConfig lc;
    lc.sliding = sliding[l];
    lc.head_dim = lc.sliding ? head_dim_swa : head_dim_full;
    lc.n_rot = lc.sliding ? rot_swa : rot_full;
    lc.rope_base = lc.sliding ? base_swa : base_full;
    const std::string layer = "layer " + std::to_string(l);
    lc.n_kv_head = Positive(f, layer + " KV head count", kv_heads[l], c.n_head);
    if (c.n_head % lc.n_kv_head != 0) {
      Fail(f, layer + ": " + std::to_string(c.n_head) + " query heads are not a multiple of " +
                  std::to_string(lc.n_kv_head) + " KV heads");
    }
    lc.n_ff = Positive(f, layer + " feed-forward length", n_ff[l], kMaxDim);
    lc.has_v = f.FindTensor(LayerTensor(l, kAttnV)) != nullptr;
    c.layers.push_back(lc);
  }

  const gguf::TensorInfo* embd = f.FindTensor(kTokenEmbd);
  if (embd == nullptr) Fail(f, "tensor " + std::string(kTokenEmbd) + " is missing");
  c.n_vocab = Positive(f, "vocabulary size", embd->ne(1), int64_t{1} << 24);
  return c;
}

}  // namespace scribed::engine::model
