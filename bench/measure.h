// Measurement helpers shared by scribe's benchmarks: robust timing, resident
// buffers, and the machine's memory copy bandwidth that every throughput
// figure is compared with.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "engine/runtime/thread_pool.h"

namespace scribed::bench {

using Clock = std::chrono::steady_clock;

inline double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// Median duration of repeated calls to `fn` (at least `min_reps`, for at least
// `min_seconds`): robust to both preemption on a shared machine and to the
// occasional implausibly fast sample.
template <class F>
double MedianSeconds(int min_reps, double min_seconds, const F& fn) {
  std::vector<double> samples;
  const auto start = Clock::now();
  while (static_cast<int>(samples.size()) < min_reps ||
         Seconds(start, Clock::now()) < min_seconds) {
    const auto t0 = Clock::now();
    fn();
    samples.push_back(Seconds(t0, Clock::now()));
  }
  std::nth_element(samples.begin(),
                   samples.begin() + static_cast<std::ptrdiff_t>(samples.size() / 2),
                   samples.end());
  return samples[samples.size() / 2];
}

// Page-aligned buffer without value-initialization, pages touched by `pool`
// so they are resident (and spread over the threads' memory) before timing.
struct Buffer {
  std::unique_ptr<uint8_t[]> data;
  size_t size;
  Buffer(size_t n, engine::ThreadPool& pool);
};

// Bytes read plus bytes written per second by a parallel memcpy of 1 GiB.
// Thread-compatible; holds 2 GiB while alive.
class CopyBandwidth {
 public:
  explicit CopyBandwidth(engine::ThreadPool& pool);
  // GB/s (1e9 bytes), the median of repeated copies over at least `min_seconds`.
  double Measure(double min_seconds);

 private:
  engine::ThreadPool& pool_;
  Buffer src_, dst_;
};

}  // namespace scribed::bench
