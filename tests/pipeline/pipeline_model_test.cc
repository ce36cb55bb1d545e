// The pipeline end to end on the tiny random-weight golden model (its text
// is deterministic nonsense): timing, silence, translation, repetition and
// cancellation. Token budgets are kept small: each decode step costs ~0.1 s.
#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <sstream>

#include "pipeline/stages/prefix_session.h"
#include "scribed/base/json.h"
#include "scribed/pipeline/pipeline.h"
#include "scribed/pipeline/text_tidy.h"
#include "scribed/pipeline/writers.h"
#include "tests/pipeline/tiny_model.h"

namespace scribed::pipeline {
namespace {

class Collect : public ResultSink {
 public:
  void OnSegment(const Segment& s) override {
    segments.push_back(s);
    if (cancel_after > 0 && static_cast<int>(segments.size()) >= cancel_after) cancel->store(true);
  }
  void OnProgress(const Progress& p) override { progress.push_back(p); }
  std::vector<Segment> segments;
  std::vector<Progress> progress;
  int cancel_after = 0;
  std::atomic<bool>* cancel = nullptr;
};

class PipelineModel : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    model_ = new std::shared_ptr<const engine::Model>(testing::TinyModel());
    speech_ = new std::vector<float>(testing::GoldenSpeech());
  }
  static void TearDownTestSuite() {
    delete model_;
    delete speech_;
  }

  // The shared small options with room for a few more tokens per second and
  // a small translation budget.
  static PipelineOptions Small() {
    PipelineOptions o = testing::SmallOptions();
    o.guards.max_tokens_per_second = 4;
    o.guards.text_tokens_factor = 0.5;
    o.guards.text_tokens_base = 2;
    return o;
  }
  static std::span<const float> Speech(int64_t from, int64_t to) {
    return std::span<const float>(*speech_).subspan(static_cast<size_t>(from),
                                                   static_cast<size_t>(to - from));
  }

  static std::shared_ptr<const engine::Model>* model_;
  static std::vector<float>* speech_;
};
std::shared_ptr<const engine::Model>* PipelineModel::model_ = nullptr;
std::vector<float>* PipelineModel::speech_ = nullptr;

TEST_F(PipelineModel, ClipsBecomeExactlyTimedSegmentsAndValidFiles) {
  Collect sink;
  Pipeline p(*model_, Small(), &sink);
  const std::vector<float> silence(8000, 0.0f);
  // Clip positions as a segmenter would send them, with a silent one between.
  ASSERT_TRUE(p.Process({0, Speech(0, 16000)}));
  ASSERT_TRUE(p.Process({17000, silence}));
  ASSERT_TRUE(p.Process({25000, Speech(25000, 41000)}));
  ASSERT_TRUE(p.Process({41000 - 3200, Speech(41000 - 3200, 52263)}));  // 200 ms overlap (a cut)
  p.Advance(52263);
  const Transcript t = p.Finish(true);

  EXPECT_EQ(t.duration_ms, 52263 / 16);
  EXPECT_EQ(t.skipped_silent_clips, 1);
  ASSERT_EQ(t.segments.size(), 3u);
  const int64_t want_start[] = {0, 25000 / 16, 41000 / 16};  // the overlap starts at the previous end
  const int64_t want_end[] = {1000, 41000 / 16, 52263 / 16};
  for (size_t i = 0; i < t.segments.size(); ++i) {
    const Segment& s = t.segments[i];
    EXPECT_EQ(s.index, static_cast<int>(i));
    EXPECT_EQ(s.start_ms, want_start[i]);
    EXPECT_EQ(s.end_ms, want_end[i]);
    EXPECT_FALSE(s.verbatim.empty());
    EXPECT_EQ(s.text, s.verbatim);  // verbatim mode
    EXPECT_EQ(sink.segments[i].verbatim, s.verbatim);
  }
  EXPECT_FALSE(t.segments[1].paragraph);  // 563 ms pause
  ASSERT_FALSE(sink.progress.empty());
  EXPECT_EQ(sink.progress.back().done_ms, 52263 / 16);
  EXPECT_EQ(t.provenance.quant, "F32");
  EXPECT_EQ(t.provenance.mode, "verbatim");

  // The files: JSON round-trips the segments; SubRip/WebVTT cues are ordered and inside the audio.
  const auto j = nlohmann::json::parse(RenderJson(t));
  ASSERT_EQ(j["segments"].size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(j["segments"][i]["start_ms"], t.segments[i].start_ms);
    EXPECT_EQ(j["segments"][i]["verbatim"].get<std::string>().empty(), false);
  }
  for (const bool srt : {true, false}) {
    std::istringstream in(srt ? RenderSrt(t) : RenderVtt(t));
    std::string line;
    if (!srt) {
      std::getline(in, line);
      EXPECT_EQ(line, "WEBVTT");
    }
    int64_t last_end = 0;
    int cues = 0;
    while (std::getline(in, line)) {
      const size_t arrow = line.find(" --> ");
      if (arrow == std::string::npos) continue;
      auto ms = [&](const std::string& c) {
        return std::stoll(c.substr(0, 2)) * 3600000 + std::stoll(c.substr(3, 2)) * 60000 +
               std::stoll(c.substr(6, 2)) * 1000 + std::stoll(c.substr(9, 3));
      };
      const int64_t a = ms(line.substr(0, arrow)), b = ms(line.substr(arrow + 5));
      EXPECT_GE(a, last_end);
      EXPECT_GT(b, a);
      EXPECT_LE(b, t.duration_ms);
      EXPECT_EQ(line[8], srt ? ',' : '.');
      last_end = b;
      ++cues;
    }
    EXPECT_EQ(cues, 3);
  }

  // The cached prompt prefix gives what a fresh pipeline gives for the same clip.
  Pipeline fresh(*model_, Small(), nullptr);
  ASSERT_TRUE(fresh.Process({25000, Speech(25000, 41000)}));
  EXPECT_EQ(fresh.Finish(true).segments.at(0).verbatim, t.segments[1].verbatim);
}

