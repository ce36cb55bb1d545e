// The one driver from audio chunks to a transcript, on the tiny golden model:
// what it reports per clip, honest progress, cancellation and shutdown on
// every chunk (also through speech-free audio), and resuming after a restart.
#include "scribed/transcription/stream_transcriber.h"

#include <gtest/gtest.h>

#include <atomic>
#include <random>

#include "tests/pipeline/tiny_model.h"

namespace scribed::transcription {
namespace {


// Everything the driver reported, in order.
struct Recorder final : Listener {
  struct Entry {
    bool is_clip;
    ClipResult clip;
    Progress progress;
  };
  void OnClip(const ClipResult& c) override { log.push_back({true, c, {}}); }
  void OnProgress(const Progress& p) override { log.push_back({false, {}, p}); }
  void OnPartial(const Partial& p) override {
    partials.push_back(p);
    partial_after_clips.push_back(Clips().size());
  }
  std::vector<Partial> partials;
  std::vector<size_t> partial_after_clips;  // clips reported before each partial
  std::vector<ClipResult> Clips() const {
    std::vector<ClipResult> out;
    for (const Entry& e : log) {
      if (e.is_clip) out.push_back(e.clip);
    }
    return out;
  }
  std::vector<Entry> log;
};

class StreamTranscriberTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    model_ = new std::shared_ptr<const engine::Model>(pipeline::testing::TinyModel());
    // speech, 1.5 s of silence, the speech again, 1 s of silence: two utterances.
    const std::vector<float>& speech = pipeline::testing::GoldenSpeech();
    stream_ = new std::vector<float>(speech);
    stream_->resize(stream_->size() + 24000, 0.0f);
    stream_->insert(stream_->end(), speech.begin(), speech.end());
    stream_->resize(stream_->size() + 16000, 0.0f);
  }
  static void TearDownTestSuite() {
    delete model_;
    delete stream_;
  }

  static pipeline::PipelineOptions Small() { return pipeline::testing::SmallOptions(); }

  // Pushes `samples` in irregular chunks; false when Push refused one.
  static bool PushAll(StreamTranscriber& st, const std::vector<float>& samples,
                      const std::function<void(int64_t)>& after_chunk = {}) {
    std::mt19937 rng(7);
    std::uniform_int_distribution<int> len(300, 4000);
    for (size_t pos = 0; pos < samples.size();) {
      audio::Chunk c;
      c.start = static_cast<int64_t>(pos);
      const size_t n = std::min<size_t>(len(rng), samples.size() - pos);
      c.samples.assign(samples.begin() + pos, samples.begin() + pos + n);
      pos += n;
      if (!st.Push(c)) return false;
      if (after_chunk) after_chunk(c.end());
    }
    return st.Finish();
  }

  static std::shared_ptr<const engine::Model>* model_;
  static std::vector<float>* stream_;
};
std::shared_ptr<const engine::Model>* StreamTranscriberTest::model_ = nullptr;
std::vector<float>* StreamTranscriberTest::stream_ = nullptr;

TEST_F(StreamTranscriberTest, ReportsEveryClipAndCountsOnlyTranscribedAudio) {
  pipeline::Pipeline pipe(*model_, Small(), nullptr);
  Recorder rec;
  StreamOptions o;
  o.total_samples = static_cast<int64_t>(stream_->size());
  StreamTranscriber st(pipe, &rec, o);
  ASSERT_TRUE(PushAll(st, *stream_));
  EXPECT_EQ(st.end(), End::kComplete);
  EXPECT_EQ(st.done_sample(), static_cast<int64_t>(stream_->size()));

  const std::vector<ClipResult> clips = rec.Clips();
  ASSERT_GE(clips.size(), 2u);
  size_t segments = 0;
  for (const ClipResult& c : clips) {
    EXPECT_LT(c.start_sample, c.end_sample);
    EXPECT_LE(c.speech_end_sample, c.end_sample);
    EXPECT_FALSE(c.silent);
    for (const pipeline::Segment& s : c.segments) {
      EXPECT_EQ(s.index, static_cast<int>(segments++));  // numbered in the whole stream
    }
    EXPECT_GE(c.rtf, 0.0);
  }
  const pipeline::Transcript t = pipe.Finish(true);
  EXPECT_EQ(t.segments.size(), segments);
  EXPECT_EQ(t.duration_ms, static_cast<int64_t>(stream_->size()) / 16);

  // Progress never counts audio that a later clip still had to transcribe,
  // never goes back, and ends at the whole stream.
  int64_t last_done = 0;
  for (size_t i = 0; i < rec.log.size(); ++i) {
    if (rec.log[i].is_clip) continue;
    const Progress& p = rec.log[i].progress;
    EXPECT_GE(p.done_ms, last_done);
    last_done = p.done_ms;
    EXPECT_EQ(p.total_ms, o.total_samples / 16);
    EXPECT_NEAR(p.fraction, static_cast<double>(p.done_ms) / static_cast<double>(p.total_ms), 1e-9);
    for (size_t j = i + 1; j < rec.log.size(); ++j) {
      if (rec.log[j].is_clip) {
        EXPECT_LE(p.done_ms, rec.log[j].clip.start_sample / 16)
            << "progress counted audio of a clip not yet transcribed";
      }
    }
  }
  EXPECT_EQ(last_done, o.total_samples / 16);
  EXPECT_DOUBLE_EQ(rec.log.back().progress.fraction, 1.0);
}

