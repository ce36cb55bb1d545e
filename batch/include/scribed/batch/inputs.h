// The inputs of a batch: a manifest (one path per line) or a directory tree.
//
// Thread-safe (pure functions over the file system).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace scribed::batch {

struct Input {
  std::filesystem::path path;  // absolute, lexically normal
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  std::string error;  // set when the manifest names a file that cannot be used
};

// Audio and video extensions a directory walk picks up (lowercase, no dot).
std::vector<std::string> DefaultExtensions();

// "wav,flac,.M4A" -> {"wav", "flac", "m4a"}; throws std::invalid_argument for
// an empty list.
std::vector<std::string> ParseExtensions(const std::string& text);

// The inputs `source` names, sorted by path, each path once:
// - a directory: every regular file below it (symlinks followed, hidden
//   folders skipped) whose extension is in `extensions`, case-insensitively;
// - a file: a manifest, one path per line; blank lines and lines starting with
//   '#' are ignored, surrounding whitespace is trimmed, and relative paths are
//   taken relative to the manifest's folder. A listed path that is missing or
//   not a regular file becomes an Input with `error` set, so it is reported
//   rather than silently dropped.
// Throws std::invalid_argument when `source` does not exist, and
// std::system_error when it cannot be read.
std::vector<Input> ReadInputs(const std::filesystem::path& source,
                              const std::vector<std::string>& extensions);

}  // namespace scribed::batch
