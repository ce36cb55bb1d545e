// Helpers shared by the audio tests: a temporary directory, external tools
// (ffmpeg, espeak-ng) run at test time, and signal comparisons.
#pragma once

#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <span>
#include <string>

#include "tests/support/programs.h"
#include "tests/support/temp_dir.h"

namespace scribed::audio::testing {

using scribed::testing::TempDir;

using scribed::testing::HaveProgram;
using scribed::testing::RunQuiet;

// SNR in dB of `got` against the reference `want` (same length).
inline double SnrDb(std::span<const double> want, std::span<const float> got) {
  double signal = 0, noise = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    signal += want[i] * want[i];
    const double e = static_cast<double>(got[i]) - want[i];
    noise += e * e;
  }
  return 10.0 * std::log10(signal / std::max(noise, 1e-300));
}

// Highest normalised cross-correlation of b against a over lags in
// [-max_lag, max_lag]; `*best_lag` receives the lag (b[i + lag] ~ a[i]).
inline double BestCorrelation(std::span<const float> a, std::span<const float> b, int max_lag,
                              int* best_lag) {
  double best = -2.0;
  for (int lag = -max_lag; lag <= max_lag; ++lag) {
    double ab = 0, aa = 0, bb = 0;
    for (size_t i = 0; i < a.size(); ++i) {
      const long j = static_cast<long>(i) + lag;
      if (j < 0 || j >= static_cast<long>(b.size())) continue;
      ab += a[i] * b[j];
      aa += a[i] * a[i];
      bb += b[j] * b[j];
    }
    const double c = (aa > 0 && bb > 0) ? ab / std::sqrt(aa * bb) : 0.0;
    if (c > best) {
      best = c;
      *best_lag = lag;
    }
  }
  return best;
}

}  // namespace scribed::audio::testing
