// Quantized models run through the same forward code as F32 ones. On the
// golden prompts (teacher-forced with the reference's greedy tokens) their
// logits must stay close to the F32 engine's, and the error must shrink with
// more bits. docs/quantization.md records the figures this prints.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sndfile.h>
#include <string>
#include <vector>

#include "scribed/base/json.h"
#include "scribed/engine/engine.h"
#include "scribed/engine/test_model.h"
#include "tests/support/temp_dir.h"

namespace scribed::engine {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testgen::QuantRecipe;

fs::path GoldenDir() { return fs::path(SCRIBED_TEST_DATA_DIR) / "golden"; }

json LoadJson(const std::string& name) {
  std::ifstream in(GoldenDir() / name);
  return json::parse(in);
}

std::vector<float> LoadWav(const fs::path& p) {
  SF_INFO info{};
  SNDFILE* f = sf_open(p.c_str(), SFM_READ, &info);
  if (f == nullptr) return {};
  std::vector<float> out(static_cast<size_t>(info.frames));
  sf_readf_float(f, out.data(), info.frames);  // s16 / 32768
  sf_close(f);
  return out;
}

std::shared_ptr<const Model> MakeModel(const QuantRecipe& recipe, const std::string& tag,
                                       bool resident = false) {
  const scribed::testing::TempDir dir("quant-" + tag);  // removed on return: the mappings stay valid
  WriteTestModel(testgen::TestModelConfigFromJson(LoadJson("case-a-text.json")["config"].dump()),
                 GoldenDir() / "gemma4-vocab.gguf", dir / "m.gguf", dir / "p.gguf", recipe);
  LoadOptions options;
  options.weights = resident ? WeightMemory::kResident : WeightMemory::kMapped;
  return Model::Load(dir / "m.gguf", dir / "p.gguf", options);
}

// Logits of the prompt and of each reference greedy step, concatenated.
std::vector<float> TeacherForcedLogits(const std::shared_ptr<const Model>& model, const json& golden) {
  Session session(model);
  Prompt prompt;
  prompt.Bos();
  const std::string text = golden["prompt"];
  const auto media = text.find("<__media__>");
  if (media == std::string::npos) {
    prompt.Text(text);
  } else {
    prompt.Text(text.substr(0, media))
        .Audio(LoadWav(GoldenDir() / golden["audio"].get<std::string>()))
        .Text(text.substr(media + 11));
  }
  session.Append(prompt);
  std::vector<float> all(session.logits().begin(), session.logits().end());
  for (int32_t id : golden["generated_ids"]) {
    session.AppendToken(id);
    all.insert(all.end(), session.logits().begin(), session.logits().end());
  }
  return all;
}

struct Error {
  double max_abs = 0;
  double rms = 0;
};

Error Compare(const std::vector<float>& a, const std::vector<float>& b) {
  Error e;
  double sq = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double d = std::abs(static_cast<double>(a[i]) - b[i]);
    e.max_abs = std::max(e.max_abs, d);
    sq += d * d;
  }
  e.rms = std::sqrt(sq / static_cast<double>(a.size()));
  return e;
}

TEST(QuantizedModel, LogitErrorAgainstF32ShrinksWithMoreBits) {
  const auto f32 = MakeModel(QuantRecipe::Uniform(TensorType::kF32), "f32");
  const auto q8 = MakeModel(QuantRecipe::Uniform(TensorType::kQ8_0), "q8_0");
  const auto q4 = MakeModel(QuantRecipe::Uniform(TensorType::kQ4_K), "q4_k");
  for (const char* name : {"case-a-text.json", "case-a-audio.json"}) {
    SCOPED_TRACE(name);
    const json golden = LoadJson(name);
    const auto ref = TeacherForcedLogits(f32, golden);
    const Error e8 = Compare(TeacherForcedLogits(q8, golden), ref);
    const Error e4 = Compare(TeacherForcedLogits(q4, golden), ref);
    std::printf("%s: Q8_0 max|d| %.4f rms %.5f; Q4_K max|d| %.4f rms %.5f (F32 logits rms %.3f)\n",
                name, e8.max_abs, e8.rms, e4.max_abs, e4.rms, Compare(ref, std::vector<float>(ref.size())).rms);
    EXPECT_LT(e8.rms, e4.rms);
    EXPECT_LT(e8.rms, 0.05);
    EXPECT_LT(e4.rms, 0.25);
  }
}

// Resident weights are re-laid for the packed GEMM (where the CPU has one):
// the same products summed in another order. Each layer's activations are
// rounded to int8 again, which turns last-bit differences into an occasional
// one-step code change, so the logits agree to well under the quantization
// error itself (Q8_0 vs F32: rms < 0.05 above), not bit for bit.
TEST(QuantizedModel, PackedResidentWeightsMatchMappedOnes) {
  const json golden = LoadJson("case-a-text.json");
  for (const auto& [recipe, tag] : {std::pair{QuantRecipe::Q4_K_M(), "q4_k_m"},
                                    std::pair{QuantRecipe::Uniform(TensorType::kQ8_0), "q8_0"},
                                    std::pair{QuantRecipe::Uniform(TensorType::kQ4_0), "q4_0"}}) {
    SCOPED_TRACE(tag);
    const auto mapped = TeacherForcedLogits(MakeModel(recipe, tag), golden);
    const auto resident =
        TeacherForcedLogits(MakeModel(recipe, std::string(tag) + "-resident", true), golden);
    const Error e = Compare(resident, mapped);
    std::printf("%s: resident vs mapped max|d| %.2e rms %.2e\n", tag, e.max_abs, e.rms);
    EXPECT_LT(e.max_abs, 0.15);
    EXPECT_LT(e.rms, 0.015);
  }
}

}  // namespace
}  // namespace scribed::engine
