// The journal's guarantees under failing writes and damaged bytes
// (docs/journal-format.md, "Guarantees"): a job's whole life with a write
// failing at every step in turn, and a multi-job journal damaged at every
// byte, by a flipped bit and by truncation.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/jobs/job_store.h"
#include "daemon/jobs/journal.h"
#include "tests/support/fault_file_system.h"
#include "tests/support/temp_dir.h"

namespace scribed::daemon {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using scribed::testing::Fault;
using scribed::testing::FaultFileSystem;
using scribed::testing::TempDir;

bool Succeeds(const std::function<void()>& step) {
  try {
    step();
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

int64_t Number(const std::string& id) { return std::stoll(id.substr(2)); }

// What the store acknowledged: calls that returned without an error.
struct Acknowledged {
  std::map<std::string, std::string> paths;   // every job id handed out, with its file
  std::map<std::string, JobState> ends;       // durably ended jobs
  std::map<std::string, size_t> clips;        // durable clips of each job
  std::optional<std::string> damage;          // what a restart found wrong, if anything
};

// The next queued job, without blocking when there is none.
std::optional<Job> TakeNext(JobStore& store) {
  for (const Job& job : store.List()) {
    if (job.state == JobState::kQueued) return store.WaitNext();
  }
  return std::nullopt;
}

// Opens the store; a failed open is retried once, as a restarted daemon would.
std::unique_ptr<JobStore> Open(base::FileSystem& fs, const fs::path& dir, Acknowledged& ack) {
  for (int attempt = 0;; ++attempt) {
    try {
      auto store = std::make_unique<JobStore>(fs, dir);
      const RecoveryReport& r = store->recovery();
      if (r.corruption) ack.damage = *r.corruption;
      if (r.torn_tail_bytes) ack.damage = "torn tail";
      return store;
    } catch (const std::exception&) {
      if (attempt == 1) throw;
    }
  }
}

// Submits, runs clips, finishes, fails and cancels jobs, restarting in the
// middle, and records what was acknowledged.
void LiveAJobsLife(FaultFileSystem& ffs, const fs::path& dir, Acknowledged& ack) {
  auto store = Open(ffs, dir, ack);
  auto submit = [&](const std::string& path) {
    Succeeds([&] { ack.paths[store->Submit(path, {{"lang", "de"}}, 1).id] = path; });
  };
  auto clip = [&](const std::string& id, int64_t next_sample) {
    const json segments = json::array({{{"text", "clip " + std::to_string(next_sample)}}});
    if (Succeeds([&] { store->RecordClip(id, next_sample, segments); })) ++ack.clips[id];
  };
  submit("/audio/a.wav");
  submit("/audio/b.wav");
  submit("/audio/c.wav");
  if (auto job = TakeNext(*store)) {
    clip(job->id, 48000);
    clip(job->id, 96000);
    if (Succeeds([&] { store->Finish(job->id, {{"txt", "/r/a.txt"}}, 6000); })) {
      ack.ends[job->id] = JobState::kDone;
    }
  }
  if (auto job = TakeNext(*store)) {
    clip(job->id, 48000);
    if (store->Fail(job->id, "the file is unreadable")) ack.ends[job->id] = JobState::kFailed;
    // Failed at once, journaled or not: nobody waits for it forever.
    EXPECT_EQ(store->Get(job->id)->state, JobState::kFailed);
  }
  if (auto job = TakeNext(*store)) {
    std::optional<JobState> before;
    if (Succeeds([&] { before = store->Cancel(job->id); })) {
      EXPECT_EQ(before, JobState::kRunning);
      if (store->MarkCancelled(job->id)) ack.ends[job->id] = JobState::kCancelled;
      EXPECT_EQ(store->Get(job->id)->state, JobState::kCancelled);
    }
  }
  store.reset();
  store = Open(ffs, dir, ack);  // the restart compacts the journal
  submit("/audio/d.wav");
  for (const Job& job : store->List()) {
    if (job.state == JobState::kQueued &&
        Succeeds([&] { EXPECT_EQ(store->Cancel(job.id), JobState::kQueued); })) {
      ack.ends[job.id] = JobState::kCancelled;
    }
  }
}

// After a power cut: every acknowledged job and end is there, the failed
// writes left no damage, and the next job number is new.
void CheckAfterRestart(FaultFileSystem& ffs, const fs::path& dir, const Acknowledged& ack,
                       const std::string& what) {
  SCOPED_TRACE(what);
  ffs.DropUnsyncedData();
  ffs.ClearFaults();
  JobStore store(ffs, dir);
  // A failed write leaves nothing behind that a later start would trip over.
  EXPECT_FALSE(ack.damage) << *ack.damage;
  EXPECT_FALSE(store.recovery().corruption) << *store.recovery().corruption;
  EXPECT_EQ(store.recovery().torn_tail_bytes, 0u);
  for (const auto& [id, path] : ack.paths) {
    const std::optional<Job> job = store.Get(id);
    ASSERT_TRUE(job) << id << " was acknowledged and is lost";
    EXPECT_EQ(job->path, path);
    if (auto end = ack.ends.find(id); end != ack.ends.end()) {
      EXPECT_EQ(JobStateName(job->state), JobStateName(end->second)) << id;
    } else if (job->state == JobState::kQueued) {
      auto clips = ack.clips.find(id);
      EXPECT_GE(job->clips.size(), clips == ack.clips.end() ? 0 : clips->second) << id;
    }
  }
  const std::string fresh = store.Submit("/audio/e.wav", json::object(), 2).id;
  for (const auto& [id, path] : ack.paths) EXPECT_GT(Number(fresh), Number(id)) << id;
}

// A job's life in a fresh folder, with write operations `failing` (numbered
// from 1) failing by `fault`, then the check after a power cut. Returns how
// many write operations the life made, and what it acknowledged in `ack`.
uint64_t LiveAndRestart(Acknowledged& ack, const std::vector<uint64_t>& failing = {},
                        Fault fault = Fault::kNoSpace) {
  TempDir dir("life");
  FaultFileSystem ffs;
  std::string what = "fault " + std::to_string(static_cast<int>(fault)) + " at writes";
  for (uint64_t n : failing) {
    ffs.FailOperation(n, fault);
    what.append(" ").append(std::to_string(n));
  }
  LiveAJobsLife(ffs, dir.path(), ack);
  const uint64_t operations = ffs.write_operations();
  CheckAfterRestart(ffs, dir.path(), ack, failing.empty() ? "no fault" : what);
  return operations;
}

constexpr Fault kWriteFaults[] = {Fault::kNoSpace, Fault::kShortWrite, Fault::kSyncError};

TEST(JournalFaultTest, AWriteFailingAtEveryStepLosesNothingAcknowledged) {
  Acknowledged unfaulted;
  const uint64_t operations = LiveAndRestart(unfaulted);
  EXPECT_EQ(unfaulted.paths.size(), 4u);
  EXPECT_EQ(unfaulted.ends.size(), 4u);
  ASSERT_GT(operations, 30u);
  for (Fault fault : kWriteFaults) {
    for (uint64_t n = 1; n <= operations; ++n) {
      Acknowledged ack;
      LiveAndRestart(ack, {n}, fault);
      if (HasFailure()) return;  // one broken case tells enough
    }
  }
}

// A second failure soon after the first: while the journal is being cut
// back, or on the first appends after a restart that could not compact.
TEST(JournalFaultTest, TwoFailingWritesLoseNothingAcknowledgedEither) {
  Acknowledged unfaulted;
  const uint64_t operations = LiveAndRestart(unfaulted);
  for (Fault fault : kWriteFaults) {
    for (uint64_t n = 1; n <= operations; ++n) {
      for (uint64_t gap : {1, 2, 6, 7}) {
        Acknowledged ack;
        LiveAndRestart(ack, {n, n + gap}, fault);
        if (HasFailure()) return;
      }
    }
  }
}

TEST(JournalFaultTest, AFullDiskRejectsJobsAndAppendsWorkOnceSpaceReturns) {
  TempDir dir("full");
  FaultFileSystem ffs;
  std::string failed, fresh;
  {
    JobStore store(ffs, dir.path());
    const std::string first = store.Submit("/audio/a.wav", json::object(), 1).id;
    ASSERT_TRUE(store.WaitNext());
    ffs.SetDiskFull(true);
    try {
      store.Submit("/audio/b.wav", json::object(), 2);
      FAIL() << "a job was acknowledged on a full disk";
    } catch (const std::exception& e) {
      EXPECT_NE(std::string(e.what()).find("job not accepted"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("No space left on device"), std::string::npos)
          << e.what();
    }
    EXPECT_THROW(store.RecordClip(first, 48000, json::array()), std::system_error);
    // The job cannot be journaled as failed, yet it is over.
    EXPECT_FALSE(store.Fail(first, "no space left"));
    EXPECT_EQ(store.Get(first)->state, JobState::kFailed);
    EXPECT_EQ(store.UnjournaledCount(), 1u);
    ffs.SetDiskFull(false);
    fresh = store.Submit("/audio/c.wav", json::object(), 3).id;
    EXPECT_EQ(store.UnjournaledCount(), 0u);
    failed = first;
  }
  ffs.DropUnsyncedData();
  JobStore store(ffs, dir.path());
  EXPECT_FALSE(store.recovery().corruption);
  EXPECT_EQ(store.recovery().torn_tail_bytes, 0u);
  EXPECT_EQ(store.Get(failed)->state, JobState::kFailed);
  ASSERT_TRUE(store.Get(fresh));
  EXPECT_EQ(store.Get(fresh)->path, "/audio/c.wav");
  EXPECT_EQ(store.List().size(), 2u);
  // The number of the rejected job is not handed out again either.
  EXPECT_GT(Number(store.Submit("/audio/d.wav", json::object(), 4).id), Number(fresh));
}

TEST(JournalFaultTest, RemovedJobsNumbersAreNotReused) {
  TempDir dir("removed");
  base::PosixFileSystem pfs;
  {
    JobStore store(pfs, dir.path());
    store.Submit("/audio/a.wav", json::object(), 1);
    store.Submit("/audio/b.wav", json::object(), 2);
  }
  // The last job's records removed, as if it had been deleted and compacted
  // away; only the counter remembers it.
  {
    std::string bytes = *pfs.ReadAll(dir.path() / "jobs.journal");
    const JournalContents c = ParseJournal(bytes);
    ASSERT_GE(c.records.size(), 2u);
    bytes.resize(c.records.back().offset);
    base::WriteFileAtomically(pfs, dir.path() / "jobs.journal", bytes);
  }
  JobStore store(pfs, dir.path());
  EXPECT_EQ(store.List().size(), 1u);
  EXPECT_EQ(store.Submit("/audio/c.wav", json::object(), 3).id, "j-3");
}

// A journal of several jobs in every state, as the daemon leaves it, in a
// folder of its own: the original that the damage tests spoil again and
// again, with the counter that was written beside it.
struct MultiJobJournal {
  explicit MultiJobJournal(std::string_view tag);
  TempDir dir;
  std::string original;  // jobs.journal
  std::string counter;   // jobs.next-id
  int64_t next = 0;      // the lowest job number not handed out yet
};

MultiJobJournal::MultiJobJournal(std::string_view tag) : dir(tag) {
  FaultFileSystem pfs;
  JobStore store(pfs, dir.path());
  const std::string a = store.Submit("/audio/a.wav", {{"lang", "de"}}, 1).id;
  const std::string b = store.Submit("/audio/b.wav", json::object(), 2).id;
  const std::string c = store.Submit("/audio/c.wav", json::object(), 3).id;
  store.WaitNext();
  store.RecordClip(a, 48000, json::array({{{"text", "one"}}}));
  store.RecordClip(a, 96000, json::array({{{"text", "two"}}}));
  store.Finish(a, {{"txt", "/r/a.txt"}}, 6000);
  store.WaitNext();
  store.RecordClip(b, 48000, json::array({{{"text", "three"}}}));
  store.Fail(b, "decoder error");
  store.Cancel(c);
  const std::string d = store.Submit("/audio/d.wav", json::object(), 4).id;
  store.WaitNext();
  store.RecordClip(d, 48000, json::array({{{"text", "four"}}}));
  next = Number(d) + 1;
  original = *pfs.ReadAll(dir / "jobs.journal");
  counter = *pfs.ReadAll(dir / "jobs.next-id");
}

using JobStates = std::map<std::string, std::pair<std::string, std::string>>;

// The jobs a store opened on `bytes` holds, by id: state name and path.
// Remembered, as the same few prefixes are asked for again and again.
const JobStates& JobsOf(const std::string& bytes) {
  static std::map<std::string, JobStates> known;
  if (auto it = known.find(bytes); it != known.end()) return it->second;
  TempDir dir("reference");
  FaultFileSystem pfs;
  base::WriteFileAtomically(pfs, dir / "jobs.journal", bytes);
  JobStore store(pfs, dir.path());
  JobStates& out = known[bytes];
  for (const Job& job : store.List()) out[job.id] = {JobStateName(job.state), job.path};
  return out;
}

bool Ended(const std::string& state) { return state != "queued" && state != "running"; }

// Opens a store on `damaged` (written over the journal of `sample`, whose
// counter is put back as it was) and checks the guarantee against the
// records that lie wholly before `damage_at`.
void CheckRecovery(const MultiJobJournal& sample, const std::string& damaged, uint64_t damage_at,
                   bool expect_copy, const std::string& what) {
  SCOPED_TRACE(what);
  const fs::path& dir = sample.dir.path();
  const std::string& original = sample.original;
  FaultFileSystem pfs;
  for (const char* stale : {"jobs.journal.corrupt", "jobs.journal.corrupt.2"}) {
    pfs.Remove(dir / stale);
  }
  base::WriteFileAtomically(pfs, dir / "jobs.next-id", sample.counter);
  base::WriteFileAtomically(pfs, dir / "jobs.journal", damaged);
  uint64_t prefix = 0;
  for (const JournalRecord& r : ParseJournal(original).records) {
    if (r.offset + journal::kHeaderBytes + r.payload.size() <= damage_at) {
      prefix = r.offset + journal::kHeaderBytes + r.payload.size();
    }
  }
  const JobStates& expected = JobsOf(original.substr(0, prefix));
  JobStore store(pfs, dir);
  // Every record before the damage is kept: each job it names, and each end.
  for (const auto& [id, state_path] : expected) {
    const std::optional<Job> job = store.Get(id);
    ASSERT_TRUE(job) << id;
    EXPECT_EQ(job->path, state_path.second) << id;
    if (Ended(state_path.first)) {
      EXPECT_EQ(JobStateName(job->state), state_path.first) << id;
    }
  }
  // A damaged journal is kept as it was.
  if (expect_copy) {
    ASSERT_TRUE(store.recovery().corruption);
    EXPECT_EQ(store.recovery().corrupt_copy, dir / "jobs.journal.corrupt");
    EXPECT_EQ(pfs.ReadAll(dir / "jobs.journal.corrupt"), damaged);
  } else {
    EXPECT_FALSE(store.recovery().corruption) << *store.recovery().corruption;
    EXPECT_FALSE(fs::exists(dir / "jobs.journal.corrupt"));
  }
  // No job number is handed out twice.
  EXPECT_GE(Number(store.Submit("/audio/new.wav", json::object(), 9).id), sample.next);
}

TEST(JournalDamageTest, AFlippedBitAtEveryByteKeepsEveryRecordBeforeIt) {
  const MultiJobJournal sample("flip");
  const std::string& original = sample.original;
  ASSERT_GT(original.size(), 500u);
  for (size_t i = 0; i < original.size(); ++i) {
    std::string damaged = original;
    damaged[i] = static_cast<char>(damaged[i] ^ (1 << (i % 8)));
    CheckRecovery(sample, damaged, i, true,
                  "bit " + std::to_string(i % 8) + " of byte " + std::to_string(i));
    if (HasFailure()) return;
  }
}

TEST(JournalDamageTest, TruncationAtEveryByteKeepsEveryRecordBeforeIt) {
  const MultiJobJournal sample("cut");
  for (size_t cut = 0; cut < sample.original.size(); ++cut) {
    // A cut is what a crash during an append leaves: a torn tail, no damage.
    CheckRecovery(sample, sample.original.substr(0, cut), cut, false,
                  "cut at byte " + std::to_string(cut));
    if (HasFailure()) return;
  }
}

TEST(JournalDamageTest, EveryRecordButTheDamagedOneIsRecovered) {
  const MultiJobJournal sample("resync");
  const std::string& original = sample.original;
  const JournalContents intact = ParseJournal(original);
  for (size_t i = 0; i < original.size(); ++i) {
    std::string damaged = original;
    damaged[i] = static_cast<char>(damaged[i] ^ (1 << (i % 8)));
    const JournalContents c = ParseJournal(damaged);
    ASSERT_TRUE(c.corruption) << i;
    EXPECT_EQ(c.torn_tail_bytes, 0u) << i;
    size_t kept = 0;
    for (const JournalRecord& r : intact.records) {
      const bool hit = i >= r.offset && i < r.offset + journal::kHeaderBytes + r.payload.size();
      bool found = false;
      for (const JournalRecord& got : c.records) {
        found |= got.offset == r.offset && got.payload == r.payload;
      }
      if (!hit) {
        EXPECT_TRUE(found) << "byte " << i << " lost the record at " << r.offset;
      }
      kept += found;
    }
    EXPECT_GE(kept + 1, intact.records.size()) << i;
  }
}

TEST(JournalDamageTest, ASecondDamageKeepsTheFirstCopy) {
  const MultiJobJournal sample("twice");
  const std::string& original = sample.original;
  const TempDir& dir = sample.dir;
  FaultFileSystem pfs;
  std::string first = original;
  first[20] ^= 0x10;
  base::WriteFileAtomically(pfs, dir / "jobs.journal", first);
  { JobStore store(pfs, dir.path()); }
  std::string second = *pfs.ReadAll(dir / "jobs.journal");
  second[second.size() - 3] ^= 0x10;
  base::WriteFileAtomically(pfs, dir / "jobs.journal", second);
  JobStore store(pfs, dir.path());
  EXPECT_EQ(store.recovery().corrupt_copy, dir / "jobs.journal.corrupt.2");
  EXPECT_EQ(pfs.ReadAll(dir / "jobs.journal.corrupt"), first);
  EXPECT_EQ(pfs.ReadAll(dir / "jobs.journal.corrupt.2"), second);
}

}  // namespace
}  // namespace scribed::daemon
