// Segmentation of synthetic speech (espeak-ng, generated at test time) placed
// between known silences and mixed with white noise at 10 dB SNR.
#include "scribed/audio/segmenter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <random>
#include <vector>

#include "scribed/audio/file_source.h"
#include "tests/audio/test_util.h"

namespace scribed::audio {
namespace {

constexpr int64_t kTolerance = kOutputRate * 150 / 1000;  // 150 ms

struct Clip {
  std::vector<float> samples;  // 16 kHz, espeak's own silences trimmed
};

struct Span {
  int64_t begin, end;
};

// Trims leading/trailing frames (10 ms) more than 30 dB below the loudest one.
std::vector<float> TrimByEnergy(const std::vector<float>& x) {
  const size_t frame = kOutputRate / 100;
  std::vector<double> db;
  for (size_t i = 0; i + frame <= x.size(); i += frame) {
    double e = 0;
    for (size_t j = i; j < i + frame; ++j) e += double(x[j]) * x[j];
    db.push_back(10 * std::log10(e / frame + 1e-12));
  }
  const double peak = *std::max_element(db.begin(), db.end());
  size_t a = 0, b = db.size();
  while (a < b && db[a] < peak - 30) ++a;
  while (b > a && db[b - 1] < peak - 30) --b;
  return {x.begin() + a * frame, x.begin() + b * frame};
}

// Chunk lengths drawn from [min, max] samples by a seeded generator:
// irregular, as capture delivers them, yet the same on every run.
struct ChunkSizes {
  unsigned seed;
  int min, max;
};

// Pushes `x` into `seg` chunk by chunk, segments into `out`; `after_push`
// (if any) sees each chunk once the segmenter has taken it.
void PushInChunks(Segmenter& seg, const std::vector<float>& x, ChunkSizes sizes,
                  std::vector<Segment>& out,
                  const std::function<void(const Chunk&)>& after_push = {}) {
  std::mt19937 rng(sizes.seed);
  std::uniform_int_distribution<int> len(sizes.min, sizes.max);
  for (size_t pos = 0; pos < x.size();) {
    Chunk c;
    c.start = static_cast<int64_t>(pos);
    const size_t n = std::min<size_t>(len(rng), x.size() - pos);
    c.samples.assign(x.begin() + pos, x.begin() + pos + n);
    seg.Push(c, out);
    pos += n;
    if (after_push) after_push(c);
  }
}

// Every segment of `x`, fed in irregular chunks.
std::vector<Segment> SegmentAll(const std::vector<float>& x, const SegmenterOptions& opts) {
  Segmenter seg(opts);
  std::vector<Segment> out;
  PushInChunks(seg, x, {5, 50, 3000}, out);
  seg.Finish(out);
  return out;
}

class SegmenterTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!testing::HaveProgram("espeak-ng")) return;
    testing::TempDir dir;
    const char* texts[] = {
        "Open the window and let the morning air into the room",
        "Many years ago a young man lived near the river",
        "All of the lights were on when we came in",
        "We will meet again in the evening",
    };
    for (const char* text : texts) {
      const auto wav = dir / ("clip" + std::to_string(clips_.size()) + ".wav");
      if (!testing::RunQuiet("espeak-ng -w " + wav.string() + " '" + text + "'")) return;
      clips_.push_back({TrimByEnergy(DecodeFile(wav))});
    }
  }

  void SetUp() override {
    if (clips_.size() < 4) GTEST_SKIP() << "espeak-ng is not installed or failed";
  }

  // Lays out clips after the given silences (seconds), with a silent tail,
  // then adds white noise 10 dB below the mean speech power.
  std::vector<float> Compose(const std::vector<std::pair<double, const Clip*>>& layout,
                             double tail_seconds, std::vector<Span>* truth) {
    std::vector<float> x;
    for (const auto& [silence, clip] : layout) {
      x.resize(x.size() + static_cast<size_t>(silence * kOutputRate), 0.0f);
      truth->push_back({int64_t(x.size()), int64_t(x.size() + clip->samples.size())});
      x.insert(x.end(), clip->samples.begin(), clip->samples.end());
    }
    x.resize(x.size() + static_cast<size_t>(tail_seconds * kOutputRate), 0.0f);
    double power = 0;
    int64_t n = 0;
    for (const auto& s : *truth) {
      for (int64_t i = s.begin; i < s.end; ++i) power += double(x[i]) * x[i];
      n += s.end - s.begin;
    }
    std::mt19937 rng(1234);
    std::normal_distribution<double> noise(0.0, std::sqrt(power / n / 10.0));  // 10 dB SNR
    for (float& v : x) v = static_cast<float>(v + noise(rng));
    return x;
  }

  static void ExpectSamplesMatch(const scribed::audio::Segment& s, const std::vector<float>& x) {
    ASSERT_LE(s.end(), static_cast<int64_t>(x.size()));
    for (size_t i = 0; i < s.samples.size(); ++i) ASSERT_EQ(s.samples[i], x[s.start + i]);
  }

  static std::vector<Clip> clips_;
};
std::vector<Clip> SegmenterTest::clips_;

