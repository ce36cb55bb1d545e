// The testgen-1 generator must reproduce the golden case's tensors exactly
// (float64 sums compared with ==) and write the metadata GENERATOR.md lists.
#include "scribed/engine/test_model.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine/tensor/quantize.h"
#include "engine/testgen/weight_rule.h"

#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "scribed/base/json.h"
#include "scribed/engine/gguf.h"
#include "tests/engine/gguf_test_util.h"
#include "tests/support/read_file.h"

namespace scribed::engine::testgen {
namespace {

using gguf::testing::TempDir;
using ::testing::HasSubstr;

std::string GoldenPath(const char* name) {
  return std::string(SCRIBED_TEST_DATA_DIR) + "/golden/" + name;
}

using scribed::testing::ReadFile;

// Expected ggml shapes straight from GENERATOR.md's table, for case-a's
// numbers (hidden 256, 4 heads, sliding 2x64, full 1x128, ffn 1024).
std::map<std::string, std::vector<int64_t>> ExpectedCaseAShapes() {
  std::map<std::string, std::vector<int64_t>> s;
  s["token_embd.weight"] = {256, 262144};
  for (int i = 0; i < 6; ++i) {
    const bool full = i == 2 || i == 5;
    const int64_t hd = full ? 128 : 64, kvh = full ? 1 : 2;
    const std::string p = "blk." + std::to_string(i) + ".";
    for (const char* n : {"attn_norm", "post_attention_norm", "ffn_norm", "post_ffw_norm"}) {
      s[p + n + ".weight"] = {256};
    }
    s[p + "attn_q.weight"] = {256, 4 * hd};
    s[p + "attn_k.weight"] = {256, kvh * hd};
    if (!full) s[p + "attn_v.weight"] = {256, kvh * hd};
    s[p + "attn_output.weight"] = {4 * hd, 256};
    s[p + "attn_q_norm.weight"] = {hd};
    s[p + "attn_k_norm.weight"] = {hd};
    s[p + "ffn_gate.weight"] = {256, 1024};
    s[p + "ffn_up.weight"] = {256, 1024};
    s[p + "ffn_down.weight"] = {1024, 256};
    s[p + "layer_output_scale.weight"] = {1};
  }
  s["output_norm.weight"] = {256};
  s["rope_freqs.weight"] = {64};
  return s;
}

void CheckTensorsAgainstGolden(const gguf::File& f, const nlohmann::json& expected,
                               const std::map<std::string, std::vector<int64_t>>& shapes) {
  ASSERT_EQ(f.tensors().size(), expected.size());
  for (const auto& [name, want] : expected.items()) {
    SCOPED_TRACE(name);
    const gguf::TensorInfo* t = f.FindTensor(name);
    ASSERT_NE(t, nullptr);
    ASSERT_EQ(t->type, TensorType::kF32);
    ASSERT_EQ(t->shape, shapes.at(name));
    auto at = [t](int64_t i) {
      float x;
      std::memcpy(&x, t->data + 4 * i, 4);
      return x;
    };
    double sum = 0;
    for (int64_t i = 0; i < t->elements; ++i) sum += at(i);
    EXPECT_EQ(sum, want["sum"].get<double>());
    const auto& first4 = want["first4"];
    ASSERT_EQ(first4.size(), std::min<size_t>(4, static_cast<size_t>(t->elements)));
    for (size_t i = 0; i < first4.size(); ++i) {
      EXPECT_EQ(at(static_cast<int64_t>(i)), first4[i].get<float>()) << i;
    }
  }
}

TEST(TestModel, CaseAReproducesEveryGoldenTensorAndTheMetadata) {
  const auto golden = nlohmann::json::parse(ReadFile(GoldenPath("case-a-text.json")));
  const TestModelConfig c = TestModelConfigFromJson(golden["config"].dump());
  TempDir dir("testgen");
  WriteTestModel(c, GoldenPath("gemma4-vocab.gguf"), dir / "model.gguf", dir / "mmproj.gguf");

  const auto model = gguf::File::Open(dir / "model.gguf");
  CheckTensorsAgainstGolden(model, golden["tensors"]["text"], ExpectedCaseAShapes());
  EXPECT_EQ(model.GetString("general.architecture"), "gemma4");
  EXPECT_EQ(model.GetU32("gemma4.block_count"), 6u);
  EXPECT_EQ(model.GetU32("gemma4.context_length"), 131072u);
  EXPECT_EQ(model.GetU32("gemma4.embedding_length"), 256u);
  EXPECT_EQ(model.GetU32("gemma4.feed_forward_length"), 1024u);
  EXPECT_EQ(model.GetU32("gemma4.attention.head_count"), 4u);
  EXPECT_EQ(model.GetIntArray("gemma4.attention.head_count_kv"),
            (std::vector<int64_t>{2, 2, 1, 2, 2, 1}));
  EXPECT_EQ(model.GetBoolArray("gemma4.attention.sliding_window_pattern"),
            (std::vector<bool>{true, true, false, true, true, false}));
  EXPECT_EQ(model.GetU32("gemma4.attention.key_length"), 128u);
  EXPECT_EQ(model.GetU32("gemma4.attention.value_length"), 128u);
  EXPECT_EQ(model.GetU32("gemma4.attention.key_length_swa"), 64u);
  EXPECT_EQ(model.GetU32("gemma4.attention.value_length_swa"), 64u);
  EXPECT_EQ(model.GetU32("gemma4.attention.sliding_window"), 32u);
  EXPECT_EQ(model.GetF32("gemma4.attention.layer_norm_rms_epsilon"), 1e-6f);
  EXPECT_EQ(model.GetU32("gemma4.attention.shared_kv_layers"), 0u);
  EXPECT_EQ(model.GetU32("gemma4.embedding_length_per_layer_input"), 0u);
  EXPECT_EQ(model.GetF32("gemma4.rope.freq_base"), 1e6f);
  EXPECT_EQ(model.GetF32("gemma4.rope.freq_base_swa"), 1e4f);
  EXPECT_EQ(model.GetU32("gemma4.rope.dimension_count"), 128u);
  EXPECT_EQ(model.GetU32("gemma4.rope.dimension_count_swa"), 64u);
  EXPECT_EQ(model.GetF32("gemma4.final_logit_softcapping"), 30.0f);

  // Every tokenizer key of the vocabulary file, byte for byte.
  const auto vocab = gguf::File::Open(GoldenPath("gemma4-vocab.gguf"));
  int copied = 0;
  for (size_t i = 0; i < vocab.key_count(); ++i) {
    if (!vocab.key(i).starts_with("tokenizer.")) continue;
    const gguf::Value* v = model.Find(vocab.key(i));
    ASSERT_NE(v, nullptr) << vocab.key(i);
    const auto a = v->encoded(), b = vocab.value(i).encoded();
    EXPECT_EQ(v->type(), vocab.value(i).type());
    ASSERT_EQ(a.size(), b.size()) << vocab.key(i);
    EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size()), 0) << vocab.key(i);
    ++copied;
  }
  EXPECT_EQ(copied, 13);
  EXPECT_EQ(model.GetU32("tokenizer.ggml.bos_token_id"), 2u);

