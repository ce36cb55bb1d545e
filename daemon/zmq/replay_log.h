// The bounded in-memory log of published events behind the `replay` command,
// so a subscriber that missed events (slow joiner, reconnect, high-water
// mark) can fetch them by seq.
//
// Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace scribed::daemon {

class ReplayLog {
 public:
  explicit ReplayLog(size_t capacity) : capacity_(capacity) {}

  // Appends an event body (JSON text); seqs must increase by one.
  void Add(uint64_t seq, std::string body);

  struct Slice {
    std::vector<std::string> bodies;  // events with seq > since, oldest first
    uint64_t first_seq = 0;           // oldest seq still held (0: empty log)
    uint64_t last_seq = 0;            // newest seq held
    bool truncated = false;           // events after `since` were already evicted
    bool more = false;                // `limit` cut the slice short
  };
  Slice Since(uint64_t since, size_t limit) const;

 private:
  const size_t capacity_;
  mutable std::mutex mu_;
  std::deque<std::pair<uint64_t, std::string>> events_;  // guarded by mu_
};

}  // namespace scribed::daemon