// Hours of silence would otherwise outlast a stop timeout: the flags are
// read before every chunk, not only inside clips.
TEST_F(StreamTranscriberTest, CancelAndStopTakeEffectOnTheNextChunkOfSilence) {
  const std::vector<float> silence(16000 * 120, 0.0f);
  for (const bool stop : {false, true}) {
    std::atomic<bool> cancel{false}, shutdown{false};
    pipeline::PipelineOptions po = Small();
    po.cancel = &cancel;
    pipeline::Pipeline pipe(*model_, po, nullptr);
    StreamOptions o;
    o.cancel = &cancel;
    o.stop = &shutdown;
    StreamTranscriber st(pipe, nullptr, o);
    int64_t pushed_after_flag = 0;
    bool flagged = false;
    EXPECT_FALSE(PushAll(st, silence, [&](int64_t end) {
      if (flagged) pushed_after_flag = end;
      if (end >= 16000 * 5 && !flagged) {
        (stop ? shutdown : cancel) = true;
        flagged = true;
      }
    }));
    EXPECT_EQ(pushed_after_flag, 0) << "a chunk was accepted after the flag was set";
    EXPECT_EQ(st.end(), stop ? End::kStopped : End::kCancelled);
    EXPECT_LT(st.done_sample(), 16000 * 6);
    EXPECT_FALSE(st.Push(audio::Chunk{}));  // stays ended
  }
}

// A restarted job skips the clips an earlier run finished and, restored with
// their segments, ends with the transcript of an uninterrupted run.
TEST_F(StreamTranscriberTest, ResumingAfterTheFirstClipEqualsAnUninterruptedRun) {
  pipeline::Pipeline whole(*model_, Small(), nullptr);
  Recorder all;
  StreamTranscriber a(whole, &all, {});
  ASSERT_TRUE(PushAll(a, *stream_));
  const pipeline::Transcript want = whole.Finish(true);
  const std::vector<ClipResult> clips = all.Clips();
  ASSERT_GE(clips.size(), 2u);

  pipeline::Pipeline resumed(*model_, Small(), nullptr);
  resumed.Restore(clips[0].segments, 0, 0);
  Recorder rest;
  StreamOptions o;
  o.resume_sample = clips[0].end_sample;
  StreamTranscriber b(resumed, &rest, o);
  ASSERT_TRUE(PushAll(b, *stream_));
  EXPECT_EQ(rest.Clips().size(), clips.size() - 1);
  EXPECT_EQ(rest.Clips().front().start_sample, clips[1].start_sample);
  const pipeline::Transcript got = resumed.Finish(true);
  ASSERT_EQ(got.segments.size(), want.segments.size());
  for (size_t i = 0; i < want.segments.size(); ++i) {
    EXPECT_EQ(got.segments[i].index, want.segments[i].index);
    EXPECT_EQ(got.segments[i].start_ms, want.segments[i].start_ms);
    EXPECT_EQ(got.segments[i].end_ms, want.segments[i].end_ms);
    EXPECT_EQ(got.segments[i].paragraph, want.segments[i].paragraph);
    EXPECT_EQ(got.segments[i].verbatim, want.segments[i].verbatim);
  }
}

// Reading utterances while they are spoken changes when the work is done,
// not what it gives: the finals equal those of clips read whole, and the
// drafts come before their final, revision after revision.
TEST_F(StreamTranscriberTest, StreamedUtterancesGiveTheSameFinalsAndDraftsBeforeThem) {
  pipeline::Pipeline whole(*model_, Small(), nullptr);
  Recorder plain;
  StreamTranscriber a(whole, &plain, {});
  ASSERT_TRUE(PushAll(a, *stream_));
  const pipeline::Transcript want = whole.Finish(true);

  pipeline::Pipeline streamed(*model_, Small(), nullptr);
  Recorder rec;
  StreamOptions o;
  o.stream_prefill = true;
  o.partial_every_ms = 1000;
  o.partial_max_tokens = 2;
  StreamTranscriber b(streamed, &rec, o);
  ASSERT_TRUE(PushAll(b, *stream_));
  const pipeline::Transcript got = streamed.Finish(true);

  ASSERT_EQ(got.segments.size(), want.segments.size());
  for (size_t i = 0; i < want.segments.size(); ++i) {
    EXPECT_EQ(got.segments[i].start_ms, want.segments[i].start_ms);
    EXPECT_EQ(got.segments[i].end_ms, want.segments[i].end_ms);
    EXPECT_EQ(got.segments[i].verbatim, want.segments[i].verbatim) << i;
  }
  const std::vector<ClipResult> clips = rec.Clips();
  ASSERT_EQ(clips.size(), plain.Clips().size());
  for (const ClipResult& c : clips) {
    EXPECT_TRUE(c.prefill_ms.has_value());  // every clip went through the live segment
    EXPECT_TRUE(c.decode_ms.has_value());
  }
  // Drafts: two or more per 3.3 s utterance, before the clip that finishes
  // them, numbered for the segment it becomes, revisions counting up.
  ASSERT_GE(rec.partials.size(), 4u);
  for (size_t i = 0; i < rec.partials.size(); ++i) {
    const Partial& p = rec.partials[i];
    const size_t next_clip = rec.partial_after_clips[i];
    ASSERT_LT(next_clip, clips.size());
    EXPECT_EQ(p.start_sample, clips[next_clip].start_sample);
    EXPECT_LE(p.end_sample, clips[next_clip].end_sample);
    ASSERT_FALSE(clips[next_clip].segments.empty());
    EXPECT_EQ(p.segment, clips[next_clip].segments.front().index);
    EXPECT_EQ(p.draft.text, p.draft.stable + p.draft.unstable);
    if (i > 0 && rec.partials[i - 1].segment == p.segment) {
      EXPECT_EQ(p.draft.rev, rec.partials[i - 1].draft.rev + 1);
      EXPECT_GT(p.end_sample, rec.partials[i - 1].end_sample);
    } else {
      EXPECT_EQ(p.draft.rev, 1);
    }
  }
}

}  // namespace
}  // namespace scribed::transcription
