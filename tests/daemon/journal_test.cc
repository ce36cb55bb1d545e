// The job journal: one test per corruption mode, the power-cut simulation,
// and the job store's recovery (resume from the last completed clip).
#include "daemon/jobs/journal.h"

#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <thread>

#include "daemon/jobs/crc32c.h"
#include "daemon/jobs/job_store.h"
#include "tests/support/fault_file_system.h"
#include "tests/support/temp_dir.h"

namespace scribed::daemon {
namespace {

namespace fs = std::filesystem;
using journal::RecordType;
using nlohmann::json;

using scribed::testing::TempDir;

std::string Journal(std::initializer_list<std::string> payloads) {
  std::string out;
  for (const auto& p : payloads) out += EncodeRecord(RecordType::kJobSubmitted, p);
  return out;
}

// Bitwise CRC-32C straight from the definition, to check the table version.
uint32_t SlowCrc32c(std::string_view data) {
  uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char b : data) {
    crc ^= b;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
  }
  return ~crc;
}

TEST(Crc32cTest, MatchesDefinitionAndKnownVector) {
  EXPECT_EQ(Crc32c("123456789"), 0xE3069283u);  // the standard CRC-32C check value
  std::mt19937 rng(1);
  for (int n = 0; n < 300; n += 7) {
    std::string s(static_cast<size_t>(n), '\0');
    for (char& c : s) c = static_cast<char>(rng());
    EXPECT_EQ(Crc32c(s), SlowCrc32c(s)) << n;
    EXPECT_EQ(Crc32c(s.substr(n / 2), Crc32c(s.substr(0, n / 2))), Crc32c(s)) << n;
  }
}

TEST(JournalTest, ReadsBackEveryRecord) {
  const std::string bytes = Journal({"{\"a\":1}", "", std::string(5000, 'x')});
  const JournalContents c = ParseJournal(bytes);
  ASSERT_EQ(c.records.size(), 3u);
  EXPECT_EQ(c.records[0].payload, "{\"a\":1}");
  EXPECT_EQ(c.records[1].payload, "");
  EXPECT_EQ(c.records[2].payload.size(), 5000u);
  EXPECT_EQ(c.valid_bytes, bytes.size());
  EXPECT_EQ(c.torn_tail_bytes, 0u);
  EXPECT_FALSE(c.corruption);
}

TEST(JournalTest, TruncatedRecordIsATornTail) {
  const std::string good = Journal({"{\"a\":1}", "{\"b\":2}"});
  const std::string last = EncodeRecord(RecordType::kClipDone, "{\"c\":3}");
  // Every cut inside the last record, including inside its header.
  for (size_t cut = 1; cut < last.size(); ++cut) {
    const JournalContents c = ParseJournal(good + last.substr(0, cut));
    EXPECT_EQ(c.records.size(), 2u) << cut;
    EXPECT_EQ(c.valid_bytes, good.size()) << cut;
    EXPECT_EQ(c.torn_tail_bytes, cut) << cut;
    EXPECT_FALSE(c.corruption) << cut;
  }
}

TEST(JournalTest, PartialLastHeader) {
  const std::string good = Journal({"{}"});
  const JournalContents c = ParseJournal(good + std::string("\x01\x02\x03", 3));
  EXPECT_EQ(c.records.size(), 1u);
  EXPECT_EQ(c.torn_tail_bytes, 3u);
  EXPECT_FALSE(c.corruption);
}

TEST(JournalTest, BadLengthIsDamageAndTheChecksumRecoversTheRecord) {
  std::string bytes = Journal({"{\"a\":1}", "{\"b\":2}", "{\"c\":3}"});
  const size_t second = EncodeRecord(RecordType::kJobSubmitted, "{\"a\":1}").size();
  bytes[second + 7] = '\x7f';  // length's top byte: far over the limit
  const JournalContents c = ParseJournal(bytes);
  // The next record shows where this one ends, and its checksum agrees.
  ASSERT_EQ(c.records.size(), 3u);
  EXPECT_EQ(c.records[1].payload, "{\"b\":2}");
  ASSERT_TRUE(c.corruption);
  EXPECT_NE(c.corruption->find("offset " + std::to_string(second)), std::string::npos)
      << *c.corruption;
  EXPECT_NE(c.corruption->find("length"), std::string::npos);
  EXPECT_EQ(c.dropped_bytes, 0u);
}

TEST(JournalTest, LengthRunningPastTheEndIsDamageWhenRecordsFollow) {
  // One flipped bit makes the first record's length reach past the end of
  // the file; the records inside that span are intact.
  std::string bytes = Journal({"{\"a\":1}", "{\"b\":2}", "{\"c\":3}"});
  bytes[6] ^= 0x01;  // length += 65536
  const JournalContents c = ParseJournal(bytes);
  EXPECT_EQ(c.torn_tail_bytes, 0u);
  ASSERT_TRUE(c.corruption);
  EXPECT_EQ(c.records.size(), 3u);
}

TEST(JournalTest, ChecksumMismatchDropsOnlyThatRecord) {
  std::string bytes = Journal({"{\"a\":1}", "{\"b\":2}", "{\"c\":3}"});
  const size_t record = EncodeRecord(RecordType::kJobSubmitted, "{\"a\":1}").size();
  // Flip each payload byte of the second record in turn.
  for (size_t i = record + journal::kHeaderBytes; i < 2 * record; ++i) {
    std::string damaged = bytes;
    damaged[i] ^= 0x20;
    const JournalContents c = ParseJournal(damaged);
    ASSERT_EQ(c.records.size(), 2u) << i;
    EXPECT_EQ(c.records[0].payload, "{\"a\":1}");
    EXPECT_EQ(c.records[1].payload, "{\"c\":3}");
    EXPECT_EQ(c.records[1].offset, 2 * record);
    ASSERT_TRUE(c.corruption) << i;
    EXPECT_NE(c.corruption->find("checksum"), std::string::npos);
    EXPECT_EQ(c.dropped_bytes, record);
  }
}

TEST(JournalTest, UnknownTypeIsCorruption) {
  std::string body;
  std::string bytes = EncodeRecord(static_cast<RecordType>(1), "{}");
  // Re-encode with type 99 and a correct checksum: only the type is wrong.
  std::string inner = bytes.substr(4);
  inner[4] = 99;
  uint32_t crc = Crc32c(inner);
  std::string rec(4, '\0');
  for (int i = 0; i < 4; ++i) rec[static_cast<size_t>(i)] = static_cast<char>(crc >> (8 * i));
  const JournalContents c = ParseJournal(rec + inner);
  EXPECT_TRUE(c.records.empty());
  ASSERT_TRUE(c.corruption);
  EXPECT_NE(c.corruption->find("type 99"), std::string::npos);
}

TEST(JournalTest, RandomGarbageNeverCrashes) {
  std::mt19937 rng(3);
  for (int i = 0; i < 2000; ++i) {
    std::string s(rng() % 200, '\0');
    for (char& c : s) c = static_cast<char>(rng());
    const JournalContents c = ParseJournal(s);
    EXPECT_EQ(c.valid_bytes + c.torn_tail_bytes + c.dropped_bytes, s.size());
    EXPECT_EQ(c.corruption.has_value(), !c.damage.empty());
  }
}

TEST(JournalTest, PowerCutKeepsOnlySyncedRecords) {
  TempDir dir;
  scribed::testing::FaultFileSystem ffs;
  const fs::path path = dir.path() / "j";
  {
    JournalWriter w(ffs.OpenAppend(path), 0);
    w.Append(RecordType::kJobSubmitted, "{\"n\":1}");
    w.Append(RecordType::kJobSubmitted, "{\"n\":2}");
  }
  {
    // Bytes written without the writer's sync, as if the crash came between
    // write() and fdatasync().
    auto raw = ffs.OpenAppend(path);
    raw->Append(EncodeRecord(RecordType::kJobSubmitted, "{\"n\":3}"));
  }
  EXPECT_EQ(ParseJournal(*ffs.ReadAll(path)).records.size(), 3u);
  ffs.DropUnsyncedData();
  const JournalContents c = ParseJournal(*ffs.ReadAll(path));
  ASSERT_EQ(c.records.size(), 2u);
  EXPECT_EQ(c.records[1].payload, "{\"n\":2}");
}

TEST(JobStoreTest, AcknowledgedJobsSurviveAPowerCut) {
  TempDir dir;
  scribed::testing::FaultFileSystem ffs;
  std::string id;
  {
    JobStore store(ffs, dir.path());
    id = store.Submit("/audio/a.wav", {{"lang", "auto"}}, 1000).id;
    store.Submit("/audio/b.wav", json::object(), 2000);
  }
  ffs.DropUnsyncedData();
  JobStore store(ffs, dir.path());
  const auto jobs = store.List();
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs[0].id, id);
  EXPECT_EQ(jobs[0].path, "/audio/a.wav");
  EXPECT_EQ(jobs[0].options["lang"], "auto");
  EXPECT_EQ(jobs[1].state, JobState::kQueued);
  EXPECT_EQ(store.recovery().resumed_jobs, 2u);
  // New ids continue after the recovered ones.
  EXPECT_EQ(store.Submit("/audio/c.wav", json::object(), 3000).id, "j-3");
}

