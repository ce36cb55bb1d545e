#include "audio/file/sndfile_reader.h"

#include <sndfile.h>

#include <limits>

#include "scribed/audio/errors.h"

namespace scribed::audio::file {
namespace {

struct SndfileCloser {
  void operator()(SNDFILE* f) const noexcept { sf_close(f); }
};
using SndfilePtr = std::unique_ptr<SNDFILE, SndfileCloser>;

std::string FormatName(int format) {
  SF_FORMAT_INFO info{};
  info.format = format & SF_FORMAT_TYPEMASK;
  if (sf_command(nullptr, SFC_GET_FORMAT_INFO, &info, sizeof(info)) != 0 || !info.name) {
    return "unknown";
  }
  return info.name;
}

class SndfileReader final : public FileReader {
 public:
  SndfileReader(std::filesystem::path path, SndfilePtr file, const SF_INFO& sf_info)
      : path_(std::move(path)), file_(std::move(file)) {
    info_.sample_rate = sf_info.samplerate;
    info_.channels = sf_info.channels;
    // libsndfile reports SF_COUNT_MAX when the length is unknown.
    if (sf_info.frames > 0 && sf_info.frames < std::numeric_limits<sf_count_t>::max() / 2) {
      info_.frames = sf_info.frames;
    }
    info_.decoder = "sndfile";
    info_.codec = FormatName(sf_info.format);
  }

  const StreamInfo& info() const noexcept override { return info_; }

  size_t Read(std::span<float> interleaved) override {
    const sf_count_t wanted = static_cast<sf_count_t>(interleaved.size()) / info_.channels;
    if (wanted == 0) return 0;
    const sf_count_t got = sf_readf_float(file_.get(), interleaved.data(), wanted);
    if (got < wanted && sf_error(file_.get()) != SF_ERR_NO_ERROR) {
      throw FileError(path_.string(), std::string("decode error: ") + sf_strerror(file_.get()));
    }
    return got > 0 ? static_cast<size_t>(got) : 0;
  }

 private:
  std::filesystem::path path_;
  SndfilePtr file_;
  StreamInfo info_;
};

}  // namespace

std::unique_ptr<FileReader> OpenWithSndfile(const std::filesystem::path& path, std::string* why) {
  SF_INFO sf_info{};
  SndfilePtr file(sf_open(path.c_str(), SFM_READ, &sf_info));
  if (!file) {
    *why = sf_strerror(nullptr);
    return nullptr;
  }
  const std::string name = path.string();
  if (sf_info.channels < 1 || sf_info.channels > 64) {
    throw FileError(name, "unsupported channel count " + std::to_string(sf_info.channels));
  }
  if (sf_info.samplerate < 1000 || sf_info.samplerate > 768000) {
    throw FileError(name, "unsupported sample rate " + std::to_string(sf_info.samplerate));
  }
  if (sf_info.frames == 0) throw FileError(name, "contains no audio samples");
  return std::make_unique<SndfileReader>(path, std::move(file), sf_info);
}

}  // namespace scribed::audio::file
