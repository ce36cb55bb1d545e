// ASCII string helpers the modules share.
//
// Thread-safe (pure functions).
#pragma once

#include <string>
#include <string_view>

namespace scribed::base {

// `s` without leading and trailing ASCII whitespace (" \t\n\r\f\v").
std::string_view Trim(std::string_view s) noexcept;
std::string_view TrimLeft(std::string_view s) noexcept;

// `s` with ASCII letters lower-cased; other bytes (UTF-8) unchanged.
std::string AsciiLower(std::string_view s);

}  // namespace scribed::base
