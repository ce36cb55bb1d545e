// A file path in a protocol message. JSON carries only UTF-8 but a Linux file
// name is any bytes, so a path that is valid UTF-8 travels as "path" and one
// that is not as "path_b64" (its bytes, base64) beside a readable "path" with
// U+FFFD for each byte that is not UTF-8. Whoever reads a path takes
// "path_b64" when present. The same two fields serve requests, events, job
// listings and the journal.
//
//   json args = {{"lang", "de"}};
//   SetPath(args, "/home/ann/caf\xe9.wav");    // path_b64 (and a readable path)
//   std::string p = RequirePath(request.args);  // the daemon: the bytes again
//
// Thread-safe (pure functions).
#pragma once

#include <string>
#include <string_view>

#include "scribed/base/json.h"

namespace scribed::protocol {

namespace path_field {
inline constexpr std::string_view kPath = "path";
inline constexpr std::string_view kPathB64 = "path_b64";
}  // namespace path_field

// Sets "path" in `object` (readable), and "path_b64" when `path` is not UTF-8.
void SetPath(nlohmann::json& object, std::string_view path);

// The path that request arguments name: "path_b64" decoded when present,
// else "path"; a string without NUL bytes (base64 for "path_b64"). Throws
// ProtocolError(kBadArgs) naming the field.
std::string RequirePath(const nlohmann::json& args);

// The path of an object written with SetPath (an event, a job, a journal
// record): "path_b64" decoded when present, else "path". Throws
// ProtocolError(kBadJson) when neither is a usable string.
std::string PathOf(const nlohmann::json& object);

}  // namespace scribed::protocol
