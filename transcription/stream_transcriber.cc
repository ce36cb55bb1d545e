#include "scribed/transcription/stream_transcriber.h"

#include <algorithm>

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
      done_(options_.resume_sample) {}

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
  AdvanceTo(segmenter_.settled());
  return true;
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
    bool ok;
    {
      std::unique_lock<std::mutex> turn;
      if (options_.engine_turn != nullptr) turn = std::unique_lock(*options_.engine_turn);
      ok = pipeline_.Process(pipeline::Clip{clip.start, clip.samples});
    }
    if (!ok) {
      // Process stops only for the cancel flag; a stop request reads as the
      // same flag to the pipeline, so tell them apart here.
      CheckFlags();
      if (end_ == End::kRunning) end_ = End::kCancelled;
      break;
    }
    ClipResult r;
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
