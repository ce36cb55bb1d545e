// Directories only this user may enter: the daemon's state directory, its
// ipc socket directory and key directories. An existing directory is checked,
// never changed: tightening the mode of a directory someone else also uses
// (/tmp, a shared runtime directory behind a symbolic link) would lock them
// out, so a directory that is not already private is refused instead.
//
// Thread-safe.
#pragma once

#include <filesystem>
#include <stdexcept>

namespace scribed::base {

// what() names the directory and what is wrong with it.
class PrivateDirError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Creates `dir` and any missing parent with mode 0700. An existing `dir` (or,
// when `dir` is a symbolic link owned by this user, the directory it points
// to) must be a directory owned by this user with no permission bits for
// group or others. Throws PrivateDirError otherwise; never chmods.
void EnsurePrivateDirectory(const std::filesystem::path& dir);

}  // namespace scribed::base
