// A file system over a real directory that remembers, per file, how much was
// synced, and can drop everything that was not - what a power cut does (it
// tracks syncs rather than making them, which keeps tests fast). It
// can also fail writes as a full disk or a failing device would: every write
// operation from now on (a full disk until space returns), or one chosen
// operation, counted from the start, in one of several ways.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "scribed/base/file_system.h"

namespace scribed::testing {

// How an injected failure looks to the caller.
enum class Fault {
  kNoSpace,     // ENOSPC; nothing written, created or renamed
  kShortWrite,  // an Append writes the first half of its data, then ENOSPC
  kSyncError,   // EIO; a Sync leaves the data written but not durable, a
                // Rename happens but is not reported durable
};

class FaultFileSystem final : public base::FileSystem {
 public:
  std::unique_ptr<base::WritableFile> OpenAppend(const std::filesystem::path& path) override;
  std::unique_ptr<base::WritableFile> OpenTruncate(const std::filesystem::path& path,
                                                   base::FileMode mode) override;
  std::optional<std::string> ReadAll(const std::filesystem::path& path) override;
  void Rename(const std::filesystem::path& from, const std::filesystem::path& to) override;
  void Remove(const std::filesystem::path& path) override;
  void RemoveAll(const std::filesystem::path& path) override;
  void CreateDirectories(const std::filesystem::path& path) override;

  // Truncates every file to the size it had at its last Sync.
  void DropUnsyncedData();
  void MarkSynced(const std::filesystem::path& path, uint64_t size);

  // A full disk: while set, every Append throws std::system_error(ENOSPC)
  // and writes nothing. FailWrites() is SetDiskFull(true).
  void SetDiskFull(bool full);
  void FailWrites() { SetDiskFull(true); }
  bool writes_fail() const;

  // Write operations so far: opening a file, Append, Sync, Truncate, Rename.
  uint64_t write_operations() const;
  // Write operation number `n` (1 is the first one this file system saw, so
  // write_operations() + 1 is the next) fails with `fault`; may be called for
  // several operations.
  void FailOperation(uint64_t n, Fault fault);
  // The disk fills up the moment a file whose name contains `part` is opened:
  // that file's writes and every later one fail until SetDiskFull(false).
  void FillDiskWhenOpening(std::string part);
  // No more injected failures (and space on the disk).
  void ClearFaults();

  // Counts one write operation; returns its fault if it is to fail. For the
  // files this file system hands out.
  std::optional<Fault> TakeOperation();

 private:
  void Opened(const std::filesystem::path& path);  // fills the disk on the trigger

  base::PosixFileSystem real_;
  mutable std::mutex mu_;
  std::map<std::filesystem::path, uint64_t> synced_;  // guarded by mu_
  bool disk_full_ = false;                             // guarded by mu_
  uint64_t operations_ = 0;                            // guarded by mu_
  std::map<uint64_t, Fault> faults_;                   // by operation; guarded by mu_
  std::string fill_trigger_;                           // guarded by mu_
};

}  // namespace scribed::testing
