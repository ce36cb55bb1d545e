// Where a batch stands, read from its output root alone: every input of the
// latest run with its state, outputs and error, and the totals a dashboard
// needs.
//
// Thread-safe (reads only).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "scribed/base/json.h"
#include "scribed/batch/result_store.h"

namespace scribed::batch {

struct InputStatus {
  std::string path;
  std::string sha256;  // empty until a worker has read the file
  std::string state;   // "done", "failed", "running" or "pending"
  std::map<std::string, std::string> outputs;  // format -> path (when done)
  std::string error;                           // when failed
  int64_t duration_ms = 0;                     // when done
};

struct BatchStatus {
  int done = 0, failed = 0, running = 0, pending = 0;
  double audio_s = 0;       // of the done inputs, copies counted once
  double processing_s = 0;  // spent on them
  std::vector<InputStatus> inputs;

  // {"done","failed","running","pending","audio_hours","processing_hours",
  //  "real_time_factor","inputs":[{"path","sha256","state","outputs","error"}]}
  nlohmann::json Json() const;
};

BatchStatus ReadStatus(const ResultStore& store, std::chrono::seconds lease);

}  // namespace scribed::batch
