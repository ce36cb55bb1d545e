// A live transcription session: the capture thread (audio::CaptureSource)
// hands chunks over a bounded queue to the inference thread, which drives
// them through transcription::StreamTranscriber (segmenter + pipeline),
// publishing segment.final / translation.final with the session id and
// capture.state for device changes and back-pressure.
//
// When inference falls behind, capture.state "behind" says so (with the
// queued audio); when the queue (capture_queue_s) is full, new audio is
// dropped and reported as "overrun" with dropped_ms - never silently.
//
// Stopping is in two steps so that capture.stop answers at once:
// BeginStop() ends capture and publishes "stopping"; the inference thread
// finishes the audio already captured in the background, then publishes
// "stopped"; Join() waits for that.
//
// Thread-safe (BeginStop, Stop, finished and Stats from any thread). Owns two
// threads.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "daemon/workers/model_context.h"
#include "daemon/zmq/publisher.h"
#include "scribed/audio/capture_source.h"
#include "scribed/pipeline/pipeline.h"
#include "scribed/protocol/events.h"

namespace scribed::daemon {

struct LiveOptions {
  std::string id;      // "s-1"
  std::string device;  // ALSA PCM
  pipeline::PipelineOptions pipeline;
  int64_t queue_samples = 0;  // bound of the capture -> inference queue
};

class LiveSession {
 public:
  // Throws std::invalid_argument for bad pipeline options (unknown language).
  // Starts both threads; `publisher` must outlive the session.
  LiveSession(Publisher& publisher, ModelContext model, LiveOptions options);
  ~LiveSession();  // Stop()
  LiveSession(const LiveSession&) = delete;
  LiveSession& operator=(const LiveSession&) = delete;

  // Ends capture; what was captured is still transcribed. Returns at once.
  // Idempotent.
  void BeginStop();
  // BeginStop, then waits until everything captured is transcribed and both
  // threads have ended. Idempotent.
  void Stop();
  // True once the inference thread has published "stopped".
  bool finished() const noexcept { return finished_.load(); }
  const std::string& id() const noexcept { return options_.id; }
  // {session, device, queue_ms, dropped_ms, segments} for status/heartbeat.
  nlohmann::json Stats() const;

 private:
  struct Queued {
    audio::Chunk chunk;
    std::chrono::steady_clock::time_point arrived;
  };
  class Publishing;  // the inference thread's transcription::Listener

  void OnChunk(const audio::Chunk& chunk);
  void OnState(const audio::CaptureEvent& event);
  void Infer();
  // Publishes capture.state `state`; the device and queue fields are filled in.
  void PublishState(protocol::CaptureState state);

  Publisher& publisher_;
  ModelContext model_;
  LiveOptions options_;
  pipeline::Pipeline pipeline_;  // inference thread only
  audio::CaptureSource source_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Queued> queue_;     // guarded by mu_
  int64_t queued_samples_ = 0;   // guarded by mu_
  bool capture_done_ = false;    // guarded by mu_
  std::string capture_error_;    // guarded by mu_; why capture ended by itself
  bool behind_ = false;          // guarded by mu_
  bool overrun_ = false;         // guarded by mu_
  int64_t dropped_samples_ = 0;  // guarded by mu_
  int64_t expected_next_ = -1;   // capture thread only: for gap_ms on recovery
  bool lost_ = false;            // capture thread only
  std::atomic<int> segments_{0};
  std::atomic<bool> stopping_{false};
  std::atomic<bool> finished_{false};
  std::mutex join_mu_;  // serialises Stop() callers

  std::thread capture_thread_;    // runs source_.Run(): reads the device
  std::thread inference_thread_;  // runs Infer(): segmenter + pipeline
};

}  // namespace scribed::daemon
