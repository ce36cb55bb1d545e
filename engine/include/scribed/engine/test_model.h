// testgen-1 test models: tiny Gemma 4 Unified GGUF files whose weights follow
// a deterministic rule (docs/testing.md, golden/GENERATOR.md), so tests can
// regenerate a model from a seed instead of storing it.
//
//   auto c = TestModelConfigFromJson(ReadFile("case-a-text.json"));
//   WriteTestModel(c, "gemma4-vocab.gguf", "model.gguf", "mmproj.gguf");
//
// Thread-safe: the functions share no state.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string_view>

#include "scribed/engine/gguf.h"
#include "scribed/engine/tensor_type.h"

namespace scribed::engine::testgen {

struct TestModelConfig {
  uint64_t seed = 0;
  int hidden = 0;
  int layers = 0;
  int heads = 0;
  int kv_heads_swa = 0;
  int head_dim_swa = 0;
  int kv_heads_full = 0;
  int head_dim_full = 0;
  int ffn = 0;
  int window = 0;
  int full_every = 0;
  float rope_base = 0;
  float rope_base_swa = 0;
  float partial_rotary_full = 0;
  float softcap = 0;
  float eps = 0;
};

// True when layer `i` uses full (global) attention: every `full_every`-th
// layer and the last one. Otherwise the layer is sliding-window.
bool IsFullAttentionLayer(const TestModelConfig& c, int i) noexcept;

// Parses a configuration: either the bare object or a golden case JSON with a
// "config" field. Throws std::invalid_argument naming the field when a field
// is missing, of the wrong type or out of range (dimensions 1..65536 and even
// head dims, layers 1..256, positive floats except partial_rotary_full in
// (0, 1], eps > 0).
TestModelConfig TestModelConfigFromJson(std::string_view json);

// How the text model's matrices are stored. Weights are generated in float
// and quantized row by row; norms, scales and rope_freqs always stay F32, and
// the audio projector stays F32 (its 640-wide rows fit no k-quant block).
struct QuantRecipe {
  TensorType matrices = TensorType::kF32;   // attention and FFN matrices
  TensorType embedding = TensorType::kF32;  // token_embd, also the tied LM head
  TensorType sensitive = TensorType::kF32;  // attn_v and ffn_down of the layers
                                            // a Q4_K_M file gives more bits
  static QuantRecipe Uniform(TensorType t) { return {t, t, t}; }
  // The mix of llama.cpp's Q4_K_M files: Q4_K matrices, a Q6_K embedding, and
  // Q6_K attn_v/ffn_down in the first and last eighth of the layers and every
  // third layer between.
  static QuantRecipe Q4_K_M() { return {TensorType::kQ4_K, TensorType::kQ6_K, TensorType::kQ6_K}; }
};

// "F32", "Q8_0", "Q4_K", ... (a uniform recipe) or "Q4_K_M"; nullopt otherwise.
std::optional<QuantRecipe> ParseQuantRecipe(std::string_view name);

// Writes the text GGUF (arch gemma4, metadata as GENERATOR.md lists, every
// tokenizer.* key copied from `vocab_gguf`) and the audio-only projector GGUF
// (arch clip, projector gemma4ua). Tensors are generated while they are
// written (on all cores), never held whole in memory. Throws
// std::invalid_argument when a matrix's row length is not a multiple of the
// chosen type's block, gguf::FormatError / KeyError for a bad vocabulary file,
// std::system_error on I/O errors. `progress` follows the text model's write
// (gguf::Writer::Write), which is nearly all of the work.
void WriteTestModel(const TestModelConfig& c, const std::filesystem::path& vocab_gguf,
                    const std::filesystem::path& model_out, const std::filesystem::path& mmproj_out,
                    const QuantRecipe& recipe = {}, const gguf::Writer::Progress& progress = {});

}  // namespace scribed::engine::testgen
