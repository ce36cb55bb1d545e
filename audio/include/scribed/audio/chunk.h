// The output contract of scribed_audio: 16 kHz mono float32 samples in
// [-1, 1], delivered in chunks stamped with the index of their first sample.
#pragma once

#include <cstdint>
#include <vector>

namespace scribed::audio {

inline constexpr int kOutputRate = 16000;

// A run of consecutive output samples. `start` counts 16 kHz samples from the
// beginning of the stream, so start / 16000.0 is the chunk's time in seconds
// and chunks of one stream tile it without gaps or overlaps.
struct Chunk {
  int64_t start = 0;
  std::vector<float> samples;

  int64_t end() const noexcept { return start + static_cast<int64_t>(samples.size()); }
};

inline double SamplesToSeconds(int64_t samples) noexcept {
  return static_cast<double>(samples) / kOutputRate;
}

}  // namespace scribed::audio
