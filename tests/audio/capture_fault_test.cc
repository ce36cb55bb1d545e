// The capture code against a device that fails on demand: the `faulty` ALSA
// PCM (tests/support/faulty_pcm.h) plays a 16 kHz ramp, so that every
// captured sample shows which source frame it is, and overruns, disappears or
// stalls when the test says so.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "scribed/audio/capture.h"
#include "scribed/audio/capture_source.h"
#include "scribed/audio/errors.h"
#include "scribed/audio/wav_writer.h"
#include "tests/support/faulty_pcm.h"
#include "tests/support/temp_dir.h"

namespace scribed::audio {
namespace {

using Clock = std::chrono::steady_clock;
using scribed::testing::FaultyPcm;
using scribed::testing::TempDir;
constexpr auto kTimeout = std::chrono::seconds(30);

// Frame i of the test file: never zero (silence shows where audio was lost),
// exact in float and unchanged by the 16 kHz mono path.
float Source(int64_t i) { return static_cast<float>((i % 4096) + 1) / 8192.0f; }

// Capture options for the faulty PCM: its own rate, so no resampling.
CaptureOptions Options(const FaultyPcm& pcm) {
  CaptureOptions o;
  o.device = pcm.name();
  o.rate = kOutputRate;
  return o;
}

class CaptureFaultTest : public ::testing::Test {
 protected:
  explicit CaptureFaultTest(double speed = 1.0)
      : pcm_(dir_.path(), {.wav = dir_ / "ramp.wav", .speed = speed}) {
    WavWriter wav(dir_ / "ramp.wav", kOutputRate, 1, WavEncoding::kFloat32);
    std::vector<float> ramp(20 * kOutputRate);
    for (size_t i = 0; i < ramp.size(); ++i) ramp[i] = Source(static_cast<int64_t>(i));
    wav.Write(ramp);
    wav.Close();
    scribed::testing::UseAlsaConfig(dir_.path(), pcm_.AsoundrcText());
  }

  TempDir dir_;
  FaultyPcm pcm_;
};

// Everything a CaptureSource reports, events and chunks in their order.
class Timeline {
 public:
  struct Entry {
    bool is_chunk = false;
    CaptureEvent event{};
    int64_t start = 0, size = 0;  // chunks
  };
  CaptureSource::ChunkCallback OnChunk() {
    return [this](const Chunk& c) {
      Add({true, {}, c.start, static_cast<int64_t>(c.samples.size())});
    };
  }
  CaptureSource::StateCallback OnState() {
    return [this](const CaptureEvent& e) { Add({false, e, 0, 0}); };
  }
  // Index of the first event at or after `from` with `state` for which
  // `also` holds; fails the test (and returns -1) after kTimeout.
  int WaitEvent(CaptureState state, int from = 0,
                const std::function<bool(const CaptureEvent&)>& also = nullptr) {
    return Wait(from, [&](const Entry& e) {
      return !e.is_chunk && e.event.state == state && (!also || also(e.event));
    });
  }
  // Index of the chunk by which `samples` have arrived after `from`.
  int WaitSamples(int from, int64_t samples) {
    int64_t seen = 0;
    return Wait(from, [&](const Entry& e) { return e.is_chunk && (seen += e.size) >= samples; });
  }
  Entry At(int i) {
    std::lock_guard lock(mu_);
    return entries_.at(static_cast<size_t>(i));
  }
  std::vector<Entry> All() {
    std::lock_guard lock(mu_);
    return entries_;
  }

 private:
  void Add(Entry e) {
    std::lock_guard lock(mu_);
    entries_.push_back(std::move(e));
    cv_.notify_all();
  }
  int Wait(int from, const std::function<bool(const Entry&)>& match) {
    std::unique_lock lock(mu_);
    size_t next = static_cast<size_t>(std::max(from, 0));
    const bool found = cv_.wait_for(lock, kTimeout, [&] {
      for (; next < entries_.size(); ++next) {
        if (match(entries_[next])) return true;
      }
      return false;
    });
    if (!found) {
      ADD_FAILURE() << "timed out waiting; " << entries_.size() << " entries";
      return -1;
    }
    return static_cast<int>(next);
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Entry> entries_;
};

// Runs a CaptureSource on its own thread; stops and joins on destruction.
class Running {
 public:
  Running(CaptureOptions options, Timeline& timeline)
      : source_(std::move(options), timeline.OnChunk(), timeline.OnState(),
                RetryPolicy{std::chrono::milliseconds(1), std::chrono::milliseconds(20), 2.0}),
        thread_([this] { source_.Run(); }) {}
  ~Running() { Stop(); }
  void Stop() {
    source_.Stop();
    if (thread_.joinable()) thread_.join();
  }
  CaptureSource& source() { return source_; }

