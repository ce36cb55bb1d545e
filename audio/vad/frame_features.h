// Per-frame features for voice activity detection.
#pragma once

#include <span>

namespace scribed::audio::vad {

struct FrameFeatures {
  double energy_db;  // mean square in dBFS (a full-scale sine is -3 dB)
  double band_db;    // energy 150 Hz - 2 kHz (dB, arbitrary reference): where voiced
                     // speech concentrates, so broadband noise counts for less
  double flatness;   // spectral flatness 300 Hz - 4 kHz: ~0.56 white noise, -> 0 tonal
};

// `frame` holds at most 512 samples at 16 kHz.
FrameFeatures Analyze(std::span<const float> frame) noexcept;

}  // namespace scribed::audio::vad