TEST(JobStoreTest, SubmitAnnouncesBeforeAWorkerSeesTheJob) {
  TempDir dir;
  testing::FaultFileSystem ffs;
  JobStore store(ffs, dir.path());
  std::atomic<bool> announced{false};
  std::optional<Job> taken;
  std::thread worker([&] {
    taken = store.WaitNext();
    // The announcement (job.queued) must be complete before the job runs.
    EXPECT_TRUE(announced.load());
  });
  // Give the worker time to block in WaitNext, so it would win a race if
  // the store let it see the job before the announcement finished.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const Job job = store.Submit("/a.wav", json::object(), 1, [&](const Job& j) {
    EXPECT_EQ(j.state, JobState::kQueued);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    announced = true;
  });
  EXPECT_EQ(job.id, "j-1");
  worker.join();
  ASSERT_TRUE(taken);
  EXPECT_EQ(taken->id, "j-1");
}

TEST(JobStoreTest, InterruptedJobResumesFromLastClip) {
  TempDir dir;
  scribed::testing::FaultFileSystem ffs;
  {
    JobStore store(ffs, dir.path());
    store.Submit("/a.wav", json::object(), 1);
    auto job = store.WaitNext();
    ASSERT_TRUE(job);
    store.RecordClip(job->id, 48000, json::array({{{"text", "one"}}}));
    store.RecordClip(job->id, 96000, json::array({{{"text", "two"}}}));
    // The process dies here.
  }
  ffs.DropUnsyncedData();
  JobStore store(ffs, dir.path());
  auto job = store.WaitNext();
  ASSERT_TRUE(job);
  EXPECT_EQ(job->next_sample, 96000);
  ASSERT_EQ(job->clips.size(), 2u);
  EXPECT_EQ(job->clips[1]["segments"][0]["text"], "two");
  store.Finish(job->id, {{"txt", "/r/a.txt"}}, 6000);
  EXPECT_EQ(store.Get(job->id)->state, JobState::kDone);
}

