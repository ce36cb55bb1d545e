// File ingest: every supported container, written by the test with libsndfile
// or the ffmpeg CLI, decodes to the samples that were written.
#include "scribed/audio/file_reader.h"

#include <gtest/gtest.h>
#include <sndfile.h>

#include <cmath>
#include <fstream>
#include <numbers>
#include <random>
#include <vector>

#include "scribed/audio/errors.h"
#include "scribed/audio/file_source.h"
#include "tests/audio/test_util.h"
#include "tests/support/read_file.h"

namespace scribed::audio {
namespace {

using testing::BestCorrelation;
using testing::RunQuiet;
using testing::TempDir;

constexpr int kRate = 48000;
constexpr int kChannels = 2;
constexpr int kFrames = kRate / 2;  // 0.5 s

// Two channels of tones plus a little noise, quantised to 16 bits.
std::vector<int16_t> TestSignal() {
  std::vector<int16_t> s(size_t(kFrames) * kChannels);
  std::mt19937 rng(7);
  std::normal_distribution<double> noise(0, 300);
  for (int i = 0; i < kFrames; ++i) {
    const double t = double(i) / kRate;
    const double a = 9000 * std::sin(2 * std::numbers::pi * 440 * t) + noise(rng);
    const double b = 7000 * std::sin(2 * std::numbers::pi * 1250 * t + 1) + noise(rng);
    s[2 * i] = static_cast<int16_t>(std::lround(a));
    s[2 * i + 1] = static_cast<int16_t>(std::lround(b));
  }
  return s;
}

void WriteWithSndfile(const std::filesystem::path& path, int format,
                      const std::vector<int16_t>& pcm) {
  SF_INFO info{};
  info.samplerate = kRate;
  info.channels = kChannels;
  info.format = format;
  SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
  ASSERT_NE(f, nullptr) << sf_strerror(nullptr);
  EXPECT_EQ(sf_writef_short(f, pcm.data(), kFrames), kFrames);
  sf_close(f);
}

std::vector<float> ReadAll(FileReader& reader, size_t block_frames) {
  std::vector<float> all, buf(block_frames * reader.info().channels);
  while (size_t n = reader.Read(buf)) {
    all.insert(all.end(), buf.begin(), buf.begin() + n * reader.info().channels);
  }
  return all;
}

class FileReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pcm_ = TestSignal();
    wav_ = dir_ / "ref.wav";
    WriteWithSndfile(wav_, SF_FORMAT_WAV | SF_FORMAT_PCM_16, pcm_);
  }

  // Lossless: every sample equals the written int16 / 32768.
  void ExpectExact(const std::filesystem::path& path, const std::string& decoder) {
    auto reader = OpenFileReader(path);
    EXPECT_EQ(reader->info().decoder, decoder) << path;
    ASSERT_EQ(reader->info().sample_rate, kRate);
    ASSERT_EQ(reader->info().channels, kChannels);
    const auto got = ReadAll(*reader, 1000);
    ASSERT_EQ(got.size(), pcm_.size()) << path;
    for (size_t i = 0; i < got.size(); ++i) {
      ASSERT_EQ(got[i], pcm_[i] / 32768.0f) << path << " sample " << i;
    }
  }

  // Lossy: the 16 kHz mono decode matches the reference decode in shape.
  void ExpectClose(const std::filesystem::path& path) {
    const auto want = DecodeFile(wav_);
    const auto got = DecodeFile(path);
    // Encoders may add priming/padding; allow 100 ms in length.
    EXPECT_NEAR(double(got.size()), double(want.size()), 1600.0) << path;
    int lag = 0;
    const double c = BestCorrelation(want, got, 800, &lag);
    EXPECT_GE(c, 0.97) << path << " best lag " << lag;
    EXPECT_LE(std::abs(lag), 800) << path;
  }

  // Encodes the reference WAV into each (file name, ffmpeg output options)
  // with a single ffmpeg run; returns the paths.
  std::vector<std::filesystem::path> Ffmpeg(
      const std::vector<std::pair<std::string, std::string>>& outputs) {
    std::string command = "ffmpeg -nostdin -loglevel error -y -i " + wav_.string();
    std::vector<std::filesystem::path> paths;
    for (const auto& [name, args] : outputs) {
      paths.push_back(dir_ / name);
      command += " " + args + " " + paths.back().string();
    }
    EXPECT_TRUE(RunQuiet(command)) << command;
    return paths;
  }

  TempDir dir_;
  std::vector<int16_t> pcm_;
  std::filesystem::path wav_;
};

