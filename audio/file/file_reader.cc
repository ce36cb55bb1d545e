#include "scribed/audio/file_reader.h"

#include <system_error>

#include "audio/file/avformat_reader.h"
#include "audio/file/sndfile_reader.h"
#include "scribed/audio/errors.h"

namespace scribed::audio {
namespace {

FileError Unrecognised(const std::string& name, const std::string& sndfile_reason) {
  return FileError(name,
                   "not a recognised audio or video file (libsndfile: " + sndfile_reason + ")");
}

bool IsUnrecognised(const FileError& e) {
  return std::string(e.what()).find("not a recognised") != std::string::npos;
}

}  // namespace

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
    if (!IsUnrecognised(e)) throw;
    throw Unrecognised(name, sndfile_reason);
  }
}

std::unique_ptr<FileReader> OpenFileReader(std::string bytes, const std::string& name) {
  if (bytes.empty()) throw FileError(name, "file is empty");
  auto memory = std::make_unique<file::MemoryFile>();
  memory->bytes = std::move(bytes);
  std::string sndfile_reason;
  if (auto reader = file::OpenWithSndfile(memory, name, &sndfile_reason)) return reader;
  try {
    return file::OpenWithAvformat(std::move(memory), name);
  } catch (const FileError& e) {
    if (!IsUnrecognised(e)) throw;
    throw Unrecognised(name, sndfile_reason);
  }
}

}  // namespace scribed::audio
