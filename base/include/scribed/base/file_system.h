// The small file interface that every durable write goes through (the job
// journal, transcripts, the hash cache), so a test can stand in a file system
// that fails or loses everything not yet synced.
//
// Errors throw std::system_error naming the path. PosixFileSystem is
// thread-safe; a WritableFile is thread-compatible.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace scribed::base {

// Permissions a created file gets (before the umask).
enum class FileMode {
  kPrivate,  // 0600: the daemon's journal and results
  kShared,   // 0644: files a user asked for
};

class WritableFile {
 public:
  virtual ~WritableFile() = default;
  virtual void Append(std::string_view data) = 0;
  // Returns once everything appended so far is on stable storage.
  virtual void Sync() = 0;
  // Cuts the file to its first `size` bytes; later appends continue there.
  // Durable after the next Sync. Needs no free space, so it can take back a
  // write that a full disk cut short.
  virtual void Truncate(uint64_t size) = 0;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;
  // Opens for appending, creating an empty private file when missing.
  virtual std::unique_ptr<WritableFile> OpenAppend(const std::filesystem::path& path) = 0;
  // Opens an empty file (truncating an existing one).
  virtual std::unique_ptr<WritableFile> OpenTruncate(const std::filesystem::path& path,
                                                     FileMode mode) = 0;
  // The whole file, or nullopt when it does not exist.
  virtual std::optional<std::string> ReadAll(const std::filesystem::path& path) = 0;
  // Atomically replaces `to` with `from` and syncs the directory, so the
  // rename is durable when this returns.
  virtual void Rename(const std::filesystem::path& from, const std::filesystem::path& to) = 0;
  // Removes a file; a missing one is not an error.
  virtual void Remove(const std::filesystem::path& path) = 0;
  // Removes a file or a directory with everything in it; a missing one is
  // not an error.
  virtual void RemoveAll(const std::filesystem::path& path) = 0;
  virtual void CreateDirectories(const std::filesystem::path& path) = 0;
};

// The real file system (open/write/fdatasync/rename).
class PosixFileSystem final : public FileSystem {
 public:
  std::unique_ptr<WritableFile> OpenAppend(const std::filesystem::path& path) override;
  std::unique_ptr<WritableFile> OpenTruncate(const std::filesystem::path& path,
                                             FileMode mode) override;
  std::optional<std::string> ReadAll(const std::filesystem::path& path) override;
  void Rename(const std::filesystem::path& from, const std::filesystem::path& to) override;
  void Remove(const std::filesystem::path& path) override;
  void RemoveAll(const std::filesystem::path& path) override;
  void CreateDirectories(const std::filesystem::path& path) override;
};

// One shared PosixFileSystem, for callers that have nothing to inject.
FileSystem& RealFileSystem();

// Writes `content` to "<path>.tmp-<pid>-<random>", syncs it and renames it
// over `path`: readers see the old file or the whole new one, never a partial
// one. On failure the temporary file is removed and the error rethrown. The
// unique name keeps processes writing the same file (a shared cache, batch
// workers on several hosts) apart.
void WriteFileAtomically(FileSystem& fs, const std::filesystem::path& path,
                         std::string_view content, FileMode mode = FileMode::kPrivate);

}  // namespace scribed::base
