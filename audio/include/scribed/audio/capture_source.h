// A capture loop for a long-running process: opens the device, delivers
// chunks, and when the device is missing, busy or unplugged reports it and
// retries with exponential backoff until stopped.
//
//   CaptureSource src(options, on_chunk, on_state);
//   std::thread t([&] { src.Run(); });
//   ...
//   src.Stop(); t.join();
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

#include "scribed/audio/capture.h"

namespace scribed::audio {

// kOpening -> kRunning once the device is open; kOpening or kRunning ->
// kRetrying on a DeviceError, then kOpening again after the backoff; any
// state -> kStopped on Stop(). Overruns stay inside kRunning (docs/audio.md).
enum class CaptureState { kOpening, kRunning, kRetrying, kStopped };
const char* Name(CaptureState state) noexcept;

// What capture went through since the CaptureSource was made, over every
// opening of the device.
struct CaptureStats {
  uint64_t xruns = 0;        // overruns, each recovered without reopening
  int64_t lost_samples = 0;  // 16 kHz samples those overruns dropped (silence in their place)
  uint64_t losses = 0;       // times a running device failed and was closed
  uint64_t recoveries = 0;   // times a device ran again after failing (to open or while running)
};

struct CaptureEvent {
  CaptureState state;
  std::string message;  // the error for kRetrying, the format for kRunning
  int attempt = 0;      // consecutive failed attempts so far
  std::chrono::milliseconds retry_in{0};
  CaptureStats stats;  // as of this event
};

struct RetryPolicy {
  std::chrono::milliseconds initial{250};
  std::chrono::milliseconds max{10000};
  double factor = 2.0;
};

// Run() is called from one thread; Stop() is Thread-safe.
class CaptureSource {
 public:
  using ChunkCallback = std::function<void(const Chunk&)>;
  using StateCallback = std::function<void(const CaptureEvent&)>;

  CaptureSource(CaptureOptions options, ChunkCallback on_chunk, StateCallback on_state,
                RetryPolicy retry = {});

  // Captures until Stop(). Chunk timestamps keep counting across reopenings:
  // the time a device was away shows as a gap in `start`. Errors other than
  // DeviceError (thrown by the callbacks) propagate.
  void Run();
  void Stop();
  // Counts so far, including those of the device open now. Thread-safe.
  CaptureStats stats() const;

 private:
  bool WaitBackoff(std::chrono::milliseconds delay);
  void Count(uint64_t CaptureStats::*counter);

  CaptureOptions options_;
  ChunkCallback on_chunk_;
  StateCallback on_state_;
  RetryPolicy retry_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  CaptureDevice* device_ = nullptr;  // guarded by mutex_
  CaptureStats closed_;              // guarded by mutex_; without device_'s own counts
};

}  // namespace scribed::audio
