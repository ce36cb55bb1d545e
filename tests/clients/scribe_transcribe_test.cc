// `scribe transcribe` as users run it: the golden speech file with the tiny
// model into srt, vtt and json beside each other, and the message when no
// model can be found.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "scribed/base/json.h"
#include "scribed/engine/test_model.h"
#include "tests/support/programs.h"
#include "tests/support/golden_model.h"
#include "tests/support/read_file.h"
#include "tests/support/temp_dir.h"

namespace {

namespace fs = std::filesystem;

using scribed::testing::GoldenDir;

using scribed::testing::ReadFile;
using scribed::testing::ShellQuote;

// Every path under `dir`, to see that a failed run left nothing behind.
std::set<fs::path> Tree(const fs::path& dir) {
  std::set<fs::path> tree;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) tree.insert(entry.path());
  return tree;
}

// Runs `env_prefix scribe args`, stdout discarded, stderr to `err`; returns the exit code.
int Scribe(const std::string& env_prefix, const std::string& args, const fs::path& err) {
  return scribed::testing::RunProgram(SCRIBE_BINARY, args, err, env_prefix).exit_code;
}

class ScribeTranscribe : public ::testing::Test {
 protected:
  void SetUp() override { fs::create_directories(dir_ / "home"); }
  // An environment with no model anywhere and caches inside the test folder.
  std::string CleanEnv() const {
    return "env -u SCRIBE_MODEL -u SCRIBE_MMPROJ -u OLLAMA_MODELS -u XDG_CONFIG_HOME HOME=" +
           ShellQuote(dir_ / "home") + " XDG_CACHE_HOME=" + ShellQuote(dir_ / "cache");
  }
  scribed::testing::TempDir tmp_{"transcribe"};
  const fs::path dir_ = tmp_.path();
};

TEST_F(ScribeTranscribe, GoldenSpeechToSubtitlesAndJson) {
  scribed::testing::WriteTinyModel(dir_ / "m.gguf", dir_ / "p.gguf");
  const fs::path input = dir_ / "talk.wav";
  fs::copy_file(GoldenDir() / "speech16k.wav", input);
  const fs::path err = dir_ / "err";
  const int rc =
      Scribe(CleanEnv(),
             "transcribe " + ShellQuote(input) + " --model " + ShellQuote(dir_ / "m.gguf") +
                 " --mmproj " + ShellQuote(dir_ / "p.gguf") +
                 " --mode verbatim --format srt,vtt,json --threads 2 "
                 "--max-tokens-per-second 2",
             err);
  ASSERT_EQ(rc, 0) << ReadFile(err);
  EXPECT_EQ(ReadFile(err), "");  // quiet when stderr is not a terminal

  const auto j = nlohmann::json::parse(ReadFile(dir_ / "talk.json"));
  EXPECT_EQ(j["complete"], true);
  EXPECT_EQ(j["duration_ms"], 52263 / 16);
  ASSERT_FALSE(j["segments"].empty());
  int64_t last_end = 0;
  for (const auto& s : j["segments"]) {
    EXPECT_GE(s["start_ms"].get<int64_t>(), last_end);
    EXPECT_GT(s["end_ms"].get<int64_t>(), s["start_ms"].get<int64_t>());
    EXPECT_LE(s["end_ms"].get<int64_t>(), j["duration_ms"].get<int64_t>());
    EXPECT_EQ(s["text"], s["verbatim"]);
    last_end = s["end_ms"];
  }
  const auto& prov = j["provenance"];
  EXPECT_EQ(prov["model"]["size"], fs::file_size(dir_ / "m.gguf"));
  EXPECT_EQ(prov["model"]["sha256"].get<std::string>().size(), 64u);
  EXPECT_EQ(prov["mmproj"]["sha256"].get<std::string>().size(), 64u);
  EXPECT_TRUE(fs::exists(dir_ / "cache" / "scribed" / "file-hashes.json"));

  const std::string srt = ReadFile(dir_ / "talk.srt");
  EXPECT_EQ(srt.rfind("1\n00:00:", 0), 0u) << srt;
  const std::string vtt = ReadFile(dir_ / "talk.vtt");
  EXPECT_EQ(vtt.rfind("WEBVTT\n\n00:00:", 0), 0u) << vtt;
  // One timing line per segment ("HH:MM:SS,mmm --> HH:MM:SS,mmm", 29 characters).
  std::istringstream lines(srt);
  size_t timings = 0;
  for (std::string line; std::getline(lines, line);) {
    timings += line.size() == 29 && line.substr(12, 5) == " --> ";
  }
  EXPECT_EQ(timings, j["segments"].size());
  EXPECT_FALSE(fs::exists(dir_ / "talk.txt"));
}

