// The no-loss queue of file jobs, kept in a journal in the state directory.
//
// Every state change is appended to <state>/jobs.journal and synced before
// the call returns, so a job whose submission was acknowledged survives a
// crash, and a job interrupted mid-way resumes from its last completed clip.
// Opening the store recovers the journal (tolerating a torn last record),
// keeps a copy of a damaged one as jobs.journal.corrupt, and rewrites it
// compacted (temp + sync + rename).
//
// Thread-safe. Errors of the file system throw std::system_error.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "scribed/base/file_system.h"
#include "daemon/jobs/journal.h"

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
  std::optional<std::string> corruption;
  size_t resumed_jobs = 0;  // queued or interrupted jobs waiting to run
};

class JobStore {
 public:
  // Recovers `<state_dir>/jobs.journal` through `fs`, which must outlive the
  // store. Throws std::system_error on I/O failure.
  JobStore(base::FileSystem& fs, std::filesystem::path state_dir);
  JobStore(const JobStore&) = delete;
  JobStore& operator=(const JobStore&) = delete;

  const RecoveryReport& recovery() const noexcept { return recovery_; }
  const std::filesystem::path& state_dir() const noexcept { return dir_; }

  // Journals a new job and returns it once the record is durable.
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
  void Finish(const std::string& id, const nlohmann::json& outputs, int64_t duration_ms);
  void Fail(const std::string& id, const std::string& error);
  // A running job stopped by shutdown goes back to the queue (its clips kept).
  void Requeue(const std::string& id);
  // Cancels a queued or running job: queued ones at once, running ones by
  // raising their cancel flag (the worker then calls MarkCancelled). Returns
  // the state before, or nullopt for an unknown id.
  std::optional<JobState> Cancel(const std::string& id);
  void MarkCancelled(const std::string& id);
  // The flag the worker passes to the pipeline for a running job.
  std::shared_ptr<std::atomic<bool>> CancelFlag(const std::string& id);

  std::optional<Job> Get(const std::string& id) const;
  std::vector<Job> List() const;
  size_t QueuedCount() const;

 private:
  void Apply(const JournalRecord& record);  // replay one record (mutex held or in ctor)
  void Append(journal::RecordType type, const nlohmann::json& payload);  // mutex held
  void Compact(const std::string& original, const JournalContents& contents);
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
};

}  // namespace scribed::daemon
