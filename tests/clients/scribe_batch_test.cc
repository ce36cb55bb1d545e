// `scribe batch` as a cluster runs it: three workers at once over one output
// root, duplicates and a corrupt file among the inputs, a rerun that does no
// work, and a worker killed mid-file whose rerun matches an uninterrupted run.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "scribed/audio/file_source.h"
#include "scribed/audio/wav_writer.h"
#include "scribed/base/json.h"
#include "scribed/engine/test_model.h"
#include "tests/support/temp_dir.h"
#include "tests/support/golden_model.h"
#include "tests/support/read_file.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

using scribed::testing::GoldenDir;

using scribed::testing::ReadFile;

// A scribe process with stdout and stderr in files.
class Scribe {
 public:
  Scribe(const std::vector<std::string>& args, const fs::path& log) : log_(log) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    std::vector<std::string> all{SCRIBE_BINARY};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, SCRIBE_BINARY, &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
  }
  ~Scribe() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      Wait();
    }
  }
  int Wait() {
    int status = 0;
    if (pid_ <= 0 || ::waitpid(pid_, &status, 0) != pid_) return -1;
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  void Kill() { ::kill(pid_, SIGKILL); }
  std::string Log() const { return ReadFile(log_); }

 private:
  fs::path log_;
  pid_t pid_ = -1;
};

// "clip" 3 ".wav" -> "clip3.wav" (appended, sidestepping a GCC 12 -Wrestrict
// false positive on literal + to_string + literal).
std::string Numbered(const char* prefix, int n, const char* suffix = "") {
  std::string s(prefix);
  s += std::to_string(n);
  s += suffix;
  return s;
}

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

class ScribeBatch : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    temp_ = new scribed::testing::TempDir("batch-e2e");
    dir_ = new fs::path(temp_->path());
    scribed::testing::WriteTinyModel(*dir_ / "m.gguf", *dir_ / "p.gguf");
    speech_ = new std::vector<float>(scribed::audio::DecodeFile(GoldenDir() / "speech16k.wav"));
  }
  static void TearDownTestSuite() {
    delete dir_;
    delete temp_;
    delete speech_;
  }

  // `seconds` of the golden speech from `offset`, as a 16 kHz WAV.
  static fs::path Clip(const fs::path& path, double offset, double seconds) {
    fs::create_directories(path.parent_path());
    const size_t from = static_cast<size_t>(offset * 16000);
    const size_t n = std::min(static_cast<size_t>(seconds * 16000), speech_->size() - from);
    scribed::audio::WavWriter w(path, 16000, 1, scribed::audio::WavEncoding::kPcm16);
    w.Write(std::span<const float>(speech_->data() + from, n));
    return path;
  }

  static std::vector<std::string> Run(const fs::path& input, const fs::path& out,
                                      const std::string& shard) {
    return {"batch", "run", input.string(), "-o", out.string(), "--shard", shard,
            "--model", (*dir_ / "m.gguf").string(), "--mmproj", (*dir_ / "p.gguf").string(),
            "--mode", "verbatim", "--format", "json,srt", "--threads", "1"};
  }

  static json Status(const fs::path& out) {
    Scribe status({"batch", "status", out.string(), "--json"}, out.parent_path() / "status.log");
    EXPECT_EQ(status.Wait(), 0) << status.Log();
    return json::parse(status.Log());
  }

  // Every result file under `out` (the transcripts, not the records).
  static std::map<std::string, std::string> Results(const fs::path& out) {
    std::map<std::string, std::string> files;
    for (const auto& f : fs::recursive_directory_iterator(out)) {
      const std::string ext = f.path().extension().string();
      if (ext == ".json" && f.path().parent_path().filename().string().size() == 2) {
        files[f.path().filename().string()] = ReadFile(f.path());
      } else if (ext == ".srt") {
        files[f.path().filename().string()] = ReadFile(f.path());
      }
    }
    return files;
  }

  static scribed::testing::TempDir* temp_;
  static fs::path* dir_;
  static std::vector<float>* speech_;
};

scribed::testing::TempDir* ScribeBatch::temp_ = nullptr;
fs::path* ScribeBatch::dir_ = nullptr;
std::vector<float>* ScribeBatch::speech_ = nullptr;

