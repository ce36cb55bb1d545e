// Base64 (RFC 4648, standard alphabet, padded): how raw bytes that are not
// text travel inside JSON.
//
// Thread-safe (pure functions).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace scribed::base {

std::string Base64Encode(std::string_view bytes);

// The decoded bytes, or nullopt unless `text` is canonical padded base64
// (length a multiple of 4, only the alphabet, '=' only at the end).
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace scribed::base
