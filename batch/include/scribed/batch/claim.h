// Claims: how workers that share only a file system avoid transcribing the
// same input twice. A claim is a file created with O_EXCL beside the result;
// its holder renews it (mtime) while it works and removes it when done.
//
// A claim is stale when its holder is gone: on the same host, when the
// holder's process no longer exists (checked by pid and process start time,
// so a reused pid does not count); on any host, when it has not been renewed
// for the lease time. A stale claim is taken over by renaming it away, which
// only one contender can do. Two workers can still, rarely, both work on one
// input (a takeover racing a late renewal); that only costs time, because
// results are written whole by rename and are identical.
//
// Thread-compatible; Claim::Renew may be called from another thread.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

namespace scribed::batch {

// Who a worker is, as written into its claims.
struct WorkerId {
  std::string host;
  long pid = 0;
  unsigned long long start_ticks = 0;  // the process's start time (/proc/PID/stat)
  std::string Text() const;            // "host:pid"
  static WorkerId Self();
};

// Whether the claim file at `path` is held by a live worker (see above).
// False when the file does not exist.
bool ClaimIsLive(const std::filesystem::path& path, std::chrono::seconds lease);

class Claim {
 public:
  // Creates the claim file, taking over a stale one. nullopt when a live
  // worker holds it. Throws std::system_error when the folder is unusable.
  static std::optional<Claim> TryAcquire(const std::filesystem::path& path, const WorkerId& self,
                                         std::chrono::seconds lease);
  Claim(Claim&& other) noexcept;
  Claim& operator=(Claim&&) = delete;
  Claim(const Claim&) = delete;
  ~Claim();  // Release()

  // Marks the claim as recently alive (sets its mtime to now).
  void Renew() const;
  // Removes the claim file if it is still this worker's.
  void Release();

 private:
  Claim(std::filesystem::path path, std::string owner)
      : path_(std::move(path)), owner_(std::move(owner)) {}
  std::filesystem::path path_;
  std::string owner_;  // the file's content; empty once released
};

}  // namespace scribed::batch
