#include "scribed/audio/segmenter.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

#include "audio/vad/frame_features.h"

namespace scribed::audio {
namespace {

// Noise floor = quietest frame of the last 3 s, plus the typical gap between
// the minimum and the mean of a stationary noise's frame energies.
constexpr size_t kFloorFrames = 150;
constexpr double kFloorBiasDb = 1.0;

}  // namespace

Segmenter::Segmenter(const SegmenterOptions& options) : options_(options) {
  options_.post_roll_ms = std::min(options_.post_roll_ms, options_.hangover_ms);
  options_.max_segment_ms = std::max(options_.max_segment_ms, 2000);
  options_.overlap_ms = std::clamp(options_.overlap_ms, 0, 1000);
  options_.cut_search_ms =
      std::clamp(options_.cut_search_ms, 100, options_.max_segment_ms - options_.overlap_ms - 100);
}

void Segmenter::Push(const Chunk& chunk, std::vector<Segment>& out) {
  const bool fresh = history_.empty() && next_sample_ == 0 && frame_start_ == 0;
  if (fresh || chunk.start != next_sample_) {
    if (!fresh) Finish(out);
    history_.clear();
    frame_db_.clear();
    history_start_ = frame_start_ = frame_db_start_ = chunk.start;
    in_speech_ = false;
    speech_run_ = silence_run_ = 0;
  }
  history_.insert(history_.end(), chunk.samples.begin(), chunk.samples.end());
  next_sample_ = chunk.end();
  while (next_sample_ - frame_start_ >= kFrameSamples) {
    ProcessFrame(history_.data() + (frame_start_ - history_start_), out);
    frame_start_ += kFrameSamples;
    TrimHistory();
  }
}

void Segmenter::Finish(std::vector<Segment>& out) {
  if (in_speech_) Close(last_speech_end_, out);
}

int64_t Segmenter::settled() const noexcept {
  if (in_speech_) return segment_start_;
  // A speech run in progress may open an utterance that starts a pre-roll
  // before the run; otherwise the earliest is a pre-roll before the next frame.
  const int64_t next_start = speech_run_ > 0 ? run_start_ : frame_start_;
  return std::clamp(next_start - Ms(options_.pre_roll_ms), history_start_, next_sample_);
}

std::optional<Segmenter::OpenSegment> Segmenter::open_segment() const noexcept {
  if (!in_speech_) return std::nullopt;
  const int64_t start = std::max(segment_start_, history_start_);
  return OpenSegment{start, std::clamp(last_speech_end_ + Ms(options_.post_roll_ms), start,
                                       next_sample_)};
}

std::span<const float> Segmenter::Samples(int64_t from, int64_t to) const {
  const int64_t held_end = history_start_ + static_cast<int64_t>(history_.size());
  if (from < history_start_ || to > held_end || from > to) {
    throw std::out_of_range("segmenter: samples " + std::to_string(from) + ".." +
                            std::to_string(to) + " are not held");
  }
  return std::span<const float>(history_).subspan(static_cast<size_t>(from - history_start_),
                                                   static_cast<size_t>(to - from));
}

void Segmenter::ProcessFrame(const float* frame, std::vector<Segment>& out) {
  const auto f = vad::Analyze(std::span<const float>(frame, kFrameSamples));
  recent_db_.push_back(f.band_db);
  if (recent_db_.size() > kFloorFrames) recent_db_.pop_front();
  const double floor = *std::min_element(recent_db_.begin(), recent_db_.end()) + kFloorBiasDb;
  frame_db_.push_back(f.energy_db);

  // Inside an utterance the thresholds drop (hysteresis) so that decaying
  // word endings are kept without letting noise open new utterances.
  const double margin = f.band_db - floor + (in_speech_ ? options_.hysteresis_db : 0.0);
  const bool speech = f.energy_db > options_.absolute_floor_db &&
                      (margin >= options_.threshold_db || (margin >= options_.tonal_threshold_db &&
                                                           f.flatness < options_.tonal_flatness));
  const int64_t frame_end = frame_start_ + kFrameSamples;

  if (!in_speech_) {
    if (!speech) {
      speech_run_ = 0;
      return;
    }
    if (speech_run_++ == 0) run_start_ = frame_start_;
    if (speech_run_ * 20 < options_.min_speech_ms) return;
    in_speech_ = true;
    speech_start_ = run_start_;
    segment_start_ = std::max(history_start_, speech_start_ - Ms(options_.pre_roll_ms));
    last_speech_end_ = frame_end;
    silence_run_ = 0;
  } else if (speech) {
    last_speech_end_ = frame_end;
    silence_run_ = 0;
  } else if (++silence_run_ * 20 >= options_.hangover_ms) {
    Close(last_speech_end_, out);
    return;
  }
  if (frame_end - segment_start_ >= Ms(options_.max_segment_ms)) CutLongSegment(out);
}

void Segmenter::Close(int64_t speech_end, std::vector<Segment>& out) {
  const int64_t end = std::min(speech_end + Ms(options_.post_roll_ms), next_sample_);
  if (speech_end - speech_start_ >= Ms(options_.min_segment_ms)) {
    Emit(segment_start_, end, speech_start_, speech_end, /*cut=*/false, out);
  }
  in_speech_ = false;
  speech_run_ = silence_run_ = 0;
}

// Cuts the open segment at its quietest frame near the cap; the next segment
// starts half an overlap before the cut so no word is lost at the seam.
void Segmenter::CutLongSegment(std::vector<Segment>& out) {
  const int64_t half = Ms(options_.overlap_ms) / 2;
  const int64_t limit = segment_start_ + Ms(options_.max_segment_ms) - half;  // latest cut
  const int64_t first = std::max(limit - Ms(options_.cut_search_ms), speech_start_);
  double quietest = std::numeric_limits<double>::infinity();
  int64_t cut = limit;
  for (int64_t fs = first - (first - frame_db_start_) % kFrameSamples; fs + kFrameSamples <= limit;
       fs += kFrameSamples) {
    if (fs < frame_db_start_) continue;
    const double db = frame_db_[static_cast<size_t>((fs - frame_db_start_) / kFrameSamples)];
    if (db < quietest) {
      quietest = db;
      cut = fs + kFrameSamples / 2;
    }
  }
  Emit(segment_start_, cut + half, speech_start_, std::min(cut, last_speech_end_), /*cut=*/true,
       out);
  segment_start_ = cut - half;
  speech_start_ = cut;
}

void Segmenter::Emit(int64_t from, int64_t to, int64_t speech_start, int64_t speech_end, bool cut,
                     std::vector<Segment>& out) {
  from = std::max(from, history_start_);
  to = std::min(to, history_start_ + static_cast<int64_t>(history_.size()));
  Segment s;
  s.start = from;
  s.speech_start = speech_start;
  s.speech_end = speech_end;
  s.cut = cut;
  s.samples.assign(history_.begin() + (from - history_start_),
                   history_.begin() + (to - history_start_));
  out.push_back(std::move(s));
}

// Drops audio no segment can need any more: everything before the open
// segment, or before the pre-roll while silent. Erases in 1 s steps.
void Segmenter::TrimHistory() {
  const int64_t keep = in_speech_ ? segment_start_ : frame_start_ - Ms(options_.pre_roll_ms);
  const int64_t drop = (keep - history_start_) / kFrameSamples * kFrameSamples;
  if (drop < kOutputRate) return;
  history_.erase(history_.begin(), history_.begin() + drop);
  history_start_ += drop;
  const int64_t frames = std::min<int64_t>((history_start_ - frame_db_start_) / kFrameSamples,
                                           static_cast<int64_t>(frame_db_.size()));
  frame_db_.erase(frame_db_.begin(), frame_db_.begin() + frames);
  frame_db_start_ += frames * kFrameSamples;
}

}  // namespace scribed::audio
