// The job worker: takes file jobs from the JobStore in order and runs them
// through audio::FileSource -> transcription::StreamTranscriber,
// journaling every completed clip, publishing job.* and segment.* events,
// and writing results atomically before job.done.
//
// A job interrupted by a crash resumes from its last journaled clip: the
// file is segmented again (deterministic), clips already done are skipped,
// and the journaled segments are joined with the new ones, so the result
// equals an uninterrupted run.
//
// Thread-safe (Stop from any thread). Owns one thread.
#pragma once

#include <atomic>
#include <filesystem>
#include <string>
#include <thread>

#include "scribed/base/file_system.h"
#include "daemon/jobs/job_store.h"
#include "daemon/workers/model_context.h"
#include "daemon/zmq/publisher.h"

namespace scribed::daemon {

class JobRunner {
 public:
  // `store`, `publisher` and `fs` must outlive the runner. Results go to
  // `results_dir`/<job>/<name>.<ext>.
  JobRunner(JobStore& store, Publisher& publisher, base::FileSystem& fs, ModelContext model,
            std::filesystem::path results_dir);
  ~JobRunner();  // Stop()
  JobRunner(const JobRunner&) = delete;
  JobRunner& operator=(const JobRunner&) = delete;

  // Lets the current clip finish, leaves the job journaled for the next
  // start, and joins the thread. Idempotent.
  void Stop();

 private:
  void Run();
  void RunJob(const Job& job);
  void RemoveResults(const std::string& id);  // results_dir_/id, logging failures

  JobStore& store_;
  Publisher& publisher_;
  base::FileSystem& fs_;
  ModelContext model_;
  std::filesystem::path results_dir_;
  std::atomic<bool> stop_{false};
  std::thread thread_;  // the job worker thread
};

}  // namespace scribed::daemon
