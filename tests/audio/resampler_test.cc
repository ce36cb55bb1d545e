// Resampler accuracy against analytic signals evaluated at the output times.
#include "scribed/audio/resampler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <numbers>
#include <random>
#include <vector>

#include "scribed/audio/chunk.h"
#include "scribed/audio/errors.h"
#include "tests/audio/test_util.h"

namespace scribed::audio {
namespace {

using testing::SnrDb;
using Signal = std::function<double(double t)>;  // value at time t seconds

constexpr double kPi = std::numbers::pi;
constexpr double kSeconds = 1.0;
constexpr double kEdgeSeconds = 0.05;  // filter start-up/tail excluded from SNR

// Feeds `channels` copies of... each channel's signal in irregular blocks,
// returns the 16 kHz output.
std::vector<float> Resample(int rate, const std::vector<Signal>& channels, ResampleQuality q) {
  const int n = static_cast<int>(std::lround(rate * kSeconds));
  const int c = static_cast<int>(channels.size());
  std::vector<float> in(static_cast<size_t>(n) * c);
  for (int i = 0; i < n; ++i) {
    for (int ch = 0; ch < c; ++ch)
      in[i * c + ch] = static_cast<float>(channels[ch](double(i) / rate));
  }
  Resampler rs(rate, c, q);
  std::vector<float> out;
  std::mt19937 rng(rate);
  std::uniform_int_distribution<int> block(1, 3000);
  for (int pos = 0; pos < n;) {
    const int len = std::min(block(rng), n - pos);
    rs.Process(std::span<const float>(in.data() + size_t(pos) * c, size_t(len) * c), out);
    pos += len;
  }
  rs.Finish(out);
  return out;
}

double PassbandSnr(const std::vector<float>& out, const Signal& mono) {
  const size_t edge = static_cast<size_t>(kEdgeSeconds * kOutputRate);
  std::vector<double> want;
  for (size_t i = edge; i + edge < out.size(); ++i) want.push_back(mono(double(i) / kOutputRate));
  return SnrDb(want, std::span<const float>(out.data() + edge, want.size()));
}

int64_t ExpectedLength(int rate) {
  return std::llround(std::lround(rate * kSeconds) * double(kOutputRate) / rate);
}

constexpr int kRates[] = {8000, 16000, 22050, 44100, 48000, 96000};

TEST(ResamplerTest, TonesReachEightyDbInPassband) {
  for (int rate : kRates) {
    // Passband: below 90% of the lower Nyquist frequency, kSincMedium's bandwidth.
    const double f_max = 0.45 * std::min(rate, kOutputRate) * 0.9;
    for (double f : {100.0, 440.0, 1000.0, 2500.0, 3100.0, 5000.0, 6400.0}) {
      if (f > f_max) continue;
      Signal tone = [f](double t) { return 0.5 * std::sin(2 * kPi * f * t + 0.3); };
      const auto out = Resample(rate, {tone}, ResampleQuality::kSincMedium);
      ASSERT_EQ(static_cast<int64_t>(out.size()), ExpectedLength(rate)) << rate << " Hz";
      const double snr = PassbandSnr(out, tone);
      EXPECT_GE(snr, 80.0) << rate << " Hz input, " << f << " Hz tone";
    }
  }
}

TEST(ResamplerTest, SweepReachesEightyDbInPassband) {
  for (int rate : kRates) {
    const double f0 = 50.0, f1 = 0.45 * std::min(rate, kOutputRate) * 0.9;
    Signal sweep = [=](double t) {
      return 0.5 * std::sin(2 * kPi * (f0 * t + (f1 - f0) * t * t / (2 * kSeconds)));
    };
    const auto out = Resample(rate, {sweep}, ResampleQuality::kSincMedium);
    ASSERT_EQ(static_cast<int64_t>(out.size()), ExpectedLength(rate));
    EXPECT_GE(PassbandSnr(out, sweep), 80.0) << rate << " Hz input";
  }
}

TEST(ResamplerTest, StereoIsAveragedToMono) {
  for (int rate : kRates) {
    Signal left = [](double t) { return 0.6 * std::sin(2 * kPi * 300 * t); };
    Signal right = [](double t) { return 0.4 * std::cos(2 * kPi * 1100 * t); };
    Signal mono = [&](double t) { return 0.5 * (left(t) + right(t)); };
    const auto out = Resample(rate, {left, right}, ResampleQuality::kSincMedium);
    ASSERT_EQ(static_cast<int64_t>(out.size()), ExpectedLength(rate));
    EXPECT_GE(PassbandSnr(out, mono), 80.0) << rate << " Hz input";
  }
}

TEST(ResamplerTest, LengthIsExactForOddSizes) {
  for (int rate : {8000, 11025, 22050, 44100, 48000, 96000}) {
    for (int frames : {1, 7, 441, 1000, 4799}) {
      Resampler rs(rate, 1);
      std::vector<float> in(frames, 0.1f), out;
      rs.Process(in, out);
      rs.Finish(out);
      EXPECT_EQ(static_cast<int64_t>(out.size()), (int64_t(frames) * kOutputRate + rate / 2) / rate)
          << rate << " Hz, " << frames << " frames";
    }
  }
}

TEST(ResamplerTest, OutputStaysInRangeAndParametersAreChecked) {
  Resampler rs(48000, 1);
  std::vector<float> in(4800), out;
  for (size_t i = 0; i < in.size(); ++i) in[i] = (i / 7) % 2 ? 1.0f : -1.0f;  // overshoots
  rs.Process(in, out);
  rs.Finish(out);
  for (float v : out) ASSERT_LE(std::abs(v), 1.0f);
  EXPECT_THROW(Resampler(0, 1), AudioError);
  EXPECT_THROW(Resampler(48000, 0), AudioError);
  EXPECT_THROW(Resampler(48000, 1000), AudioError);
}

}  // namespace
}  // namespace scribed::audio
