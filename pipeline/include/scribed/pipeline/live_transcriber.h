// Transcription of a segment while it is being spoken. The model reads audio
// causally, one row per 40 ms frame, so the frames are prefilled into the
// transcription prompt as they arrive; when the segment ends only the
// closing tokens and the decode remain.
//
//   Pipeline pipeline(model, options, &sink);
//   LiveTranscriber live(pipeline);
//   live.Begin(onset_sample);             // pre-roll included
//   live.Feed(chunk);  ...                // as capture delivers audio
//   LiveDraft d = live.Draft(32);         // a partial, now and then
//   live.Finish(end_sample);              // the final: sink->OnSegment, as Process
//   // or live.Abandon() for a false start
//
// A segment finished here yields exactly the Segment that
// Pipeline::Process gives for the same clip (same stages, guards, language
// handling, formatting and translation; greedy decoding), continuing the
// pipeline's transcript. Drafts never change the final: each one decodes from
// the prefilled state and rewinds back to it.
//
// Thread-compatible, and shares the Pipeline: one open segment at a time, and
// no Pipeline::Process while one is open.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "scribed/pipeline/pipeline.h"

namespace scribed::pipeline {

// What a call cost, to budget partials and report latency.
struct LiveCost {
  double prefill_ms = 0;   // audio rows, the closing tokens, re-prefills after a cut
  double decode_ms = 0;    // generating the transcript (draft or final)
  double language_ms = 0;  // the language question and scoring (Finish only)
  double post_ms = 0;      // formatting and translation (Finish only)
  int64_t rows = 0;        // audio rows prefilled
  int tokens = 0;          // tokens generated
};

// The text the model would give if the segment ended now. Partials are the
// model's verbatim text (the transcript part on the speech translation path),
// not formatted.
struct LiveDraft {
  int rev = 0;           // 1, 2, ... within a segment
  std::string text;      // stable + unstable
  // The longest common prefix of this draft and the previous one, cut back
  // to a word boundary (whitespace) unless the two are identical: text two
  // looks at the audio agree on. A later draft or the final may still revise
  // it; it is not forced on them.
  std::string stable;
  std::string unstable;
  LiveCost cost;
};

struct LiveFinal {
  bool completed = true;  // false: cancelled (nothing emitted for the segment)
  int segments = 0;       // segments emitted (0 for silence or no text)
  LiveCost cost;
};

class LiveTranscriber {
 public:
  explicit LiveTranscriber(Pipeline& pipeline);
  ~LiveTranscriber();
  LiveTranscriber(const LiveTranscriber&) = delete;
  LiveTranscriber& operator=(const LiveTranscriber&) = delete;

  // Opens a segment whose first sample is stream sample `start_sample`.
  // Throws std::invalid_argument when it starts before the previous segment
  // or clip, std::logic_error when a segment is already open.
  void Begin(int64_t start_sample);

  // The next samples of the segment (16 kHz mono). Whole frames are
  // prefilled now; fewer than 640 leftover samples wait for the next Feed or
  // the end. A segment reaching kMaxClipSamples is cut as a long recording
  // is cut for files: at the quietest 20 ms frame of its last 5 s, the first
  // part finished (emitted through the sink) and a new segment opened 200 ms
  // before the cut with the rest; `cut` in the result counts those.
  struct FeedResult {
    LiveCost cost;
    int cuts = 0;
    bool completed = true;  // false: a cut's final was cancelled
  };
  FeedResult Feed(std::span<const float> samples);

  // Decodes at most `max_tokens` tokens as if the segment ended now (the
  // leftover samples as the last frame) and returns to the prefilled state.
  LiveDraft Draft(int max_tokens);

  // Ends the segment at stream sample `end_sample` (default: everything fed;
  // an earlier end drops the audio after it, e.g. a VAD's hangover) and
  // emits its Segment as Process would. Throws std::invalid_argument for an
  // end outside the fed audio.
  LiveFinal Finish(std::optional<int64_t> end_sample = std::nullopt);

  // Finishes [start, end_sample) and continues with a segment from
  // `next_start` (start <= next_start <= end_sample) holding the audio fed
  // from there on: a cut of a long segment where the caller chooses it.
  LiveFinal Cut(int64_t end_sample, int64_t next_start);

  // Drops the open segment (a false start); costs nothing now, the next
  // Begin rewinds to the prompt prefix.
  void Abandon() noexcept;

  bool open() const noexcept { return open_; }
  int64_t start_sample() const noexcept { return start_; }
  int64_t end_sample() const noexcept { return start_ + static_cast<int64_t>(samples_.size()); }

 private:
  LiveCost Prefill();
  int64_t QuietCut() const;

  Pipeline& pipeline_;
  bool open_ = false;
  int64_t start_ = 0;
  std::vector<float> samples_;  // the open segment's audio
  int64_t prefilled_rows_ = 0;
  int rev_ = 0;
  std::string last_draft_;
};

}  // namespace scribed::pipeline