  const auto mmproj = gguf::File::Open(dir / "mmproj.gguf");
  CheckTensorsAgainstGolden(mmproj, golden["tensors"]["mmproj"],
                            {{"mm.a.input_projection.weight", {640, 256}}});
  EXPECT_EQ(mmproj.GetString("general.architecture"), "clip");
  EXPECT_TRUE(mmproj.GetBool("clip.has_audio_encoder"));
  EXPECT_FALSE(mmproj.GetBool("clip.has_vision_encoder"));
  EXPECT_EQ(mmproj.GetString("clip.audio.projector_type"), "gemma4ua");
  EXPECT_EQ(mmproj.GetU32("clip.audio.embedding_length"), 640u);
  EXPECT_EQ(mmproj.GetU32("clip.audio.projection_dim"), 256u);
  EXPECT_EQ(mmproj.GetU32("clip.audio.num_mel_bins"), 128u);
  EXPECT_EQ(mmproj.GetF32("clip.audio.attention.layer_norm_epsilon"), 1e-6f);
  EXPECT_EQ(mmproj.GetU32("clip.audio.block_count"), 0u);
}

TEST(TestModel, ConfigAcceptsACaseFileAndRejectsBadFields) {
  const std::string text = ReadFile(GoldenPath("case-a-text.json"));
  const TestModelConfig c = TestModelConfigFromJson(text);
  EXPECT_EQ(c.seed, 1234u);
  EXPECT_EQ(c.hidden, 256);
  EXPECT_EQ(c.full_every, 3);
  EXPECT_EQ(c.partial_rotary_full, 0.25f);
  EXPECT_EQ(c.eps, 1e-6f);
  EXPECT_TRUE(IsFullAttentionLayer(c, 2));
  EXPECT_FALSE(IsFullAttentionLayer(c, 3));
  EXPECT_TRUE(IsFullAttentionLayer(c, 5));

  auto config = nlohmann::json::parse(text)["config"];
  auto expect_error = [](const nlohmann::json& j, const char* what) {
    try {
      TestModelConfigFromJson(j.dump());
      ADD_FAILURE() << "accepted " << j.dump();
    } catch (const std::invalid_argument& e) {
      EXPECT_THAT(e.what(), HasSubstr(what));
    }
  };
  auto missing = config;
  missing.erase("heads");
  expect_error(missing, "field 'heads' missing");
  auto wrong = config;
  wrong["hidden"] = "256";
  expect_error(wrong, "field 'hidden' is not an integer");
  auto odd = config;
  odd["head_dim_full"] = 127;
  expect_error(odd, "field 'head_dim_full' must be even");
  auto huge = config;
  huge["layers"] = 1000000;
  expect_error(huge, "field 'layers'");
  auto negative = config;
  negative["eps"] = -1;
  expect_error(negative, "field 'eps'");
  EXPECT_THROW(TestModelConfigFromJson("{not json"), std::invalid_argument);
}

