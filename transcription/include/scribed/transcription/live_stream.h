// A live stream: audio that arrives in real time (from a capture thread, or a
// file replayed at its own pace by `scribe bench live`) is queued and
// transcribed on an inference thread of its own, through StreamTranscriber.
// The daemon's live sessions and the live benchmark are this one class with
// different sources and listeners.
//
// The queue is bounded: when inference falls behind, "behind" is reported;
// when the queue is full, new audio is dropped and counted -- never silently,
// and never by blocking the capture thread, which would overrun the device
// and lose audio there, unreported.
//
// Every segment carries its latency: from the moment the last sample of its
// speech arrived to the moment it is final.
//
// Thread-safe: Push and EndOfInput from one producer thread; stats() from any.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "scribed/audio/chunk.h"
#include "scribed/pipeline/pipeline.h"
#include "scribed/transcription/stream_transcriber.h"

namespace scribed::transcription {

struct LiveTiming {
  double rtf = 0;          // inference time / clip length
  int64_t latency_ms = 0;  // end of speech arrived -> final
  // Where the time after the speech ended went (streamed segments only).
  std::optional<int64_t> prefill_ms;
  std::optional<int64_t> decode_ms;
};

struct LiveStats {
  int64_t queue_ms = 0;    // audio waiting for inference
  int64_t dropped_ms = 0;  // audio dropped because the queue was full
  bool behind = false;
  int segments = 0;
  double busy_s = 0;  // wall time inference spent on clips
};

class LiveListener {
 public:
  virtual ~LiveListener() = default;
  // On the inference thread, for every final segment.
  virtual void OnSegment(const pipeline::Segment& segment, const pipeline::Transcript& transcript,
                         const LiveTiming& timing) = 0;
  // On the inference thread: a draft of the utterance still being spoken.
  virtual void OnPartial(const Partial& /*partial*/) {}
  // On the producer thread: "behind" (more than a quarter of the queue
  // waits) or "overrun" (the queue is full: audio dropped), once per episode.
  virtual void OnBackPressure(const std::string& /*state*/, const LiveStats& /*stats*/) {}
  // On the inference thread, last: everything pushed is transcribed, or
  // transcription failed with `error`.
  virtual void OnFinished(const std::optional<std::string>& /*error*/) {}
};

struct LiveStreamOptions {
  int64_t queue_samples = 0;  // bound of the queue (16 kHz samples)
  // Read each utterance into the model while it is spoken; while inference
  // is behind, utterances are read when they end instead (segment at a time).
  bool stream_prefill = true;
  // A partial after every this much new speech; 0: none. Skipped while any
  // audio waits in the queue, so partials never delay the finals.
  int partial_every_ms = 1000;
  int partial_max_tokens = 24;  // length of a draft
  // engine_turn and cancel are used; resume_sample and total_samples are
  // not, and segments are never kept in the pipeline.
  StreamOptions stream;
};

class LiveStream {
 public:
  // Starts the inference thread. `pipeline` and `listener` must outlive it.
  LiveStream(pipeline::Pipeline& pipeline, LiveListener& listener, LiveStreamOptions options);
  ~LiveStream();  // EndOfInput(), Join()
  LiveStream(const LiveStream&) = delete;
  LiveStream& operator=(const LiveStream&) = delete;

  // Queues a chunk that arrived at `arrived`. Never blocks on inference.
  void Push(const audio::Chunk& chunk,
            std::chrono::steady_clock::time_point arrived = std::chrono::steady_clock::now());
  // No more audio: what is queued is still transcribed. Idempotent.
  void EndOfInput();
  // Waits for the inference thread to finish. Idempotent.
  void Join();

  LiveStats stats() const;

 private:
  class Timing;  // the StreamTranscriber listener that adds latency
  struct Queued {
    audio::Chunk chunk;
    std::chrono::steady_clock::time_point arrived;
  };
  void Infer();
  LiveStats StatsLocked() const;  // mu_ held

  pipeline::Pipeline& pipeline_;
  LiveListener& listener_;
  LiveStreamOptions options_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Queued> queue_;     // guarded by mu_
  int64_t queued_samples_ = 0;   // guarded by mu_
  int64_t dropped_samples_ = 0;  // guarded by mu_
  bool input_ended_ = false;     // guarded by mu_
  bool behind_ = false;          // guarded by mu_
  bool overrun_ = false;         // guarded by mu_
  int segments_ = 0;             // guarded by mu_
  double busy_s_ = 0;            // guarded by mu_
  std::mutex join_mu_;
  std::thread thread_;  // runs Infer()
};

}  // namespace scribed::transcription
