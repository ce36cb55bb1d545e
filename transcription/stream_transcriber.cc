#include "scribed/transcription/stream_transcriber.h"

#include <algorithm>
#include <span>

namespace scribed::transcription {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int64_t kSamplesPerMs = audio::kOutputRate / 1000;

double SecondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

}  // namespace

StreamTranscriber::StreamTranscriber(pipeline::Pipeline& pipeline, Listener* listener,
                                     StreamOptions options)
    : pipeline_(pipeline),
      listener_(listener),
      options_(std::move(options)),
      segmenter_(options_.segmenter),
      done_(options_.resume_sample) {
  if (options_.stream_prefill) live_ = std::make_unique<pipeline::LiveTranscriber>(pipeline_);
}

StreamTranscriber::~StreamTranscriber() = default;

bool StreamTranscriber::CheckFlags() {
  if (end_ != End::kRunning) return false;
  if (options_.stop != nullptr && options_.stop->load()) {
    end_ = End::kStopped;
  } else if (options_.cancel != nullptr && options_.cancel->load()) {
    end_ = End::kCancelled;
  }
  return end_ == End::kRunning;
}

bool StreamTranscriber::Push(const audio::Chunk& chunk) {
  if (!CheckFlags()) return false;
  pushed_ = chunk.end();
  segmenter_.Push(chunk, clips_);
  if (!RunClips()) return false;
  if (live_) ReadAhead();
  AdvanceTo(segmenter_.settled());
  return end_ == End::kRunning;
}

bool StreamTranscriber::Finish() {
  if (!CheckFlags()) return false;
  segmenter_.Finish(clips_);
  if (!RunClips()) return false;
  AdvanceTo(pushed_);
  end_ = End::kComplete;
  return true;
}

bool StreamTranscriber::RunClips() {
  for (const audio::Segment& clip : clips_) {
    if (clip.end() <= options_.resume_sample) continue;  // done before a restart
    if (!CheckFlags()) break;
    const pipeline::Transcript& before = pipeline_.transcript();
    const size_t segments_before = before.segments.size();
    const int silent_before = before.skipped_silent_clips;
    const int empty_before = before.empty_clips;
    const auto started = Clock::now();
    ClipResult r;
    bool ok;
    {
      std::unique_lock<std::mutex> turn;
      if (options_.engine_turn != nullptr) turn = std::unique_lock(*options_.engine_turn);
      ok = TranscribeClip(clip, r);
    }
    if (!ok) {
      // The pipeline stops only for the cancel flag; a stop request reads as
      // the same flag to it, so tell them apart here.
      CheckFlags();
      if (end_ == End::kRunning) end_ = End::kCancelled;
      break;
    }
    r.start_sample = clip.start;
    r.end_sample = clip.end();
    r.speech_end_sample = clip.speech_end;
    const pipeline::Transcript& after = pipeline_.transcript();
    r.segments.assign(after.segments.begin() + static_cast<std::ptrdiff_t>(segments_before),
                      after.segments.end());
    r.silent = after.skipped_silent_clips > silent_before;
    r.empty = after.empty_clips > empty_before;
    r.seconds = SecondsSince(started);
    const double clip_s = static_cast<double>(clip.samples.size()) / audio::kOutputRate;
    r.rtf = clip_s > 0 ? r.seconds / clip_s : 0;
    if (listener_ != nullptr) listener_->OnClip(r);
    if (!options_.keep_segments) pipeline_.ForgetSegments();
    AdvanceTo(clip.end());
  }
  clips_.clear();
  return end_ == End::kRunning;
}

bool StreamTranscriber::TranscribeClip(const audio::Segment& clip, ClipResult& r) {
  if (!live_ || !live_->open() || live_->start_sample() != clip.start) {
    // Not read ahead (or a start the segmenter moved): the whole clip now.
    if (live_ && live_->open()) live_->Abandon();
    return pipeline_.Process(pipeline::Clip{clip.start, clip.samples});
  }
  // The live segment holds a prefix of this clip: read the rest, then end it
  // where the clip ends (before the hangover already read, if it was).
  double prefill_ms = 0;
  if (clip.end() > live_->end_sample()) {
    const auto rest = std::span<const float>(clip.samples)
                          .subspan(static_cast<size_t>(live_->end_sample() - clip.start));
    prefill_ms += live_->Feed(rest).cost.prefill_ms;
  }
  const pipeline::LiveFinal final = live_->Finish(clip.end());
  r.prefill_ms = prefill_ms + final.cost.prefill_ms;
  r.decode_ms = final.cost.decode_ms;
  return final.completed;
}

void StreamTranscriber::ReadAhead() {
  const std::optional<audio::Segmenter::OpenSegment> open = segmenter_.open_segment();
  if (!open) {
    // The utterance closed without a clip (too short: a click): drop it.
    if (live_->open()) live_->Abandon();
    return;
  }
  if (open->start < options_.resume_sample) return;
  if (options_.read_ahead && !options_.read_ahead()) return;
  std::unique_lock<std::mutex> turn;
  if (options_.engine_turn != nullptr) turn = std::unique_lock(*options_.engine_turn);
  if (live_->open() && live_->start_sample() != open->start) live_->Abandon();
  if (!live_->open()) {
    live_->Begin(open->start);
    drafted_at_ = open->start;
  }
  if (open->certain_end > live_->end_sample()) {
    live_->Feed(segmenter_.Samples(live_->end_sample(), open->certain_end));
  }
  const int64_t every = int64_t{options_.partial_every_ms} * audio::kOutputRate / 1000;
  if (every <= 0 || live_->end_sample() - drafted_at_ < every) return;
  drafted_at_ = live_->end_sample();
  Partial partial;
  partial.segment = pipeline_.next_segment_index();
  partial.start_sample = live_->start_sample();
  partial.end_sample = live_->end_sample();
  partial.draft = live_->Draft(options_.partial_max_tokens);
  if (turn.owns_lock()) turn.unlock();
  if (listener_ != nullptr) listener_->OnPartial(partial);
}

void StreamTranscriber::AdvanceTo(int64_t sample) {
  if (sample <= done_) return;
  done_ = sample;
  pipeline_.Advance(sample);
  if (listener_ == nullptr) return;
  Progress p;
  p.done_ms = done_ / kSamplesPerMs;
  p.total_ms = options_.total_samples / kSamplesPerMs;
  p.elapsed_s = SecondsSince(started_);
  // A resumed stream's earlier audio cost nothing in this run: the speed is
  // the audio done here over the time spent here.
  const int64_t done_here_ms = (done_ - options_.resume_sample) / kSamplesPerMs;
  p.rtf = done_here_ms > 0 ? p.elapsed_s * 1000.0 / static_cast<double>(done_here_ms) : 0;
  if (p.total_ms > 0) {
    p.fraction = std::min(1.0, static_cast<double>(p.done_ms) / static_cast<double>(p.total_ms));
    if (done_here_ms > 0) {
      p.eta_s = p.rtf * static_cast<double>(std::max<int64_t>(0, p.total_ms - p.done_ms)) / 1000.0;
    }
  }
  listener_->OnProgress(p);
}

}  // namespace scribed::transcription
