// The scribe binary as scripts use it: `debug make-model` + `debug logits`
// reproduce a golden case through the documented JSON contract, `bench model`
// ends with its one-line summary, and bad input gives exit code 2 with a
// message.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>

#include "scribed/base/json.h"
#include "tests/support/programs.h"
#include "tests/support/read_file.h"
#include "tests/support/temp_dir.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

fs::path GoldenDir() { return fs::path(SCRIBED_TEST_DATA_DIR) / "golden"; }

using scribed::testing::ReadFile;
using scribed::testing::ShellQuote;
using Result = scribed::testing::ProgramResult;

// Runs scribe with `args` (already quoted), capturing stdout; stderr to `err_file`.
Result Scribe(const std::string& args, const fs::path& err_file) {
  return scribed::testing::RunProgram(SCRIBE_BINARY, args, err_file);
}

class ScribeCli : public ::testing::Test {
 protected:
  scribed::testing::TempDir tmp_{"cli"};
  const fs::path dir_ = tmp_.path();
};

TEST_F(ScribeCli, DebugLogitsReproducesTheAudioGoldenCase) {
  const fs::path golden_file = GoldenDir() / "case-a-audio.json";
  const json golden = json::parse(ReadFile(golden_file));
  const fs::path model = dir_ / "m.gguf", mmproj = dir_ / "p.gguf", err = dir_ / "err";
  Result made = Scribe("debug make-model --config " + ShellQuote(golden_file) + " --vocab " +
                           ShellQuote(GoldenDir() / "gemma4-vocab.gguf") + " -o " +
                           ShellQuote(model) + " --mmproj " + ShellQuote(mmproj),
                       err);
  ASSERT_EQ(made.exit_code, 0) << ReadFile(err);

  Result r =
      Scribe("debug logits --model " + ShellQuote(model) + " --mmproj " + ShellQuote(mmproj) +
                 " --audio " + ShellQuote(GoldenDir() / "speech16k.wav") + " --prompt " +
                 ShellQuote(golden["prompt"]) + " --steps 3 --threads 2",
             err);
  ASSERT_EQ(r.exit_code, 0) << ReadFile(err);
  const json out = json::parse(r.out);
  EXPECT_EQ(out["prompt_tokens"], golden["prompt_tokens"]);
  ASSERT_EQ(out["steps"].size(), 4u);  // step 0 after the prefill, then one per greedy step
  for (size_t k = 0; k < out["steps"].size(); ++k) {
    const json& got = out["steps"][k];
    const json& want = golden["steps"][k];
    EXPECT_EQ(got["argmax"], want["argmax"]) << "step " << k;
    ASSERT_EQ(got["top10"].size(), 10u);
    for (size_t i = 0; i < 10; ++i) {
      EXPECT_EQ(got["top10"][i][0], want["top10"][i][0]) << "step " << k << " rank " << i;
      EXPECT_NEAR(got["top10"][i][1].get<double>(), want["top10"][i][1].get<double>(), 1e-4);
    }
    ASSERT_EQ(got["first16"].size(), 16u);
    for (size_t i = 0; i < 16; ++i) {
      EXPECT_NEAR(got["first16"][i].get<double>(), want["first16"][i].get<double>(), 1e-4);
    }
  }
}

TEST_F(ScribeCli, WrongFilesExitWithCode2AndSayWhy) {
  const fs::path err = dir_ / "err";
  // The vocabulary GGUF is a gemma4 file without tensors: not a runnable model.
  Result r = Scribe("debug logits --model " + ShellQuote(GoldenDir() / "gemma4-vocab.gguf") +
                        " --prompt hi --steps 0",
                    err);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(ReadFile(err).find("gemma4-vocab.gguf: key gemma4.embedding_length missing"),
            std::string::npos)
      << ReadFile(err);

  // A WAV file is not a GGUF.
  r = Scribe("debug logits --model " + ShellQuote(GoldenDir() / "speech16k.wav") + " --prompt hi",
             err);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(ReadFile(err).find("speech16k.wav"), std::string::npos) << ReadFile(err);
}

