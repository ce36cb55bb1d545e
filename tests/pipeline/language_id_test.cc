// Language identification on the tiny golden model: a distribution over the
// languages the pipeline knows, deterministic, consistent with the model's
// own logits, and locked (or not) as PipelineOptions ask.
#include "pipeline/stages/language_id.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <numeric>

#include "pipeline/prompts/task_prompts.h"
#include "pipeline/stages/transcriber.h"
#include "scribed/engine/prompt_text.h"
#include "scribed/pipeline/pipeline.h"
#include "tests/pipeline/tiny_model.h"

namespace scribed::pipeline {
namespace {

using testing::GoldenSpeech;
using testing::TinyModel;

constexpr int64_t kFrame = engine::kAudioFrameSamples;

stages::LanguageScores Probe(std::span<const float> clip) {
  stages::Transcriber asr(TinyModel(), prompts::AsrInstruction(""), 2, 2, 2);
  const size_t whole = clip.size() / kFrame * kFrame;
  asr.Begin();
  asr.Feed(clip.first(whole));
  return asr.ProbeLanguage(clip.subspan(whole));
}

TEST(LanguageId, ADeterministicDistributionOverEveryKnownLanguage) {
  const std::span<const float> clip = std::span<const float>(GoldenSpeech()).first(24000);
  const auto t0 = std::chrono::steady_clock::now();
  const stages::LanguageScores a = Probe(clip);
  const double total_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_EQ(a.probs.size(), AllLanguages().size());
  EXPECT_NEAR(std::accumulate(a.probs.begin(), a.probs.end(), 0.0), 1.0, 1e-6);
  for (double p : a.probs) {
    EXPECT_GT(p, 0.0);
    EXPECT_LT(p, 1.0);
  }
  const stages::LanguageScores b = Probe(clip);
  EXPECT_EQ(a.probs, b.probs);
  EXPECT_EQ(a.evaluations, b.evaluations);
  // The cost, for docs/pipeline.md.
  std::printf("language scoring: %zu candidates, %d extra forward passes, %.0f ms scoring, "
              "%.0f ms with the prefill of 1.5 s of audio; question %zu tokens\n",
              a.probs.size(), a.evaluations, a.ms, total_ms,
              TinyModel()->Tokenize(prompts::LanguageQuestion()).size());
  RecordProperty("evaluations", a.evaluations);
  RecordProperty("scoring_ms", std::to_string(a.ms));
}

TEST(LanguageId, FirstTokenMarginalsAreTheModelsRenormalisedLogits) {
  // Summed over the names that share a first token, the distribution is the
  // softmax of the model's logits over those first tokens after the question.
  const auto& model = *TinyModel();
  const std::span<const float> clip = std::span<const float>(GoldenSpeech()).first(24000);
  const stages::LanguageScores scores = Probe(clip);

  engine::PromptSpec spec;
  spec.instruction = prompts::AsrInstruction("");
  spec.audio = engine::AudioPlacement::kAfterText;
  const std::string rendered = engine::RenderPrompt(spec);
  const size_t media = rendered.find(engine::kMediaMarker);
  engine::SessionOptions f16;  // as the transcriber's session
  f16.kv_type = engine::KvCacheType::kF16;
  engine::Session session(TinyModel(), f16);
  session.Append(engine::Prompt()
                     .Bos()
                     .Text(rendered.substr(0, media))
                     .Audio(std::vector<float>(clip.begin(), clip.end()))
                     .Text(prompts::LanguageQuestion() +
                           rendered.substr(media + engine::kMediaMarker.size())));
  std::map<int32_t, double> marginal;
  for (size_t i = 0; i < AllLanguages().size(); ++i) {
    marginal[model.Tokenize(AllLanguages()[i].name, false).at(0)] += scores.probs[i];
  }
  double z = 0;
  for (const auto& [token, p] : marginal) z += std::exp(double{session.logits()[token]});
  for (const auto& [token, p] : marginal) {
    EXPECT_NEAR(p, std::exp(double{session.logits()[token]}) / z, 1e-4) << "token " << token;
  }
}

PipelineOptions Small() { return testing::SmallOptions(); }

std::span<const float> Speech(int64_t from, int64_t to) { return testing::GoldenSpeech(from, to); }

TEST(LanguageId, AutomaticLanguageLocksOnAConfidentDetection) {
  PipelineOptions o = Small();
  o.guards.min_language_prob = 0;  // the tiny model is never confident
  Pipeline p(TinyModel(), o, nullptr);
  ASSERT_TRUE(p.Process({0, Speech(0, 16000)}));
  ASSERT_TRUE(p.Process({25000, Speech(25000, 41000)}));
  const Transcript t = p.Finish(true);
  ASSERT_EQ(t.segments.size(), 2u);
  const Segment& first = t.segments[0];
  const Segment& second = t.segments[1];
  ASSERT_FALSE(first.language.empty());
  EXPECT_FALSE(first.HasFlag(kFlagLanguageUncertain));
  EXPECT_EQ(t.language, "auto");
  EXPECT_EQ(t.detected_language, first.language);
  EXPECT_EQ(t.lang_prob, first.lang_prob);
  // The second segment is not probed: it carries the lock.
  EXPECT_EQ(second.language, first.language);
  EXPECT_EQ(second.lang_prob, first.lang_prob);

  // ... and is transcribed with the language named, as if configured.
  PipelineOptions named = Small();
  named.language = first.language;
  Pipeline fixed(TinyModel(), named, nullptr);
  ASSERT_TRUE(fixed.Process({25000, Speech(25000, 41000)}));
  const Segment configured = fixed.Finish(true).segments.at(0);
  EXPECT_EQ(second.verbatim, configured.verbatim);
  EXPECT_EQ(configured.language, first.language);
  EXPECT_EQ(configured.lang_prob, 1.0);
}

TEST(LanguageId, UncertainDetectionsAreFlaggedAndRedetectionKeepsAsking) {
  // Default threshold: the tiny model's guesses are flagged and lock nothing.
  Pipeline p(TinyModel(), Small(), nullptr);
  ASSERT_TRUE(p.Process({0, Speech(0, 16000)}));
  ASSERT_TRUE(p.Process({25000, Speech(25000, 41000)}));
  const Transcript t = p.Finish(true);
  ASSERT_EQ(t.segments.size(), 2u);
  for (const Segment& s : t.segments) {
    EXPECT_LT(s.lang_prob, Small().guards.min_language_prob);
    EXPECT_TRUE(s.HasFlag(kFlagLanguageUncertain));
  }
  EXPECT_TRUE(t.detected_language.empty());

  // Re-detection: each segment gets its own probe, with the automatic prompt.
  PipelineOptions o = Small();
  o.guards.min_language_prob = 0;
  o.redetect_language = true;
  Pipeline again(TinyModel(), o, nullptr);
  ASSERT_TRUE(again.Process({0, Speech(0, 16000)}));
  ASSERT_TRUE(again.Process({25000, Speech(25000, 41000)}));
  const Transcript r = again.Finish(true);
  ASSERT_EQ(r.segments.size(), 2u);
  EXPECT_EQ(r.segments[1].verbatim, t.segments[1].verbatim);
  EXPECT_NEAR(r.segments[1].lang_prob, t.segments[1].lang_prob, 1e-9);
  EXPECT_NE(r.segments[1].lang_prob, r.segments[0].lang_prob);
  EXPECT_EQ(r.detected_language, r.segments[0].language);
}

}  // namespace
}  // namespace scribed::pipeline
