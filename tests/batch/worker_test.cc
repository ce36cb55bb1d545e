#include "scribed/batch/worker.h"

#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <thread>

#include "scribed/batch/claim.h"
#include "scribed/batch/status.h"
#include "scribed/config/file_hash.h"
#include "tests/batch/batch_test_util.h"

namespace scribed::batch {
namespace {

namespace fs = std::filesystem;
using testing::ReadFile;
using testing::ScratchDir;
using testing::WriteFile;

// Stands in for the model: "transcribes" a file into its content reversed,
// refuses files that start with "corrupt", and counts calls per content.
class FakeTranscriber {
 public:
  Rendered operator()(const Input& in) {
    const std::string content = ReadFile(in.path);
    {
      std::lock_guard lock(mu_);
      ++calls_[content];
    }
    if (pause_.count() > 0) std::this_thread::sleep_for(pause_);
    if (content.rfind("corrupt", 0) == 0) throw std::runtime_error("not an audio file");
    Rendered r;
    r.duration_ms = static_cast<int64_t>(content.size()) * 1000;
    for (const std::string& f : formats_) r.files[f] = f + ":" + std::string(content.rbegin(), content.rend());
    r.complete = !interrupt_;
    return r;
  }
  std::map<std::string, int> calls() {
    std::lock_guard lock(mu_);
    return calls_;
  }
  std::vector<std::string> formats_{"json"};
  std::chrono::milliseconds pause_{0};
  bool interrupt_ = false;