// A bad value exported for local runs is an error that names the variable.
TEST_F(ScribeCli, BadSettingFromTheEnvironmentNamesTheVariable) {
  const fs::path err = dir_ / "err";
  const std::string model = " --model " + ShellQuote(GoldenDir() / "gemma4-vocab.gguf");
  Result r = scribed::testing::RunProgram(SCRIBE_BINARY, "bench model" + model, err,
                                          "SCRIBE_WEIGHTS=mmap");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(ReadFile(err).find("SCRIBE_WEIGHTS: unknown weight memory \"mmap\""),
            std::string::npos)
      << ReadFile(err);
  r = scribed::testing::RunProgram(SCRIBE_BINARY, "bench model" + model, err,
                                   "SCRIBE_BACKEND=cuda");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(ReadFile(err).find("SCRIBE_BACKEND: unknown backend \"cuda\""), std::string::npos)
      << ReadFile(err);
}

// A positive, finite figure after `key` in `text`; NaN when there is none.
double FigureAfter(const std::string& text, const std::string& key) {
  const size_t at = text.find(key);
  if (at == std::string::npos) return NAN;
  double v = NAN;
  if (std::sscanf(text.c_str() + at + key.size(), "%lf", &v) != 1) return NAN;
  return std::isfinite(v) && v > 0 ? v : NAN;
}

// On the GPU the roofline comes from the device's own memory bandwidth. The
// figures are this machine's, so only their presence and form are checked.
TEST_F(ScribeCli, BenchModelOnVulkanMeasuresTheDeviceAndEndsWithTheSummaryLine) {
  const fs::path err = dir_ / "err";
  const Result gpus = Scribe("devices --gpu", err);
  ASSERT_EQ(gpus.exit_code, 0) << ReadFile(err);
  if (gpus.out.empty() || gpus.out[0] != '0') {
    GTEST_SKIP() << "no Vulkan device on this machine: " << gpus.out;
  }
  const fs::path model = dir_ / "m.gguf", mmproj = dir_ / "p.gguf";
  ASSERT_EQ(Scribe("debug make-model --config " + ShellQuote(GoldenDir() / "case-a-text.json") +
                       " --vocab " + ShellQuote(GoldenDir() / "gemma4-vocab.gguf") + " -o " +
                       ShellQuote(model) + " --mmproj " + ShellQuote(mmproj),
                   err)
                .exit_code,
            0)
      << ReadFile(err);

  const Result r = Scribe("bench model --model " + ShellQuote(model) +
                              " --backend vulkan --prompt-tokens 4 --decode-tokens 2",
                          err);
  ASSERT_EQ(r.exit_code, 0) << ReadFile(err);
  EXPECT_FALSE(std::isnan(FigureAfter(r.out, "device memory bandwidth: "))) << r.out;
  EXPECT_EQ(r.out.find("copy bandwidth"), std::string::npos) << r.out;  // not the host's
  ASSERT_FALSE(r.out.empty());
  ASSERT_EQ(r.out.back(), '\n');
  const std::string last = r.out.substr(r.out.rfind('\n', r.out.size() - 2) + 1);
  double prefill = 0, decode = 0, roofline = 0, ratio = 0;
  int end = 0;
  ASSERT_EQ(std::sscanf(last.c_str(), "prefill_tps=%lf decode_tps=%lf roofline_tps=%lf ratio=%lf\n%n",
                        &prefill, &decode, &roofline, &ratio, &end),
            4)
      << last;
  EXPECT_EQ(static_cast<size_t>(end), last.size()) << last;
  // Rates print to 2 places and the ratio to 3: a slow step may print as 0.
  for (double v : {prefill, decode, ratio}) EXPECT_TRUE(std::isfinite(v) && v >= 0) << last;
  ASSERT_TRUE(std::isfinite(roofline) && roofline > 0) << last;
  EXPECT_NEAR(ratio, decode / roofline, 0.0005 + 0.005 / roofline + 0.01 * ratio) << last;
}

}  // namespace
