// A live transcription session: the capture thread (audio::CaptureSource)
// hands chunks over a bounded queue to the inference thread, which segments
// them (audio::Segmenter) and runs each clip through the pipeline, publishing
// segment.final / translation.final with the session id and capture.state
// for device changes and back-pressure.
//
// When inference falls behind, capture.state "behind" says so (with the
// queued audio); when the queue (capture_queue_s) is full, new audio is
// dropped and reported as "overrun" with dropped_ms - never silently.
//
// Thread-safe (Stop and Stats from any thread). Owns two threads.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "daemon/workers/model_context.h"
#include "daemon/zmq/publisher.h"
#include "scribed/audio/capture_source.h"
#include "scribed/pipeline/pipeline.h"

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

  // Stops capture, transcribes what was already captured, joins. Idempotent.
  void Stop();
  const std::string& id() const noexcept { return options_.id; }
  // {session, device, queue_ms, dropped_ms, segments} for status/heartbeat.
  nlohmann::json Stats() const;

 private:
  struct Queued {
    audio::Chunk chunk;
    std::chrono::steady_clock::time_point arrived;
  };
  void OnChunk(const audio::Chunk& chunk);
  void OnState(const audio::CaptureEvent& event);
  void Infer();
  void PublishState(const std::string& state, nlohmann::json fields = nlohmann::json::object());

  // Collects the segments the pipeline finishes during one Process call.
  struct Collector final : pipeline::ResultSink {
    void OnSegment(const pipeline::Segment& segment) override { pending.push_back(segment); }
    std::vector<pipeline::Segment> pending;
  };

  Publisher& publisher_;
  ModelContext model_;
  LiveOptions options_;
  Collector collector_;          // inference thread only
  pipeline::Pipeline pipeline_;  // inference thread only
  audio::CaptureSource source_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Queued> queue_;     // guarded by mu_
  int64_t queued_samples_ = 0;   // guarded by mu_
  bool capture_done_ = false;    // guarded by mu_
  bool behind_ = false;          // guarded by mu_
  bool overrun_ = false;         // guarded by mu_
  int64_t dropped_samples_ = 0;  // guarded by mu_
  int64_t expected_next_ = -1;   // capture thread only: for gap_ms on recovery
  bool lost_ = false;            // capture thread only
  std::atomic<int> segments_{0};
  std::atomic<bool> stopped_{false};

  std::thread capture_thread_;    // runs source_.Run(): reads the device
  std::thread inference_thread_;  // runs Infer(): segmenter + pipeline
};

}  // namespace scribed::daemon