TEST(TestModel, QuantizedRecipesStoreMatricesInTheirTypes) {
  const TestModelConfig c = TestModelConfigFromJson(ReadFile(GoldenPath("case-a-text.json")));
  TempDir dir("testgen-q");
  WriteTestModel(c, GoldenPath("gemma4-vocab.gguf"), dir / "m.gguf", dir / "p.gguf",
                 QuantRecipe::Q4_K_M());
  const gguf::File f = gguf::File::Open(dir / "m.gguf");
  auto type_of = [&](const std::string& name) { return f.FindTensor(name)->type; };
  EXPECT_EQ(type_of("token_embd.weight"), TensorType::kQ6_K);
  EXPECT_EQ(type_of("blk.0.attn_q.weight"), TensorType::kQ4_K);
  // With 6 layers the Q4_K_M rule gives layers 2 and 5 more bits.
  EXPECT_EQ(type_of("blk.0.ffn_down.weight"), TensorType::kQ4_K);
  EXPECT_EQ(type_of("blk.2.ffn_down.weight"), TensorType::kQ6_K);
  EXPECT_EQ(type_of("blk.5.ffn_down.weight"), TensorType::kQ6_K);
  EXPECT_EQ(type_of("blk.0.attn_norm.weight"), TensorType::kF32);
  EXPECT_EQ(gguf::File::Open(dir / "p.gguf").FindTensor("mm.a.input_projection.weight")->type,
            TensorType::kF32);

  // The stored values are the rule's values up to the format's rounding.
  const gguf::TensorInfo* t = f.FindTensor("blk.1.attn_q.weight");
  std::vector<float> got(static_cast<size_t>(t->ne(0))), want(got.size());
  const uint64_t row_bytes = *RowBytes(t->type, t->ne(0));
  for (int64_t r = 0; r < t->ne(1); r += 37) {
    DequantizeRow(t->type, t->data + r * row_bytes, got.data(), t->ne(0));
    FillWeights("blk.1.attn_q.weight", c.seed, WeightClass::kMatrix, 0,
                static_cast<uint64_t>(r * t->ne(0)), want);
    for (size_t i = 0; i < got.size(); ++i) {
      // Q4_K: 4-bit codes over a range of ~2/32 per sub-block.
      EXPECT_NEAR(got[i], want[i], 0.006) << "row " << r << " [" << i << "]";
    }
  }
}

TEST(TestModel, RowsThatDoNotFitTheBlockAreRejected) {
  TestModelConfig c = TestModelConfigFromJson(ReadFile(GoldenPath("case-a-text.json")));
  c.ffn = 96;  // not a multiple of the 256-element k-quant block (ffn_down rows)
  TempDir dir("testgen-bad-block");
  EXPECT_THROW(WriteTestModel(c, GoldenPath("gemma4-vocab.gguf"), dir / "m.gguf", dir / "p.gguf",
                              QuantRecipe::Uniform(TensorType::kQ4_K)),
               std::invalid_argument);
}

TEST(TestModel, RecipeNames) {
  EXPECT_EQ(ParseQuantRecipe("Q8_0")->matrices, TensorType::kQ8_0);
  EXPECT_EQ(ParseQuantRecipe("Q4_K_M")->embedding, TensorType::kQ6_K);
  EXPECT_FALSE(ParseQuantRecipe("Q8_K").has_value());
  EXPECT_FALSE(ParseQuantRecipe("q4").has_value());
}

}  // namespace
}  // namespace scribed::engine::testgen
