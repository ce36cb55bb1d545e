// Writes testgen-1 models: the tensor list and metadata of GENERATOR.md, with
// every weight computed inside the writer's fill callbacks.
#include "scribed/engine/test_model.h"

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/runtime/thread_pool.h"
#include "engine/tensor/quantize.h"
#include "engine/testgen/weight_rule.h"
#include "scribed/engine/gguf.h"

namespace scribed::engine::testgen {
namespace {

constexpr uint32_t kContextLength = 131072;
constexpr int64_t kAudioFrame = 640;  // samples per audio embedding row

std::span<float> AsFloats(std::span<std::byte> out) {
  // Fill buffers are aligned to the file's 32-byte alignment.
  return {reinterpret_cast<float*>(out.data()), out.size() / sizeof(float)};
}

// Adds an F32 tensor whose elements follow the weight rule for `cls`.
void AddRuleTensor(gguf::Writer& w, uint64_t seed, std::string name, WeightClass cls,
                   std::vector<int64_t> shape, int head_dim = 0) {
  const std::string key = name;
  w.AddTensor(std::move(name), TensorType::kF32, std::move(shape),
              [key, seed, cls, head_dim](std::span<std::byte> out) {
                FillWeights(key, seed, cls, head_dim, 0, AsFloats(out));
              });
}

// Adds a matrix [cols, rows] following the weight rule, stored as `type`:
// generated and quantized row by row on all threads of `pool`.
void AddMatrix(gguf::Writer& w, uint64_t seed, std::string name, TensorType type, int64_t cols,
               int64_t rows, ThreadPool& pool) {
  if (type == TensorType::kF32) {
    AddRuleTensor(w, seed, std::move(name), WeightClass::kMatrix, {cols, rows});
    return;
  }
  const auto row_bytes = RowBytes(type, cols);
  if (!row_bytes) {
    throw std::invalid_argument("test model: " + name + " has rows of " + std::to_string(cols) +
                                " values, not a multiple of the " + std::string(Name(type)) +
                                " block of " + std::to_string(Traits(type).block_size));
  }
  const std::string key = name;
  w.AddTensor(std::move(name), type, {cols, rows},
              [key, seed, type, cols, rows, bytes = *row_bytes, &pool](std::span<std::byte> out) {
                constexpr int64_t kRowsPerTask = 16;
                std::vector<std::vector<float>> scratch(pool.size(),
                                                        std::vector<float>(static_cast<size_t>(cols)));
                pool.ParallelFor((rows + kRowsPerTask - 1) / kRowsPerTask, [&](int64_t task, int t) {
                  std::vector<float>& row = scratch[t];
                  const int64_t end = std::min(rows, (task + 1) * kRowsPerTask);
                  for (int64_t r = task * kRowsPerTask; r < end; ++r) {
                    FillWeights(key, seed, WeightClass::kMatrix, 0, static_cast<uint64_t>(r * cols), row);
                    QuantizeRow(type, row.data(), out.data() + r * bytes, cols);
                  }
                });
              });
}

// llama.cpp's Q4_K_M rule for which layers get more bits in attn_v/ffn_down.
bool UsesMoreBits(int i, int n) {
  return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
}

void AddTextTensors(gguf::Writer& w, const TestModelConfig& c, int64_t n_vocab,
                    const QuantRecipe& q, ThreadPool& pool) {
  const uint64_t s = c.seed;
  AddMatrix(w, s, "token_embd.weight", q.embedding, c.hidden, n_vocab, pool);
  for (int i = 0; i < c.layers; ++i) {
    const bool full = IsFullAttentionLayer(c, i);
    const int64_t hd = full ? c.head_dim_full : c.head_dim_swa;
    const int64_t kvh = full ? c.kv_heads_full : c.kv_heads_swa;
    const std::string p = "blk." + std::to_string(i) + ".";
    AddRuleTensor(w, s, p + "attn_norm.weight", WeightClass::kNorm, {c.hidden});
    const TensorType sensitive = UsesMoreBits(i, c.layers) ? q.sensitive : q.matrices;
    AddMatrix(w, s, p + "attn_q.weight", q.matrices, c.hidden, c.heads * hd, pool);
    AddMatrix(w, s, p + "attn_k.weight", q.matrices, c.hidden, kvh * hd, pool);
    if (!full) {  // full layers take V from the K projection
      AddMatrix(w, s, p + "attn_v.weight", sensitive, c.hidden, kvh * hd, pool);
    }
    AddMatrix(w, s, p + "attn_output.weight", q.matrices, c.heads * hd, c.hidden, pool);
    AddRuleTensor(w, s, p + "attn_q_norm.weight", WeightClass::kQkNorm, {hd}, static_cast<int>(hd));
    AddRuleTensor(w, s, p + "attn_k_norm.weight", WeightClass::kQkNorm, {hd}, static_cast<int>(hd));
    AddRuleTensor(w, s, p + "post_attention_norm.weight", WeightClass::kNorm, {c.hidden});
    AddRuleTensor(w, s, p + "ffn_norm.weight", WeightClass::kNorm, {c.hidden});
    AddMatrix(w, s, p + "ffn_gate.weight", q.matrices, c.hidden, c.ffn, pool);
    AddMatrix(w, s, p + "ffn_up.weight", q.matrices, c.hidden, c.ffn, pool);
    AddMatrix(w, s, p + "ffn_down.weight", sensitive, c.ffn, c.hidden, pool);
    AddRuleTensor(w, s, p + "post_ffw_norm.weight", WeightClass::kNorm, {c.hidden});
    AddRuleTensor(w, s, p + "layer_output_scale.weight", WeightClass::kScale, {1});
  }
  AddRuleTensor(w, s, "output_norm.weight", WeightClass::kNorm, {c.hidden});
  // Partial rotary embedding on full layers: frequency factor 1 for the
  // rotated pairs, 1e30 (no rotation) for the rest.
  const int64_t pairs = c.head_dim_full / 2;
  const auto rotated = static_cast<int64_t>(static_cast<double>(pairs) * c.partial_rotary_full);
  w.AddTensor("rope_freqs.weight", TensorType::kF32, {pairs}, [rotated](std::span<std::byte> out) {
    auto f = AsFloats(out);
    for (size_t i = 0; i < f.size(); ++i) f[i] = static_cast<int64_t>(i) < rotated ? 1.0f : 1e30f;
  });
}

void SetTextMetadata(gguf::Writer& w, const TestModelConfig& c, const gguf::File& vocab) {
  w.SetString("general.architecture", "gemma4");
  const std::string a = "gemma4.";
  std::vector<uint32_t> kv_heads;
  std::vector<bool> sliding;
  for (int i = 0; i < c.layers; ++i) {
    const bool full = IsFullAttentionLayer(c, i);
    kv_heads.push_back(static_cast<uint32_t>(full ? c.kv_heads_full : c.kv_heads_swa));
    sliding.push_back(!full);
  }
  w.SetU32(a + "block_count", static_cast<uint32_t>(c.layers));
  w.SetU32(a + "context_length", kContextLength);
  w.SetU32(a + "embedding_length", static_cast<uint32_t>(c.hidden));
  w.SetU32(a + "feed_forward_length", static_cast<uint32_t>(c.ffn));
  w.SetU32(a + "attention.head_count", static_cast<uint32_t>(c.heads));
  w.SetU32Array(a + "attention.head_count_kv", kv_heads);
  w.SetU32(a + "attention.key_length", static_cast<uint32_t>(c.head_dim_full));
  w.SetU32(a + "attention.value_length", static_cast<uint32_t>(c.head_dim_full));
  w.SetU32(a + "attention.key_length_swa", static_cast<uint32_t>(c.head_dim_swa));
  w.SetU32(a + "attention.value_length_swa", static_cast<uint32_t>(c.head_dim_swa));
  w.SetU32(a + "attention.sliding_window", static_cast<uint32_t>(c.window));
  w.SetBoolArray(a + "attention.sliding_window_pattern", sliding);
  w.SetF32(a + "attention.layer_norm_rms_epsilon", c.eps);
  w.SetU32(a + "attention.shared_kv_layers", 0);
  w.SetU32(a + "embedding_length_per_layer_input", 0);
  w.SetF32(a + "rope.freq_base", c.rope_base);
  w.SetF32(a + "rope.freq_base_swa", c.rope_base_swa);
  w.SetU32(a + "rope.dimension_count", static_cast<uint32_t>(c.head_dim_full));
  w.SetU32(a + "rope.dimension_count_swa", static_cast<uint32_t>(c.head_dim_swa));
  w.SetF32(a + "final_logit_softcapping", c.softcap);
  for (size_t i = 0; i < vocab.key_count(); ++i) {
    if (vocab.key(i).starts_with("tokenizer.")) w.CopyKey(vocab, vocab.key(i));
  }
}

void WriteProjector(const TestModelConfig& c, const std::filesystem::path& out) {
  gguf::Writer w;
  w.SetString("general.architecture", "clip");
  w.SetString("general.type", "mmproj");
  w.SetU32("general.file_type", 0);  // all F32
  w.SetBool("clip.has_vision_encoder", false);
  w.SetBool("clip.has_audio_encoder", true);
  w.SetString("clip.audio.projector_type", "gemma4ua");
  w.SetU32("clip.audio.embedding_length", static_cast<uint32_t>(kAudioFrame));
  w.SetU32("clip.audio.projection_dim", static_cast<uint32_t>(c.hidden));
  w.SetU32("clip.audio.num_mel_bins", 128);  // required by llama.cpp, unused
  w.SetF32("clip.audio.attention.layer_norm_epsilon", 1e-6f);
  // Required by loaders but meaningless for a projector without an encoder.
  w.SetU32("clip.audio.block_count", 0);
  w.SetU32("clip.audio.feed_forward_length", 0);
  w.SetU32("clip.audio.attention.head_count", 0);
  AddRuleTensor(w, c.seed, "mm.a.input_projection.weight", WeightClass::kMatrix,
                {kAudioFrame, c.hidden});
  w.Write(out);
}

}  // namespace

std::optional<QuantRecipe> ParseQuantRecipe(std::string_view name) {
  if (name == "Q4_K_M") return QuantRecipe::Q4_K_M();
  for (uint32_t id = 0; id < 64; ++id) {
    const auto t = FindTensorType(id);
    if (t && t->name == name && CanQuantize(t->type) && t->type != TensorType::kQ8_K &&
        t->type != TensorType::kQ8_1) {
      return QuantRecipe::Uniform(t->type);
    }
  }
  return std::nullopt;
}

void WriteTestModel(const TestModelConfig& c, const std::filesystem::path& vocab_gguf,
                    const std::filesystem::path& model_out, const std::filesystem::path& mmproj_out,
                    const QuantRecipe& recipe, const gguf::Writer::Progress& progress) {
  if (c.layers < 1 || c.full_every < 1 || c.hidden < 1 || c.head_dim_full < 2) {
    throw std::invalid_argument("test model: configuration not validated");
  }
  const gguf::File vocab = gguf::File::Open(vocab_gguf);
  const auto n_vocab = static_cast<int64_t>(vocab.GetStringArray("tokenizer.ggml.tokens").size());
  gguf::Writer w;
  SetTextMetadata(w, c, vocab);
  ThreadPool pool(0);
  AddTextTensors(w, c, n_vocab, recipe, pool);
  w.Write(model_out, progress);
  WriteProjector(c, mmproj_out);
}

}  // namespace scribed::engine::testgen