TEST_F(ScribeBatch, ThreeWorkersTranscribeEachRecordingOnceAndARerunIsFree) {
  const fs::path in = *dir_ / "archive", out = *dir_ / "out";
  // Eight distinct clips, three of them also stored under a second name, and
  // one file that is not audio at all: twelve inputs.
  for (int i = 0; i < 8; ++i) {
    Clip(in / Numbered("day", i % 3) / Numbered("clip", i, ".wav"), 0.1 * i,
         0.4 + 0.1 * (i % 4));
  }
  for (int i : {1, 4, 6}) {
    fs::copy_file(in / Numbered("day", i % 3) / Numbered("clip", i, ".wav"),
                  in / Numbered("copy-of-", i, ".wav"));
  }
  std::ofstream(in / "broken.wav") << "RIFF....WAVEfmt this is not a recording";

  std::vector<std::unique_ptr<Scribe>> workers;
  for (int s = 0; s < 3; ++s) {
    workers.push_back(std::make_unique<Scribe>(Run(in, out, Numbered("", s, "/3")),
                                               *dir_ / Numbered("w", s, ".log")));
  }
  std::string logs;
  for (auto& w : workers) {
    EXPECT_EQ(w->Wait(), 0) << w->Log();
    logs += w->Log();
  }
  EXPECT_EQ(Count(logs, ": done in "), 8u) << logs;  // each distinct recording once
  const json status = Status(out);
  EXPECT_EQ(status["done"], 11) << status.dump(1);
  EXPECT_EQ(status["failed"], 1);
  EXPECT_EQ(status["pending"], 0);
  std::set<std::string> hashes;
  fs::path a_result;
  for (const json& input : status["inputs"]) {
    if (input["path"].get<std::string>().ends_with("broken.wav")) {
      EXPECT_EQ(input["state"], "failed");
      EXPECT_NE(input["error"].get<std::string>().find("broken.wav: not a recognised audio"),
                std::string::npos)
          << input;
      continue;
    }
    ASSERT_EQ(input["state"], "done") << input;
    hashes.insert(input["sha256"].get<std::string>());
    a_result = input["outputs"]["json"].get<std::string>();
    const json transcript = json::parse(ReadFile(input["outputs"]["json"].get<std::string>()));
    EXPECT_TRUE(transcript["complete"]);
    EXPECT_TRUE(fs::exists(input["outputs"]["srt"].get<std::string>()));
  }
  EXPECT_EQ(hashes.size(), 8u);
  EXPECT_EQ(Results(out).size(), 16u);  // 8 recordings x (json, srt)

  // A rerun of all three verifies and does nothing else.
  const auto before = Results(out);
  const auto stamp = fs::last_write_time(a_result);
  logs.clear();
  for (int s = 0; s < 3; ++s) {
    Scribe again(Run(in, out, Numbered("", s, "/3")), *dir_ / "again.log");
    EXPECT_EQ(again.Wait(), 0) << again.Log();
    logs += again.Log();
  }
  EXPECT_EQ(Count(logs, "transcribing"), 0u) << logs;
  EXPECT_EQ(Count(logs, ": done already ("), 11u) << logs;
  EXPECT_EQ(Results(out), before);
  EXPECT_EQ(fs::last_write_time(a_result), stamp);
}

TEST_F(ScribeBatch, AWorkerKilledMidFileIsResumedByARerunWithIdenticalResults) {
  const fs::path in = *dir_ / "kill-archive";
  for (int i = 0; i < 3; ++i) Clip(in / Numbered("part", i, ".wav"), 0.3 * i, 1.2 + 0.2 * i);
  {
    Scribe reference(Run(in, *dir_ / "reference", "0/1"), *dir_ / "reference.log");
    ASSERT_EQ(reference.Wait(), 0) << reference.Log();
  }
  const fs::path out = *dir_ / "killed";
  {
    Scribe worker(Run(in, out, "0/1"), *dir_ / "killed.log");
    // Kill it while it transcribes its second recording.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
    while (Count(worker.Log(), "transcribing") < 2 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_EQ(Count(worker.Log(), "transcribing"), 2u) << worker.Log();
    worker.Kill();
    EXPECT_EQ(worker.Wait(), 128 + SIGKILL);
  }
  const json partial = Status(out);
  EXPECT_LE(partial["done"].get<int>(), 2);
  EXPECT_GE(partial["pending"].get<int>(), 1);
  Scribe rerun(Run(in, out, "0/1"), *dir_ / "rerun.log");
  ASSERT_EQ(rerun.Wait(), 0) << rerun.Log();
  EXPECT_EQ(Status(out)["done"], 3);
  EXPECT_EQ(Results(out), Results(*dir_ / "reference"));
}

}  // namespace
