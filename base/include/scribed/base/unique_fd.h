// An owned POSIX file descriptor: closed on destruction, movable, not
// copyable. -1 means "none".
//
// Thread-compatible.
#pragma once

#include <utility>

namespace scribed::base {

class UniqueFd {
 public:
  explicit UniqueFd(int fd = -1) noexcept : fd_(fd) {}
  ~UniqueFd() { Reset(); }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.Release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) Reset(other.Release());
    return *this;
  }

  int get() const noexcept { return fd_; }
  bool valid() const noexcept { return fd_ >= 0; }
  // Gives up ownership without closing.
  int Release() noexcept { return std::exchange(fd_, -1); }
  // Closes the current descriptor (if any) and owns `fd` instead.
  void Reset(int fd = -1) noexcept;
  // Closes now and reports close()'s result: 0, or -1 with errno set. A
  // written file's last I/O error can surface only here.
  int Close() noexcept;

 private:
  int fd_;
};

}  // namespace scribed::base
