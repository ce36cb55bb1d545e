// Speech to text for one clip at a time with the model card's ASR (or speech
// translation) prompt: instruction first, audio after it, thinking off. The
// text before the audio is a cached prefix shared by every clip.
#pragma once

#include <memory>
#include <span>
#include <string>

#include "pipeline/stages/guards.h"
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

  int MaxTokens(int64_t samples) const noexcept;
  const PrefixSession& session() const noexcept { return *session_; }

 private:
  std::shared_ptr<const engine::Model> model_;
  double per_second_;
  int base_;
  std::string suffix_;
  std::unique_ptr<PrefixSession> session_;
};

}  // namespace scribed::pipeline::stages
