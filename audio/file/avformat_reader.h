// FileReader over libavformat + libavcodec + libswresample: m4a/aac, mp4, mkv,
// webm and anything else FFmpeg can demux. The first audio stream is decoded.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "audio/file/memory_file.h"
#include "scribed/audio/file_reader.h"

namespace scribed::audio::file {

// Throws FileError naming the file and why it cannot be decoded.
std::unique_ptr<FileReader> OpenWithAvformat(const std::filesystem::path& path);
// The same for a file in memory; `name` appears in errors and, like a file
// name, hints the container format to FFmpeg's probe.
std::unique_ptr<FileReader> OpenWithAvformat(std::unique_ptr<MemoryFile> memory,
                                             const std::string& name);

}  // namespace scribed::audio::file
