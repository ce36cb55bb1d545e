// A live transcription session: the capture thread (audio::CaptureSource)
// feeds a transcription::LiveStream, which queues the audio and transcribes
// it on its own thread; the session publishes segment.final /
// translation.final with the session id, and capture.state for device
// changes and back-pressure ("behind", and "overrun" with dropped_ms: audio
// is never dropped silently).
//
// Stopping is in two steps so that capture.stop answers at once:
// BeginStop() ends capture and publishes "stopping"; the stream finishes the
// audio already captured in the background, then publishes "stopped";
// Stop() waits for that.
//
// Thread-safe (BeginStop, Stop, finished and Stats from any thread). Owns the
// capture thread and, through the stream, the inference thread.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "daemon/workers/model_context.h"
#include "daemon/zmq/publisher.h"
#include "scribed/audio/capture_source.h"
#include "scribed/base/json.h"
#include "scribed/pipeline/pipeline.h"
#include "scribed/protocol/events.h"
#include "scribed/transcription/live_stream.h"

namespace scribed::daemon {

struct LiveOptions {
  std::string id;      // "s-1"
  std::string device;  // ALSA PCM
  pipeline::PipelineOptions pipeline;
  int64_t queue_samples = 0;  // bound of the capture -> inference queue
};

class LiveSession final : transcription::LiveListener {
 public:
  // Throws std::invalid_argument for bad pipeline options (unknown language).
  // Starts capture and inference; `publisher` must outlive the session.
  LiveSession(Publisher& publisher, ModelContext model, LiveOptions options);
  ~LiveSession() override;  // Stop()
  LiveSession(const LiveSession&) = delete;
  LiveSession& operator=(const LiveSession&) = delete;

  // Ends capture; what was captured is still transcribed. Returns at once.
  // Idempotent.
  void BeginStop();
  // BeginStop, then waits until everything captured is transcribed.
  // Idempotent.
  void Stop();
  // True once "stopped" is published.
  bool finished() const noexcept { return finished_.load(); }
  const std::string& id() const noexcept { return options_.id; }
  // {session, device, state, queue_ms, dropped_ms, behind, segments} for
  // status and heartbeats.
  nlohmann::json Stats() const;

 private:
  // transcription::LiveListener
  void OnSegment(const pipeline::Segment& segment, const pipeline::Transcript& transcript,
                 const transcription::LiveTiming& timing) override;
  void OnPartial(const transcription::Partial& partial) override;
  void OnBackPressure(const std::string& state, const transcription::LiveStats& stats) override;
  void OnFinished(const std::optional<std::string>& error) override;

  void OnChunk(const audio::Chunk& chunk);
  void OnState(const audio::CaptureEvent& event);
  // Publishes capture.state; the device and queue fields are filled in.
  void PublishState(protocol::CaptureState state);

  Publisher& publisher_;
  ModelContext model_;
  LiveOptions options_;
  pipeline::Pipeline pipeline_;         // the stream's inference thread only
  transcription::LiveStream stream_;
  audio::CaptureSource source_;

  int64_t expected_next_ = -1;  // capture thread only: for gap_ms on recovery
  bool lost_ = false;           // capture thread only
  mutable std::mutex mu_;
  std::string capture_error_;   // guarded by mu_: why capture ended by itself
  std::atomic<bool> stopping_{false};
  std::atomic<bool> finished_{false};
  std::mutex join_mu_;            // serialises Stop() callers
  std::thread capture_thread_;    // runs source_.Run(): reads the device
};

}  // namespace scribed::daemon
