#include "audio/file/sndfile_reader.h"

#include <sndfile.h>

#include <algorithm>
#include <cstdio>
#include <limits>

#include "audio/file/truncation.h"
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

// libsndfile's virtual I/O over a MemoryFile (the user data pointer).
MemoryFile& Memory(void* user) { return *static_cast<MemoryFile*>(user); }
SF_VIRTUAL_IO& MemoryIo() {
  static SF_VIRTUAL_IO io{
      [](void* u) -> sf_count_t { return Memory(u).size(); },
      [](sf_count_t offset, int whence, void* u) -> sf_count_t {
        return Memory(u).Seek(offset, whence);
      },
      [](void* dst, sf_count_t n, void* u) -> sf_count_t { return Memory(u).Read(dst, n); },
      [](const void*, sf_count_t, void*) -> sf_count_t { return 0; },  // read-only
      [](void* u) -> sf_count_t { return Memory(u).pos; },
  };
  return io;
}

class SndfileReader final : public FileReader {
 public:
  SndfileReader(std::string name, std::unique_ptr<MemoryFile> memory, SndfilePtr file,
                const SF_INFO& sf_info)
      : name_(std::move(name)), memory_(std::move(memory)), file_(std::move(file)) {
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
    if (wanted == 0 || ended_) return 0;
    sf_count_t got = sf_readf_float(file_.get(), interleaved.data(), wanted);
    got = std::max<sf_count_t>(got, 0);
    if (got < wanted && sf_error(file_.get()) != SF_ERR_NO_ERROR) {
      const std::string error = sf_strerror(file_.get());
      if (decoded_ + got == 0) throw FileError(name_, "decode error: " + error);
      // Damage after some audio (typically a cut file): keep what decoded.
      char at[64];
      std::snprintf(at, sizeof at, "%.1f s", static_cast<double>(decoded_ + got) / info_.sample_rate);
      truncation_ = std::string("the stream is damaged after ") + at + " (" + error + ")";
      ended_ = true;
    }
    if (got > 0) {
      decoded_ += got;
      return static_cast<size_t>(got);
    }
    // A FLAC or Ogg stream cut short ends before its header's length. (A cut
    // WAV is not seen here: libsndfile trims its length to the file at open.)
    if (info_.frames && !truncation_) {
      truncation_ = ShortfallReason(decoded_, *info_.frames, info_.sample_rate);
    }
    return 0;
  }

  std::optional<std::string> truncation() const override { return truncation_; }

 private:
  std::string name_;
  std::unique_ptr<MemoryFile> memory_;  // read by file_; outlives it
  SndfilePtr file_;
  StreamInfo info_;
  int64_t decoded_ = 0;
  bool ended_ = false;
  std::optional<std::string> truncation_;
};

std::unique_ptr<FileReader> Checked(const std::string& name, std::unique_ptr<MemoryFile> memory,
                                    SndfilePtr file, const SF_INFO& sf_info) {
  if (sf_info.channels < 1 || sf_info.channels > 64) {
    throw FileError(name, "unsupported channel count " + std::to_string(sf_info.channels));
  }
  if (sf_info.samplerate < 1000 || sf_info.samplerate > 768000) {
    throw FileError(name, "unsupported sample rate " + std::to_string(sf_info.samplerate));
  }
  if (sf_info.frames == 0) throw FileError(name, "contains no audio samples");
  return std::make_unique<SndfileReader>(name, std::move(memory), std::move(file), sf_info);
}

}  // namespace

std::unique_ptr<FileReader> OpenWithSndfile(const std::filesystem::path& path, std::string* why) {
  SF_INFO sf_info{};
  SndfilePtr file(sf_open(path.c_str(), SFM_READ, &sf_info));
  if (!file) {
    *why = sf_strerror(nullptr);
    return nullptr;
  }
  return Checked(path.string(), nullptr, std::move(file), sf_info);
}

std::unique_ptr<FileReader> OpenWithSndfile(std::unique_ptr<MemoryFile>& memory,
                                            const std::string& name, std::string* why) {
  SF_INFO sf_info{};
  memory->pos = 0;
  SndfilePtr file(sf_open_virtual(&MemoryIo(), SFM_READ, &sf_info, memory.get()));
  if (!file) {
    *why = sf_strerror(nullptr);
    return nullptr;
  }
  return Checked(name, std::move(memory), std::move(file), sf_info);
}

}  // namespace scribed::audio::file
