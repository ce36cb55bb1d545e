// `scribe bench live`: a recording replayed through the live path
// (transcription::LiveStream, as a daemon session runs it) at the pace it was
// spoken, or faster, measuring the latency of every final segment and whether
// inference kept up.
#pragma once

#include <cstdio>
#include <filesystem>
#include <memory>

#include "scribed/engine/engine.h"
#include "scribed/pipeline/pipeline.h"

namespace scribed::cli {

struct LiveBenchOptions {
  std::filesystem::path audio;
  double speed = 1.0;       // 2: twice as fast as spoken
  int chunk_ms = 20;        // capture period
  double queue_s = 120;     // the live queue's bound (capture_queue_s)
  bool stream_prefill = true;  // false: each utterance read when it ends
  int partial_every_ms = 1000;
};

// Prints one line per segment, then the summary ending in one line:
//   segments=<n> latency_p50_ms=<> latency_p90_ms=<> latency_max_ms=<> busy=<>
//   wall_over_audio=<> dropped_ms=<> partials=<> kept_up=<0|1>
// busy: inference time / audio time. Returns true when it kept up (no audio
// dropped, busy <= 1).
bool RunLiveBench(const std::shared_ptr<const engine::Model>& model,
                  const pipeline::PipelineOptions& pipeline_options, const LiveBenchOptions& options,
                  std::FILE* out);

}  // namespace scribed::cli
