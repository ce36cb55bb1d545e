#include "scribed/audio/wav_writer.h"

#include <sndfile.h>

#include <algorithm>
#include <vector>

#include "scribed/audio/errors.h"

namespace scribed::audio {

struct WavWriter::Handle {
  SNDFILE* file = nullptr;
  ~Handle() {
    if (file) sf_close(file);
  }
};

WavWriter::WavWriter(const std::filesystem::path& path, int sample_rate, int channels,
                     WavEncoding encoding)
    : path_(path), channels_(channels), handle_(std::make_unique<Handle>()) {
  SF_INFO info{};
  info.samplerate = sample_rate;
  info.channels = channels;
  info.format =
      SF_FORMAT_WAV | (encoding == WavEncoding::kPcm16 ? SF_FORMAT_PCM_16 : SF_FORMAT_FLOAT);
  if (channels < 1 || sample_rate < 1 || !sf_format_check(&info)) {
    throw FileError(path.string(), "invalid WAV parameters");
  }
  handle_->file = sf_open(path.c_str(), SFM_WRITE, &info);
  if (!handle_->file) throw FileError(path.string(), sf_strerror(nullptr));
}

WavWriter::~WavWriter() = default;

void WavWriter::Write(std::span<const float> interleaved) {
  if (!handle_->file) throw FileError(path_.string(), "write after close");
  std::vector<float> clipped(interleaved.begin(), interleaved.end());
  for (float& v : clipped) v = std::clamp(v, -1.0f, 1.0f);
  const sf_count_t frames = static_cast<sf_count_t>(clipped.size()) / channels_;
  if (sf_writef_float(handle_->file, clipped.data(), frames) != frames) {
    throw FileError(path_.string(), std::string("write failed: ") + sf_strerror(handle_->file));
  }
}

void WavWriter::Close() {
  if (handle_->file && sf_close(handle_->file) != 0) {
    handle_->file = nullptr;
    throw FileError(path_.string(), "cannot finalise the WAV header");
  }
  handle_->file = nullptr;
}

}  // namespace scribed::audio
