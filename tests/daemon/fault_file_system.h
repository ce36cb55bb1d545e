// A file system over a real directory that remembers, per file, how much was
// synced, and can drop everything that was not - what a power cut does.
#pragma once

#include <filesystem>
#include <map>
#include <mutex>

#include "daemon/jobs/file_system.h"

namespace scribed::daemon::testing {

class FaultFileSystem final : public FileSystem {
 public:
  std::unique_ptr<WritableFile> OpenAppend(const std::filesystem::path& path) override;
  std::unique_ptr<WritableFile> OpenTruncate(const std::filesystem::path& path) override;
  std::optional<std::string> ReadAll(const std::filesystem::path& path) override;
  void Rename(const std::filesystem::path& from, const std::filesystem::path& to) override;
  void CreateDirectories(const std::filesystem::path& path) override;

  // Truncates every file to the size it had at its last Sync.
  void DropUnsyncedData();
  void MarkSynced(const std::filesystem::path& path, uint64_t size);

 private:
  PosixFileSystem real_;
  std::mutex mu_;
  std::map<std::filesystem::path, uint64_t> synced_;  // guarded by mu_
};

}  // namespace scribed::daemon::testing
