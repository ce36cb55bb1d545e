#include "scribed/base/private_dir.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "scribed/base/unique_fd.h"

namespace scribed::base {
namespace {

[[noreturn]] void Refuse(const std::filesystem::path& dir, const std::string& why) {
  throw PrivateDirError(dir.string() + ": " + why);
}

std::string Octal(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

// mkdir for every missing component; existing ones are left as they are.
void CreateMissing(const std::filesystem::path& dir) {
  std::filesystem::path partial;
  for (const auto& part : dir) {
    partial /= part;
    if (::mkdir(partial.c_str(), 0700) != 0 && errno != EEXIST) {
      Refuse(dir, "cannot create " + partial.string() + ": " + std::strerror(errno));
    }
  }
}

}  // namespace

void EnsurePrivateDirectory(const std::filesystem::path& dir) {
  if (dir.empty()) throw PrivateDirError("empty directory name");
  CreateMissing(dir);
  struct stat link {};
  if (::lstat(dir.c_str(), &link) != 0) Refuse(dir, std::strerror(errno));
  const uid_t me = ::geteuid();
  if (S_ISLNK(link.st_mode) && link.st_uid != me) {
    // Whoever owns the link decides where it points, now and later.
    Refuse(dir, "is a symbolic link owned by uid " + std::to_string(link.st_uid) +
                    ", not by this user (uid " + std::to_string(me) + ")");
  }
  // Check the directory actually opened, not a name that could change; stat
  // only explains why it could not be opened.
  const UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  const int open_error = fd.get() < 0 ? errno : 0;
  struct stat st {};
  if (fd.get() < 0) {
    if (open_error == ENOTDIR) Refuse(dir, "is not a directory");
    if (::stat(dir.c_str(), &st) != 0) Refuse(dir, std::strerror(open_error));
  } else if (::fstat(fd.get(), &st) != 0) {
    Refuse(dir, std::strerror(errno));
  }
  const std::string what = S_ISLNK(link.st_mode) ? " (the target of a symbolic link)" : "";
  if (st.st_uid != me) {
    Refuse(dir, "belongs to uid " + std::to_string(st.st_uid) + ", not to this user (uid " +
                    std::to_string(me) + ")" + what + "; use a directory of your own");
  }
  if ((st.st_mode & 077) != 0) {
    Refuse(dir, "has mode " + Octal(st.st_mode) + what +
                    ": group and others must have no access (chmod 700 it, or use another "
                    "directory)");
  }
  if (fd.get() < 0) Refuse(dir, std::string("cannot open: ") + std::strerror(open_error));
}

}  // namespace scribed::base