TEST_F(FileReaderTest, LosslessFormatsViaSndfileAreExact) {
  ExpectExact(wav_, "sndfile");
  const auto flac = dir_ / "a.flac";
  WriteWithSndfile(flac, SF_FORMAT_FLAC | SF_FORMAT_PCM_16, pcm_);
  ExpectExact(flac, "sndfile");
}

TEST_F(FileReaderTest, DurationIsKnownUpFrontAndChunksTileTheStream) {
  auto reader = OpenFileReader(wav_);
  ASSERT_TRUE(reader->info().frames.has_value());
  EXPECT_EQ(*reader->info().frames, kFrames);
  EXPECT_NEAR(*reader->info().duration_seconds(), 0.5, 1e-9);
  FileSource source(wav_, ResampleQuality::kSincMedium, 777);
  EXPECT_EQ(source.expected_samples(), kOutputRate / 2);
  Chunk chunk;
  int64_t next = 0;
  while (source.Next(chunk)) {
    EXPECT_EQ(chunk.start, next);
    next = chunk.end();
  }
  EXPECT_EQ(next, kOutputRate / 2);
}

TEST_F(FileReaderTest, OggVorbisIsClose) {
  const auto ogg = dir_ / "a.ogg";
  WriteWithSndfile(ogg, SF_FORMAT_OGG | SF_FORMAT_VORBIS, pcm_);
  EXPECT_EQ(OpenFileReader(ogg)->info().decoder, "sndfile");
  ExpectClose(ogg);
}

TEST_F(FileReaderTest, LosslessInMatroskaViaAvformatIsExact) {
  if (!testing::HaveProgram("ffmpeg")) GTEST_SKIP() << "ffmpeg is not installed";
  const auto paths = Ffmpeg({{"a.mkv", "-c:a flac"}, {"b.mka", "-c:a pcm_s16le"}});
  for (const auto& path : paths) ExpectExact(path, "avformat");
}

TEST_F(FileReaderTest, LossyContainersViaFfmpegAreClose) {
  if (!testing::HaveProgram("ffmpeg")) GTEST_SKIP() << "ffmpeg is not installed";
  const auto paths = Ffmpeg({{"a.m4a", "-c:a aac -b:a 128k"},
                             {"a.mp3", "-c:a libmp3lame -b:a 128k"},
                             {"a.webm", "-c:a libopus -b:a 96k"},
                             {"a.opus", "-c:a libopus -b:a 96k"},
                             {"a.mp4", "-c:a aac -b:a 128k"},
                             {"a.aac", "-c:a aac -b:a 128k"}});
  for (const auto& path : paths) {
    ASSERT_TRUE(std::filesystem::exists(path)) << path;
    auto reader = OpenFileReader(path);
    EXPECT_EQ(reader->info().channels, kChannels) << path;
    const std::string ext = path.extension().string();
    EXPECT_EQ(reader->info().decoder, ext == ".mp3" || ext == ".opus" ? "sndfile" : "avformat")
        << path;
    // The duration is known before decoding; raw ADTS only has a bitrate estimate.
    ASSERT_TRUE(reader->info().duration_seconds().has_value()) << path;
    if (ext != ".aac") {
      EXPECT_NEAR(*reader->info().duration_seconds(), 0.5, 0.05) << path;
    }
    ExpectClose(path);
  }
}

TEST_F(FileReaderTest, VideoWithAudioUsesTheAudioStream) {
  if (!testing::HaveProgram("ffmpeg")) GTEST_SKIP() << "ffmpeg is not installed";
  const auto path = dir_ / "av.mp4";
  ASSERT_TRUE(
      RunQuiet("ffmpeg -nostdin -loglevel error -y -f lavfi -i color=c=red:s=32x32:r=5 -i " +
               wav_.string() + " -shortest -c:v mpeg4 -c:a aac " + path.string()));
  ExpectClose(path);
}

void ExpectFileError(const std::filesystem::path& path, const std::string& reason) {
  try {
    auto reader = OpenFileReader(path);
    std::vector<float> buf(4096 * reader->info().channels);
    while (reader->Read(buf)) {
    }
    ADD_FAILURE() << path << " decoded without error";
  } catch (const FileError& e) {
    EXPECT_EQ(e.file(), path.string());
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(reason), std::string::npos) << e.what();
  }
}

TEST_F(FileReaderTest, MissingEmptyGarbageAndNonAudioFilesFailWithTheReason) {
  ExpectFileError(dir_ / "nope.wav", "no such file");
  ExpectFileError(dir_.path(), "not a regular file");
  std::ofstream(dir_ / "empty.wav").close();
  ExpectFileError(dir_ / "empty.wav", "file is empty");
  std::ofstream(dir_ / "notes.txt") << "These are meeting notes, not audio.\n";
  ExpectFileError(dir_ / "notes.txt", "");
  // A RIFF header with a garbage chunk announces absurd sizes; that is an
  // unreadable file, not an out-of-memory condition.
  std::ofstream(dir_ / "broken.wav") << "RIFF....WAVEfmt this is not a recording";
  ExpectFileError(dir_ / "broken.wav", "not a recognised audio or video file");
}

