// The job worker on the tiny golden model when the disk fills up while it
// writes a job's results: the job still ends (failed, published), leaves no
// partial outputs or temporaries, and its failure is journaled once space
// returns.
#include "daemon/workers/job_runner.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "tests/support/fault_file_system.h"
#include "tests/support/golden_model.h"
#include "tests/support/temp_dir.h"

namespace scribed::daemon {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using scribed::testing::FaultFileSystem;
using scribed::testing::GoldenDir;
using scribed::testing::TempDir;

ModelContext TinyModel(const fs::path& dir) {
  scribed::testing::WriteTinyModel(dir / "m.gguf", dir / "p.gguf");
  ModelContext model;
  model.model = engine::Model::Load(dir / "m.gguf", dir / "p.gguf");
  model.threads = 2;
  model.max_tokens_per_second = 2;
  return model;
}

bool Ended(JobState state) { return state != JobState::kQueued && state != JobState::kRunning; }

TEST(JobRunnerTest, AFullDiskWhileWritingResultsEndsTheJobAndLeavesNothingPartial) {
  TempDir dir("runner");
  const ModelContext model = TinyModel(dir.path());
  FaultFileSystem ffs;
  std::string id;
  {
    JobStore store(ffs, dir / "state");
    zmq::context_t context;
    Publisher::Options options;
    options.endpoint = "ipc://" + (dir / "events").string();
    options.run = "0000beef";
    options.heartbeat = std::chrono::hours(1);
    Publisher publisher(context, options);
    id = store.Submit((GoldenDir() / "speech16k.wav").string(), {{"outputs", {"txt", "srt"}}}, 1).id;
    // The text file is written, then the disk is full from the subtitles on:
    // the job fails and neither its failure nor anything else can be journaled.
    ffs.FillDiskWhenOpening(".srt");
    JobRunner runner(store, publisher, ffs, model, dir / "results");
    for (int i = 0; i < 2400 && !Ended(store.Get(id)->state); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    runner.Stop();
    ASSERT_EQ(JobStateName(store.Get(id)->state), std::string("failed"));
    EXPECT_NE(store.Get(id)->error.find("No space left on device"), std::string::npos)
        << store.Get(id)->error;
    EXPECT_EQ(store.UnjournaledCount(), 1u);
    bool published = false;
    for (const std::string& body : publisher.replay().Since(0, SIZE_MAX).bodies) {
      const json e = json::parse(body);
      published |= e["type"] == "job.failed" && e["job"] == id;
    }
    EXPECT_TRUE(published);
    // No partial outputs, no temporaries.
    EXPECT_FALSE(fs::exists(dir / "results" / id));
    ffs.SetDiskFull(false);
  }
  JobStore store(ffs, dir / "state");
  EXPECT_FALSE(store.recovery().corruption);
  EXPECT_EQ(JobStateName(store.Get(id)->state), std::string("failed"));
}

}  // namespace
}  // namespace scribed::daemon