TEST_F(SegmenterTest, FindsUtterancesWithinOneHundredFiftyMilliseconds) {
  std::vector<Span> truth;
  const auto x = Compose(
      {{1.0, &clips_[0]}, {1.2, &clips_[1]}, {0.9, &clips_[2]}, {1.5, &clips_[3]}}, 1.0, &truth);
  const SegmenterOptions opts;
  const auto segs = SegmentAll(x, opts);
  ASSERT_EQ(segs.size(), truth.size());
  for (size_t i = 0; i < segs.size(); ++i) {
    const auto& s = segs[i];
    std::printf("utterance %zu: start error %+5.0f ms, end error %+5.0f ms\n", i,
                (s.speech_start - truth[i].begin) / 16.0, (s.speech_end - truth[i].end) / 16.0);
    EXPECT_NEAR(double(s.speech_start), double(truth[i].begin), double(kTolerance))
        << "utterance " << i << " start (s): " << s.speech_start / 16000.0 << " vs "
        << truth[i].begin / 16000.0;
    EXPECT_NEAR(double(s.speech_end), double(truth[i].end), double(kTolerance))
        << "utterance " << i << " end (s): " << s.speech_end / 16000.0 << " vs "
        << truth[i].end / 16000.0;
    // The pre-roll is delivered ahead of the detected start.
    EXPECT_EQ(s.speech_start - s.start, int64_t(opts.pre_roll_ms) * 16);
    EXPECT_FALSE(s.cut);
    ExpectSamplesMatch(s, x);
  }
}

TEST_F(SegmenterTest, LongSpeechIsCutBelowTheCapAtQuietPoints) {
  std::vector<std::pair<double, const Clip*>> layout = {{0.5, &clips_[0]}};
  for (int i = 1; i < 16; ++i) layout.push_back({0.12, &clips_[i % clips_.size()]});
  std::vector<Span> truth;
  const auto x = Compose(layout, 1.0, &truth);
  SegmenterOptions opts;
  opts.max_segment_ms = 12000;  // same logic as 30 s, a third of the audio
  const auto segs = SegmentAll(x, opts);
  ASSERT_GE(segs.size(), 3u);
  const int64_t cap = int64_t(opts.max_segment_ms) * 16;
  const int64_t overlap = int64_t(opts.overlap_ms) * 16;
  for (size_t i = 0; i < segs.size(); ++i) {
    EXPECT_LE(int64_t(segs[i].samples.size()), cap) << "segment " << i;
    ExpectSamplesMatch(segs[i], x);
    if (i + 1 < segs.size() && segs[i].cut) {
      EXPECT_EQ(segs[i + 1].start, segs[i].end() - overlap);  // seam shared by both
      // The cut lies in a pause: its 20 ms has less than the segment's median energy.
      const int64_t cut = segs[i].end() - overlap / 2;
      auto energy = [&](int64_t from) {
        double e = 0;
        for (int64_t j = from; j < from + 320; ++j) e += double(x[j]) * x[j];
        return e;
      };
      std::vector<double> frames;
      for (int64_t f = segs[i].start; f + 320 <= segs[i].end(); f += 320)
        frames.push_back(energy(f));
      std::nth_element(frames.begin(), frames.begin() + frames.size() / 2, frames.end());
      EXPECT_LT(energy(cut - 160), frames[frames.size() / 2]) << "cut at " << cut / 16000.0;
    }
  }
  // Together the segments cover all the speech.
  EXPECT_LE(segs.front().speech_start, truth.front().begin + kTolerance);
  EXPECT_GE(segs.back().speech_end, truth.back().end - kTolerance);
  for (size_t i = 0; i + 1 < segs.size(); ++i) EXPECT_GE(segs[i + 1].start, segs[i].start);

  // And with the real 30 s cap.
  ASSERT_GT(x.size(), 31u * kOutputRate);
  const auto capped = SegmentAll(x, {});
  ASSERT_GE(capped.size(), 2u);
  EXPECT_TRUE(capped.front().cut);
  for (const auto& seg : capped) EXPECT_LE(seg.samples.size(), 30u * kOutputRate);
}

