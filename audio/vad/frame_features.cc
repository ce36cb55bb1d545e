#include "audio/vad/frame_features.h"

#include <array>
#include <cmath>
#include <complex>
#include <numbers>

namespace scribed::audio::vad {
namespace {

constexpr int kFftSize = 512;
constexpr int kLowBin = 10;    // 312 Hz at 16 kHz
constexpr int kHighBin = 128;  // 4 kHz: voiced speech energy lives below this
constexpr int kBandLow = 5;    // 156 Hz
constexpr int kBandHigh = 64;  // 2 kHz

// In-place iterative radix-2 FFT.
void Fft(std::array<std::complex<double>, kFftSize>& x) noexcept {
  for (int i = 1, j = 0; i < kFftSize; ++i) {
    int bit = kFftSize >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) std::swap(x[i], x[j]);
  }
  for (int len = 2; len <= kFftSize; len <<= 1) {
    const double angle = -2.0 * std::numbers::pi / len;
    const std::complex<double> step(std::cos(angle), std::sin(angle));
    for (int i = 0; i < kFftSize; i += len) {
      std::complex<double> w(1.0, 0.0);
      for (int k = 0; k < len / 2; ++k) {
        const auto u = x[i + k];
        const auto v = x[i + k + len / 2] * w;
        x[i + k] = u + v;
        x[i + k + len / 2] = u - v;
        w *= step;
      }
    }
  }
}

}  // namespace

FrameFeatures Analyze(std::span<const float> frame) noexcept {
  const size_t n = std::min<size_t>(frame.size(), kFftSize);
  if (n == 0) return {-120.0, -120.0, 1.0};
  double sum_sq = 0.0;
  std::array<std::complex<double>, kFftSize> x{};
  for (size_t i = 0; i < n; ++i) {
    const double v = frame[i];
    sum_sq += v * v;
    const double hann = 0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * (i + 0.5) / n);
    x[i] = v * hann;
  }
  FrameFeatures f;
  f.energy_db = 10.0 * std::log10(sum_sq / n + 1e-12);
  Fft(x);
  double log_sum = 0.0, sum = 0.0;
  for (int k = kLowBin; k < kHighBin; ++k) {
    const double p = std::norm(x[k]) + 1e-20;
    log_sum += std::log(p);
    sum += p;
  }
  double band = 0.0;
  for (int k = kBandLow; k < kBandHigh; ++k) band += std::norm(x[k]);
  f.band_db = 10.0 * std::log10(band / n + 1e-12);
  const int bins = kHighBin - kLowBin;
  f.flatness = std::exp(log_sum / bins) / (sum / bins);
  return f;
}

}  // namespace scribed::audio::vad
