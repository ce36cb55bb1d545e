// UTF-8 helpers shared by the tokenizer and the stream decoder. Validation
// follows RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace scribed::engine::tokenizer {

// Length (1-4) of the valid UTF-8 sequence starting at s[pos], or 0 when the
// bytes there are not a complete valid sequence (invalid or cut short).
size_t Utf8SequenceLength(std::string_view s, size_t pos) noexcept;

// True when s[pos..] is a proper prefix of some valid sequence, i.e. more
// bytes could still complete it.
bool Utf8IsIncompletePrefix(std::string_view s, size_t pos) noexcept;

// Appends U+FFFD (the replacement character).
void AppendReplacementChar(std::string& out);

}  // namespace scribed::engine::tokenizer
