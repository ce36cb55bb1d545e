// The small file interface the job journal and result writer go through, so a
// test can stand in a file system that loses everything not yet synced.
//
// Errors throw std::system_error naming the path. PosixFileSystem is
// Thread-safe; a WritableFile is Thread-compatible.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace scribed::daemon {

class WritableFile {
 public:
  virtual ~WritableFile() = default;
  virtual void Append(std::string_view data) = 0;
  // Returns once everything appended so far is on stable storage.
  virtual void Sync() = 0;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;
  // Opens for appending, creating an empty file when missing.
  virtual std::unique_ptr<WritableFile> OpenAppend(const std::filesystem::path& path) = 0;
  // Opens an empty file (truncating an existing one).
  virtual std::unique_ptr<WritableFile> OpenTruncate(const std::filesystem::path& path) = 0;
  // The whole file, or nullopt when it does not exist.
  virtual std::optional<std::string> ReadAll(const std::filesystem::path& path) = 0;
  // Atomically replaces `to` with `from` and syncs the directory, so the
  // rename is durable when this returns.
  virtual void Rename(const std::filesystem::path& from, const std::filesystem::path& to) = 0;
  virtual void CreateDirectories(const std::filesystem::path& path) = 0;
};

// The real file system (open/write/fsync/rename).
class PosixFileSystem final : public FileSystem {
 public:
  std::unique_ptr<WritableFile> OpenAppend(const std::filesystem::path& path) override;
  std::unique_ptr<WritableFile> OpenTruncate(const std::filesystem::path& path) override;
  std::optional<std::string> ReadAll(const std::filesystem::path& path) override;
  void Rename(const std::filesystem::path& from, const std::filesystem::path& to) override;
  void CreateDirectories(const std::filesystem::path& path) override;
};

// Writes `content` to "<path>.tmp", syncs it and renames it over `path`:
// readers see the old file or the whole new one, never a partial one.
void WriteFileAtomically(FileSystem& fs, const std::filesystem::path& path,
                         std::string_view content);

}  // namespace scribed::daemon