TEST(JobStoreTest, TornTailIsDroppedAndAppendsContinue) {
  TempDir dir;
  base::PosixFileSystem pfs;
  {
    JobStore store(pfs, dir.path());
    store.Submit("/a.wav", json::object(), 1);
  }
  {
    std::ofstream out(dir.path() / "jobs.journal", std::ios::app | std::ios::binary);
    const std::string rec =
        EncodeRecord(RecordType::kJobSubmitted, R"({"job":"j-2","path":"/b.wav"})");
    out << rec.substr(0, rec.size() - 3);
  }
  {
    JobStore store(pfs, dir.path());
    EXPECT_GT(store.recovery().torn_tail_bytes, 0u);
    EXPECT_FALSE(store.recovery().corruption);
    EXPECT_EQ(store.List().size(), 1u);
    store.Submit("/c.wav", json::object(), 3);
  }
  JobStore store(pfs, dir.path());
  EXPECT_EQ(store.recovery().torn_tail_bytes, 0u);
  ASSERT_EQ(store.List().size(), 2u);
  EXPECT_EQ(store.List()[1].path, "/c.wav");
}

TEST(JobStoreTest, CorruptJournalIsKeptAside) {
  TempDir dir;
  base::PosixFileSystem pfs;
  {
    JobStore store(pfs, dir.path());
    store.Submit("/a.wav", json::object(), 1);
    store.Submit("/b.wav", json::object(), 2);
  }
  std::string bytes = *pfs.ReadAll(dir.path() / "jobs.journal");
  bytes[bytes.size() - 2] ^= 1;  // inside the second record's payload
  base::WriteFileAtomically(pfs, dir.path() / "jobs.journal", bytes);
  JobStore store(pfs, dir.path());
  ASSERT_TRUE(store.recovery().corruption);
  EXPECT_EQ(store.List().size(), 1u);
  EXPECT_EQ(*pfs.ReadAll(dir.path() / "jobs.journal.corrupt"), bytes);
}

TEST(JobStoreTest, CancelQueuedAndRunning) {
  TempDir dir;
  base::PosixFileSystem pfs;
  JobStore store(pfs, dir.path());
  const std::string a = store.Submit("/a.wav", json::object(), 1).id;
  const std::string b = store.Submit("/b.wav", json::object(), 2).id;
  auto running = store.WaitNext();
  ASSERT_EQ(running->id, a);
  auto flag = store.CancelFlag(a);
  EXPECT_EQ(store.Cancel(b), JobState::kQueued);
  EXPECT_EQ(store.Get(b)->state, JobState::kCancelled);
  EXPECT_EQ(store.Cancel(a), JobState::kRunning);
  EXPECT_TRUE(flag->load());
  store.MarkCancelled(a);
  EXPECT_EQ(store.Cancel("j-99"), std::nullopt);
  EXPECT_EQ(store.Cancel("nonsense"), std::nullopt);
  store.Interrupt();
  EXPECT_FALSE(store.WaitNext());
}

}  // namespace
}  // namespace scribed::daemon
