#include "scribed/pipeline/live_transcriber.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <stdexcept>

#include "pipeline/prompts/task_prompts.h"
#include "pipeline/stages/pipeline_impl.h"

namespace scribed::pipeline {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int64_t kFrame = engine::kAudioFrameSamples;
// A long segment's cut, as audio::Segmenter cuts recordings for files: the
// quietest 20 ms frame in the last 5 s, 200 ms shared by both sides.
constexpr int64_t kCutFrame = engine::kAudioSampleRate / 50;
constexpr int64_t kCutSearch = 5 * engine::kAudioSampleRate;
constexpr int64_t kCutOverlap = engine::kAudioSampleRate / 5;

double MsSince(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

void Add(LiveCost& to, const LiveCost& c) {
  to.prefill_ms += c.prefill_ms;
  to.decode_ms += c.decode_ms;
  to.language_ms += c.language_ms;
  to.post_ms += c.post_ms;
  to.rows += c.rows;
  to.tokens += c.tokens;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// The common prefix of two drafts, cut back to just after its last
// whitespace unless the drafts are identical.
std::string StablePrefix(const std::string& previous, const std::string& current) {
  const auto diverge = std::mismatch(previous.begin(), previous.end(), current.begin(), current.end());
  const size_t n = static_cast<size_t>(diverge.second - current.begin());
  if (n == current.size() && n == previous.size()) return current;
  size_t keep = n;
  while (keep > 0 && !IsSpace(current[keep - 1])) --keep;
  return current.substr(0, keep);
}

}  // namespace

LiveTranscriber::LiveTranscriber(Pipeline& pipeline) : pipeline_(pipeline) {}

LiveTranscriber::~LiveTranscriber() { Abandon(); }

void LiveTranscriber::Begin(int64_t start_sample) {
  Pipeline::Impl& p = *pipeline_.impl_;
  if (open_ || p.live_open) throw std::logic_error("a live segment is already open");
  p.CheckClip(start_sample, 0);
  p.asr->Begin();
  open_ = true;
  p.live_open = true;
  start_ = start_sample;
  samples_.clear();
  prefilled_rows_ = 0;
  rev_ = 0;
  last_draft_.clear();
}

LiveCost LiveTranscriber::Prefill() {
  LiveCost cost;
  const int64_t rows = static_cast<int64_t>(samples_.size()) / kFrame;
  if (rows <= prefilled_rows_) return cost;
  const auto t0 = Clock::now();
  pipeline_.impl_->asr->Feed(std::span<const float>(samples_).subspan(
      static_cast<size_t>(prefilled_rows_ * kFrame), static_cast<size_t>((rows - prefilled_rows_) * kFrame)));
  cost.rows = rows - prefilled_rows_;
  cost.prefill_ms = MsSince(t0);
  prefilled_rows_ = rows;
  return cost;
}

int64_t LiveTranscriber::QuietCut() const {
  const int64_t limit = kMaxClipSamples - kCutOverlap / 2;  // latest cut, from the start
  const int64_t first = std::max<int64_t>(0, limit - kCutSearch);
  double quietest = std::numeric_limits<double>::infinity();
  int64_t cut = limit;
  for (int64_t fs = first - first % kCutFrame; fs + kCutFrame <= limit; fs += kCutFrame) {
    double energy = 0;
    for (int64_t i = fs; i < fs + kCutFrame; ++i) {
      energy += double{samples_[static_cast<size_t>(i)]} * samples_[static_cast<size_t>(i)];
    }
    if (energy < quietest) {
      quietest = energy;
      cut = fs + kCutFrame / 2;
    }
  }
  return start_ + cut;
}

LiveTranscriber::FeedResult LiveTranscriber::Feed(std::span<const float> samples) {
  if (!open_) throw std::logic_error("Feed without an open live segment (Begin first)");
  FeedResult result;
  while (!samples.empty()) {
    const size_t room = static_cast<size_t>(kMaxClipSamples) - samples_.size();
    if (room == 0) {
      const int64_t cut = QuietCut();
      const LiveFinal first = Cut(cut + kCutOverlap / 2, cut - kCutOverlap / 2);
      Add(result.cost, first.cost);
      ++result.cuts;
      result.completed = result.completed && first.completed;
      continue;
    }
    const size_t take = std::min(room, samples.size());
    samples_.insert(samples_.end(), samples.begin(), samples.begin() + static_cast<std::ptrdiff_t>(take));
    samples = samples.subspan(take);
  }
  Add(result.cost, Prefill());
  return result;
}

LiveDraft LiveTranscriber::Draft(int max_tokens) {
  if (!open_) throw std::logic_error("Draft without an open live segment (Begin first)");
  Pipeline::Impl& p = *pipeline_.impl_;
  LiveDraft draft;
  draft.rev = ++rev_;
  draft.cost = Prefill();
  if (!samples_.empty()) {
    const std::span<const float> all(samples_);
    const auto frames = all.first(static_cast<size_t>(prefilled_rows_ * kFrame));
    const stages::GuardedText g =
        p.asr->Decode(all.subspan(frames.size()), static_cast<int64_t>(samples_.size()),
                      p.options.sampling, p.options.guards, p.options.cancel, std::max(1, max_tokens));
    const auto t0 = Clock::now();
    p.asr->Reopen(frames);
    draft.cost.prefill_ms += g.prefill_ms + MsSince(t0);
    draft.cost.decode_ms += g.decode_ms;
    draft.cost.tokens += g.tokens;
    draft.text = p.SpeechTranslation() ? prompts::SplitTranslation(g.text, p.target->name).transcript
                                       : g.text;
  }
  draft.stable = rev_ == 1 ? std::string() : StablePrefix(last_draft_, draft.text);
  draft.unstable = draft.text.substr(draft.stable.size());
  last_draft_ = draft.text;
  return draft;
}

LiveFinal LiveTranscriber::Finish(std::optional<int64_t> end_sample) {
  if (!open_) throw std::logic_error("Finish without an open live segment (Begin first)");
  Pipeline::Impl& p = *pipeline_.impl_;
  const int64_t end = end_sample.value_or(this->end_sample());
  if (end < start_ || end > this->end_sample()) {
    throw std::invalid_argument("segment end " + std::to_string(end) + " is outside the fed audio [" +
                                std::to_string(start_) + ", " + std::to_string(this->end_sample()) +
                                "]");
  }
  LiveFinal final;
  samples_.resize(static_cast<size_t>(end - start_));
  const int64_t rows = static_cast<int64_t>(samples_.size()) / kFrame;
  if (rows < prefilled_rows_) {
    // The segment ends before audio already prefilled: drop those rows.
    const auto t0 = Clock::now();
    p.asr->Truncate(std::span<const float>(samples_).first(static_cast<size_t>(rows * kFrame)));
    prefilled_rows_ = rows;
    final.cost.prefill_ms += MsSince(t0);
  }
  Add(final.cost, Prefill());
  open_ = false;
  p.live_open = false;
  if (p.Cancelled()) {
    final.completed = false;
    return final;
  }
  const size_t before = p.transcript.segments.size();
  final.completed = p.Complete(start_, samples_, final.cost);
  final.segments = static_cast<int>(p.transcript.segments.size() - before);
  return final;
}

LiveFinal LiveTranscriber::Cut(int64_t end_sample, int64_t next_start) {
  if (!open_) throw std::logic_error("Cut without an open live segment (Begin first)");
  if (next_start < start_ || next_start > end_sample || end_sample > this->end_sample()) {
    throw std::invalid_argument("cut at " + std::to_string(end_sample) + " continuing at " +
                                std::to_string(next_start) + " is outside the segment [" +
                                std::to_string(start_) + ", " + std::to_string(this->end_sample()) +
                                "]");
  }
  std::vector<float> rest(samples_.begin() + (next_start - start_), samples_.end());
  LiveFinal final = Finish(end_sample);
  Begin(next_start);
  samples_ = std::move(rest);
  Add(final.cost, Prefill());
  return final;
}

void LiveTranscriber::Abandon() noexcept {
  if (open_) pipeline_.impl_->live_open = false;
  open_ = false;
  samples_.clear();
  prefilled_rows_ = 0;
}

}  // namespace scribed::pipeline
