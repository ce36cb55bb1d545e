#include "scribed/audio/file_source.h"

namespace scribed::audio {

FileSource::FileSource(const std::filesystem::path& path, ResampleQuality quality,
                       size_t chunk_frames)
    : FileSource(OpenFileReader(path), quality, chunk_frames) {}

FileSource::FileSource(std::unique_ptr<FileReader> reader, ResampleQuality quality,
                       size_t chunk_frames)
    : reader_(std::move(reader)),
      resampler_(reader_->info().sample_rate, reader_->info().channels, quality),
      buffer_(std::max<size_t>(chunk_frames, 64) * reader_->info().channels) {}

std::optional<int64_t> FileSource::expected_samples() const {
  const auto& i = reader_->info();
  if (!i.frames) return std::nullopt;
  return (*i.frames * kOutputRate + i.sample_rate / 2) / i.sample_rate;
}

bool FileSource::Next(Chunk& chunk) {
  chunk.samples.clear();
  while (chunk.samples.empty() && !finished_) {
    const size_t frames = reader_->Read(buffer_);
    if (frames == 0) {
      resampler_.Finish(chunk.samples);
      finished_ = true;
    } else {
      resampler_.Process(std::span<const float>(buffer_.data(), frames * info().channels),
                         chunk.samples);
    }
  }
  chunk.start = position_;
  position_ += static_cast<int64_t>(chunk.samples.size());
  return !chunk.samples.empty();
}

std::vector<float> DecodeFile(const std::filesystem::path& path, ResampleQuality quality) {
  FileSource source(path, quality);
  std::vector<float> all;
  Chunk chunk;
  while (source.Next(chunk)) all.insert(all.end(), chunk.samples.begin(), chunk.samples.end());
  return all;
}

}  // namespace scribed::audio
