// One audio stream through the whole path: 16 kHz chunks are cut into clips
// at pauses (audio::Segmenter) and each clip runs through a Pipeline. Every
// way scribed transcribes -- `scribe transcribe`, `scribe batch`, the
// daemon's file jobs and its live sessions -- drives its stream through this
// one class, so clip handling, cancellation and progress behave the same
// everywhere.
//
//   pipeline::Pipeline pipe(model, options, nullptr);
//   StreamTranscriber stream(pipe, &listener, {.total_samples = n});
//   while (source.Next(chunk) && stream.Push(chunk)) {}
//   stream.Finish();
//   pipeline::Transcript t = pipe.Finish(stream.end() == End::kComplete);
//
// Thread-compatible: one thread pushes. The cancel and stop flags may be set
// from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

#include "scribed/audio/chunk.h"
#include "scribed/audio/segmenter.h"
#include "scribed/pipeline/live_transcriber.h"
#include "scribed/pipeline/pipeline.h"
#include "scribed/pipeline/transcript.h"

namespace scribed::transcription {

// How a stream ended (or kRunning while it has not).
enum class End {
  kRunning,
  kComplete,   // every clip was transcribed
  kCancelled,  // the cancel flag was set
  kStopped,    // the stop flag was set (shutdown): the rest can resume later
};

// What one transcribed clip gave.
struct ClipResult {
  int64_t start_sample = 0;       // stream position of the clip (pre-roll included)
  int64_t end_sample = 0;         // the stream is transcribed up to here
  int64_t speech_end_sample = 0;  // where the detected speech ended
  // The final segments it produced (numbered in the whole stream); usually
  // one, none for a silent or empty clip.
  std::vector<pipeline::Segment> segments;
  bool silent = false;  // the silence guard skipped it
  bool empty = false;   // the model wrote nothing for it
  double seconds = 0;   // wall time spent on it once it had ended
  double rtf = 0;       // seconds / clip length
  // Streamed clips: what was left after the speech ended -- reading the
  // audio not yet read and the closing tokens, and writing the text.
  std::optional<double> prefill_ms;
  std::optional<double> decode_ms;
};

// A draft of the utterance still being spoken (streamed clips only).
struct Partial {
  int segment = 0;  // the index its final will have (if it has text)
  int64_t start_sample = 0;
  int64_t end_sample = 0;  // audio read so far
  pipeline::LiveDraft draft;
};

// Progress through the stream, counted in transcribed audio: audio that is
// only decoded, or held in an open utterance, does not count.
struct Progress {
  int64_t done_ms = 0;
  int64_t total_ms = 0;       // 0 when the length is unknown
  double fraction = 0;        // done / total, 0 when unknown
  double elapsed_s = 0;       // wall time since the stream began
  double rtf = 0;             // elapsed / done (0 before any audio is done)
  std::optional<double> eta_s;  // from the rtf so far, when total is known
};

class Listener {
 public:
  virtual ~Listener() = default;
  // After every clip, on the pushing thread, before its audio counts as done.
  virtual void OnClip(const ClipResult& /*clip*/) {}
  // Whenever the transcribed position moves.
  virtual void OnProgress(const Progress& /*progress*/) {}
  // A streamed utterance's draft, before its clip ends.
  virtual void OnPartial(const Partial& /*partial*/) {}
};

struct StreamOptions {
  audio::SegmenterOptions segmenter;
  // Length of the stream in samples when known (for fraction and ETA).
  int64_t total_samples = 0;
  // Clips that end at or before this sample were transcribed by an earlier
  // run (see Pipeline::Restore) and are skipped.
  int64_t resume_sample = 0;
  // Checked before every chunk and inside every clip: a long speech-free
  // stream stops as promptly as a busy one.
  const std::atomic<bool>* cancel = nullptr;
  const std::atomic<bool>* stop = nullptr;
  // Held around each clip's inference when several streams share one model
  // (the daemon's jobs and live sessions).
  std::mutex* engine_turn = nullptr;
  // false: the pipeline forgets each clip's segments once the listener has
  // had them, so an endless live stream does not grow (Pipeline::Finish then
  // holds none).
  bool keep_segments = true;

  // Live streams: read each utterance into the model while it is spoken
  // (pipeline::LiveTranscriber), so that when it ends only the rest of its
  // audio and the decode remain. The final is the same as without.
  bool stream_prefill = false;
  // While this returns false the utterance is not read ahead (inference is
  // behind: reading ahead would only add work); its clip is then read whole
  // when it ends, as without streaming. Null: always read ahead.
  std::function<bool()> read_ahead;
  // A draft of the open utterance after every this much newly read audio;
  // 0: none. Drafts are skipped while read_ahead says no.
  int partial_every_ms = 0;
  int partial_max_tokens = 24;
};

class StreamTranscriber {
 public:
  // `pipeline` and `listener` (may be null) must outlive this object. The
  // pipeline's own cancel flag should be the same as options.cancel.
  StreamTranscriber(pipeline::Pipeline& pipeline, Listener* listener, StreamOptions options);
  ~StreamTranscriber();

  // Consumes the next chunk of the stream and transcribes every clip it
  // closes. Returns false once the stream has ended (cancelled or stopped);
  // later calls do nothing.
  bool Push(const audio::Chunk& chunk);

  // The end of the stream: transcribes the utterance still open. Returns
  // true when the whole stream was transcribed.
  bool Finish();

  End end() const noexcept { return end_; }
  // The position up to which the stream is transcribed.
  int64_t done_sample() const noexcept { return done_; }

 private:
  // Transcribes clips_ in order; false when the stream ended meanwhile.
  bool RunClips();
  bool CheckFlags();
  void AdvanceTo(int64_t sample);
  // Streaming: reads the open utterance ahead, and drafts it now and then.
  void ReadAhead();
  // Transcribes one clip, through the live segment when it holds the clip's start.
  bool TranscribeClip(const audio::Segment& clip, ClipResult& result);

  pipeline::Pipeline& pipeline_;
  Listener* listener_;
  StreamOptions options_;
  audio::Segmenter segmenter_;
  std::vector<audio::Segment> clips_;
  std::unique_ptr<pipeline::LiveTranscriber> live_;  // stream_prefill only
  int64_t drafted_at_ = 0;  // live_'s end_sample at the last draft
  End end_ = End::kRunning;
  int64_t done_ = 0;
  int64_t pushed_ = 0;  // end of the last chunk
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace scribed::transcription
