#include "scribed/batch/result_store.h"

#include <gtest/gtest.h>

#include "scribed/config/file_hash.h"
#include "tests/batch/batch_test_util.h"

namespace scribed::batch {
namespace {

namespace fs = std::filesystem;
using testing::ReadFile;
using testing::ScratchDir;
using testing::WriteFile;

const std::string kSha(64, 'a');

DoneRecord Record(const std::string& sha) {
  DoneRecord r;
  r.sha256 = sha;
  r.source = "/archive/a.wav";
  r.duration_ms = 61'000;
  r.processing_s = 12.5;
  r.worker = "node1:42";
  return r;
}

TEST(BatchResultStoreTest, AResultCountsOnlyWhileItsOutputsCheckOut) {
  ScratchDir dir;
  ResultStore store(base::RealFileSystem(), dir.path() / "out");
  EXPECT_FALSE(store.Done(kSha));
  DoneRecord r = Record(kSha);
  store.WriteResult(r, {{"json", "{\"segments\":[]}\n"}, {"srt", "1\n"}});
  EXPECT_EQ(store.PathOf(kSha, "json"), dir.path() / "out" / "aa" / (kSha + ".json"));
  EXPECT_EQ(ReadFile(store.PathOf(kSha, "srt")), "1\n");
  auto done = store.Done(kSha);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->source, "/archive/a.wav");
  EXPECT_EQ(done->duration_ms, 61'000);
  EXPECT_DOUBLE_EQ(done->processing_s, 12.5);
  ASSERT_EQ(done->outputs.size(), 2u);
  EXPECT_EQ(done->outputs["srt"].sha256, config::Sha256Bytes("1\n"));
  // Same size, other bytes: not trusted.
  WriteFile(store.PathOf(kSha, "srt"), "2\n");
  EXPECT_FALSE(store.Done(kSha));
  store.WriteResult(r, {{"json", "{}"}, {"srt", "1\n"}});
  ASSERT_TRUE(store.Done(kSha));
  fs::remove(store.PathOf(kSha, "json"));
  EXPECT_FALSE(store.Done(kSha));
  // A damaged record is no result either.
  store.WriteResult(r, {{"json", "{}"}});
  WriteFile(store.PathOf(kSha, "done"), "{\"sha256\":");
  EXPECT_FALSE(store.Done(kSha));
  // No temporary files are left behind.
  for (const auto& f : fs::directory_iterator(dir.path() / "out" / "aa")) {
    EXPECT_EQ(f.path().filename().string().find(".tmp"), std::string::npos) << f.path();
  }
}

TEST(BatchResultStoreTest, FailuresAreRecordedAndCleared) {
  ScratchDir dir;
  ResultStore store(base::RealFileSystem(), dir.path());
  const std::string other(64, 'b');
  store.WriteFailure({kSha, "/a.wav", "not an audio file", "n:1", 5});
  store.WriteFailure({other, "/b.wav", "decoder error", "n:1", 6});
  auto f = store.Failure(kSha);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->error, "not an audio file");
  EXPECT_EQ(f->source, "/a.wav");
  EXPECT_EQ(store.ClearFailures(), 2);
  EXPECT_FALSE(store.Failure(kSha));
  EXPECT_FALSE(store.Failure(other));
  EXPECT_EQ(store.ClearFailures(), 0);
}

TEST(BatchResultStoreTest, InputsAndIndexesRoundTripAndTheNewestIndexWins) {
  ScratchDir dir;
  ResultStore store(base::RealFileSystem(), dir.path());
  EXPECT_TRUE(store.ReadInputs().empty());
  Input a{"/x/a.wav", 10, 1, ""}, b{"/x/b.wav", 0, 0, "no such file"};
  store.WriteInputs({a, b});
  const auto inputs = store.ReadInputs();
  ASSERT_EQ(inputs.size(), 2u);
  EXPECT_EQ(inputs[0].path, "/x/a.wav");
  EXPECT_EQ(inputs[0].size, 10u);
  EXPECT_EQ(inputs[1].error, "no such file");

  store.WriteIndex({0, 2}, {{"/x/a.wav", 10, 1, std::string(64, '1'), ""}});
  // A later worker (another shard count) saw the file changed.
  fs::last_write_time(dir.path() / "index" / "shard-0-of-2.json",
                      fs::file_time_type::clock::now() - std::chrono::hours(1));
  store.WriteIndex({0, 1}, {{"/x/a.wav", 11, 2, std::string(64, '2'), ""},
                            {"/x/b.wav", 0, 0, "", "no such file"}});
  const auto index = store.ReadIndex();
  ASSERT_EQ(index.size(), 2u);
  EXPECT_EQ(index.at("/x/a.wav").sha256, std::string(64, '2'));
  EXPECT_EQ(index.at("/x/a.wav").size, 11u);
  EXPECT_EQ(index.at("/x/b.wav").error, "no such file");
}

}  // namespace
}  // namespace scribed::batch
