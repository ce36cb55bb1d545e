// Transcript writers: the files are parsed back with independent minimal
// parsers (SubRip, WebVTT) or nlohmann::json and compared with the input.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "scribed/base/json.h"
#include "scribed/pipeline/writers.h"

namespace scribed::pipeline {
namespace {

namespace fs = std::filesystem;

Transcript Sample() {
  Transcript t;
  t.source = "talk.wav";
  t.duration_ms = 7200000;
  Segment a;
  a.index = 0;
  a.start_ms = 0;
  a.end_ms = 1500;
  a.paragraph = true;
  a.verbatim = "um hello there";
  a.text = "Hello there.";
  Segment b;
  b.index = 1;
  b.start_ms = 1500;
  b.end_ms = 4321;
  b.verbatim = "a < b & c --> d";
  b.text = "A < b & c --> d.";
  b.flags = {kFlagRepetition};
  Segment c;
  c.index = 2;
  c.start_ms = 3723004;  // 1:02:03.004
  c.end_ms = 3725999;
  c.paragraph = true;
  c.verbatim = c.text = "line\nbreak";
  t.segments = {a, b, c};
  return t;
}

int64_t ParseClock(const std::string& s, char sep) {
  // HH:MM:SS<sep>mmm, parsed field by field.
  EXPECT_EQ(s.size(), 12u) << s;
  EXPECT_EQ(s[2], ':');
  EXPECT_EQ(s[5], ':');
  EXPECT_EQ(s[8], sep) << s;
  return std::stoll(s.substr(0, 2)) * 3600000 + std::stoll(s.substr(3, 2)) * 60000 +
         std::stoll(s.substr(6, 2)) * 1000 + std::stoll(s.substr(9, 3));
}

struct Cue {
  int index = 0;
  int64_t start = 0, end = 0;
  std::vector<std::string> lines;
};

std::vector<Cue> ParseCues(const std::string& text, bool srt) {
  std::vector<Cue> cues;
  std::istringstream in(text);
  std::string line;
  if (!srt) {
    std::getline(in, line);
    EXPECT_EQ(line, "WEBVTT");
    std::getline(in, line);
    EXPECT_EQ(line, "");
  }
  while (std::getline(in, line)) {
    Cue c;
    if (srt) {
      c.index = std::stoi(line);
      std::getline(in, line);
    }
    const size_t arrow = line.find(" --> ");
    EXPECT_NE(arrow, std::string::npos) << line;
    c.start = ParseClock(line.substr(0, arrow), srt ? ',' : '.');
    c.end = ParseClock(line.substr(arrow + 5), srt ? ',' : '.');
    while (std::getline(in, line) && !line.empty()) c.lines.push_back(line);
    cues.push_back(c);
  }
  return cues;
}

TEST(Writers, TimestampsMatchArithmetic) {
  std::mt19937_64 rng(3);
  for (int i = 0; i < 200; ++i) {
    const int64_t ms = static_cast<int64_t>(rng() % 360000000);
    EXPECT_EQ(ParseClock(Timestamp(ms, ','), ','), ms);
    EXPECT_EQ(ParseClock(Timestamp(ms, '.'), '.'), ms);
  }
  EXPECT_EQ(Timestamp(0, ','), "00:00:00,000");
  EXPECT_EQ(Timestamp(3723004, '.'), "01:02:03.004");
}

TEST(Writers, SrtHasOneBasedIndicesExactTimesAndOneLineText) {
  const Transcript t = Sample();
  const auto cues = ParseCues(RenderSrt(t), true);
  ASSERT_EQ(cues.size(), 3u);
  for (size_t i = 0; i < cues.size(); ++i) {
    EXPECT_EQ(cues[i].index, static_cast<int>(i) + 1);
    EXPECT_EQ(cues[i].start, t.segments[i].start_ms);
    EXPECT_EQ(cues[i].end, t.segments[i].end_ms);
    ASSERT_EQ(cues[i].lines.size(), 1u);
  }
  EXPECT_EQ(cues[1].lines[0], "A < b & c --> d.");  // SubRip has no escaping
  EXPECT_EQ(cues[2].lines[0], "line break");
}

TEST(Writers, VttEscapesMarkupAndKeepsArrowsOutOfText) {
  const Transcript t = Sample();
  const std::string vtt = RenderVtt(t);
  const auto cues = ParseCues(vtt, false);
  ASSERT_EQ(cues.size(), 3u);
  EXPECT_EQ(cues[1].lines[0], "A &lt; b &amp; c --&gt; d.");
  EXPECT_EQ(cues[2].start, 3723004);
  // Exactly one arrow per cue: the timing line.
  size_t arrows = 0;
  for (size_t at = 0; (at = vtt.find("-->", at)) != std::string::npos; ++at) ++arrows;
  EXPECT_EQ(arrows, 3u);
}

TEST(Writers, TranslationGoesUnderTheSourceText) {
  Transcript t = Sample();
  t.translation_language = "de";
  t.segments[0].translation = "Hallo zusammen.";
  const auto srt = ParseCues(RenderSrt(t), true);
  ASSERT_EQ(srt[0].lines.size(), 2u);
  EXPECT_EQ(srt[0].lines[0], "Hello there.");
  EXPECT_EQ(srt[0].lines[1], "Hallo zusammen.");
  EXPECT_EQ(RenderTxt(t).substr(0, 29), "Hello there.\nHallo zusammen.\n");
}

TEST(Writers, TxtBreaksParagraphsAtPauses) {
  EXPECT_EQ(RenderTxt(Sample()), "Hello there. A < b & c --> d.\n\nline break\n");
  EXPECT_EQ(RenderTxt(Transcript{}), "");
}

TEST(Writers, JsonKeepsVerbatimAndFormattedSideBySide) {
  Transcript t = Sample();
  t.complete = false;
  t.provenance.model = {"/m/model.gguf", std::string(64, 'a'), 123};
  t.provenance.quant = "Q4_K";
  t.segments[0].verbatim = "bad \xff utf8";
  const nlohmann::json j = nlohmann::json::parse(RenderJson(t));
  EXPECT_EQ(j["format"], "scribed-transcript");
  EXPECT_EQ(j["complete"], false);
  EXPECT_EQ(j["duration_ms"], 7200000);
  ASSERT_EQ(j["segments"].size(), 3u);
  EXPECT_EQ(j["segments"][1]["verbatim"], "a < b & c --> d");
  EXPECT_EQ(j["segments"][1]["text"], "A < b & c --> d.");
  EXPECT_EQ(j["segments"][1]["flags"][0], "repetition");
  EXPECT_EQ(j["segments"][2]["start_ms"], 3723004);
  EXPECT_FALSE(j["segments"][0].contains("translation"));
  EXPECT_EQ(j["provenance"]["model"]["sha256"], std::string(64, 'a'));
  EXPECT_EQ(j["provenance"]["quant"], "Q4_K");
  EXPECT_EQ(j["provenance"]["prompt_version"], kPromptVersion);
  EXPECT_EQ(j["segments"][0]["verbatim"], "bad \xef\xbf\xbd utf8");  // replaced, not thrown
}

TEST(Writers, FormatList) {
  using F = OutputFormat;
  EXPECT_EQ(ParseOutputFormats("srt,json"), (std::vector<F>{F::kSrt, F::kJson}));
  EXPECT_EQ(ParseOutputFormats("txt, vtt,txt"), (std::vector<F>{F::kTxt, F::kVtt}));
  EXPECT_THROW(ParseOutputFormats("srt,docx"), std::invalid_argument);
  EXPECT_THROW(ParseOutputFormats("srt,"), std::invalid_argument);
  EXPECT_THROW(ParseOutputFormats(""), std::invalid_argument);
}

}  // namespace
}  // namespace scribed::pipeline
