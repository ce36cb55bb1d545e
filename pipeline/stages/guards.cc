#include "pipeline/stages/guards.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "scribed/engine/prompt_text.h"

namespace scribed::pipeline::stages {

bool IsSilent(std::span<const float> samples, const GuardOptions& options) noexcept {
  constexpr size_t kFrame = engine::kAudioSampleRate / 50;  // 20 ms
  // Compare mean squares with the threshold's power instead of taking logs.
  const double threshold = std::pow(10.0, options.active_frame_dbfs / 10.0);
  const int64_t needed = (static_cast<int64_t>(options.min_active_ms) + 19) / 20;
  int64_t active = 0;
  for (size_t at = 0; at < samples.size(); at += kFrame) {
    const size_t n = std::min(kFrame, samples.size() - at);
    double sum = 0;
    for (size_t i = 0; i < n; ++i) sum += double{samples[at + i]} * samples[at + i];
    if (sum / static_cast<double>(n) >= threshold && ++active >= needed) return false;
  }
  return true;
}

RepetitionDetector::RepetitionDetector(int max_period, int min_repeats, int min_tokens)
    : max_period_(std::max(1, max_period)),
      min_repeats_(std::max(2, min_repeats)),
      min_tokens_(std::max(2, min_tokens)),
      run_(static_cast<size_t>(max_period_) + 1, 0) {}

bool RepetitionDetector::Push(int32_t token) {
  if (fired_) return true;
  tokens_.push_back(token);
  const int64_t i = static_cast<int64_t>(tokens_.size()) - 1;
  for (int p = 1; p <= max_period_; ++p) {
    if (i < p || tokens_[static_cast<size_t>(i)] != tokens_[static_cast<size_t>(i - p)]) {
      run_[static_cast<size_t>(p)] = 0;
      continue;
    }
    const int64_t span = ++run_[static_cast<size_t>(p)] + p;  // periodic tail length
    if (span >= int64_t{p} * min_repeats_ && span >= min_tokens_) {
      fired_ = true;
      period_ = p;
      keep_ = static_cast<size_t>(i + 1 - span + p);  // prefix + the first cycle
      return true;
    }
  }
  return false;
}

GuardedText GenerateGuarded(engine::Session& session, const engine::Model& model, int max_tokens,
                            const engine::SamplingParams& sampling, const GuardOptions& guards,
                            const std::atomic<bool>* cancel) {
  RepetitionDetector detector(guards.max_period, guards.min_repeats, guards.min_loop_tokens);
  engine::GenerateParams params;
  params.sampling = sampling;
  params.max_tokens = std::max(1, max_tokens);
  params.on_token = [&](int32_t token, std::string_view) { return !detector.Push(token); };
  if (cancel != nullptr) params.should_abort = [cancel] { return cancel->load(); };
  const auto started = std::chrono::steady_clock::now();
  engine::Generation g = session.Generate(params);
  const double decode_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();

  GuardedText out;
  out.decode_ms = decode_ms;
  out.aborted = g.stop == engine::StopReason::kAborted;
  out.repetition = detector.fired();
  out.truncated = !out.repetition && (g.stop == engine::StopReason::kMaxTokens ||
                                      g.stop == engine::StopReason::kContextFull);
  std::string raw = g.text;
  if (out.repetition) {
    g.tokens.resize(std::min(g.tokens.size(), detector.keep()));
    raw = model.Detokenize(g.tokens);
  }
  out.tokens = static_cast<int>(g.tokens.size());
  out.thought = raw.find(engine::kChannelOpen) != std::string::npos ||
                raw.find(engine::kChannelClose) != std::string::npos;
  out.text = engine::StripThought(raw);
  const auto first = out.text.find_first_not_of(" \t\r\n");
  const auto last = out.text.find_last_not_of(" \t\r\n");
  out.text = first == std::string::npos ? std::string() : out.text.substr(first, last - first + 1);
  return out;
}

}  // namespace scribed::pipeline::stages