 private:
  std::mutex mu_;
  std::map<std::string, int> calls_;
};

WorkerOptions Options(Shard shard = {}, std::vector<std::string> formats = {"json"}) {
  WorkerOptions o;
  o.shard = shard;
  o.formats = std::move(formats);
  o.poll = std::chrono::milliseconds(20);
  return o;
}

TranscribeFn Bind(FakeTranscriber& t) {
  return [&t](const Input& in) { return t(in); };
}

TEST(BatchWorkerTest, EachContentIsTranscribedOnceAndARerunDoesNoWork) {
  ScratchDir dir;
  WriteFile(dir.path() / "in/a.wav", "alpha");
  WriteFile(dir.path() / "in/b.wav", "bravo!");
  WriteFile(dir.path() / "in/copy-of-a.wav", "alpha");
  WriteFile(dir.path() / "in/d.wav", "corrupt bytes");
  const fs::path manifest = WriteFile(dir.path() / "list", "in/a.wav\nin/b.wav\nin/copy-of-a.wav\n"
                                                         "in/d.wav\nin/gone.wav\n");
  const auto inputs = ReadInputs(manifest, DefaultExtensions());
  ResultStore store(base::RealFileSystem(), dir.path() / "out");
  store.WriteInputs(inputs);
  FakeTranscriber fake;
  WorkerReport r = RunShard(inputs, store, Options(), Bind(fake));
  EXPECT_EQ(r.transcribed, 2);
  EXPECT_EQ(r.already_done, 1);  // the copy
  EXPECT_EQ(r.failed, 2);        // corrupt, missing
  EXPECT_FALSE(r.interrupted);
  EXPECT_EQ(fake.calls(), (std::map<std::string, int>{{"alpha", 1}, {"bravo!", 1}, {"corrupt bytes", 1}}));
  const std::string alpha = config::Sha256Bytes("alpha");
  EXPECT_EQ(ReadFile(store.PathOf(alpha, "json")), "json:ahpla");
  EXPECT_FALSE(fs::exists(store.PathOf(alpha, "claim")));

  const BatchStatus s = ReadStatus(store, std::chrono::seconds(60));
  EXPECT_EQ(s.done, 3);
  EXPECT_EQ(s.failed, 2);
  EXPECT_EQ(s.pending, 0);
  EXPECT_DOUBLE_EQ(s.audio_s, 11.0);  // alpha and bravo! once each
  for (const InputStatus& in : s.inputs) {
    if (in.path.ends_with("d.wav")) {
      EXPECT_EQ(in.error, "not an audio file");
    }
    if (in.path.ends_with("gone.wav")) {
      EXPECT_EQ(in.error, "no such file");
    }
    if (in.path.ends_with("copy-of-a.wav")) {
      EXPECT_EQ(in.sha256, alpha);
      EXPECT_EQ(in.outputs.at("json"), store.PathOf(alpha, "json").string());
    }
  }
  const auto before = fs::last_write_time(store.PathOf(alpha, "json"));
  r = RunShard(inputs, store, Options(), Bind(fake));
  EXPECT_EQ(r.transcribed, 0);
  EXPECT_EQ(r.already_done, 3);
  EXPECT_EQ(r.failed, 2);
  EXPECT_EQ(fake.calls()["alpha"], 1);
  EXPECT_EQ(fake.calls()["corrupt bytes"], 1);  // failures wait for retry-failed
  EXPECT_EQ(fs::last_write_time(store.PathOf(alpha, "json")), before);
  // After retry-failed the corrupt file is tried again.
  EXPECT_EQ(store.ClearFailures(), 1);
  RunShard(inputs, store, Options(), Bind(fake));
  EXPECT_EQ(fake.calls()["corrupt bytes"], 2);
}

TEST(BatchWorkerTest, ConcurrentShardsNeverTranscribeOneContentTwice) {
  ScratchDir dir;
  std::string manifest;
  for (int i = 0; i < 24; ++i) {
    // Eight contents, three copies each, spread over the shards.
    const std::string name = "in/" + std::to_string(i) + ".wav";
    WriteFile(dir.path() / name, "recording " + std::to_string(i % 8) + std::string(i % 8, '.'));
    manifest += name + "\n";
  }
  const auto inputs = ReadInputs(WriteFile(dir.path() / "list", manifest), DefaultExtensions());
  ResultStore store(base::RealFileSystem(), dir.path() / "out");
  FakeTranscriber fake;
  fake.pause_ = std::chrono::milliseconds(30);
  std::vector<WorkerReport> reports(3);
  std::vector<std::thread> workers;
  for (int s = 0; s < 3; ++s) {
    workers.emplace_back([&, s] {
      reports[static_cast<size_t>(s)] = RunShard(inputs, store, Options({s, 3}), Bind(fake));
    });
  }
  for (auto& w : workers) w.join();
  int transcribed = 0, done = 0;
  for (const WorkerReport& r : reports) {
    transcribed += r.transcribed;
    done += r.transcribed + r.already_done;
  }
  EXPECT_EQ(transcribed, 8);
  EXPECT_EQ(done, 24);
  ASSERT_EQ(fake.calls().size(), 8u);
  for (const auto& [content, n] : fake.calls()) EXPECT_EQ(n, 1) << content;
}

TEST(BatchWorkerTest, AnInterruptedInputLeavesNothingBehindAndRunsNextTime) {
  ScratchDir dir;
  WriteFile(dir.path() / "in/a.wav", "alpha");
  const auto inputs = ReadInputs(dir.path() / "in", DefaultExtensions());
  ResultStore store(base::RealFileSystem(), dir.path() / "out");
  FakeTranscriber fake;
  fake.interrupt_ = true;
  WorkerReport r = RunShard(inputs, store, Options(), Bind(fake));
  EXPECT_TRUE(r.interrupted);
  const std::string sha = config::Sha256Bytes("alpha");
  EXPECT_FALSE(fs::exists(store.PathOf(sha, "done")));
  EXPECT_FALSE(fs::exists(store.PathOf(sha, "claim")));
  fake.interrupt_ = false;
  r = RunShard(inputs, store, Options(), Bind(fake));
  EXPECT_EQ(r.transcribed, 1);
  EXPECT_TRUE(store.Done(sha));
}

TEST(BatchWorkerTest, ARerunWithMoreFormatsCompletesTheResults) {
  ScratchDir dir;
  WriteFile(dir.path() / "in/a.wav", "alpha");
  const auto inputs = ReadInputs(dir.path() / "in", DefaultExtensions());
  ResultStore store(base::RealFileSystem(), dir.path() / "out");
  FakeTranscriber fake;
  RunShard(inputs, store, Options(), Bind(fake));
  fake.formats_ = {"json", "srt"};
  const WorkerReport r = RunShard(inputs, store, Options({}, {"json", "srt"}), Bind(fake));
  EXPECT_EQ(r.transcribed, 1);
  const auto done = store.Done(config::Sha256Bytes("alpha"));
  ASSERT_TRUE(done);
  EXPECT_EQ(done->outputs.size(), 2u);
}

TEST(BatchWorkerTest, StatusShowsAnInputAnotherWorkerHoldsAsRunning) {
  ScratchDir dir;
  WriteFile(dir.path() / "in/a.wav", "alpha");
  const auto inputs = ReadInputs(dir.path() / "in", DefaultExtensions());
  ResultStore store(base::RealFileSystem(), dir.path() / "out");
  store.WriteInputs(inputs);
  const std::string sha = config::Sha256Bytes("alpha");
  store.WriteIndex({0, 1}, {{inputs[0].path.string(), inputs[0].size, inputs[0].mtime_ns, sha, ""}});
  EXPECT_EQ(ReadStatus(store, std::chrono::seconds(60)).pending, 1);
  auto claim = Claim::TryAcquire(store.ClaimPath(sha), WorkerId::Self(), std::chrono::seconds(60));
  ASSERT_TRUE(claim);
  const BatchStatus s = ReadStatus(store, std::chrono::seconds(60));
  EXPECT_EQ(s.running, 1);
  EXPECT_EQ(s.Json()["inputs"][0]["state"], "running");
  EXPECT_EQ(s.Json()["pending"], 0);
}

}  // namespace
}  // namespace scribed::batch
