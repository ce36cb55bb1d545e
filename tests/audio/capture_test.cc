// Capture through the real ALSA API: the test's asoundrc defines `file` PCMs
// that read raw sample files written here, on top of the `null` PCM.
#include "scribed/audio/capture.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <numbers>
#include <thread>
#include <vector>

#include "scribed/audio/capture_source.h"
#include "scribed/audio/errors.h"
#include "tests/audio/test_util.h"

namespace scribed::audio {
namespace {

constexpr double kPi = std::numbers::pi;
constexpr double kSeconds = 0.5;

double Left(double t) { return 0.5 * std::sin(2 * kPi * 440 * t + 0.2); }
double Right(double t) { return 0.3 * std::sin(2 * kPi * 1000 * t + 1.1); }

struct RawStream {
  std::string pcm;  // PCM name in the test asoundrc
  SampleFormat format;
  int rate;
  int channels;
};

const RawStream kStreams[] = {
    {"scribed_test_s16", SampleFormat::kS16, 48000, 2},
    {"scribed_test_s32", SampleFormat::kS32, 44100, 2},
    {"scribed_test_float", SampleFormat::kFloat, 22050, 1},
    {"scribed_test_s24", SampleFormat::kS24, 96000, 4},
    {"scribed_test_s24_3", SampleFormat::kS24Packed, 8000, 2},
};

// Samples of the analytic signal for `s`, encoded as the device would.
std::string EncodeRaw(const RawStream& s) {
  std::string bytes;
  const int frames = static_cast<int>(s.rate * kSeconds);
  for (int i = 0; i < frames; ++i) {
    const double t = double(i) / s.rate;
    for (int c = 0; c < s.channels; ++c) {
      // Mono carries the mix; otherwise even channels left, odd right.
      const double v = s.channels == 1 ? 0.5 * (Left(t) + Right(t)) : (c % 2 ? Right(t) : Left(t));
      char buf[4];
      if (s.format == SampleFormat::kS16) {
        const auto x = static_cast<int16_t>(std::lround(v * 32767));
        std::memcpy(buf, &x, 2);
        bytes.append(buf, 2);
      } else if (s.format == SampleFormat::kS24 || s.format == SampleFormat::kS24Packed) {
        const auto x = static_cast<int32_t>(std::lround(v * 8388607));
        const auto u = static_cast<uint32_t>(x);
        const char b[4] = {char(u & 0xff), char((u >> 8) & 0xff), char((u >> 16) & 0xff),
                           char(x < 0 ? 0xff : 0)};  // S24 sign-extends into the 4th byte
        bytes.append(b, s.format == SampleFormat::kS24 ? 4 : 3);
      } else if (s.format == SampleFormat::kS32) {
        const auto x = static_cast<int32_t>(std::llround(v * 2147483647.0));
        std::memcpy(buf, &x, 4);
        bytes.append(buf, 4);
      } else {
        const auto x = static_cast<float>(v);
        std::memcpy(buf, &x, 4);
        bytes.append(buf, 4);
      }
    }
  }
  return bytes;
}

class CaptureTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir;
    std::ofstream conf(*dir_ / "asoundrc");
    for (const auto& s : kStreams) {
      const auto raw = *dir_ / (s.pcm + ".raw");
      std::ofstream(raw, std::ios::binary) << EncodeRaw(s);
      conf << "pcm." << s.pcm << " {\n  type file\n  slave.pcm \"null\"\n  file \"/dev/null\"\n"
           << "  infile \"" << raw.string() << "\"\n  format \"raw\"\n"
           << "  hint.description \"Test capture " << s.pcm << "\"\n}\n";
    }

