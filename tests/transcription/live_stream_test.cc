// The live path on the tiny golden model: back-pressure reported and counted
// while inference is held up, everything accepted still transcribed, and
// latency measured from the arrival of the audio.
#include "scribed/transcription/live_stream.h"

#include <gtest/gtest.h>

#include <mutex>

#include "tests/pipeline/tiny_model.h"

namespace scribed::transcription {
namespace {

using Clock = std::chrono::steady_clock;

struct Events final : LiveListener {
  void OnSegment(const pipeline::Segment& s, const pipeline::Transcript&,
                 const LiveTiming& t) override {
    std::lock_guard lock(mu);
    segments.push_back(s);
    latencies.push_back(t.latency_ms);
  }
  void OnBackPressure(const std::string& state, const LiveStats& st) override {
    std::lock_guard lock(mu);
    states.push_back(state);
    dropped_at_state.push_back(st.dropped_ms);
  }
  void OnFinished(const std::optional<std::string>& e) override {
    std::lock_guard lock(mu);
    finished = true;
    error = e;
  }
  std::mutex mu;
  std::vector<pipeline::Segment> segments;
  std::vector<int64_t> latencies;
  std::vector<std::string> states;
  std::vector<int64_t> dropped_at_state;
  bool finished = false;
  std::optional<std::string> error;
};

class LiveStreamTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    model_ = new std::shared_ptr<const engine::Model>(pipeline::testing::TinyModel());
    speech_ = new std::vector<float>(pipeline::testing::GoldenSpeech());
  }
  static void TearDownTestSuite() {
    delete model_;
    delete speech_;
  }
  static pipeline::PipelineOptions Small() { return pipeline::testing::SmallOptions(); }
  // Pushes `x` from stream position `at` in 20 ms chunks, each arriving at
  // `arrival(end sample)`; returns the end position.
  static int64_t PushAll(LiveStream& s, const std::vector<float>& x, int64_t at,
                         const std::function<Clock::time_point(int64_t)>& arrival) {
    for (size_t pos = 0; pos < x.size(); pos += 320) {
      audio::Chunk c;
      c.start = at + static_cast<int64_t>(pos);
      c.samples.assign(x.begin() + pos, x.begin() + std::min(pos + 320, x.size()));
      s.Push(c, arrival(c.end()));
    }
    return at + static_cast<int64_t>(x.size());
  }

  static std::shared_ptr<const engine::Model>* model_;
  static std::vector<float>* speech_;
};
std::shared_ptr<const engine::Model>* LiveStreamTest::model_ = nullptr;
std::vector<float>* LiveStreamTest::speech_ = nullptr;

TEST_F(LiveStreamTest, HeldUpInferenceIsReportedAndDropsAreCounted) {
  std::mutex engine_turn;
  std::unique_lock hold(engine_turn);  // inference cannot run a clip until released
  pipeline::Pipeline pipe(*model_, Small(), nullptr);
  Events events;
  LiveStreamOptions o;
  o.queue_samples = 2 * audio::kOutputRate;
  o.stream.engine_turn = &engine_turn;
  LiveStream stream(pipe, events, o);
  const auto now = [](int64_t) { return Clock::now(); };
  std::vector<float> audio = *speech_;
  audio.resize(audio.size() + 16000, 0.0f);  // closes the utterance: the first clip
  for (int i = 0; i < 6; ++i) audio.insert(audio.end(), speech_->begin(), speech_->end());
  const int64_t pushed = PushAll(stream, audio, 0, now);
  const LiveStats held = stream.stats();
  // Inference stops at the first clip (at most ~4.3 s in); the queue holds 2 s.
  EXPECT_GE(held.dropped_ms, pushed / 16 - 4300 - 2000);
  EXPECT_LE(held.queue_ms, 2000);
  EXPECT_TRUE(held.behind);
  {
    std::lock_guard lock(events.mu);
    // Behind comes first, before anything is dropped; the stream ends overrun.
    ASSERT_GE(events.states.size(), 2u);
    EXPECT_EQ(events.states.front(), "behind");
    EXPECT_EQ(events.dropped_at_state.front(), 0);
    EXPECT_EQ(events.states.back(), "overrun");
    EXPECT_TRUE(events.segments.empty());
  }
  hold.unlock();
  stream.EndOfInput();
  stream.Join();
  std::lock_guard lock(events.mu);
  EXPECT_TRUE(events.finished);
  EXPECT_FALSE(events.error) << *events.error;
  EXPECT_FALSE(events.segments.empty()) << "the accepted audio was not transcribed";
  EXPECT_EQ(stream.stats().queue_ms, 0);
}

TEST_F(LiveStreamTest, LatencyRunsFromTheArrivalOfTheSpeech) {
  pipeline::Pipeline pipe(*model_, Small(), nullptr);
  Events events;
  LiveStreamOptions o;
  o.queue_samples = 60 * audio::kOutputRate;
  LiveStream stream(pipe, events, o);
  // The audio "arrived" an hour ago, one millisecond per millisecond of audio.
  const auto long_ago = Clock::now() - std::chrono::hours(1);
  const auto started = Clock::now();
  std::vector<float> audio = *speech_;
  audio.resize(audio.size() + 24000, 0.0f);
  audio.insert(audio.end(), speech_->begin(), speech_->end());
  audio.resize(audio.size() + 16000, 0.0f);
  PushAll(stream, audio, 0, [&](int64_t end) { return long_ago + std::chrono::milliseconds(end / 16); });
  stream.EndOfInput();
  stream.Join();
  const int64_t elapsed_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
  std::lock_guard lock(events.mu);
  ASSERT_FALSE(events.segments.empty());
  // Segments are handed on, not kept: a session of days does not grow. They
  // are still numbered through the whole stream.
  EXPECT_TRUE(pipe.transcript().segments.empty());
  for (size_t i = 0; i < events.segments.size(); ++i) {
    EXPECT_EQ(events.segments[i].index, static_cast<int>(i));
  }
  for (size_t i = 0; i < events.segments.size(); ++i) {
    const int64_t hour = 3600 * 1000;
    // From the arrival of the speech's end: the clip's end minus the post-roll
    // and a chunk, at most.
    EXPECT_GE(events.latencies[i], hour - events.segments[i].end_ms - 20);
    EXPECT_LE(events.latencies[i], hour - events.segments[i].start_ms + elapsed_ms);
  }
}

}  // namespace
}  // namespace scribed::transcription
