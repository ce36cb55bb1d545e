#include "scribed/protocol/path_field.h"

#include "scribed/base/base64.h"
#include "scribed/base/utf8.h"
#include "scribed/protocol/protocol.h"

namespace scribed::protocol {
namespace {

using nlohmann::json;

const json* Member(const json& object, std::string_view name) {
  // A null member counts as absent, as for every other argument.
  const auto it = object.find(name);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

// The bytes of `field`, or a ProtocolError(`code`) naming it.
std::string Decode(const json& value, std::string_view field, ErrorCode code) {
  const std::string name(field);
  if (!value.is_string()) throw ProtocolError(code, "argument \"" + name + "\" must be a string");
  std::string bytes = value.get<std::string>();
  if (field == path_field::kPathB64) {
    std::optional<std::string> decoded = base::Base64Decode(bytes);
    if (!decoded) throw ProtocolError(code, "argument \"" + name + "\" is not base64");
    bytes = std::move(*decoded);
  }
  // The file system would see only the bytes before a NUL: another file.
  if (bytes.find('\0') != std::string::npos) {
    throw ProtocolError(code, "argument \"" + name + "\" contains a NUL byte");
  }
  return bytes;
}

// path_b64 when present (then "path" is only its readable form), else path.
std::string PathIn(const json& object, ErrorCode code) {
  if (const json* b64 = Member(object, path_field::kPathB64)) {
    return Decode(*b64, path_field::kPathB64, code);
  }
  if (const json* text = Member(object, path_field::kPath)) {
    return Decode(*text, path_field::kPath, code);
  }
  throw ProtocolError(code, "missing argument \"path\" (or \"path_b64\")");
}

}  // namespace

void SetPath(json& object, std::string_view path) {
  if (base::IsValidUtf8(path)) {
    object[path_field::kPath] = std::string(path);
    object.erase(path_field::kPathB64);
    return;
  }
  object[path_field::kPath] = base::ToValidUtf8(path);
  object[path_field::kPathB64] = base::Base64Encode(path);
}

std::string RequirePath(const json& args) { return PathIn(args, ErrorCode::kBadArgs); }

std::string PathOf(const json& object) { return PathIn(object, ErrorCode::kBadJson); }

}  // namespace scribed::protocol
