// Writes 16 kHz (or any rate) mono WAV files with libsndfile.
#pragma once

#include <filesystem>
#include <memory>
#include <span>

namespace scribed::audio {

enum class WavEncoding { kPcm16, kFloat32 };

// Thread-compatible. Throws FileError when the file cannot be created or
// written. The header is finalised by the destructor (or Close()).
class WavWriter {
 public:
  WavWriter(const std::filesystem::path& path, int sample_rate, int channels, WavEncoding encoding);
  ~WavWriter();
  WavWriter(const WavWriter&) = delete;
  WavWriter& operator=(const WavWriter&) = delete;

  // Writes whole frames of interleaved samples; values are clipped to [-1, 1].
  void Write(std::span<const float> interleaved);
  void Close();

 private:
  struct Handle;
  std::filesystem::path path_;
  int channels_;
  std::unique_ptr<Handle> handle_;
};

}  // namespace scribed::audio
