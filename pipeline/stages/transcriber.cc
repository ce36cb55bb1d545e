#include "pipeline/stages/transcriber.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <vector>

#include "pipeline/prompts/task_prompts.h"
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
  language_suffix_ = prompts::LanguageQuestion() + suffix_;

  engine::SessionOptions options;
  // Half-precision keys and values: half the memory (GBs at 12B) for logit
  // changes of a few 1e-3, the trade the reference implementation makes by default.
  options.kv_type = engine::KvCacheType::kF16;
  options.threads = threads;
  // The answer, or the language question and the longest candidate, follows the audio.
  const int64_t after_audio =
      std::max<int64_t>(static_cast<int64_t>(model_->Tokenize(suffix_).size()) +
                            MaxTokens(kMaxClipSamples),
                        static_cast<int64_t>(model_->Tokenize(language_suffix_).size()) + 16);
  const int64_t needed = 1 + static_cast<int64_t>(model_->Tokenize(prefix).size()) + 2 +
                         engine::Model::AudioFrames(kMaxClipSamples) + after_audio + 8;
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
  const size_t whole = clip.size() / engine::kAudioFrameSamples * engine::kAudioFrameSamples;
  Begin();
  Feed(clip.first(whole));
  return Decode(clip.subspan(whole), static_cast<int64_t>(clip.size()), sampling, guards, cancel);
}

void Transcriber::Begin() { begun_ = false; }

void Transcriber::Feed(std::span<const float> frames) {
  if (frames.empty()) return;
  engine::Prompt prompt;
  if (!begun_) prompt.AudioBegin();
  prompt.AudioFrames(std::vector<float>(frames.begin(), frames.end()));
  if (begun_) {
    session_->session().Append(prompt);
  } else {
    session_->Start(prompt);
    begun_ = true;
  }
}

void Transcriber::EnsureOpen() {
  if (begun_) return;
  session_->Start(engine::Prompt().AudioBegin());
  begun_ = true;
}

GuardedText Transcriber::Decode(std::span<const float> tail, int64_t clip_samples,
                                const engine::SamplingParams& sampling, const GuardOptions& guards,
                                const std::atomic<bool>* cancel, int max_tokens) {
  const auto started = std::chrono::steady_clock::now();
  engine::Prompt close;
  if (!begun_) close.AudioBegin();
  close.AudioEnd(std::vector<float>(tail.begin(), tail.end())).Text(suffix_);
  if (begun_) {
    session_->session().Append(close);
  } else {
    session_->Start(close);
    begun_ = true;
  }
  engine::Session& session = session_->session();
  const int64_t left = session.n_ctx() - session.n_past();
  const int budget = max_tokens > 0 ? max_tokens : MaxTokens(clip_samples);
  const double prefill_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  GuardedText out = GenerateGuarded(session, *model_, static_cast<int>(std::min<int64_t>(budget, left)),
                                    sampling, guards, cancel);
  out.prefill_ms = prefill_ms;
  return out;
}

LanguageScores Transcriber::ProbeLanguage(std::span<const float> tail) {
  EnsureOpen();
  if (!languages_) languages_ = std::make_unique<LanguageIdentifier>(*model_);
  session_->session().Append(
      engine::Prompt().AudioEnd(std::vector<float>(tail.begin(), tail.end())).Text(language_suffix_));
  return languages_->Score(session_->session());
}

void Transcriber::Reopen(std::span<const float> frames) {
  const int64_t rows = static_cast<int64_t>(frames.size()) / engine::kAudioFrameSamples;
  // The prefix, <|audio>, then the rows.
  if (begun_ && session_->session().Rewind(session_->prefix_tokens() + 1 + rows)) return;
  Begin();
  if (frames.empty()) {
    EnsureOpen();
  } else {
    Feed(frames);
  }
}

}  // namespace scribed::pipeline::stages