TEST(SegmenterNoSpeechTest, NoiseAndSilenceAloneGiveNoSegments) {
  std::vector<float> silence(5 * kOutputRate, 0.0f);
  EXPECT_TRUE(SegmentAll(silence, {}).empty());
  std::vector<float> noise(silence.size());
  std::mt19937 rng(3);
  std::normal_distribution<double> n(0.0, 0.02);
  for (float& v : noise) v = static_cast<float>(n(rng));
  EXPECT_TRUE(SegmentAll(noise, {}).empty());
}

TEST_F(SegmenterTest, AGapInTheStreamClosesTheOpenUtterance) {
  std::vector<Span> truth;
  const auto x = Compose({{1.0, &clips_[0]}}, 0.0, &truth);
  Segmenter seg;
  std::vector<scribed::audio::Segment> out;
  Chunk c;
  c.samples.assign(x.begin(), x.begin() + (truth[0].begin + truth[0].end) / 2);
  seg.Push(c, out);
  EXPECT_TRUE(out.empty());
  Chunk later;
  later.start = c.end() + 10 * kOutputRate;
  later.samples.assign(8000, 0.0f);
  seg.Push(later, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_NEAR(double(out[0].speech_start), double(truth[0].begin), double(kTolerance));
  EXPECT_LE(out[0].end(), c.end());
}

// settled() is what honest progress counts: it may never pass audio that a
// later segment still takes, it never goes back, and after the last
// utterance closes it runs on with the silence.
TEST_F(SegmenterTest, SettledNeverPassesAudioALaterSegmentTakes) {
  std::vector<Span> truth;
  const auto x = Compose({{1.0, &clips_[0]}, {0.8, &clips_[1]}, {1.5, &clips_[2]}}, 3.0, &truth);
  Segmenter seg;
  std::vector<scribed::audio::Segment> out;
  std::vector<std::pair<size_t, int64_t>> settled_at;  // (segments emitted, settled)
  int64_t last = 0;
  bool ran_ahead_of_pushed = false;
  bool lagged_in_speech = false;
  PushInChunks(seg, x, {9, 50, 3000}, out, [&](const Chunk& c) {
    const int64_t s = seg.settled();
    EXPECT_GE(s, last);
    last = s;
    ran_ahead_of_pushed |= s > c.end();
    if (c.end() > truth[1].begin + kOutputRate && c.end() < truth[1].end) {
      lagged_in_speech |= s <= truth[1].begin;
    }
    settled_at.emplace_back(out.size(), s);
  });
  seg.Finish(out);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_FALSE(ran_ahead_of_pushed);
  EXPECT_TRUE(lagged_in_speech) << "inside an utterance, its audio is not settled";
  for (const auto& [emitted, s] : settled_at) {
    for (size_t i = emitted; i < out.size(); ++i) EXPECT_LE(s, out[i].start);
  }
  EXPECT_GE(last, static_cast<int64_t>(x.size()) - kOutputRate / 2);
}

// What a live reader of the open utterance sees is what the emitted segment
// holds: the same start, and audio that the segment keeps.
TEST_F(SegmenterTest, TheOpenSegmentIsAPrefixOfTheSegmentItBecomes) {
  std::vector<Span> truth;
  const auto x = Compose({{1.0, &clips_[0]}, {1.2, &clips_[1]}}, 2.0, &truth);
  Segmenter seg;
  std::vector<scribed::audio::Segment> out;
  struct Seen {
    size_t emitted_before;
    Segmenter::OpenSegment open;
    std::vector<float> samples;
  };
  std::vector<Seen> seen;
  PushInChunks(seg, x, {11, 100, 2000}, out, [&](const Chunk&) {
    if (const auto open = seg.open_segment()) {
      const auto held = seg.Samples(open->start, open->certain_end);
      seen.push_back({out.size(), *open, {held.begin(), held.end()}});
    }
  });
  seg.Finish(out);
  ASSERT_EQ(out.size(), 2u);
  ASSERT_FALSE(seen.empty());
  for (const Seen& s : seen) {
    ASSERT_LT(s.emitted_before, out.size());
    const scribed::audio::Segment& later = out[s.emitted_before];
    EXPECT_EQ(s.open.start, later.start);
    EXPECT_LE(s.open.certain_end, later.end());
    for (size_t i = 0; i < s.samples.size(); ++i) ASSERT_EQ(s.samples[i], later.samples[i]);
  }
  EXPECT_THROW(seg.Samples(-1, 0), std::out_of_range);
}

}  // namespace
}  // namespace scribed::audio
