#include "daemon/workers/live_session.h"

#include <spdlog/spdlog.h>

#include "daemon/adapters/segment_json.h"
#include "scribed/audio/segmenter.h"
#include "scribed/protocol/protocol.h"

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

}  // namespace

LiveSession::LiveSession(Publisher& publisher, ModelContext model, LiveOptions options)
    : publisher_(publisher),
      model_(std::move(model)),
      options_(std::move(options)),
      pipeline_(model_.model, options_.pipeline, &collector_),
      source_(
          CaptureFor(options_.device), [this](const audio::Chunk& c) { OnChunk(c); },
          [this](const audio::CaptureEvent& e) { OnState(e); }) {
  inference_thread_ = std::thread([this] { Infer(); });
  capture_thread_ = std::thread([this] {
    try {
      source_.Run();
    } catch (const std::exception& e) {
      spdlog::error("session {}: capture failed: {}", options_.id, e.what());
      PublishState("stopped", json{{"error", e.what()}});
    }
    std::lock_guard lock(mu_);
    capture_done_ = true;
    cv_.notify_all();
  });
}

LiveSession::~LiveSession() { Stop(); }

void LiveSession::Stop() {
  if (stopped_.exchange(true)) return;
  source_.Stop();
  if (capture_thread_.joinable()) capture_thread_.join();
  if (inference_thread_.joinable()) inference_thread_.join();
}

void LiveSession::PublishState(const std::string& state, json fields) {
  fields["device"] = options_.device;
  fields["state"] = state;
  {
    std::lock_guard lock(mu_);
    fields["queue_ms"] = queued_samples_ / kSamplesPerMs;
    fields["dropped_ms"] = dropped_samples_ / kSamplesPerMs;
  }
  fields["xruns"] = source_.stats().xruns;
  publisher_.Publish(protocol::topic::kCaptureState, std::move(fields),
                     EventIds{options_.id, std::nullopt, std::nullopt});
}

void LiveSession::OnState(const audio::CaptureEvent& event) {
  switch (event.state) {
    case audio::CaptureState::kOpening:
      break;
    case audio::CaptureState::kRunning:
      if (lost_) {
        lost_ = false;
        PublishState("recovered", json{{"format", event.message}});
      } else {
        PublishState(
            "started",
            json{{"format", event.message}, {"rate", audio::kOutputRate}, {"channels", 1}});
      }
      break;
    case audio::CaptureState::kRetrying:
      // The capture layer retries on a timer; one "lost" per outage, and the
      // next kRunning reports "recovered" instead of a second "started".
      if (!lost_) {
        lost_ = true;
        PublishState("lost",
                     json{{"error", event.message}, {"retry_in_ms", event.retry_in.count()}});
      }
      break;
    case audio::CaptureState::kStopped:
      PublishState("stopped");
      break;
  }
}

void LiveSession::OnChunk(const audio::Chunk& chunk) {
  if (expected_next_ >= 0 && chunk.start > expected_next_) {
    // The device was away: the timestamps keep counting across the gap.
    PublishState("recovered", json{{"gap_ms", (chunk.start - expected_next_) / kSamplesPerMs}});
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
  if (!state.empty()) PublishState(state);
}

void LiveSession::Infer() {
  audio::Segmenter segmenter;
  std::vector<audio::Segment> clips;
  const pipeline::Transcript info = pipeline_.Finish(true);
  const std::string lang = info.language;
  const std::string translation_lang = info.translation_language;
  auto run = [&](Clock::time_point arrived) {
    for (const audio::Segment& clip : clips) {
      {
        std::lock_guard turn(*model_.engine_turn);
        const auto started = Clock::now();
        if (!pipeline_.Process(pipeline::Clip{clip.start, clip.samples})) return;
        const double clip_s = static_cast<double>(clip.samples.size()) / audio::kOutputRate;
        const double rtf =
            std::chrono::duration<double>(Clock::now() - started).count() / std::max(clip_s, 1e-3);
        for (const pipeline::Segment& s : collector_.pending) {
          json fields = SegmentFinalFields(s, lang);
          fields["rtf"] = rtf;
          fields["latency_ms"] =
              std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - arrived).count();
          fields["source"] = "mic";
          const EventIds ids{options_.id, std::nullopt, s.index};
          publisher_.Publish(protocol::topic::kSegmentFinal, fields, ids);
          if (!s.translation.empty()) {
            publisher_.Publish(
                protocol::topic::kTranslationFinal,
                json{{"src_lang", lang}, {"tgt_lang", translation_lang}, {"text", s.translation}},
                ids);
          }
          ++segments_;
        }
        collector_.pending.clear();
      }
    }
    clips.clear();
  };
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
    segmenter.Push(item.chunk, clips);
    run(item.arrived);
    pipeline_.Advance(item.chunk.end());
  }
  segmenter.Finish(clips);
  run(Clock::now());
}

json LiveSession::Stats() const {
  std::lock_guard lock(mu_);
  return json{{"session", options_.id},
              {"device", options_.device},
              {"queue_ms", queued_samples_ / kSamplesPerMs},
              {"dropped_ms", dropped_samples_ / kSamplesPerMs},
              {"behind", behind_},
              {"segments", segments_.load()}};
}

}  // namespace scribed::daemon
