#include "scribed/base/errno_error.h"

#include <cerrno>
#include <system_error>

namespace scribed::base {

void ThrowErrno(int err, const std::string& what) {
  throw std::system_error(err, std::generic_category(), what);
}

void ThrowErrno(const std::string& what, const std::filesystem::path& path) {
  ThrowErrno(errno, what + " " + path.string());
}

}  // namespace scribed::base
