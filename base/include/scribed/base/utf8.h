// UTF-8 checks for bytes that come from outside (file names, argv) and must
// travel in JSON, which carries only valid UTF-8.
//
// Thread-safe (pure functions).
#pragma once

#include <string>
#include <string_view>

namespace scribed::base {

// Whether `s` is well-formed UTF-8 (no overlong forms, surrogates or code
// points above U+10FFFF).
bool IsValidUtf8(std::string_view s) noexcept;

// `s` with every byte that is not part of a well-formed sequence replaced by
// U+FFFD: a readable form of a name that is not UTF-8, never a way back to it.
std::string ToValidUtf8(std::string_view s);

}  // namespace scribed::base
