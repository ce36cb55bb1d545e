// The scribe audio commands, run as a user would (the binary, files on disk).
#include <gtest/gtest.h>
#include <sndfile.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <numbers>
#include <vector>

#include "scribed/audio/file_source.h"
#include "tests/audio/test_util.h"
#include "tests/support/read_file.h"

namespace scribed::audio {
namespace {

struct Result {
  int code;
  std::string out, err;
};

// The scribe binary with `args` (unquoted), stdout and stderr captured.
Result Scribe(const testing::TempDir& dir, const std::string& args, const std::string& env = "") {
  const auto err = dir / "stderr.txt";
  const scribed::testing::ProgramResult r =
      scribed::testing::RunProgram(SCRIBE_BINARY, args, err, env);
  return {r.exit_code, r.out, scribed::testing::ReadFile(err)};
}

struct Wav {
  SF_INFO info{};
  std::vector<float> samples;
};

Wav ReadWav(const std::filesystem::path& path) {
  Wav w;
  SNDFILE* f = sf_open(path.c_str(), SFM_READ, &w.info);
  if (!f) return w;
  w.samples.resize(static_cast<size_t>(w.info.frames * w.info.channels));
  sf_readf_float(f, w.samples.data(), w.info.frames);
  sf_close(f);
  return w;
}

// 0.3 s of a 44.1 kHz stereo chord as FLAC.
std::filesystem::path WriteFlac(const testing::TempDir& dir) {
  const auto path = dir / "in.flac";
  SF_INFO info{};
  info.samplerate = 44100;
  info.channels = 2;
  info.format = SF_FORMAT_FLAC | SF_FORMAT_PCM_16;
  SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
  std::vector<float> x(13230 * 2);
  for (size_t i = 0; i < x.size() / 2; ++i) {
    x[2 * i] = 0.4f * std::sin(2 * std::numbers::pi * 330 * i / 44100.0);
    x[2 * i + 1] = 0.4f * std::sin(2 * std::numbers::pi * 550 * i / 44100.0);
  }
  sf_writef_float(f, x.data(), 13230);
  sf_close(f);
  return path;
}

TEST(ScribeAudioCliTest, DecodeAudioWritesSixteenKilohertzMonoWav) {
  testing::TempDir dir;
  const auto in = WriteFlac(dir);
  const auto want = DecodeFile(in);
  ASSERT_EQ(want.size(), 4800u);  // 13230 * 16000 / 44100

  auto r =
      Scribe(dir, "decode-audio " + in.string() + " -o " + (dir / "f.wav").string() + " --float");
  ASSERT_EQ(r.code, 0) << r.err;
  const Wav f = ReadWav(dir / "f.wav");
  EXPECT_EQ(f.info.samplerate, 16000);
  EXPECT_EQ(f.info.channels, 1);
  EXPECT_EQ(f.info.format, SF_FORMAT_WAV | SF_FORMAT_FLOAT);
  EXPECT_EQ(f.samples, want);

  r = Scribe(dir, "decode-audio " + in.string() + " -o " + (dir / "s.wav").string());
  ASSERT_EQ(r.code, 0) << r.err;
  const Wav s = ReadWav(dir / "s.wav");
  EXPECT_EQ(s.info.format, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
  ASSERT_EQ(s.samples.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) ASSERT_NEAR(s.samples[i], want[i], 1.0 / 16384);
}

TEST(ScribeAudioCliTest, BadInputExitsWithTwoAndNamesTheFile) {
  testing::TempDir dir;
  const auto missing = (dir / "missing.m4a").string();
  auto r = Scribe(dir, "decode-audio " + missing + " -o " + (dir / "o.wav").string());
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find(missing + ": no such file"), std::string::npos) << r.err;

  std::ofstream(dir / "notes.txt") << "not audio at all\n";
  r = Scribe(dir,
             "decode-audio " + (dir / "notes.txt").string() + " -o " + (dir / "o.wav").string());
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("notes.txt: not a recognised audio or video file"), std::string::npos)
      << r.err;
}

TEST(ScribeAudioCliTest, RecordAndDevicesUseAlsaPcms) {
  testing::TempDir dir;
  // What the recorder asks a device that takes anything for: FLOAT, 48 kHz, mono.
  std::string raw;
  for (int i = 0; i < 48000; ++i) {
    const float v = 0.3f * static_cast<float>(std::sin(2 * std::numbers::pi * 1000 * i / 48000.0));
    raw.append(reinterpret_cast<const char*>(&v), sizeof(v));
  }
  std::ofstream(dir / "in.raw", std::ios::binary) << raw;
  std::ofstream(dir / "asoundrc")
      << "pcm.scribed_cli_test {\n  type file\n  slave.pcm \"null\"\n  file \"/dev/null\"\n"
      << "  infile \"" << (dir / "in.raw").string() << "\"\n  format \"raw\"\n"
      << "  hint.description \"CLI test input\"\n}\n";
  const std::string env =
      "ALSA_CONFIG_PATH=/usr/share/alsa/alsa.conf:" + (dir / "asoundrc").string();

  auto r = Scribe(dir, "devices", env);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("scribed_cli_test  CLI test input"), std::string::npos) << r.out;

  // Quiet when stderr is not a TTY; the tone arrives at 16 kHz.
  r = Scribe(dir, "record -d scribed_cli_test -s 0.25 -o " + (dir / "r.wav").string(), env);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  const Wav w = ReadWav(dir / "r.wav");
  EXPECT_EQ(w.info.samplerate, 16000);
  EXPECT_EQ(w.info.channels, 1);
  ASSERT_EQ(w.info.frames, 4000);
  std::vector<double> want;
  for (int n = 800; n < 3200; ++n) want.push_back(0.3 * std::sin(2 * std::numbers::pi * n / 16.0));
  EXPECT_GE(testing::SnrDb(want, std::span<const float>(w.samples.data() + 800, want.size())), 60);

  r = Scribe(dir, "record -d scribed_no_such_pcm -s 1 -o " + (dir / "x.wav").string(), env);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("'scribed_no_such_pcm'"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace scribed::audio
