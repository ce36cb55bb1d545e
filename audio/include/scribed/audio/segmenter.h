// Splits a 16 kHz mono stream into utterances for transcription.
//
//   Segmenter seg;
//   std::vector<Segment> done;
//   for (const Chunk& c : chunks) seg.Push(c, done);   // done grows as utterances end
//   seg.Finish(done);
//
// Each 20 ms frame is classed as speech or not from its 150 Hz-2 kHz band
// energy above an adaptive noise floor (minimum statistics over the last ~2 s) and its
// spectral flatness (voiced speech is peaky, broadband noise is flat); see
// docs/audio.md for the design and its measurements. An utterance starts after
// a short run of speech frames and ends after `hangover_ms` without speech.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <vector>

#include "scribed/audio/chunk.h"

namespace scribed::audio {

struct SegmenterOptions {
  double threshold_db = 9.0;         // band energy above the noise floor that is speech by itself
  double tonal_threshold_db = 4.0;   // enough for a frame that is also tonal
  double tonal_flatness = 0.30;      // spectral flatness below this counts as tonal
  double hysteresis_db = 3.0;        // thresholds are this much lower inside an utterance
  double absolute_floor_db = -60.0;  // frames below this (dBFS) are never speech
  int min_speech_ms = 60;            // speech run that opens an utterance
  int hangover_ms = 400;             // silence that closes it
  int pre_roll_ms = 250;             // audio kept before the detected start
  int post_roll_ms = 150;            // and after the detected end (<= hangover)
  int min_segment_ms = 200;          // shorter detections are dropped as clicks
  int max_segment_ms = 30000;        // Gemma 4's per-clip limit
  int cut_search_ms = 5000;          // a long segment is cut at its quietest frame in this tail
  int overlap_ms = 200;              // audio shared by the two sides of a cut
};

struct Segment {
  int64_t start = 0;         // stream sample index of samples[0] (pre-roll included)
  int64_t speech_start = 0;  // detected start of speech
  int64_t speech_end = 0;    // detected end of speech (exclusive)
  bool cut = false;          // ended by the length cap; speech continues in the next one
  std::vector<float> samples;

  int64_t end() const noexcept { return start + static_cast<int64_t>(samples.size()); }
};

// Thread-compatible.
class Segmenter {
 public:
  explicit Segmenter(const SegmenterOptions& options = {});

  // Consumes the next chunk of the stream. A chunk that does not start where
  // the previous one ended (a capture gap) closes any open utterance first.
  void Push(const Chunk& chunk, std::vector<Segment>& out);
  // Closes the utterance in progress at the end of the stream.
  void Finish(std::vector<Segment>& out);

  // Stream position before which no segment still to come can reach: the
  // audio before it is finished with (emitted, or silence). Progress that
  // counts audio pushed instead would run ahead by up to a whole open
  // utterance (30 s).
  int64_t settled() const noexcept;

  // The utterance in progress, for reading it while it is spoken: where its
  // segment starts (pre-roll included), and how far its audio is certain to
  // reach -- up to the last speech frame plus the post-roll, which any end
  // Push later finds keeps. nullopt while no utterance is open. A cut at the
  // length cap can still end a segment earlier than `certain_end`.
  struct OpenSegment {
    int64_t start = 0;
    int64_t certain_end = 0;
  };
  std::optional<OpenSegment> open_segment() const noexcept;

  // The stream's samples [from, to), which must lie inside the open segment's
  // audio still held (from >= its start, to <= the last sample pushed).
  std::span<const float> Samples(int64_t from, int64_t to) const;

  static constexpr int kFrameSamples = kOutputRate / 50;  // 20 ms

 private:
  void ProcessFrame(const float* frame, std::vector<Segment>& out);
  void Close(int64_t speech_end, std::vector<Segment>& out);
  void CutLongSegment(std::vector<Segment>& out);
  void Emit(int64_t from, int64_t to, int64_t speech_start, int64_t speech_end, bool cut,
            std::vector<Segment>& out);
  void TrimHistory();
  int64_t Ms(int ms) const noexcept { return int64_t(ms) * kOutputRate / 1000; }

  SegmenterOptions options_;
  // Samples from history_start_ onwards: the pre-roll and the open utterance.
  std::vector<float> history_;
  int64_t history_start_ = 0;
  int64_t next_sample_ = 0;       // stream index of the next sample to arrive
  int64_t frame_start_ = 0;       // stream index of the next frame to classify
  std::deque<double> recent_db_;  // frame energies for the noise floor
  std::vector<double> frame_db_;  // energies of the open utterance's frames
  int64_t frame_db_start_ = 0;    // stream index of frame_db_[0]
  bool in_speech_ = false;
  int speech_run_ = 0;   // consecutive speech frames while silent
  int silence_run_ = 0;  // consecutive silent frames while in speech
  int64_t run_start_ = 0;
  int64_t segment_start_ = 0;  // first sample of the open segment (pre-roll included)
  int64_t speech_start_ = 0;
  int64_t last_speech_end_ = 0;
};

}  // namespace scribed::audio
