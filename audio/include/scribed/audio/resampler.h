// Streaming conversion of interleaved float audio at any rate and channel
// count to the 16 kHz mono output contract, with libsamplerate.
//
//   Resampler rs(44100, 2);
//   rs.Process(block, out);   // appends 16 kHz mono samples to `out`
//   rs.Finish(out);           // drains the filter at end of input
//
// Channels are averaged to mono before resampling. The total number of output
// samples after Finish() is round(input_frames * 16000 / input_rate).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace scribed::audio {

// libsamplerate's converters. kSincMedium keeps tones up to 6.5 kHz above
// 110 dB SNR after conversion to 16 kHz; kSincFastest only below ~5 kHz;
// figures in docs/audio.md.
enum class ResampleQuality { kSincBest, kSincMedium, kSincFastest, kLinear };

// Thread-compatible. Throws AudioError for invalid rates/channels.
class Resampler {
 public:
  Resampler(int input_rate, int channels, ResampleQuality quality = ResampleQuality::kSincMedium);
  ~Resampler();
  Resampler(const Resampler&) = delete;
  Resampler& operator=(const Resampler&) = delete;

  int input_rate() const noexcept { return input_rate_; }
  int channels() const noexcept { return channels_; }

  // Appends the output for `interleaved` (whole frames) to `out`.
  void Process(std::span<const float> interleaved, std::vector<float>& out);
  // Flushes the filter's tail; Process must not be called afterwards.
  void Finish(std::vector<float>& out);

 private:
  void Run(std::span<const float> mono, bool end_of_input, std::vector<float>& out);

  struct State;
  int input_rate_;
  int channels_;
  std::unique_ptr<State> state_;
  std::vector<float> mono_;
  int64_t frames_in_ = 0;
  int64_t samples_out_ = 0;
};

}  // namespace scribed::audio