TEST_F(PipelineModel, SilenceYieldsNoSegments) {
  Collect sink;
  Pipeline p(*model_, Small(), &sink);
  std::mt19937 rng(1);
  std::normal_distribution<float> noise(0.0f, 0.001f);  // -60 dBFS hiss
  std::vector<float> hiss(16000 * 3);
  for (float& s : hiss) s = noise(rng);
  ASSERT_TRUE(p.Process({0, std::vector<float>(16000 * 2, 0.0f)}));
  ASSERT_TRUE(p.Process({32000, hiss}));
  const Transcript t = p.Finish(true);
  EXPECT_TRUE(t.segments.empty());
  EXPECT_TRUE(sink.segments.empty());
  EXPECT_EQ(t.skipped_silent_clips, 2);
  EXPECT_EQ(t.duration_ms, 5000);
}

TEST_F(PipelineModel, TranslationFillsBothFieldsOnBothPaths) {
  for (const TranslationPath path : {TranslationPath::kText, TranslationPath::kSpeech}) {
    PipelineOptions o = Small();
    // Clean mode once (the formatter's session costs a prefill); verbatim for the speech path.
    o.mode = path == TranslationPath::kText ? FormatMode::kClean : FormatMode::kVerbatim;
    o.translate_to = "de";
    o.translation_path = path;
    Pipeline p(*model_, o, nullptr);
    ASSERT_TRUE(p.Process({0, Speech(0, 8000)}));
    const Transcript t = p.Finish(true);
    EXPECT_EQ(t.translation_language, "de");
    EXPECT_EQ(t.provenance.translate_to, "German");
    ASSERT_EQ(t.segments.size(), 1u);
    const Segment& s = t.segments[0];
    EXPECT_FALSE(s.verbatim.empty());
    EXPECT_FALSE(s.text.empty());
    EXPECT_FALSE(s.translation.empty());
    if (s.HasFlag(kFlagFormatFallback)) {
      EXPECT_EQ(s.text, TidyText(s.verbatim, false));
    }
    // The tiny model never writes "German: ", so the speech path falls back to text.
    EXPECT_EQ(s.HasFlag(kFlagTranslationFallback), path == TranslationPath::kSpeech);
    const auto j = nlohmann::json::parse(RenderJson(t));
    EXPECT_EQ(j["segments"][0]["translation"], s.translation);
    EXPECT_EQ(j["segments"][0]["text"], s.text);
  }
}

TEST_F(PipelineModel, RepetitionLoopIsCutAndFlagged) {
  // Unguarded, the tiny model repeats one token early in this clip.
  PipelineOptions loose = Small();
  loose.guards.max_tokens_per_second = 4;
  loose.guards.max_tokens_base = 4;
  loose.guards.min_loop_tokens = 1000;
  Pipeline a(*model_, loose, nullptr);
  ASSERT_TRUE(a.Process({0, *speech_}));
  const Segment unguarded = a.Finish(true).segments.at(0);
  ASSERT_TRUE(unguarded.HasFlag(kFlagTruncated));
  ASSERT_FALSE(unguarded.HasFlag(kFlagRepetition));

  PipelineOptions guarded = loose;
  guarded.guards.min_loop_tokens = 4;
  guarded.guards.min_repeats = 3;
  Pipeline b(*model_, guarded, nullptr);
  ASSERT_TRUE(b.Process({0, *speech_}));
  const Segment cut = b.Finish(true).segments.at(0);
  EXPECT_TRUE(cut.HasFlag(kFlagRepetition));
  EXPECT_FALSE(cut.HasFlag(kFlagTruncated));
  EXPECT_LT(cut.verbatim.size(), unguarded.verbatim.size());
  EXPECT_EQ(unguarded.verbatim.rfind(cut.verbatim, 0), 0u) << cut.verbatim << " | " << unguarded.verbatim;
}

TEST_F(PipelineModel, CancellationKeepsFinishedSegments) {
  std::atomic<bool> cancel{false};
  Collect sink;
  sink.cancel = &cancel;
  sink.cancel_after = 1;
  PipelineOptions o = Small();
  o.cancel = &cancel;
  Pipeline p(*model_, o, &sink);
  ASSERT_TRUE(p.Process({0, Speech(0, 8000)}));
  EXPECT_FALSE(p.Process({8000, Speech(8000, 16000)}));
  const Transcript t = p.Finish(false);
  EXPECT_FALSE(t.complete);
  EXPECT_EQ(t.segments.size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(RenderJson(t))["complete"], false);
}

TEST_F(PipelineModel, RejectsBadClipsAndOptions) {
  Pipeline p(*model_, Small(), nullptr);
  const std::vector<float> long_clip(static_cast<size_t>(kMaxClipSamples) + 1, 0.0f);
  EXPECT_THROW(p.Process({0, long_clip}), std::invalid_argument);
  ASSERT_TRUE(p.Process({16000, std::vector<float>(100, 0.0f)}));
  EXPECT_THROW(p.Process({0, std::vector<float>(100, 0.0f)}), std::invalid_argument);
  PipelineOptions bad = Small();
  bad.translate_to = "Klingon";
  EXPECT_THROW(Pipeline(*model_, bad, nullptr), std::invalid_argument);
  bad = Small();
  bad.language = "xx";
  EXPECT_THROW(Pipeline(*model_, bad, nullptr), std::invalid_argument);
}

}  // namespace
}  // namespace scribed::pipeline
