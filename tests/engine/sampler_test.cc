// The sampler against the distributions it is meant to draw from. Draws use a
// fixed seed, so the frequency checks are deterministic; their bounds are
// ~5 standard deviations of a binomial count.
#include "engine/sampling/sampler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <vector>

namespace scribed::engine::sampling {
namespace {

std::vector<float> LogitsFor(const std::vector<double>& probs) {
  std::vector<float> logits;
  for (double p : probs) logits.push_back(static_cast<float>(std::log(p)));
  return logits;
}

std::map<int32_t, int> Draw(Sampler& s, const std::vector<float>& logits, int n) {
  std::map<int32_t, int> counts;
  for (int i = 0; i < n; ++i) ++counts[s.Sample(logits, {})];
  return counts;
}

TEST(Sampler, GreedyTakesTheLargestLogitAndTheLowestIdOnTies) {
  Sampler s(SamplingParams{}, {});
  EXPECT_EQ(s.Sample(std::vector<float>{0.1f, 2.0f, -1.0f, 2.0f}, {}), 1);
  EXPECT_EQ(Argmax(std::vector<float>{}), -1);
}

TEST(Sampler, SuppressedTokensAreNeverChosen) {
  Sampler greedy(SamplingParams{}, {1, 3});
  EXPECT_EQ(greedy.Sample(std::vector<float>{0.1f, 9.0f, 0.5f, 9.0f}, {}), 2);
  SamplingParams p;
  p.temperature = 1.0f;
  p.top_k = 0;
  p.top_p = 1.0f;
  Sampler sampled(p, {0});
  const auto counts = Draw(sampled, LogitsFor({0.97, 0.01, 0.01, 0.01}), 2000);
  EXPECT_EQ(counts.count(0), 0u);
}

TEST(Sampler, RepetitionPenaltyDemotesRecentTokens) {
  SamplingParams p;
  p.repetition_penalty = 2.0f;
  Sampler s(p, {});
  const std::vector<float> logits{1.0f, 1.5f, -0.5f};
  const std::vector<int32_t> recent{1};
  EXPECT_EQ(s.Sample(logits, recent), 0);  // 1.5 / 2 < 1.0
  // Negative logits are pushed further down, not up.
  const std::vector<float> negative{-1.0f, -0.6f, -5.0f};
  EXPECT_EQ(s.Sample(negative, recent), 0);  // -0.6 * 2 < -1.0
  // Outside the window the penalty no longer applies.
  p.repetition_window = 1;
  Sampler windowed(p, {});
  const std::vector<int32_t> older{1, 2};
  EXPECT_EQ(windowed.Sample(logits, older), 1);
}

TEST(Sampler, TemperatureOneFollowsTheSoftmax) {
  SamplingParams p;
  p.temperature = 1.0f;
  p.top_k = 0;
  p.top_p = 1.0f;
  p.seed = 42;
  Sampler s(p, {});
  const std::vector<double> probs{0.5, 0.3, 0.15, 0.05};
  const int n = 20000;
  const auto counts = Draw(s, LogitsFor(probs), n);
  for (size_t i = 0; i < probs.size(); ++i) {
    const double expected = probs[i] * n;
    const double sigma = std::sqrt(n * probs[i] * (1 - probs[i]));
    EXPECT_NEAR(counts.count(static_cast<int32_t>(i)) ? counts.at(static_cast<int32_t>(i)) : 0,
                expected, 5 * sigma)
        << "token " << i;
  }
}

TEST(Sampler, LowTemperatureSharpensTheDistribution) {
  SamplingParams p;
  p.temperature = 0.25f;  // probabilities ~ p^4, renormalised
  p.top_k = 0;
  p.top_p = 1.0f;
  Sampler s(p, {});
  const auto counts = Draw(s, LogitsFor({0.5, 0.3, 0.15, 0.05}), 20000);
  const double z = std::pow(0.5, 4) + std::pow(0.3, 4) + std::pow(0.15, 4) + std::pow(0.05, 4);
  EXPECT_NEAR(counts.at(0) / 20000.0, std::pow(0.5, 4) / z, 0.02);
}

TEST(Sampler, TopKAndTopPAndMinPCutTheTail) {
  const auto logits = LogitsFor({0.5, 0.3, 0.15, 0.05});
  SamplingParams p;
  p.temperature = 1.0f;
  p.top_p = 1.0f;
  p.top_k = 2;
  Sampler top_k(p, {});
  for (const auto& [id, n] : Draw(top_k, logits, 3000)) EXPECT_LT(id, 2) << n;

  p.top_k = 0;
  p.top_p = 0.7f;  // 0.5 + 0.3 reaches it
  Sampler top_p(p, {});
  for (const auto& [id, n] : Draw(top_p, logits, 3000)) EXPECT_LT(id, 2) << n;

  p.top_p = 1.0f;
  p.min_p = 0.25f;  // keeps p >= 0.125: the first three
  Sampler min_p(p, {});
  const auto counts = Draw(min_p, logits, 3000);
  EXPECT_EQ(counts.count(3), 0u);
  EXPECT_GT(counts.count(2), 0u);
}

TEST(Sampler, TheSeedMakesRunsReproducible) {
  SamplingParams p;
  p.temperature = 1.0f;
  p.top_k = 0;
  p.top_p = 1.0f;
  const auto logits = LogitsFor({0.25, 0.25, 0.25, 0.25});
  auto run = [&](uint64_t seed) {
    p.seed = seed;
    Sampler s(p, {});
    std::vector<int32_t> ids;
    for (int i = 0; i < 64; ++i) ids.push_back(s.Sample(logits, {}));
    return ids;
  };
  EXPECT_EQ(run(7), run(7));
  EXPECT_NE(run(7), run(8));
}

}  // namespace
}  // namespace scribed::engine::sampling
