// Guards on constructed inputs: the repetition detector against a brute-force
// reference on random token streams, and the silence test on synthetic audio.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "pipeline/stages/guards.h"

namespace scribed::pipeline::stages {
namespace {

// Brute force: the first index at which some period p <= max_p makes the
// stream's tail periodic over >= max(p * repeats, min_tokens) tokens; -1 if never.
struct Loop {
  int64_t at = -1;
  size_t keep = 0;
  int period = 0;
};
Loop ReferenceLoop(const std::vector<int32_t>& t, int max_p, int repeats, int min_tokens) {
  for (size_t end = 1; end <= t.size(); ++end) {
    for (int p = 1; p <= max_p; ++p) {
      const size_t need = std::max<size_t>(size_t(p) * repeats, size_t(min_tokens));
      if (end < need) continue;
      bool periodic = true;
      for (size_t i = end - need + p; i < end && periodic; ++i) periodic = t[i] == t[i - p];
      if (!periodic) continue;
      // Extend the periodic tail as far back as it goes.
      size_t start = end - need;
      while (start > 0 && t[start - 1] == t[start - 1 + p]) --start;
      return {int64_t(end) - 1, start + p, p};
    }
  }
  return {};
}

TEST(RepetitionDetector, MatchesBruteForceOnRandomStreams) {
  std::mt19937 rng(7);
  int fired = 0;
  for (int trial = 0; trial < 400; ++trial) {
    // Random text with loops spliced in: a small alphabet makes near-misses common.
    std::vector<int32_t> t;
    std::uniform_int_distribution<int> len(5, 80), tok(0, 5), period(1, 9), reps(1, 6);
    const int n = len(rng);
    while (static_cast<int>(t.size()) < n) {
      if (rng() % 4 == 0) {
        std::vector<int32_t> cycle(static_cast<size_t>(period(rng)));
        for (auto& c : cycle) c = tok(rng);
        for (int r = reps(rng); r > 0; --r) t.insert(t.end(), cycle.begin(), cycle.end());
      } else {
        t.push_back(tok(rng));
      }
    }
    const int max_p = 8, repeats = 3, min_tokens = 9;
    const Loop want = ReferenceLoop(t, max_p, repeats, min_tokens);
    RepetitionDetector d(max_p, repeats, min_tokens);
    int64_t at = -1;
    for (size_t i = 0; i < t.size(); ++i) {
      if (d.Push(t[i])) {
        at = static_cast<int64_t>(i);
        break;
      }
    }
    ASSERT_EQ(at, want.at) << "trial " << trial;
    if (at >= 0) {
      ++fired;
      EXPECT_EQ(d.period(), want.period) << "trial " << trial;
      EXPECT_EQ(d.keep(), want.keep) << "trial " << trial;
    }
  }
  EXPECT_GT(fired, 50);  // the generator exercises both outcomes
  EXPECT_LT(fired, 400);
}

TEST(RepetitionDetector, KeepsTheTextBeforeTheLoopAndOneCycle) {
  // "the cat sat" then "on the mat ," forever.
  std::vector<int32_t> t = {1, 2, 3};
  for (int r = 0; r < 10; ++r) t.insert(t.end(), {4, 1, 5, 6});
  RepetitionDetector d(40, 3, 16);
  size_t pushed = 0;
  while (pushed < t.size() && !d.Push(t[pushed])) ++pushed;
  ASSERT_TRUE(d.fired());
  EXPECT_EQ(d.period(), 4);
  EXPECT_EQ(pushed + 1, 3u + 16u);  // fires as soon as 16 periodic tokens are seen
  EXPECT_EQ(d.keep(), 7u);          // 1 2 3 + one "4 1 5 6"
}

TEST(RepetitionDetector, NaturalRepetitionDoesNotFire) {
  // "no no no" and a repeated phrase twice are speech, not loops.
  RepetitionDetector d(40, 3, 16);
  for (int32_t tok : {7, 7, 7, 8, 9, 10, 11, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18}) {
    EXPECT_FALSE(d.Push(tok));
  }
}

std::vector<float> Tone(double seconds, double amplitude) {
  std::vector<float> s(static_cast<size_t>(seconds * 16000));
  for (size_t i = 0; i < s.size(); ++i) s[i] = float(amplitude * std::sin(2 * M_PI * 220 * i / 16000.0));
  return s;
}

TEST(IsSilent, ThresholdOnFrameEnergy) {
  GuardOptions g;  // -45 dBFS frames, 100 ms
  EXPECT_TRUE(IsSilent(std::vector<float>(16000, 0.0f), g));
  EXPECT_TRUE(IsSilent({}, g));
  // A sine's RMS is amplitude / sqrt(2): -40 dBFS RMS is active, -50 is not.
  EXPECT_FALSE(IsSilent(Tone(1.0, std::sqrt(2.0) * std::pow(10, -40 / 20.0)), g));
  EXPECT_TRUE(IsSilent(Tone(1.0, std::sqrt(2.0) * std::pow(10, -50 / 20.0)), g));
  // A loud click (one frame) in silence is not speech; 120 ms of tone is.
  std::vector<float> click(16000, 0.0f);
  for (int i = 0; i < 320; ++i) click[8000 + i] = 0.9f;
  EXPECT_TRUE(IsSilent(click, g));
  std::vector<float> burst(16000, 0.0f);
  const auto tone = Tone(0.12, 0.5);
  std::copy(tone.begin(), tone.end(), burst.begin() + 4000);
  EXPECT_FALSE(IsSilent(burst, g));
}

}  // namespace
}  // namespace scribed::pipeline::stages