TEST_F(FileReaderTest, VideoOnlyFileHasNoAudioStream) {
  if (!testing::HaveProgram("ffmpeg")) GTEST_SKIP() << "ffmpeg is not installed";
  const auto path = dir_ / "video.mp4";
  ASSERT_TRUE(
      RunQuiet("ffmpeg -nostdin -loglevel error -y -f lavfi -i color=c=blue:s=32x32:r=5 -t 1 "
               "-c:v mpeg4 " +
               path.string()));
  ExpectFileError(path, "no audio stream");
}

TEST_F(FileReaderTest, GarbageFilesFailCleanly) {
  std::mt19937 rng(11);
  for (int i = 0; i < 4; ++i) {
    const auto path = dir_ / ("garbage" + std::to_string(i) + ".bin");
    std::ofstream out(path, std::ios::binary);
    for (int j = 0; j < 20000; ++j) out.put(static_cast<char>(rng()));
    out.close();
    ExpectFileError(path, "");
  }
}

// A file cut short either decodes a prefix of the original or fails with a
// FileError; it never crashes (this test runs under ASan in CI).
TEST_F(FileReaderTest, TruncatedFilesDecodeAPrefixOrFail) {
  std::vector<std::filesystem::path> files = {wav_, dir_ / "t.flac", dir_ / "t.ogg"};
  WriteWithSndfile(files[1], SF_FORMAT_FLAC | SF_FORMAT_PCM_16, pcm_);
  WriteWithSndfile(files[2], SF_FORMAT_OGG | SF_FORMAT_VORBIS, pcm_);
  if (testing::HaveProgram("ffmpeg")) {
    for (const auto& path : Ffmpeg(
             {{"t.m4a", "-c:a aac"}, {"t.mp3", "-c:a libmp3lame"}, {"t.webm", "-c:a libopus"}})) {
      files.push_back(path);
    }
  }
  for (const auto& full : files) {
    for (double keep : {0.5, 0.1}) {
      const auto cut =
          dir_ / ("cut" + std::to_string(int(keep * 100)) + "_" + full.filename().string());
      std::filesystem::copy_file(full, cut);
      std::filesystem::resize_file(cut, uintmax_t(std::filesystem::file_size(full) * keep));
      try {
        auto reader = OpenFileReader(cut);
        const auto got = ReadAll(*reader, 512);
        EXPECT_LE(got.size(), pcm_.size() + size_t(kRate)) << cut;
        if (full == wav_) {  // lossless: what was decoded is the original's prefix
          for (size_t i = 0; i < got.size(); ++i) {
            ASSERT_EQ(got[i], pcm_[i] / 32768.0f) << cut << " sample " << i;
          }
        }
      } catch (const FileError& e) {
        EXPECT_EQ(e.file(), cut.string());
      }
    }
  }
}

using scribed::testing::ReadFile;

// A file handed over in memory goes through the same decoders as on disk and
// yields the same samples.
TEST_F(FileReaderTest, FilesInMemoryDecodeLikeOnDisk) {
  std::vector<std::filesystem::path> files = {wav_, dir_ / "m.flac", dir_ / "m.ogg"};
  WriteWithSndfile(files[1], SF_FORMAT_FLAC | SF_FORMAT_PCM_16, pcm_);
  WriteWithSndfile(files[2], SF_FORMAT_OGG | SF_FORMAT_VORBIS, pcm_);
  if (testing::HaveProgram("ffmpeg")) {
    for (const auto& path : Ffmpeg({{"m.m4a", "-c:a aac"},
                                    {"m.mp3", "-c:a libmp3lame"},
                                    {"m.webm", "-c:a libopus"},
                                    {"m.mkv", "-c:a flac"}})) {
      files.push_back(path);
    }
  }
  for (const auto& path : files) {
    auto on_disk = OpenFileReader(path);
    auto in_memory = OpenFileReader(ReadFile(path), path.filename().string());
    EXPECT_EQ(in_memory->info().decoder, on_disk->info().decoder) << path;
    EXPECT_EQ(in_memory->info().codec, on_disk->info().codec) << path;
    EXPECT_EQ(in_memory->info().frames, on_disk->info().frames) << path;
    EXPECT_EQ(ReadAll(*in_memory, 700), ReadAll(*on_disk, 700)) << path;
    FileSource source(OpenFileReader(ReadFile(path), path.filename().string()));
    std::vector<float> resampled;
    Chunk chunk;
    while (source.Next(chunk)) resampled.insert(resampled.end(), chunk.samples.begin(), chunk.samples.end());
    EXPECT_EQ(resampled, DecodeFile(path)) << path;
  }
}

