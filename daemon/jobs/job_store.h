// The no-loss queue of file jobs, kept in a journal in the state directory.
//
// Every state change is appended to <state>/jobs.journal and synced before
// the call returns, so a job whose submission was acknowledged survives a
// crash, and a job interrupted mid-way resumes from its last completed clip.
// Opening the store recovers the journal (tolerating a torn last record,
// reading past damage), keeps a copy of a damaged one as
// jobs.journal.corrupt, and rewrites it compacted (temp + sync + rename).
// The next job number is kept in <state>/jobs.next-id, written before a job
// is acknowledged, so no job number is ever handed out twice - whatever
// happens to the journal.
//
// Thread-safe. Errors of the file system throw std::system_error (Submit:
// std::runtime_error naming what was not accepted).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "scribed/base/file_system.h"
#include "daemon/jobs/journal.h"
#include "scribed/base/json.h"

namespace scribed::daemon {

enum class JobState { kQueued, kRunning, kDone, kFailed, kCancelled };
const char* JobStateName(JobState state) noexcept;

struct Job {
  std::string id;  // "j-<n>"
  std::string path;
  nlohmann::json options = nlohmann::json::object();
  int64_t submitted_ms = 0;
  JobState state = JobState::kQueued;
  // Resume point: the stream sample after the last completed clip, and the
  // clips completed so far (each {next_sample, segments}).
  int64_t next_sample = 0;
  std::vector<nlohmann::json> clips;
  nlohmann::json outputs = nlohmann::json::object();  // when done: format -> path
  int64_t duration_ms = 0;
  std::string error;  // when failed
};

struct RecoveryReport {
  size_t records = 0;
  uint64_t torn_tail_bytes = 0;
  // The journal was damaged (bytes dropped, or a record that did not make
  // sense skipped): what, and where the original is kept.
  std::optional<std::string> corruption;
  std::filesystem::path corrupt_copy;
  // jobs.next-id was unreadable (job numbers then continue after the highest
  // one the journal names).
  std::optional<std::string> counter_problem;
  // The journal could not be rewritten (a full disk); appends continue after
  // its intact records.
  std::optional<std::string> not_compacted;
  size_t resumed_jobs = 0;  // queued or interrupted jobs waiting to run
};

class JobStore {
 public:
  // Recovers `<state_dir>/jobs.journal` through `fs`, which must outlive the
  // store. Throws std::system_error on I/O failure.
  JobStore(base::FileSystem& fs, std::filesystem::path state_dir);
  // Writes the end records that could not be written when they happened.
  ~JobStore();
  JobStore(const JobStore&) = delete;
  JobStore& operator=(const JobStore&) = delete;

  const RecoveryReport& recovery() const noexcept { return recovery_; }
  const std::filesystem::path& state_dir() const noexcept { return dir_; }

  // Journals a new job and returns it once the record is durable; throws
  // (std::runtime_error) without acknowledging anything when it cannot be.
  // `announce` runs with the store locked, after the record is durable and
  // before any worker can see the job: publishing job.queued there orders it
  // before the job's job.started.
  Job Submit(const std::string& path, const nlohmann::json& options, int64_t now_ms,
             const std::function<void(const Job&)>& announce = {});

  // Blocks until a queued job exists (returned, now kRunning) or Interrupt()
  // was called (nullopt). Jobs run in submission order. Interrupt does not
  // cancel a running job: its worker decides where to stop.
  std::optional<Job> WaitNext();
  void Interrupt();

  // A clip of a running job is complete; `next_sample` is where to resume,
  // `segments` what it produced, `skipped` how many silent clips it skipped.
  void RecordClip(const std::string& id, int64_t next_sample, const nlohmann::json& segments,
                  int skipped = 0);
  // Throws, leaving the job running, when the record cannot be written.
  void Finish(const std::string& id, const nlohmann::json& outputs, int64_t duration_ms);
  // The job is failed at once, even when its record cannot be written (a
  // full disk): then the record is kept and written before the next one that
  // is appended, or at the next start the job runs again. Returns whether the
  // record is durable now.
  bool Fail(const std::string& id, const std::string& error);
  // A running job stopped by shutdown goes back to the queue (its clips kept).
  void Requeue(const std::string& id);
  // Cancels a queued or running job: queued ones at once, running ones by
  // raising their cancel flag (the worker then calls MarkCancelled). Returns
  // the state before, or nullopt for an unknown id.
  std::optional<JobState> Cancel(const std::string& id);
  // Like Fail: the job is cancelled even when its record cannot be written.
  bool MarkCancelled(const std::string& id);
  // The flag the worker passes to the pipeline for a running job.
  std::shared_ptr<std::atomic<bool>> CancelFlag(const std::string& id);

  std::optional<Job> Get(const std::string& id) const;
  std::vector<Job> List() const;
  size_t QueuedCount() const;
  // End records not yet journaled (see Fail).
  size_t UnjournaledCount() const;

 private:
  // Replays one record (mutex held or in ctor); throws for one that does not
  // make sense.
  void Apply(journal::RecordType type, const nlohmann::json& payload);
  // Writes what is unjournaled, then one record, then applies it (mutex held).
  void Append(journal::RecordType type, const nlohmann::json& payload);
  void WriteUnjournaled();  // mutex held
  // Applies an end record at once and journals it now or later (mutex held).
  bool EndJob(const std::string& id, journal::RecordType type, const nlohmann::json& payload);
  void Recover();
  void Compact(const std::string& original, const JournalContents& contents, bool damaged);
  void KeepCorruptCopy(const std::string& original);
  std::optional<int64_t> ReadCounter();
  void WriteCounter(int64_t next);
  void RemoveStaleTemporaries();
  Job& Find(const std::string& id);  // throws std::out_of_range

  base::FileSystem& fs_;
  const std::filesystem::path dir_;
  RecoveryReport recovery_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::unique_ptr<JournalWriter> writer_;                             // guarded by mu_
  std::map<int64_t, Job> jobs_;                                       // by number; guarded by mu_
  std::map<std::string, std::shared_ptr<std::atomic<bool>>> cancel_;  // guarded by mu_
  int64_t next_number_ = 1;                                           // guarded by mu_
  bool interrupted_ = false;                                          // guarded by mu_
  // End records applied but not yet written, in order.
  std::vector<std::pair<journal::RecordType, nlohmann::json>> unjournaled_;  // guarded by mu_
};

}  // namespace scribed::daemon
