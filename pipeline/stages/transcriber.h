// Speech to text with the model card's ASR (or speech translation) prompt:
// instruction first, audio after it, thinking off. The text before the audio
// is a cached prefix shared by every clip.
//
// A clip can be given whole (Transcribe) or as it is recorded: Begin opens
// the audio span after the prefix, Feed prefills whole frames, Decode closes
// the span (the partial last frame zero-padded) and generates. Reopen goes
// back into the open span after a Decode or a language probe, so more audio
// can follow (a draft) and the segment can still end differently.
#pragma once

#include <memory>
#include <span>
#include <string>

#include "pipeline/stages/guards.h"
#include "pipeline/stages/language_id.h"
#include "pipeline/stages/prefix_session.h"

namespace scribed::pipeline::stages {

// Thread-compatible.
class Transcriber {
 public:
  Transcriber(std::shared_ptr<const engine::Model> model, const std::string& instruction,
              double max_tokens_per_second, int max_tokens_base, int threads);

  // Transcribes a clip of at most kMaxClipSamples samples.
  GuardedText Transcribe(std::span<const float> clip, const engine::SamplingParams& sampling,
                         const GuardOptions& guards, const std::atomic<bool>* cancel);

  // A new segment at the prefix (nothing is evaluated until Feed or Decode).
  void Begin();
  // Prefills whole frames (a multiple of 640 samples) after those fed so far.
  void Feed(std::span<const float> frames);
  // Closes the span with `tail` (< 640 samples) and the rest of the prompt,
  // then generates under the guards; `clip_samples` sets the token budget
  // unless `max_tokens` is positive. Sets prefill_ms and decode_ms.
  GuardedText Decode(std::span<const float> tail, int64_t clip_samples,
                     const engine::SamplingParams& sampling, const GuardOptions& guards,
                     const std::atomic<bool>* cancel, int max_tokens = 0);
  // Asks which language is spoken after the audio (closed with `tail`) and
  // scores every candidate.
  LanguageScores ProbeLanguage(std::span<const float> tail);
  // Back to the open span holding exactly `frames` (the frames fed since
  // Begin): a rewind, or when the ring cannot rewind that far, a new prefill.
  void Reopen(std::span<const float> frames);
  // Keeps only the first `frames.size() / 640` rows fed (a segment that ends
  // before the audio fed so far); `frames` are those rows' samples.
  void Truncate(std::span<const float> frames) { Reopen(frames); }

  int MaxTokens(int64_t samples) const noexcept;
  const PrefixSession& session() const noexcept { return *session_; }

 private:
  void EnsureOpen();

  std::shared_ptr<const engine::Model> model_;
  double per_second_;
  int base_;
  std::string suffix_;
  std::string language_suffix_;  // the language question and the rest of the prompt
  std::unique_ptr<PrefixSession> session_;
  std::unique_ptr<LanguageIdentifier> languages_;  // built on the first probe
  bool begun_ = false;  // <|audio> is in the session
};

}  // namespace scribed::pipeline::stages