    conf.close();
    // ALSA reads the files listed here, in order, instead of its defaults.
    const std::string path = "/usr/share/alsa/alsa.conf:" + (*dir_ / "asoundrc").string();
    setenv("ALSA_CONFIG_PATH", path.c_str(), 1);
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static testing::TempDir* dir_;
};
testing::TempDir* CaptureTest::dir_ = nullptr;

TEST_F(CaptureTest, ConvertsEachDeviceFormatToSixteenKilohertzMono) {
  for (const auto& s : kStreams) {
    CaptureOptions options;
    options.device = s.pcm;
    options.format = s.format;
    options.rate = s.rate;
    options.channels = s.channels;
    CaptureDevice device(options);
    ASSERT_EQ(device.format().format, s.format) << s.pcm;
    ASSERT_EQ(device.format().rate, s.rate) << s.pcm;
    ASSERT_EQ(device.format().channels, s.channels) << s.pcm;

    // The raw file covers kSeconds; compare its interior with the analytic mix.
    const auto want_len = static_cast<size_t>(kSeconds * kOutputRate) - 800;
    std::vector<float> got;
    Chunk chunk;
    while (got.size() < want_len) {
      ASSERT_TRUE(device.Read(chunk)) << s.pcm;
      EXPECT_EQ(chunk.start, static_cast<int64_t>(got.size()));
      got.insert(got.end(), chunk.samples.begin(), chunk.samples.end());
    }
    const size_t edge = 800;  // 50 ms of resampler start-up
    std::vector<double> want;
    for (size_t i = edge; i < want_len; ++i) {
      const double t = double(i) / kOutputRate;
      want.push_back(0.5 * (Left(t) + Right(t)));
    }
    const double snr = testing::SnrDb(want, std::span<const float>(got.data() + edge, want.size()));
    EXPECT_GE(snr, 70.0) << s.pcm << " (" << Name(s.format) << ")";
    EXPECT_EQ(device.xruns(), 0u);
  }
}

TEST_F(CaptureTest, MissingDeviceIsAClearError) {
  for (const char* name : {"scribed_no_such_pcm", "hw:97,0"}) {
    CaptureOptions options;
    options.device = name;
    try {
      CaptureDevice device(options);
      ADD_FAILURE() << name << " opened";
    } catch (const DeviceError& e) {
      EXPECT_EQ(e.device(), name);
      EXPECT_EQ(e.kind(), DeviceError::Kind::kMissing) << e.what();
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
    }
  }
}

TEST_F(CaptureTest, InterruptFromAnotherThreadStopsReading) {
  CaptureOptions options;
  options.device = kStreams[0].pcm;
  CaptureDevice device(options);
  std::atomic<int> reads{0};
  std::thread reader([&] {
    Chunk chunk;
    while (device.Read(chunk)) ++reads;
  });
  while (reads.load() < 3) std::this_thread::yield();
  device.Interrupt();
  reader.join();  // hangs here if Read ignores the interrupt
  Chunk chunk;
  EXPECT_FALSE(device.Read(chunk));
}

TEST_F(CaptureTest, SourceRetriesAMissingDeviceUntilStopped) {
  CaptureOptions options;
  options.device = "scribed_no_such_pcm";
  std::atomic<int> retries{0};
  std::atomic<bool> stopped{false};
  RetryPolicy retry{std::chrono::milliseconds(1), std::chrono::milliseconds(4), 2.0};
  std::vector<std::chrono::milliseconds> delays;
  CaptureSource source(
      options, [](const Chunk&) { ADD_FAILURE() << "chunk from a missing device"; },
      [&](const CaptureEvent& e) {
        if (e.state == CaptureState::kRetrying) {
          EXPECT_EQ(e.attempt, retries.load() + 1);
          EXPECT_NE(e.message.find("scribed_no_such_pcm"), std::string::npos);
          delays.push_back(e.retry_in);
          ++retries;
        }
        if (e.state == CaptureState::kStopped) stopped = true;
      },
      retry);
  std::thread runner([&] { source.Run(); });
  while (retries.load() < 4) std::this_thread::yield();
  source.Stop();
  runner.join();
  EXPECT_TRUE(stopped.load());
  ASSERT_GE(delays.size(), 4u);
  EXPECT_EQ(delays[0].count(), 1);  // backoff doubles up to the cap
  EXPECT_EQ(delays[1].count(), 2);
  EXPECT_EQ(delays[2].count(), 4);
  EXPECT_EQ(delays[3].count(), 4);
}

TEST_F(CaptureTest, SourceDeliversContiguousChunksAndStops) {
  CaptureOptions options;
  options.device = kStreams[2].pcm;
  std::atomic<int64_t> samples{0};
  std::atomic<bool> ordered{true};
  int64_t next = -1;
  CaptureSource* self = nullptr;
  CaptureSource source(
      options,
      [&](const Chunk& c) {
        if (next >= 0 && c.start != next) ordered = false;
        next = c.end();
        samples += static_cast<int64_t>(c.samples.size());
      },
      nullptr);
  self = &source;
  std::thread runner([&] { self->Run(); });
  while (samples.load() < 4000) std::this_thread::yield();
  source.Stop();
  runner.join();
  EXPECT_TRUE(ordered.load());
}

TEST_F(CaptureTest, ListsCaptureDevicesWithTheirDescriptions) {
  const auto devices = ListCaptureDevices();
  for (const auto& s : kStreams) {
    bool found = false;
    for (const auto& d : devices) {
      if (d.name == s.pcm) {
        found = true;
        EXPECT_EQ(d.description, "Test capture " + s.pcm);
      }
    }
    EXPECT_TRUE(found) << s.pcm;
  }
  for (const auto& d : devices) {
    EXPECT_NE(d.name, "null");
    EXPECT_EQ(d.description.find('\n'), std::string::npos);
  }
}

}  // namespace
}  // namespace scribed::audio
