#include "daemon/workers/live_session.h"

#include <spdlog/spdlog.h>

#include "daemon/workers/segment_events.h"
#include "scribed/transcription/stream_transcriber.h"

namespace scribed::daemon {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;
constexpr int64_t kSamplesPerMs = audio::kOutputRate / 1000;

audio::CaptureOptions CaptureFor(const std::string& device) {
  audio::CaptureOptions o;
  o.device = device;
  return o;
}

protocol::CaptureState State(std::string name) {
  protocol::CaptureState s;
  s.state = std::move(name);
  return s;
}

int64_t MsBetween(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(to - from).count();
}

}  // namespace

// Publishes the segments of every clip, with the latency from the moment the
// speech ended (the arrival of the chunk holding its last sample) to now.
class LiveSession::Publishing final : public transcription::Listener {
 public:
  Publishing(LiveSession& session) : session_(session) {}

  void Arrived(int64_t end_sample, Clock::time_point when) {
    arrivals_.emplace_back(end_sample, when);
  }

  void OnClip(const transcription::ClipResult& clip) override {
    const auto now = Clock::now();
    // Arrivals of audio the stream has finished with are not needed again.
    Clock::time_point spoken = now;
    for (const auto& [end, when] : arrivals_) {
      if (end >= clip.speech_end_sample) {
        spoken = when;
        break;
      }
    }
    while (arrivals_.size() > 1 && arrivals_[1].first <= clip.end_sample) arrivals_.pop_front();
    SegmentTiming timing;
    timing.rtf = clip.rtf;
    timing.latency_ms = std::max<int64_t>(0, MsBetween(spoken, now));
    timing.source = "mic";
    for (const pipeline::Segment& s : clip.segments) {
      PublishSegment(session_.publisher_, s, session_.pipeline_.transcript(), timing,
                     EventIds{session_.options_.id, std::nullopt, std::nullopt});
      ++session_.segments_;
    }
  }

 private:
  LiveSession& session_;
  std::deque<std::pair<int64_t, Clock::time_point>> arrivals_;  // (chunk end, arrival)
};

LiveSession::LiveSession(Publisher& publisher, ModelContext model, LiveOptions options)
    : publisher_(publisher),
      model_(std::move(model)),
      options_(std::move(options)),
      pipeline_(model_.model, options_.pipeline, nullptr),
      source_(
          CaptureFor(options_.device), [this](const audio::Chunk& c) { OnChunk(c); },
          [this](const audio::CaptureEvent& e) { OnState(e); }) {
  inference_thread_ = std::thread([this] { Infer(); });
  capture_thread_ = std::thread([this] {
    try {
      source_.Run();
    } catch (const std::exception& e) {
      spdlog::error("session {}: capture failed: {}", options_.id, e.what());
      std::lock_guard lock(mu_);
      capture_error_ = e.what();
    }
    std::lock_guard lock(mu_);
    capture_done_ = true;
    cv_.notify_all();
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
  if (inference_thread_.joinable()) inference_thread_.join();
}

void LiveSession::PublishState(protocol::CaptureState state) {
  state.device = options_.device;
  {
    std::lock_guard lock(mu_);
    state.queue_ms = queued_samples_ / kSamplesPerMs;
    state.dropped_ms = dropped_samples_ / kSamplesPerMs;
  }
  // xruns stays null: they are recovered inside the capture layer, not counted here.
  publisher_.Publish(state, EventIds{options_.id, std::nullopt, std::nullopt});
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
      // "stopped" comes from the inference thread, once the audio captured
      // so far is transcribed.
      break;
  }
}

void LiveSession::OnChunk(const audio::Chunk& chunk) {
  if (expected_next_ >= 0 && chunk.start > expected_next_) {
    // The device was away: the timestamps keep counting across the gap.
    protocol::CaptureState s = State("recovered");
    s.gap_ms = (chunk.start - expected_next_) / kSamplesPerMs;
    PublishState(std::move(s));
  }
  expected_next_ = chunk.end();
  const auto n = static_cast<int64_t>(chunk.samples.size());
  std::string state;
  {
    std::lock_guard lock(mu_);
    // A full queue drops new audio rather than blocking the capture thread,
    // which would overrun the device and lose audio there instead, unreported.
    if (queued_samples_ + n > options_.queue_samples) {
      dropped_samples_ += n;
      if (!overrun_) state = "overrun";
      overrun_ = true;
    } else {
      overrun_ = false;
      queue_.push_back({chunk, Clock::now()});
      queued_samples_ += n;
      // Behind: more than a quarter of the queue waits for the model.
      if (!behind_ && queued_samples_ > options_.queue_samples / 4) {
        behind_ = true;
        state = "behind";
      }
      cv_.notify_all();
    }
  }
  if (!state.empty()) PublishState(State(state));
}

void LiveSession::Infer() {
  Publishing publishing(*this);
  transcription::StreamOptions stream_options;
  stream_options.cancel = options_.pipeline.cancel;
  stream_options.engine_turn = model_.engine_turn.get();
  transcription::StreamTranscriber stream(pipeline_, &publishing, stream_options);
  std::optional<std::string> error;
  try {
    for (;;) {
      Queued item;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return !queue_.empty() || capture_done_; });
        if (queue_.empty()) break;  // capture ended and everything was transcribed
        item = std::move(queue_.front());
        queue_.pop_front();
        queued_samples_ -= static_cast<int64_t>(item.chunk.samples.size());
        if (behind_ && queued_samples_ < options_.queue_samples / 16) behind_ = false;
      }
      publishing.Arrived(item.chunk.end(), item.arrived);
      if (!stream.Push(item.chunk)) break;
    }
    if (stream.end() == transcription::End::kRunning) stream.Finish();
  } catch (const std::exception& e) {
    // The session ends, not the daemon.
    spdlog::error("session {}: transcription failed: {}", options_.id, e.what());
    error = e.what();
  }
  protocol::CaptureState stopped = State("stopped");
  {
    std::lock_guard lock(mu_);
    if (!error && !capture_error_.empty()) error = capture_error_;
  }
  stopped.error = error;
  PublishState(std::move(stopped));
  finished_ = true;
}

json LiveSession::Stats() const {
  std::lock_guard lock(mu_);
  return json{{"session", options_.id},
              {"device", options_.device},
              {"state", finished_ ? "stopped" : stopping_ ? "stopping" : "running"},
              {"queue_ms", queued_samples_ / kSamplesPerMs},
              {"dropped_ms", dropped_samples_ / kSamplesPerMs},
              {"behind", behind_},
              {"segments", segments_.load()}};
}

}  // namespace scribed::daemon
