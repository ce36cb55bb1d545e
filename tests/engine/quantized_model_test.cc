// Quantized models run through the same forward code as F32 ones. On the
// golden prompts (teacher-forced with the reference's greedy tokens) their
// logits must stay close to the F32 engine's, and the error must shrink with
// more bits. docs/quantization.md records the figures this prints.
#include <unistd.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sndfile.h>
#include <string>
#include <vector>

#include "scribed/engine/engine.h"
#include "scribed/engine/test_model.h"

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

std::shared_ptr<const Model> MakeModel(const QuantRecipe& recipe, const std::string& tag) {
  const fs::path dir = fs::path(::testing::TempDir()) / ("scribed-quant-" + tag + "-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  WriteTestModel(testgen::TestModelConfigFromJson(LoadJson("case-a-text.json")["config"].dump()),
                 GoldenDir() / "gemma4-vocab.gguf", dir / "m.gguf", dir / "p.gguf", recipe);
  auto model = Model::Load(dir / "m.gguf", dir / "p.gguf");
  fs::remove_all(dir);  // the mappings stay valid
  return model;
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

}  // namespace
}  // namespace scribed::engine