TEST_F(ScribeTranscribe, NoModelSaysWhereItLooked) {
  const fs::path input = dir_ / "talk.wav";
  fs::copy_file(GoldenDir() / "speech16k.wav", input);
  const fs::path err = dir_ / "err";
  EXPECT_EQ(Scribe(CleanEnv(), "transcribe " + ShellQuote(input), err), 2);
  const std::string msg = ReadFile(err);
  for (const char* part : {"no Gemma 4 12B model found", "SCRIBE_MODEL", "config.toml", ".ollama/models",
                           "lm-studio", "--model"}) {
    EXPECT_NE(msg.find(part), std::string::npos) << part << " missing from: " << msg;
  }
  EXPECT_FALSE(fs::exists(dir_ / "talk.txt"));
}

TEST_F(ScribeTranscribe, BadArgumentsAreExitCode2) {
  const fs::path err = dir_ / "err";
  EXPECT_EQ(
      Scribe(CleanEnv(), "transcribe " + ShellQuote(dir_ / "missing.wav") + " --model x.gguf", err),
      2);
  EXPECT_NE(ReadFile(err).find("missing.wav"), std::string::npos);
  fs::copy_file(GoldenDir() / "speech16k.wav", dir_ / "a.wav");
  EXPECT_EQ(
      Scribe(CleanEnv(),
             "transcribe " + ShellQuote(dir_ / "a.wav") + " --format srt,docx --model x", err),
      2);
  EXPECT_NE(ReadFile(err).find("docx"), std::string::npos);
}

// Each -o problem is found before the model is read: the model files named do
// not exist, so an error about anything but the output (or a file left
// behind) means the check came too late -- after loading, or after the whole
// transcription.
TEST_F(ScribeTranscribe, OutputProblemsFailBeforeTheModelLoads) {
  const fs::path work = dir_ / "work";
  fs::create_directories(work / "sub");
  fs::copy_file(GoldenDir() / "speech16k.wav", work / "a.wav");
  fs::copy_file(GoldenDir() / "speech16k.wav", work / "sub" / "a.wav");
  std::ofstream(work / "plain") << "not a directory";
  const std::string model = " --model " + ShellQuote(dir_ / "no-model.gguf") + " --mmproj " +
                            ShellQuote(dir_ / "no-mmproj.gguf");
  const std::string a = ShellQuote(work / "a.wav");
  const std::string sub_a = ShellQuote(work / "sub" / "a.wav");
  const struct {
    std::string args;
    std::string says;
  } cases[] = {
      {a + " -o " + ShellQuote(work / "missing/dir/out.txt"),
       "-o " + (work / "missing/dir/out.txt").string() + ": directory " +
           (work / "missing/dir").string() + " does not exist"},
      {a + " -o " + ShellQuote(work / "plain/out.txt"),
       (work / "plain").string() + " is not a directory"},
      {a + " -o " + ShellQuote(work / "plain/new/"),
       (work / "plain").string() + " is not a directory"},
      {a + " --format txt -o " + a, "would overwrite the input file"},
      {a + " " + sub_a + " -o " + ShellQuote(work / "out.txt"),
       "with several input files, -o must be a directory"},
      {a + " " + sub_a + " -o " + ShellQuote(work / "all/"),
       "would both be written to " + (work / "all" / "a.txt").string()},
  };
  const std::set<fs::path> before = Tree(work);
  const fs::path err = dir_ / "err";
  for (const auto& c : cases) {
    EXPECT_EQ(Scribe(CleanEnv(), "transcribe " + c.args + model, err), 2) << c.args;
    const std::string msg = ReadFile(err);
    EXPECT_NE(msg.find(c.says), std::string::npos) << c.args << "\n" << msg;
    EXPECT_EQ(msg.find("no-model.gguf"), std::string::npos) << msg;
  }
  EXPECT_EQ(Tree(work), before);
}

TEST_F(ScribeTranscribe, UnwritableOutputFailsBeforeTheModelLoads) {
  if (::geteuid() == 0) GTEST_SKIP() << "root may write in a read-only directory";
  const fs::path locked = dir_ / "locked";
  fs::create_directories(locked);
  fs::copy_file(GoldenDir() / "speech16k.wav", locked / "a.wav");
  ASSERT_EQ(::chmod(locked.c_str(), 0555), 0);
  const std::string model = " --model " + ShellQuote(dir_ / "no-model.gguf") + " --mmproj " +
                            ShellQuote(dir_ / "no-mmproj.gguf");
  const std::string a = ShellQuote(locked / "a.wav");
  const fs::path err = dir_ / "err";
  for (const std::string& args :
       {a, a + " -o " + ShellQuote(locked / "out.txt"), a + " -o " + ShellQuote(locked / "new/")}) {
    EXPECT_EQ(Scribe(CleanEnv(), "transcribe " + args + model, err), 2) << args;
    const std::string msg = ReadFile(err);
    EXPECT_NE(msg.find("cannot write in " + locked.string() + ": Permission denied"),
              std::string::npos)
        << args << "\n" << msg;
  }
  ::chmod(locked.c_str(), 0755);  // so the temporary directory can be removed
  EXPECT_EQ(Tree(locked), (std::set<fs::path>{locked / "a.wav"}));
}

}  // namespace
