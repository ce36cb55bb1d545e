// LiveTranscriber on the tiny golden model: a segment fed in pieces, with
// drafts, abandoned false starts and a cut at the 30 s cap, ends in exactly
// the segments Pipeline::Process gives for the same clips.
#include "scribed/pipeline/live_transcriber.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <vector>

#include "tests/pipeline/tiny_model.h"

namespace scribed::pipeline {
namespace {

using testing::GoldenSpeech;
using testing::TinyModel;

PipelineOptions Small() { return testing::SmallOptions(); }

std::span<const float> Speech(int64_t from, int64_t to) { return testing::GoldenSpeech(from, to); }

// Feeds `audio` in pieces of the given sizes (cycled).
LiveTranscriber::FeedResult FeedInPieces(LiveTranscriber& live, std::span<const float> audio,
                                         const std::vector<size_t>& pieces) {
  LiveTranscriber::FeedResult total;
  for (size_t at = 0, i = 0; at < audio.size(); ++i) {
    const size_t n = std::min(pieces[i % pieces.size()], audio.size() - at);
    const auto r = live.Feed(audio.subspan(at, n));
    total.cost.rows += r.cost.rows;
    total.cost.prefill_ms += r.cost.prefill_ms;
    total.cuts += r.cuts;
    at += n;
  }
  return total;
}

void ExpectSameSegment(const Segment& a, const Segment& b) {
  EXPECT_EQ(a.index, b.index);
  EXPECT_EQ(a.start_ms, b.start_ms);
  EXPECT_EQ(a.end_ms, b.end_ms);
  EXPECT_EQ(a.paragraph, b.paragraph);
  EXPECT_EQ(a.verbatim, b.verbatim);
  EXPECT_EQ(a.text, b.text);
  EXPECT_EQ(a.flags, b.flags);
  EXPECT_EQ(a.language, b.language);
  // Logits agree to float rounding, so language probabilities nearly exactly.
  EXPECT_NEAR(a.lang_prob, b.lang_prob, 1e-4);
}

Transcript Processed(const std::vector<Clip>& clips, const PipelineOptions& options = Small()) {
  Pipeline p(TinyModel(), options, nullptr);
  for (const Clip& c : clips) EXPECT_TRUE(p.Process(c));
  return p.Finish(true);
}

TEST(LiveTranscriber, SegmentFedInPiecesEqualsProcessOfTheClip) {
  const Transcript want = Processed({{0, Speech(0, 16000)}, {25000, Speech(25000, 41000)}});
  ASSERT_EQ(want.segments.size(), 2u);

  Pipeline p(TinyModel(), Small(), nullptr);
  LiveTranscriber live(p);
  live.Begin(0);
  // Uneven pieces, and 4000 samples more than the segment (a VAD's hangover).
  const auto fed = FeedInPieces(live, Speech(0, 20000), {100, 640, 1000, 3333, 17});
  EXPECT_EQ(fed.cost.rows, 20000 / 640);
  EXPECT_EQ(live.end_sample(), 20000);
  const LiveFinal first = live.Finish(16000);
  EXPECT_TRUE(first.completed);
  EXPECT_EQ(first.segments, 1);
  EXPECT_GT(first.cost.decode_ms, 0);
  EXPECT_GT(first.cost.tokens, 0);
  EXPECT_FALSE(live.open());
  // The figures a live session budgets with, for docs/pipeline.md.
  std::printf("live: fed %lld rows in %.0f ms total; finish: prefill %.0f ms, language %.0f ms, "
              "decode %.0f ms (%d tokens)\n",
              static_cast<long long>(fed.cost.rows), fed.cost.prefill_ms, first.cost.prefill_ms,
              first.cost.language_ms, first.cost.decode_ms, first.cost.tokens);

  live.Begin(25000);
  FeedInPieces(live, Speech(25000, 41000), {6400});
  EXPECT_EQ(live.Finish().segments, 1);

  const Transcript got = p.Finish(true);
  ASSERT_EQ(got.segments.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    SCOPED_TRACE(i);
    ExpectSameSegment(got.segments[i], want.segments[i]);
  }
}

TEST(LiveTranscriber, DraftsRevisePartialsWithoutChangingTheFinal) {
  auto run = [](bool drafts, std::vector<LiveDraft>* out) {
    Pipeline p(TinyModel(), Small(), nullptr);
    LiveTranscriber live(p);
    live.Begin(0);
    for (int64_t at = 0; at < 24000; at += 8000) {
      live.Feed(Speech(at, at + 8000 - 333));  // leftovers carried between feeds
      live.Feed(Speech(at + 8000 - 333, at + 8000));
      if (drafts) out->push_back(live.Draft(6));
    }
    EXPECT_EQ(live.Finish().segments, 1);
    return p.Finish(true).segments.at(0);
  };
  std::vector<LiveDraft> partials;
  const Segment with = run(true, &partials);
  const Segment without = run(false, nullptr);
  ExpectSameSegment(with, without);

  ASSERT_EQ(partials.size(), 3u);
  for (size_t i = 0; i < partials.size(); ++i) {
    const LiveDraft& d = partials[i];
    EXPECT_EQ(d.rev, static_cast<int>(i) + 1);
    EXPECT_FALSE(d.text.empty());
    EXPECT_EQ(d.stable + d.unstable, d.text);
    EXPECT_GT(d.cost.decode_ms, 0);
    EXPECT_LE(d.cost.tokens, 6);
    if (i == 0) {
      EXPECT_TRUE(d.stable.empty());
    } else {
      // Stable: what this draft and the previous one agree on.
      EXPECT_EQ(partials[i - 1].text.rfind(d.stable, 0), 0u);
    }
  }
}

TEST(LiveTranscriber, AbandonedFalseStartLeavesNoTrace) {
  const Transcript want = Processed({{25000, Speech(25000, 41000)}});
  Pipeline p(TinyModel(), Small(), nullptr);
  LiveTranscriber live(p);
  live.Begin(0);
  live.Feed(Speech(0, 9000));
  live.Draft(3);
  live.Abandon();
  EXPECT_FALSE(live.open());
  live.Begin(25000);
  live.Feed(Speech(25000, 41000));
  live.Finish();
  const Transcript got = p.Finish(true);
  ASSERT_EQ(got.segments.size(), 1u);
  ExpectSameSegment(got.segments[0], want.segments[0]);
}

TEST(LiveTranscriber, SegmentReachingTheCapIsCutLikeAFileRecording) {
  // 32.7 s of speech: the golden clip ten times.
  std::vector<float> talk;
  for (int i = 0; i < 10; ++i) talk.insert(talk.end(), GoldenSpeech().begin(), GoldenSpeech().end());
  PipelineOptions o = Small();
  o.guards.max_tokens_per_second = 0.2;  // a few tokens for 30 s
  Pipeline p(TinyModel(), o, nullptr);
  LiveTranscriber live(p);
  const int64_t start = 1600;  // 100 ms: sample positions of whole milliseconds
  live.Begin(start);
  const auto fed = FeedInPieces(live, talk, {16000});
  EXPECT_EQ(fed.cuts, 1);
  EXPECT_TRUE(live.open());
  EXPECT_EQ(live.Finish().segments, 1);
  const Transcript got = p.Finish(true);
  ASSERT_EQ(got.segments.size(), 2u);

  // The first part ends half an overlap after the cut, the second starts half before it.
  const int64_t first_end = got.segments[0].end_ms * 16;
  const int64_t second_start = first_end - 3200;
  EXPECT_LE(first_end - start, kMaxClipSamples);
  EXPECT_GE(first_end - start, kMaxClipSamples - 5 * 16000);
  const std::span<const float> all(talk);
  const Transcript want = Processed(
      {{start, all.subspan(0, static_cast<size_t>(first_end - start))},
       {second_start, all.subspan(static_cast<size_t>(second_start - start))}},
      o);
  ASSERT_EQ(want.segments.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    SCOPED_TRACE(i);
    ExpectSameSegment(got.segments[i], want.segments[i]);
  }
}

TEST(LiveTranscriber, MisuseIsRejected) {
  Pipeline p(TinyModel(), Small(), nullptr);
  LiveTranscriber live(p);
  EXPECT_THROW(live.Feed(Speech(0, 100)), std::logic_error);
  EXPECT_THROW(live.Finish(), std::logic_error);
  live.Begin(16000);
  EXPECT_THROW(live.Begin(16000), std::logic_error);
  EXPECT_THROW(p.Process({20000, Speech(0, 8000)}), std::logic_error);
  live.Feed(Speech(0, 8000));
  EXPECT_THROW(live.Finish(16000 + 8001), std::invalid_argument);
  EXPECT_THROW(live.Finish(15999), std::invalid_argument);
  live.Abandon();
  ASSERT_TRUE(p.Process({20000, Speech(0, 8000)}));
  EXPECT_THROW(live.Begin(19999), std::invalid_argument);
}

}  // namespace
}  // namespace scribed::pipeline
