// FileReader over libavformat + libavcodec + libswresample: m4a/aac, mp4, mkv,
// webm and anything else FFmpeg can demux. The first audio stream is decoded.
#pragma once

#include <filesystem>
#include <memory>

#include "scribed/audio/file_reader.h"

namespace scribed::audio::file {

// Throws FileError naming the file and why it cannot be decoded.
std::unique_ptr<FileReader> OpenWithAvformat(const std::filesystem::path& path);

}  // namespace scribed::audio::file