TEST_F(FileReaderTest, BadFilesInMemoryFailWithTheirName) {
  for (const std::string& bytes : {std::string(), std::string("These are meeting notes, not audio.\n"),
                                  std::string("RIFF....WAVEfmt this is not a recording")}) {
    try {
      auto reader = OpenFileReader(bytes, "upload.wav");
      ADD_FAILURE() << "opened " << bytes;
    } catch (const FileError& e) {
      EXPECT_EQ(e.file(), "upload.wav");
    }
  }
}

// An m4a cut short (an interrupted download: the index is up front, the audio
// stops at the cut) decodes what is there and says it is truncated.
TEST_F(FileReaderTest, CutM4aReportsTruncation) {
  if (!testing::HaveProgram("ffmpeg")) GTEST_SKIP() << "ffmpeg is not installed";
  const auto full = dir_ / "long.m4a";
  ASSERT_TRUE(RunQuiet("ffmpeg -nostdin -loglevel error -y -f lavfi -i sine=frequency=440:duration=30 "
                       "-c:a aac -b:a 96k -movflags +faststart " + full.string()));
  const auto cut = dir_ / "cut.m4a";
  std::filesystem::copy_file(full, cut);
  std::filesystem::resize_file(cut, std::filesystem::file_size(full) / 3);

  auto whole = OpenFileReader(full);
  ReadAll(*whole, 4096);
  EXPECT_EQ(whole->truncation(), std::nullopt);

  std::vector<std::unique_ptr<FileReader>> readers;
  readers.push_back(OpenFileReader(cut));
  readers.push_back(OpenFileReader(ReadFile(cut), "cut.m4a"));
  for (auto& reader : readers) {
    EXPECT_EQ(reader->info().decoder, "avformat");
    ASSERT_TRUE(reader->info().duration_seconds());
    EXPECT_NEAR(*reader->info().duration_seconds(), 30.0, 0.1);  // what the index announces
    const double decoded = double(ReadAll(*reader, 4096).size()) / reader->info().channels / reader->info().sample_rate;
    EXPECT_GT(decoded, 5.0);
    EXPECT_LT(decoded, 15.0);
    ASSERT_TRUE(reader->truncation().has_value());
    EXPECT_NE(reader->truncation()->find("of the 30.0 s"), std::string::npos) << *reader->truncation();
  }
  FileSource source(cut);
  Chunk chunk;
  while (source.Next(chunk)) {
  }
  EXPECT_TRUE(source.truncation().has_value());
}

// The same for a FLAC file: the audio before the cut, flagged.
TEST_F(FileReaderTest, CutFlacReportsTruncation) {
  const auto full = dir_ / "long.flac";
  std::vector<int16_t> pcm;
  for (int i = 0; i < 10; ++i) pcm.insert(pcm.end(), pcm_.begin(), pcm_.end());  // 5 s
  SF_INFO info{};
  info.samplerate = kRate;
  info.channels = kChannels;
  info.format = SF_FORMAT_FLAC | SF_FORMAT_PCM_16;
  SNDFILE* f = sf_open(full.c_str(), SFM_WRITE, &info);
  ASSERT_NE(f, nullptr);
  sf_writef_short(f, pcm.data(), sf_count_t(pcm.size() / kChannels));
  sf_close(f);
  auto whole = OpenFileReader(full);
  ReadAll(*whole, 4096);
  EXPECT_EQ(whole->truncation(), std::nullopt);
  const std::string bytes = ReadFile(full);
  auto reader = OpenFileReader(bytes.substr(0, bytes.size() / 2), "cut.flac");
  const auto got = ReadAll(*reader, 4096);
  EXPECT_LT(got.size(), pcm.size() * 3 / 4);
  ASSERT_TRUE(reader->truncation().has_value());
  // libsndfile's FLAC decoder reports the cut as lost sync.
  EXPECT_NE(reader->truncation()->find("damaged after 2."), std::string::npos) << *reader->truncation();
}

}  // namespace
}  // namespace scribed::audio

// libsndfile leaks libvorbis' stream info when an Ogg file ends mid-header
// (third-party, in its error path); the sanitizer build must not fail on it.
extern "C" const char* __lsan_default_suppressions() { return "leak:vorbis_info_init\n"; }
