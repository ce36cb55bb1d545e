#include "scribed/audio/file_reader.h"

#include <system_error>

#include "audio/file/avformat_reader.h"
#include "audio/file/sndfile_reader.h"
#include "scribed/audio/errors.h"

namespace scribed::audio {

std::unique_ptr<FileReader> OpenFileReader(const std::filesystem::path& path) {
  const std::string name = path.string();
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) throw FileError(name, "no such file");
  if (!std::filesystem::is_regular_file(status)) throw FileError(name, "not a regular file");
  if (std::filesystem::file_size(path, ec) == 0 || ec) throw FileError(name, "file is empty");

  std::string sndfile_reason;
  if (auto reader = file::OpenWithSndfile(path, &sndfile_reason)) return reader;
  try {
    return file::OpenWithAvformat(path);
  } catch (const FileError& e) {
    // Neither library knows the file: say what both found.
    if (std::string(e.what()).find("not a recognised") == std::string::npos) throw;
    throw FileError(name,
                    "not a recognised audio or video file (libsndfile: " + sndfile_reason + ")");
  }
}

}  // namespace scribed::audio
