#include "daemon/workers/live_session.h"

#include <spdlog/spdlog.h>

#include "daemon/workers/segment_events.h"

namespace scribed::daemon {
namespace {

using nlohmann::json;

audio::CaptureOptions CaptureFor(const std::string& device) {
  audio::CaptureOptions o;
  o.device = device;
  return o;
}

transcription::LiveStreamOptions StreamFor(const LiveOptions& o, const ModelContext& model) {
  transcription::LiveStreamOptions s;
  s.queue_samples = o.queue_samples;
  s.stream.cancel = o.pipeline.cancel;
  s.stream.engine_turn = model.engine_turn.get();
  return s;
}

protocol::CaptureState State(std::string name) {
  protocol::CaptureState s;
  s.state = std::move(name);
  return s;
}

}  // namespace

LiveSession::LiveSession(Publisher& publisher, ModelContext model, LiveOptions options)
    : publisher_(publisher),
      model_(std::move(model)),
      options_(std::move(options)),
      pipeline_(model_.model, options_.pipeline, nullptr),
      stream_(pipeline_, *this, StreamFor(options_, model_)),
      source_(
          CaptureFor(options_.device), [this](const audio::Chunk& c) { OnChunk(c); },
          [this](const audio::CaptureEvent& e) { OnState(e); }) {
  capture_thread_ = std::thread([this] {
    try {
      source_.Run();
    } catch (const std::exception& e) {
      spdlog::error("session {}: capture failed: {}", options_.id, e.what());
      std::lock_guard lock(mu_);
      capture_error_ = e.what();
    }
    stream_.EndOfInput();
  });
}

LiveSession::~LiveSession() { Stop(); }

void LiveSession::BeginStop() {
  if (stopping_.exchange(true)) return;
  PublishState(State("stopping"));
  source_.Stop();
}

void LiveSession::Stop() {
  BeginStop();
  std::lock_guard lock(join_mu_);
  if (capture_thread_.joinable()) capture_thread_.join();
  stream_.Join();
}

void LiveSession::PublishState(protocol::CaptureState state) {
  const transcription::LiveStats stats = stream_.stats();
  state.device = options_.device;
  state.queue_ms = stats.queue_ms;
  state.dropped_ms = stats.dropped_ms;
  state.xruns = source_.stats().xruns;
  publisher_.Publish(state, EventIds{options_.id, std::nullopt, std::nullopt});
}

void LiveSession::OnSegment(const pipeline::Segment& segment,
                            const pipeline::Transcript& transcript,
                            const transcription::LiveTiming& timing) {
  SegmentTiming t;
  t.rtf = timing.rtf;
  t.latency_ms = timing.latency_ms;
  t.prefill_ms = timing.prefill_ms;
  t.decode_ms = timing.decode_ms;
  t.source = "mic";
  PublishSegment(publisher_, segment, transcript, t,
                 EventIds{options_.id, std::nullopt, std::nullopt});
}

void LiveSession::OnPartial(const transcription::Partial& p) {
  protocol::SegmentPartial e;
  e.t0_ms = p.start_sample / (audio::kOutputRate / 1000);
  e.t1_ms = p.end_sample / (audio::kOutputRate / 1000);
  e.rev = p.draft.rev;
  e.stable = p.draft.stable;
  e.unstable = p.draft.unstable;
  publisher_.Publish(e, EventIds{options_.id, std::nullopt, p.segment});
}

void LiveSession::OnBackPressure(const std::string& state, const transcription::LiveStats&) {
  protocol::CaptureState s = State(state);
  // Behind, utterances are read when they end, not while they are spoken.
  if (state == "behind") s.mode = "segments";
  PublishState(std::move(s));
}

void LiveSession::OnFinished(const std::optional<std::string>& error) {
  if (error) spdlog::error("session {}: transcription failed: {}", options_.id, *error);
  protocol::CaptureState stopped = State("stopped");
  stopped.error = error;
  {
    std::lock_guard lock(mu_);
    if (!stopped.error && !capture_error_.empty()) stopped.error = capture_error_;
  }
  PublishState(std::move(stopped));
  finished_ = true;
}

void LiveSession::OnState(const audio::CaptureEvent& event) {
  switch (event.state) {
    case audio::CaptureState::kOpening:
      break;
    case audio::CaptureState::kRunning: {
      protocol::CaptureState s = State(lost_ ? "recovered" : "started");
      s.format = event.message;
      if (!lost_) {
        s.rate = audio::kOutputRate;
        s.channels = 1;
        s.mode = "streaming";
      }
      lost_ = false;
      PublishState(std::move(s));
      break;
    }
    case audio::CaptureState::kRetrying:
      // The capture layer retries on a timer; one "lost" per outage, and the
      // next kRunning reports "recovered" instead of a second "started".
      if (!lost_) {
        lost_ = true;
        protocol::CaptureState s = State("lost");
        s.error = event.message;
        s.retry_in_ms = event.retry_in.count();
        PublishState(std::move(s));
      }
      break;
    case audio::CaptureState::kStopped:
      // "stopped" is published once the audio captured so far is transcribed.
      break;
  }
}

void LiveSession::OnChunk(const audio::Chunk& chunk) {
  if (expected_next_ >= 0 && chunk.start > expected_next_) {
    // The device was away: the timestamps keep counting across the gap.
    protocol::CaptureState s = State("recovered");
    s.gap_ms = (chunk.start - expected_next_) / (audio::kOutputRate / 1000);
    PublishState(std::move(s));
  }
  expected_next_ = chunk.end();
  stream_.Push(chunk);
}

json LiveSession::Stats() const {
  const transcription::LiveStats s = stream_.stats();
  return json{{"session", options_.id},
              {"device", options_.device},
              {"state", finished_ ? "stopped" : stopping_ ? "stopping" : "running"},
              {"queue_ms", s.queue_ms},
              {"dropped_ms", s.dropped_ms},
              {"behind", s.behind},
              {"segments", s.segments}};
}

}  // namespace scribed::daemon