 private:
  CaptureSource source_;
  std::thread thread_;
};

class CaptureFaultFastTest : public CaptureFaultTest {
 protected:
  CaptureFaultFastTest() : CaptureFaultTest(/*speed=*/0) {}
};

// Read as fast as the device allows, the ring is full when the overrun hits:
// the audio it held is lost, and silence of exactly that length keeps every
// later sample at its source position.
TEST_F(CaptureFaultFastTest, XrunIsCountedAndItsLostAudioBecomesSilence) {
  CaptureDevice device(Options(pcm_));
  ASSERT_EQ(device.format().rate, kOutputRate);
  std::vector<float> got;
  Chunk chunk;
  auto read = [&]() -> bool {
    if (!device.Read(chunk)) return false;
    if (chunk.start != static_cast<int64_t>(got.size())) {
      ADD_FAILURE() << "chunk at " << chunk.start << ", expected " << got.size();
      return false;  // one contiguous timeline
    }
    got.insert(got.end(), chunk.samples.begin(), chunk.samples.end());
    return true;
  };
  while (got.size() < 8000) ASSERT_TRUE(read());
  EXPECT_EQ(device.xruns(), 0u);
  pcm_.Xrun();
  const auto deadline = Clock::now() + kTimeout;
  while (device.xruns() == 0) {
    ASSERT_LT(Clock::now(), deadline) << "the overrun never reached the reader";
    ASSERT_TRUE(read());
  }
  const size_t before_more = got.size();
  while (got.size() < before_more + 8000) ASSERT_TRUE(read());

  EXPECT_EQ(device.xruns(), 1u);
  EXPECT_EQ(pcm_.Read().xruns, 1u);
  const int64_t lost = device.lost_samples();
  ASSERT_GT(lost, 0) << "a full ring was dropped";
  size_t gap = 0;
  while (gap < got.size() && got[gap] != 0.0f) ++gap;
  ASSERT_LT(gap, got.size()) << "no silence where the overrun dropped audio";
  for (size_t p = 0; p < got.size(); ++p) {
    const bool lost_here = p >= gap && p < gap + static_cast<size_t>(lost);
    ASSERT_EQ(got[p], lost_here ? 0.0f : Source(static_cast<int64_t>(p)))
        << "sample " << p << " (silence from " << gap << " for " << lost << ")";
  }
}

// Device pulled (reads fail) -> kRetrying while reopening fails ->
// put back -> kRunning, with the xruns counted before the loss kept and the
// chunk timestamps carrying on after the time the device was away.
void UnplugAndReplug(FaultyPcm& pcm, int error) {
  Timeline timeline;
  Running running(Options(pcm), timeline);
  const int started = timeline.WaitEvent(CaptureState::kRunning);
  ASSERT_GE(started, 0);
  EXPECT_EQ(timeline.At(started).event.attempt, 0);
  ASSERT_GE(timeline.WaitSamples(started, 4000), 0);

  pcm.Xrun();
  ASSERT_TRUE(pcm.WaitFor([](const FaultyPcm::Report& r) { return r.xruns == 1; }));
  // The reader counts an overrun on the read that meets it.
  const auto deadline = Clock::now() + kTimeout;
  while (running.source().stats().xruns != 1) {
    ASSERT_LT(Clock::now(), deadline) << "the overrun was not counted";
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }

  pcm.Unplug(error);
  const int lost = timeline.WaitEvent(CaptureState::kRetrying, started);
  ASSERT_GE(lost, 0);
  const auto lost_seen = Clock::now();
  const CaptureEvent lost_event = timeline.At(lost).event;
  EXPECT_EQ(lost_event.attempt, 1);
  EXPECT_NE(lost_event.message.find(pcm.name()), std::string::npos) << lost_event.message;
  EXPECT_NE(lost_event.message.find("disconnected"), std::string::npos) << lost_event.message;
  EXPECT_EQ(lost_event.stats.xruns, 1u);
  EXPECT_EQ(lost_event.stats.losses, 1u);
  EXPECT_EQ(lost_event.stats.recoveries, 0u);

  // Reopening fails while the device is away.
  ASSERT_TRUE(pcm.WaitFor([](const FaultyPcm::Report& r) { return r.refused >= 1; }));
  const int refused = timeline.WaitEvent(CaptureState::kRetrying, lost + 1);
  ASSERT_GE(refused, 0);
  EXPECT_GE(timeline.At(refused).event.attempt, 2);

  const auto replugged = Clock::now();
  pcm.Replug();
  const int back = timeline.WaitEvent(CaptureState::kRunning, refused);
  ASSERT_GE(back, 0);
  EXPECT_EQ(timeline.At(back).event.stats.recoveries, 1u);
  EXPECT_EQ(timeline.At(back).event.stats.xruns, 1u);
  const int after = timeline.WaitSamples(back, 4000);
  ASSERT_GE(after, 0);
  running.Stop();

  const CaptureStats stats = running.source().stats();
  EXPECT_EQ(stats.xruns, 1u);
  EXPECT_EQ(stats.losses, 1u);
  EXPECT_EQ(stats.recoveries, 1u);
  EXPECT_GE(pcm.Read().opens, 2u);

  // Contiguous within each opening; across the outage the timestamps jump by
  // at least the time the device was known to be away.
  const auto all = timeline.All();
  int64_t next = -1, end_before = -1, start_after = -1;
  for (int i = 0; i < static_cast<int>(all.size()); ++i) {
    const auto& e = all[static_cast<size_t>(i)];
    if (!e.is_chunk) {
      if (e.event.state == CaptureState::kRunning) next = -1;
      continue;
    }
    if (next >= 0) {
      EXPECT_EQ(e.start, next) << "entry " << i;
    }
    next = e.start + e.size;
    if (i < lost) end_before = next;
    if (i > back && start_after < 0) start_after = e.start;
  }
  ASSERT_GE(end_before, 0);
  ASSERT_GE(start_after, 0);
  const double away_s = std::chrono::duration<double>(replugged - lost_seen).count();
  EXPECT_GT(start_after, end_before);
  EXPECT_GE(start_after - end_before + 1, static_cast<int64_t>(away_s * kOutputRate));
}

TEST_F(CaptureFaultTest, UnpluggedDeviceIsLostThenRecovered) { UnplugAndReplug(pcm_, ENODEV); }

TEST_F(CaptureFaultTest, DeviceFailingWithIoErrorsIsLostThenRecovered) {
  UnplugAndReplug(pcm_, EIO);
}

// A device that stops delivering without an error is given up after the 5 s
// watchdog and reopened (the test device delivers again once reopened).
TEST_F(CaptureFaultTest, StalledDeviceIsReopenedAfterTheWatchdog) {
  Timeline timeline;
  Running running(Options(pcm_), timeline);
  const int started = timeline.WaitEvent(CaptureState::kRunning);
  ASSERT_GE(timeline.WaitSamples(started, 1600), 0);
  pcm_.Stall();
  const int lost = timeline.WaitEvent(CaptureState::kRetrying, started);
  ASSERT_GE(lost, 0);
  EXPECT_NE(timeline.At(lost).event.message.find("no data for 5 s"), std::string::npos)
      << timeline.At(lost).event.message;
  const int back = timeline.WaitEvent(CaptureState::kRunning, lost);
  ASSERT_GE(timeline.WaitSamples(back, 1600), 0);
  running.Stop();
  const CaptureStats stats = running.source().stats();
  EXPECT_EQ(stats.xruns, 0u);
  EXPECT_EQ(stats.losses, 1u);
  EXPECT_EQ(stats.recoveries, 1u);
}

// With nothing to read, Read() sits in poll(); Interrupt() must wake it.
TEST_F(CaptureFaultTest, InterruptWakesAReaderWaitingInPoll) {
  CaptureDevice device(Options(pcm_));
  Chunk chunk;
  ASSERT_TRUE(device.Read(chunk));
  pcm_.Stall();
  std::thread reader([&] {
    try {
      while (device.Read(chunk)) {
      }
    } catch (const DeviceError&) {
      // The 5 s stall watchdog, should this thread not run for that long.
    }
  });
  // Once stalled the device never wakes poll() again, so the reader is in
  // poll() or on its way there.
  ASSERT_TRUE(pcm_.WaitFor([](const FaultyPcm::Report& r) { return r.stalls == 1; }));
  device.Interrupt();
  reader.join();  // hangs here if the interrupt does not reach poll()
  EXPECT_FALSE(device.Read(chunk));
}

TEST_F(CaptureFaultTest, OpeningAnUnpluggedDeviceIsAClearError) {
  pcm_.Unplug();
  try {
    CaptureDevice device(Options(pcm_));
    ADD_FAILURE() << "opened an unplugged device";
  } catch (const DeviceError& e) {
    EXPECT_EQ(e.device(), pcm_.name());
    EXPECT_EQ(e.kind(), DeviceError::Kind::kMissing) << e.what();
  }
  EXPECT_EQ(pcm_.Read().refused, 1u);
  pcm_.Replug();
  CaptureDevice device(Options(pcm_));
  Chunk chunk;
  ASSERT_TRUE(device.Read(chunk));
  ASSERT_FALSE(chunk.samples.empty());
  EXPECT_EQ(chunk.samples[0], Source(0));
}

}  // namespace
}  // namespace scribed::audio
