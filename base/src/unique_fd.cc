#include "scribed/base/unique_fd.h"

#include <unistd.h>

namespace scribed::base {

void UniqueFd::Reset(int fd) noexcept {
  // close() is not retried on EINTR: on Linux the descriptor is gone anyway.
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

int UniqueFd::Close() noexcept {
  if (fd_ < 0) return 0;
  return ::close(Release());
}

}  // namespace scribed::base
