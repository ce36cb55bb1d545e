#include "scribed/transcription/live_stream.h"

#include <algorithm>

namespace scribed::transcription {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int64_t kSamplesPerMs = audio::kOutputRate / 1000;

}  // namespace

// Remembers when each chunk arrived, so a clip's latency runs from the
// arrival of the chunk holding the last sample of its speech.
class LiveStream::Timing final : public Listener {
 public:
  explicit Timing(LiveStream& stream) : stream_(stream) {}

  void OnPartial(const Partial& partial) override { stream_.listener_.OnPartial(partial); }

  void Arrived(int64_t end_sample, Clock::time_point when) {
    arrivals_.emplace_back(end_sample, when);
  }

  void OnClip(const ClipResult& clip) override {
    const auto now = Clock::now();
    Clock::time_point spoken = now;
    for (const auto& [end, when] : arrivals_) {
      if (end >= clip.speech_end_sample) {
        spoken = when;
        break;
      }
    }
    // No later clip starts before this one ended: older arrivals are done with.
    while (arrivals_.size() > 1 && arrivals_[1].first <= clip.end_sample) arrivals_.pop_front();
    LiveTiming timing;
    timing.rtf = clip.rtf;
    if (clip.prefill_ms) timing.prefill_ms = static_cast<int64_t>(*clip.prefill_ms + 0.5);
    if (clip.decode_ms) timing.decode_ms = static_cast<int64_t>(*clip.decode_ms + 0.5);
    timing.latency_ms = std::max<int64_t>(
        0, std::chrono::duration_cast<std::chrono::milliseconds>(now - spoken).count());
    {
      std::lock_guard lock(stream_.mu_);
      stream_.busy_s_ += clip.seconds;
    }
    for (const pipeline::Segment& s : clip.segments) {
      stream_.listener_.OnSegment(s, stream_.pipeline_.transcript(), timing);
      std::lock_guard lock(stream_.mu_);
      ++stream_.segments_;
    }
  }

 private:
  LiveStream& stream_;
  std::deque<std::pair<int64_t, Clock::time_point>> arrivals_;  // (chunk end, arrival)
};

LiveStream::LiveStream(pipeline::Pipeline& pipeline, LiveListener& listener,
                       LiveStreamOptions options)
    : pipeline_(pipeline), listener_(listener), options_(std::move(options)) {
  thread_ = std::thread([this] { Infer(); });
}

LiveStream::~LiveStream() {
  EndOfInput();
  Join();
}

void LiveStream::Push(const audio::Chunk& chunk, Clock::time_point arrived) {
  const auto n = static_cast<int64_t>(chunk.samples.size());
  std::string state;
  LiveStats snapshot;
  {
    std::lock_guard lock(mu_);
    if (input_ended_) return;
    if (queued_samples_ + n > options_.queue_samples) {
      dropped_samples_ += n;
      if (!overrun_) state = "overrun";
      overrun_ = true;
    } else {
      // An overrun lasts until the queue has room again, not until the next
      // chunk that happens to fit: one event per episode, not one per chunk.
      if (overrun_ && queued_samples_ + n <= options_.queue_samples / 2) overrun_ = false;
      queue_.push_back({chunk, arrived});
      queued_samples_ += n;
      if (!behind_ && queued_samples_ > options_.queue_samples / 4) {
        behind_ = true;
        state = "behind";
      }
      cv_.notify_all();
    }
    snapshot = StatsLocked();
  }
  if (!state.empty()) listener_.OnBackPressure(state, snapshot);
}

void LiveStream::EndOfInput() {
  std::lock_guard lock(mu_);
  input_ended_ = true;
  cv_.notify_all();
}

void LiveStream::Join() {
  std::lock_guard lock(join_mu_);
  if (thread_.joinable()) thread_.join();
}

LiveStats LiveStream::stats() const {
  std::lock_guard lock(mu_);
  return StatsLocked();
}

LiveStats LiveStream::StatsLocked() const {
  return LiveStats{queued_samples_ / kSamplesPerMs, dropped_samples_ / kSamplesPerMs, behind_,
                   segments_, busy_s_};
}

void LiveStream::Infer() {
  Timing timing(*this);
  StreamOptions stream_options = options_.stream;
  stream_options.keep_segments = false;  // a live stream may run for days
  stream_options.stream_prefill = options_.stream_prefill;
  stream_options.partial_every_ms = options_.partial_every_ms;
  stream_options.partial_max_tokens = options_.partial_max_tokens;
  // Read ahead (and draft) only while nothing else waits: a queue means
  // inference is behind, and finals come first.
  const int64_t waiting_limit = audio::kOutputRate / 2;
  stream_options.read_ahead = [this, waiting_limit] {
    std::lock_guard lock(mu_);
    return !behind_ && queued_samples_ <= waiting_limit;
  };
  StreamTranscriber stream(pipeline_, &timing, stream_options);
  std::optional<std::string> error;
  try {
    for (;;) {
      Queued item;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return !queue_.empty() || input_ended_; });
        if (queue_.empty()) break;  // input ended and everything was transcribed
        item = std::move(queue_.front());
        queue_.pop_front();
        queued_samples_ -= static_cast<int64_t>(item.chunk.samples.size());
        // Caught up well below the "behind" mark, so one slow clip does not
        // make the state flap.
        if (behind_ && queued_samples_ < options_.queue_samples / 16) behind_ = false;
      }
      timing.Arrived(item.chunk.end(), item.arrived);
      if (!stream.Push(item.chunk)) break;
    }
    if (stream.end() == End::kRunning) stream.Finish();
  } catch (const std::exception& e) {
    error = e.what();  // the stream ends, not the process
  }
  listener_.OnFinished(error);
}

}  // namespace scribed::transcription
