// Streaming decoders for audio files, behind one interface.
//
//   auto reader = scribed::audio::OpenFileReader("talk.m4a");
//   std::vector<float> buf(4096 * reader->info().channels);
//   while (size_t frames = reader->Read(buf)) { ... }
//
// OpenFileReader probes libsndfile first (wav, flac, ogg/vorbis, opus, mp3)
// and falls back to libavformat (m4a/aac, mp4, mkv, webm, ...; the first
// audio stream is used). Memory use does not grow with the file's length
// (beyond the bytes themselves, for a file given in memory).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>

namespace scribed::audio {

struct StreamInfo {
  int sample_rate = 0;
  int channels = 0;
  // Frames (samples per channel) when the container says so up front; for
  // progress reporting only, the decoded count may differ slightly.
  std::optional<int64_t> frames;
  std::string decoder;  // "sndfile" or "avformat", for diagnostics
  std::string codec;    // e.g. "FLAC", "aac"

  std::optional<double> duration_seconds() const {
    if (!frames || sample_rate <= 0) return std::nullopt;
    return static_cast<double>(*frames) / sample_rate;
  }
};

// Thread-compatible.
class FileReader {
 public:
  virtual ~FileReader() = default;
  virtual const StreamInfo& info() const noexcept = 0;
  // Fills `interleaved` with up to interleaved.size() / channels whole frames
  // of float samples in [-1, 1] and returns the number of frames; 0 at the
  // end of the stream. Throws FileError when the data cannot be decoded.
  virtual size_t Read(std::span<float> interleaved) = 0;
  // Why the stream ended early, once Read has returned 0: the file is cut
  // short (decoded clearly less than the length its header announces) or
  // its container is damaged after some audio. The audio before that was
  // delivered; nullopt for a stream that ended where it should.
  virtual std::optional<std::string> truncation() const { return std::nullopt; }
};

// Opens `path` with the first decoder that accepts it. Throws FileError naming
// the file and the reason (missing, empty, not audio, no audio stream, corrupt).
std::unique_ptr<FileReader> OpenFileReader(const std::filesystem::path& path);

// The same decoders and checks for a file held in memory (an upload, an
// archive member); `name` stands for the file in errors and, like a file
// name, its extension hints the container format.
std::unique_ptr<FileReader> OpenFileReader(std::string bytes, const std::string& name);

}  // namespace scribed::audio
