// Guards against the known failure modes of speech LLMs: text invented for
// silence, repetition loops, runaway output and leaked thought blocks.
#pragma once

#include <atomic>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "scribed/engine/engine.h"
#include "scribed/pipeline/pipeline.h"

namespace scribed::pipeline::stages {

// True when fewer than options.min_active_ms of the clip's 20 ms frames have
// an RMS of at least options.active_frame_dbfs. Pure; Thread-safe.
bool IsSilent(std::span<const float> samples, const GuardOptions& options) noexcept;

// Watches a token stream for a cycle of period p <= max_period that has
// repeated min_repeats times and covers at least min_tokens tokens, in O(max_period)
// per token. Thread-compatible.
class RepetitionDetector {
 public:
  RepetitionDetector(int max_period, int min_repeats, int min_tokens);

  // Adds the next token; true once a loop is detected (and from then on).
  bool Push(int32_t token);
  bool fired() const noexcept { return fired_; }
  // Tokens to keep when fired: everything before the loop plus one cycle.
  size_t keep() const noexcept { return keep_; }
  int period() const noexcept { return period_; }

 private:
  int max_period_, min_repeats_, min_tokens_;
  std::vector<int32_t> tokens_;
  std::vector<int64_t> run_;  // run_[p]: consecutive i with tokens_[i] == tokens_[i - p]
  bool fired_ = false;
  size_t keep_ = 0;
  int period_ = 0;
};

struct GuardedText {
  std::string text;  // thought blocks removed, trimmed
  int tokens = 0;    // tokens kept
  bool repetition = false;
  bool truncated = false;
  bool thought = false;
  bool aborted = false;
  double prefill_ms = 0;  // evaluating the prompt's rest before generation (set by the caller)
  double decode_ms = 0;   // generation
};

// Generates from the session's current logits under the guards: stops and
// cuts a repetition loop, stops at `max_tokens` (truncated) and on `cancel`.
GuardedText GenerateGuarded(engine::Session& session, const engine::Model& model, int max_tokens,
                            const engine::SamplingParams& sampling, const GuardOptions& guards,
                            const std::atomic<bool>* cancel);

}  // namespace scribed::pipeline::stages
