// A file system over a real directory that remembers, per file, how much was
// synced, and can drop everything that was not - what a power cut does. It
// can also make the next write fail, as a full disk would.
#pragma once

#include <filesystem>
#include <map>
#include <mutex>

#include "scribed/base/file_system.h"

namespace scribed::testing {

class FaultFileSystem final : public base::FileSystem {
 public:
  std::unique_ptr<base::WritableFile> OpenAppend(const std::filesystem::path& path) override;
  std::unique_ptr<base::WritableFile> OpenTruncate(const std::filesystem::path& path,
                                                   base::FileMode mode) override;
  std::optional<std::string> ReadAll(const std::filesystem::path& path) override;
  void Rename(const std::filesystem::path& from, const std::filesystem::path& to) override;
  void Remove(const std::filesystem::path& path) override;
  void CreateDirectories(const std::filesystem::path& path) override;

  // Truncates every file to the size it had at its last Sync.
  void DropUnsyncedData();
  void MarkSynced(const std::filesystem::path& path, uint64_t size);
  // From now on every Append throws std::system_error(ENOSPC).
  void FailWrites();
  bool writes_fail() const;

 private:
  base::PosixFileSystem real_;
  mutable std::mutex mu_;
  std::map<std::filesystem::path, uint64_t> synced_;  // guarded by mu_
  bool fail_writes_ = false;                           // guarded by mu_
};

}  // namespace scribed::testing
