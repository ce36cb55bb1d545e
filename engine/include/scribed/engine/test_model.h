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
#include <string_view>

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

// Writes the text GGUF (arch gemma4, metadata as GENERATOR.md lists, every
// tokenizer.* key copied from `vocab_gguf`) and the audio-only projector GGUF
// (arch clip, projector gemma4ua). Tensors are generated while they are
// written, never held whole in memory. Norms, scales and rope_freqs are F32;
// the matrices use `matrix_type`, of which only F32 is supported for now
// (std::invalid_argument otherwise). Throws gguf::FormatError / KeyError for a
// bad vocabulary file, std::system_error on I/O errors.
void WriteTestModel(const TestModelConfig& c, const std::filesystem::path& vocab_gguf,
                    const std::filesystem::path& model_out, const std::filesystem::path& mmproj_out,
                    TensorType matrix_type = TensorType::kF32);

}  // namespace scribed::engine::testgen
