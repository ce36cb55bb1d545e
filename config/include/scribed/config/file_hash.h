// SHA-256 of model files for provenance. Hashing a multi-GB GGUF takes
// seconds, so results are cached in `cache_dir`/file-hashes.json keyed by
// absolute path, size and modification time.
//
// Thread-compatible (concurrent writers of one cache file keep the last).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace scribed::config {

// Lowercase hex SHA-256 of the file's bytes. Throws std::system_error naming
// the file when it cannot be read.
std::string Sha256File(const std::filesystem::path& path);

// Lowercase hex SHA-256 of `bytes`.
std::string Sha256Bytes(std::string_view bytes);

// As Sha256File, through the cache in `cache_dir` (created when missing). A
// cache that cannot be read or written is ignored.
std::string CachedSha256File(const std::filesystem::path& path, const std::filesystem::path& cache_dir);

// $XDG_CACHE_HOME/scribed, else ~/.cache/scribed.
std::filesystem::path DefaultCacheDir();

}  // namespace scribed::config
