// Where the pipeline delivers results as they become final, so a CLI can draw
// progress and a daemon can publish events. Callbacks run on the thread that
// calls Pipeline::Process / Pipeline::Advance.
#pragma once

#include <cstdint>

#include "scribed/pipeline/transcript.h"

namespace scribed::pipeline {

struct Progress {
  int64_t done_ms = 0;        // audio consumed so far
  double elapsed_s = 0;       // wall time since the pipeline started
  double real_time_factor = 0;  // elapsed / audio done (0 before any audio)
};

// Implementations decide their own thread-safety; the pipeline calls one
// sink from one thread.
class ResultSink {
 public:
  virtual ~ResultSink() = default;
  // A segment is final (transcribed, formatted and translated).
  virtual void OnSegment(const Segment& segment) = 0;
  virtual void OnProgress(const Progress& /*progress*/) {}
};

}  // namespace scribed::pipeline
