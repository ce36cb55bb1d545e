#include "clients/scribe/live_bench.h"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "clients/scribe/model_loading.h"
#include "scribed/transcription/live_stream.h"

namespace scribed::cli {
namespace {

using Clock = std::chrono::steady_clock;

std::string Ms(const std::optional<int64_t>& ms) {
  return ms ? std::to_string(*ms) + " ms" : std::string("-");
}

class Measure final : public transcription::LiveListener {
 public:
  explicit Measure(std::FILE* out) : out_(out) {}

  void OnSegment(const pipeline::Segment& s, const pipeline::Transcript&,
                 const transcription::LiveTiming& t) override {
    std::lock_guard lock(mu_);
    latencies_.push_back(t.latency_ms);
    std::fprintf(out_, "[%7.2f s] latency %5lld ms (after the speech: prefill %s, decode %s)  %s\n",
                 static_cast<double>(s.start_ms) / 1000.0, static_cast<long long>(t.latency_ms),
                 Ms(t.prefill_ms).c_str(), Ms(t.decode_ms).c_str(), s.text.c_str());
    std::fflush(out_);
  }
  void OnPartial(const transcription::Partial&) override {
    std::lock_guard lock(mu_);
    ++partials_;
  }
  int partials() const {
    std::lock_guard lock(mu_);
    return partials_;
  }
  void OnBackPressure(const std::string& state, const transcription::LiveStats& st) override {
    std::lock_guard lock(mu_);
    std::fprintf(out_, "capture state: %s (queue %lld ms, dropped %lld ms)\n", state.c_str(),
                 static_cast<long long>(st.queue_ms), static_cast<long long>(st.dropped_ms));
  }
  void OnFinished(const std::optional<std::string>& error) override {
    std::lock_guard lock(mu_);
    error_ = error;
  }

  std::vector<int64_t> latencies() const {
    std::lock_guard lock(mu_);
    return latencies_;
  }
  std::optional<std::string> error() const {
    std::lock_guard lock(mu_);
    return error_;
  }

 private:
  std::FILE* out_;
  mutable std::mutex mu_;
  std::vector<int64_t> latencies_;
  int partials_ = 0;
  std::optional<std::string> error_;
};

int64_t Percentile(std::vector<int64_t> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

}  // namespace

bool RunLiveBench(const std::shared_ptr<const engine::Model>& model,
                  const pipeline::PipelineOptions& pipeline_options, const LiveBenchOptions& o,
                  std::FILE* out) {
  const std::vector<float> audio = LoadAudio(o.audio);
  const int64_t chunk = std::max<int64_t>(1, int64_t{o.chunk_ms} * audio::kOutputRate / 1000);
  const double audio_s = static_cast<double>(audio.size()) / audio::kOutputRate;
  std::fprintf(out, "live replay of %s: %.1f s at %.2fx, %d ms chunks\n", o.audio.c_str(), audio_s,
               o.speed, o.chunk_ms);
  pipeline::Pipeline pipe(model, pipeline_options, nullptr);
  Measure measure(out);
  transcription::LiveStreamOptions so;
  so.queue_samples = static_cast<int64_t>(o.queue_s * audio::kOutputRate);
  so.stream_prefill = o.stream_prefill;
  so.partial_every_ms = o.partial_every_ms;
  transcription::LiveStream stream(pipe, measure, so);
  const auto started = Clock::now();
  for (int64_t pos = 0; pos < static_cast<int64_t>(audio.size()); pos += chunk) {
    audio::Chunk c;
    c.start = pos;
    const int64_t end = std::min<int64_t>(pos + chunk, static_cast<int64_t>(audio.size()));
    c.samples.assign(audio.begin() + pos, audio.begin() + end);
    // A capture device delivers a chunk once its last sample is spoken.
    const auto due = started + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                                   static_cast<double>(end) / audio::kOutputRate / o.speed));
    std::this_thread::sleep_until(due);
    stream.Push(c);
  }
  stream.EndOfInput();
  stream.Join();
  const double wall_s = std::chrono::duration<double>(Clock::now() - started).count();
  if (const auto error = measure.error()) throw std::runtime_error(*error);
  const auto latencies = measure.latencies();
  const transcription::LiveStats st = stream.stats();
  // Keeping up: inference needed less time than the audio took to arrive, so
  // the queue does not grow without bound over a long session.
  const double busy = st.busy_s / (audio_s / o.speed);
  const bool kept_up = st.dropped_ms == 0 && busy <= 1.0;
  std::fprintf(out,
               "segments=%zu latency_p50_ms=%lld latency_p90_ms=%lld latency_max_ms=%lld "
               "busy=%.3f wall_over_audio=%.3f dropped_ms=%lld partials=%d kept_up=%d\n",
               latencies.size(), static_cast<long long>(Percentile(latencies, 0.5)),
               static_cast<long long>(Percentile(latencies, 0.9)),
               static_cast<long long>(Percentile(latencies, 1.0)), busy,
               wall_s / (audio_s / o.speed), static_cast<long long>(st.dropped_ms),
               measure.partials(), kept_up ? 1 : 0);
  return kept_up;
}

}  // namespace scribed::cli
