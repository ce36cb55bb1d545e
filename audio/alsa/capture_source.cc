#include "scribed/audio/capture_source.h"

#include <algorithm>

#include "scribed/audio/errors.h"

namespace scribed::audio {

const char* Name(CaptureState state) noexcept {
  switch (state) {
    case CaptureState::kOpening:
      return "opening";
    case CaptureState::kRunning:
      return "running";
    case CaptureState::kRetrying:
      return "retrying";
    case CaptureState::kStopped:
      return "stopped";
  }
  return "?";
}

CaptureSource::CaptureSource(CaptureOptions options, ChunkCallback on_chunk, StateCallback on_state,
                             RetryPolicy retry)
    : options_(std::move(options)),
      on_chunk_(std::move(on_chunk)),
      on_state_(std::move(on_state)),
      retry_(retry) {}

void CaptureSource::Stop() {
  std::lock_guard lock(mutex_);
  stop_ = true;
  if (device_) device_->Interrupt();
  wake_.notify_all();
}

CaptureStats CaptureSource::stats() const {
  std::lock_guard lock(mutex_);
  CaptureStats s = closed_;
  if (device_) {
    s.xruns += device_->xruns();
    s.lost_samples += device_->lost_samples();
  }
  return s;
}

void CaptureSource::Count(uint64_t CaptureStats::*counter) {
  std::lock_guard lock(mutex_);
  ++(closed_.*counter);
}

bool CaptureSource::WaitBackoff(std::chrono::milliseconds delay) {
  std::unique_lock lock(mutex_);
  return !wake_.wait_for(lock, delay, [this] { return stop_; });
}

void CaptureSource::Run() {
  using Clock = std::chrono::steady_clock;
  const auto begin = Clock::now();
  int64_t next_start = 0;  // 16 kHz samples since Run() began
  int attempt = 0;
  auto delay = retry_.initial;
  auto notify = [this](CaptureState state, std::string message, int tries,
                       std::chrono::milliseconds retry_in = {}) {
    if (on_state_) on_state_(CaptureEvent{state, std::move(message), tries, retry_in, stats()});
  };
  while (true) {
    {
      std::lock_guard lock(mutex_);
      if (stop_) break;
    }
    notify(CaptureState::kOpening, options_.device, attempt);
    bool was_running = false;
    try {
      CaptureDevice device(options_);
      {
        std::lock_guard lock(mutex_);
        if (stop_) break;
        device_ = &device;
      }
      struct Detach {
        CaptureSource* self;
        ~Detach() {
          // The device's counts outlive it, so that stats() never goes back.
          std::lock_guard lock(self->mutex_);
          self->closed_.xruns += self->device_->xruns();
          self->closed_.lost_samples += self->device_->lost_samples();
          self->device_ = nullptr;
        }
      } detach{this};
      if (attempt > 0) Count(&CaptureStats::recoveries);
      was_running = true;
      const auto& f = device.format();
      notify(CaptureState::kRunning,
             std::string(Name(f.format)) + " " + std::to_string(f.rate) + " Hz " +
                 std::to_string(f.channels) + " ch",
             attempt);
      attempt = 0;
      delay = retry_.initial;
      // After a reopening, resume the clock where wall time says we are.
      const auto elapsed = std::chrono::duration<double>(Clock::now() - begin).count();
      const int64_t base = std::max(next_start, static_cast<int64_t>(elapsed * kOutputRate));
      Chunk chunk;
      while (device.Read(chunk)) {
        if (chunk.samples.empty()) continue;
        chunk.start += base;
        next_start = chunk.end();
        on_chunk_(chunk);
      }
    } catch (const DeviceError& e) {
      if (was_running) Count(&CaptureStats::losses);
      ++attempt;
      notify(CaptureState::kRetrying, e.what(), attempt, delay);
      if (!WaitBackoff(delay)) break;
      delay = std::min(
          retry_.max, std::chrono::duration_cast<std::chrono::milliseconds>(delay * retry_.factor));
    }
  }
  notify(CaptureState::kStopped, "", attempt);
}

}  // namespace scribed::audio
