// A decoded audio file as a stream of 16 kHz mono chunks.
//
//   FileSource src("talk.mkv");
//   Chunk chunk;
//   while (src.Next(chunk)) pipeline.Feed(chunk);
#pragma once

#include <filesystem>
#include <memory>

#include "scribed/audio/chunk.h"
#include "scribed/audio/file_reader.h"
#include "scribed/audio/resampler.h"

namespace scribed::audio {

// Thread-compatible. Throws FileError (from the constructor or Next) when the
// file cannot be decoded.
class FileSource {
 public:
  explicit FileSource(const std::filesystem::path& path,
                      ResampleQuality quality = ResampleQuality::kSincMedium,
                      size_t chunk_frames = 8192);
  // Over an opened reader, e.g. OpenFileReader(bytes, name) for a file in memory.
  explicit FileSource(std::unique_ptr<FileReader> reader,
                      ResampleQuality quality = ResampleQuality::kSincMedium,
                      size_t chunk_frames = 8192);

  const StreamInfo& info() const noexcept { return reader_->info(); }
  // Expected output length in 16 kHz samples, when the container knows it.
  std::optional<int64_t> expected_samples() const;

  // Replaces `chunk` with the next chunk (never empty); false at the end.
  bool Next(Chunk& chunk);

  // Once Next has returned false: why the file ended early (cut short, or a
  // damaged container), nullopt when it ended where it should. What came
  // before was delivered; a transcript of it is a transcript of part of the
  // file. FileReader::truncation() says more.
  std::optional<std::string> truncation() const { return reader_->truncation(); }

 private:
  std::unique_ptr<FileReader> reader_;
  Resampler resampler_;
  std::vector<float> buffer_;
  int64_t position_ = 0;
  bool finished_ = false;
};

// Decodes a whole file into memory; for tests and short clips.
std::vector<float> DecodeFile(const std::filesystem::path& path,
                              ResampleQuality quality = ResampleQuality::kSincMedium);

}  // namespace scribed::audio
