#include "pipeline/stages/transcriber.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "scribed/engine/prompt_text.h"
#include "scribed/pipeline/pipeline.h"

namespace scribed::pipeline::stages {

Transcriber::Transcriber(std::shared_ptr<const engine::Model> model, const std::string& instruction,
                         double max_tokens_per_second, int max_tokens_base, int threads)
    : model_(std::move(model)), per_second_(max_tokens_per_second), base_(max_tokens_base) {
  engine::PromptSpec spec;
  spec.instruction = instruction;
  spec.audio = engine::AudioPlacement::kAfterText;
  spec.empty_thought_block = true;
  const std::string rendered = engine::RenderPrompt(spec);
  const size_t media = rendered.find(engine::kMediaMarker);
  const std::string prefix = rendered.substr(0, media);
  suffix_ = rendered.substr(media + engine::kMediaMarker.size());

  engine::SessionOptions options;
  options.threads = threads;
  const int64_t needed = 1 + static_cast<int64_t>(model_->Tokenize(prefix).size()) + 2 +
                         engine::Model::AudioFrames(kMaxClipSamples) +
                         static_cast<int64_t>(model_->Tokenize(suffix_).size()) +
                         MaxTokens(kMaxClipSamples) + 8;
  options.n_ctx = std::min<int64_t>(model_->info().context_length, needed);
  session_ = std::make_unique<PrefixSession>(model_, options, prefix);
}

int Transcriber::MaxTokens(int64_t samples) const noexcept {
  const double seconds = static_cast<double>(samples) / engine::kAudioSampleRate;
  return base_ + static_cast<int>(std::ceil(per_second_ * seconds));
}

GuardedText Transcriber::Transcribe(std::span<const float> clip,
                                    const engine::SamplingParams& sampling,
                                    const GuardOptions& guards, const std::atomic<bool>* cancel) {
  session_->Start(engine::Prompt()
                      .Audio(std::vector<float>(clip.begin(), clip.end()))
                      .Text(suffix_));
  const int64_t left = session_->session().n_ctx() - session_->session().n_past();
  const int max_tokens =
      static_cast<int>(std::min<int64_t>(MaxTokens(static_cast<int64_t>(clip.size())), left));
  return GenerateGuarded(session_->session(), *model_, max_tokens, sampling, guards, cancel);
}

}  // namespace scribed::pipeline::stages
