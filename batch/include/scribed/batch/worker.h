// One worker of a batch: transcribes the inputs of its shard that have no
// verified result yet, claiming each so concurrent workers do not duplicate
// work, and records what it saw in its index.
//
// Thread-compatible.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "scribed/batch/inputs.h"
#include "scribed/batch/result_store.h"
#include "scribed/batch/shard.h"

namespace scribed::batch {

// What transcribing one input produced.
struct Rendered {
  std::map<std::string, std::string> files;  // format -> content
  int64_t duration_ms = 0;
  bool complete = true;  // false: interrupted (nothing is recorded)
};

// Transcribes `input` into every requested format. Throws to report a
// failure of this input (recorded with the exception's message).
using TranscribeFn = std::function<Rendered(const Input& input)>;

struct WorkerOptions {
  Shard shard;
  std::vector<std::string> formats;  // every result must have these
  std::chrono::seconds lease{300};   // see scribed/batch/claim.h
  // How often to look again at inputs that another worker holds.
  std::chrono::milliseconds poll{1000};
  std::FILE* progress = nullptr;  // one line per input, when set
  const std::atomic<bool>* cancel = nullptr;
};

struct WorkerReport {
  int transcribed = 0;   // by this worker, now
  int already_done = 0;  // verified results found
  int failed = 0;        // recorded failures (now or earlier)
  bool interrupted = false;
  double audio_s = 0;       // audio this worker transcribed
  double processing_s = 0;  // time it took
};

// Runs the inputs of `options.shard` among `inputs` (all of the batch's, in
// the same order every worker uses). Returns when each has a verified result
// or a recorded failure, or when cancelled. Throws std::system_error when the
// output root cannot be written.
WorkerReport RunShard(const std::vector<Input>& inputs, ResultStore& store,
                      const WorkerOptions& options, const TranscribeFn& transcribe);

}  // namespace scribed::batch
