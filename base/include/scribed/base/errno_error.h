// std::system_error from errno, with a message naming what failed.
//
// Thread-safe.
#pragma once

#include <filesystem>
#include <string>

namespace scribed::base {

// Throws std::system_error(err, generic_category, what).
[[noreturn]] void ThrowErrno(int err, const std::string& what);
// Throws for the current errno, with the message "<what> <path>".
[[noreturn]] void ThrowErrno(const std::string& what, const std::filesystem::path& path);

}  // namespace scribed::base
