// gguf::Value accessors, value rendering and the error types.
#include <charconv>
#include <limits>
#include <memory>
#include <string>

#include "engine/gguf/value_rep.h"
#include "scribed/engine/gguf.h"

namespace scribed::engine::gguf {
namespace {

std::string WithOffset(const std::string& file, const std::string& message,
                       std::optional<uint64_t> offset) {
  std::string s = file + ": " + message;
  if (offset) s += " (at byte " + std::to_string(*offset) + ")";
  return s;
}

template <typename F>
std::string FloatText(F v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, r.ptr);
}

// Quoted, with control bytes, quotes and backslashes escaped; long strings cut.
std::string Quote(std::string_view s, size_t max_bytes = 160) {
  std::string out = "\"";
  const size_t n = std::min(s.size(), max_bytes);
  for (size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
  if (n < s.size()) out += "... (" + std::to_string(s.size()) + " bytes)";
  return out;
}

}  // namespace

std::string_view Name(ValueType type) noexcept {
  switch (type) {
    case ValueType::kUint8:
      return "u8";
    case ValueType::kInt8:
      return "i8";
    case ValueType::kUint16:
      return "u16";
    case ValueType::kInt16:
      return "i16";
    case ValueType::kUint32:
      return "u32";
    case ValueType::kInt32:
      return "i32";
    case ValueType::kFloat32:
      return "f32";
    case ValueType::kBool:
      return "bool";
    case ValueType::kString:
      return "string";
    case ValueType::kArray:
      return "array";
    case ValueType::kUint64:
      return "u64";
    case ValueType::kInt64:
      return "i64";
    case ValueType::kFloat64:
      return "f64";
  }
  return "invalid";
}

FormatError::FormatError(std::string file, std::string message, std::optional<uint64_t> byte_offset)
    : std::runtime_error(WithOffset(file, message, byte_offset)),
      file_(std::move(file)),
      byte_offset_(byte_offset) {}

ValueType Value::type() const noexcept { return rep_ ? rep_->type : ValueType::kUint8; }

ValueType Value::element_type() const noexcept {
  return rep_ ? rep_->element_type : ValueType::kUint8;
}

uint64_t Value::size() const noexcept {
  return rep_ && rep_->type == ValueType::kArray ? rep_->count : 0;
}

std::span<const std::byte> Value::encoded() const noexcept {
  if (!rep_) return {};
  return {rep_->encoded, static_cast<size_t>(rep_->encoded_size)};
}

std::optional<uint64_t> Value::AsUint() const noexcept {
  if (auto i = AsInt()) {
    if (*i >= 0) return static_cast<uint64_t>(*i);
    return std::nullopt;
  }
  if (rep_ && rep_->type == ValueType::kUint64) return Load<uint64_t>(rep_->payload);
  return std::nullopt;
}

std::optional<int64_t> Value::AsInt() const noexcept {
  if (!rep_) return std::nullopt;
  const std::byte* p = rep_->payload;
  switch (rep_->type) {
    case ValueType::kUint8:
      return Load<uint8_t>(p);
    case ValueType::kInt8:
      return Load<int8_t>(p);
    case ValueType::kUint16:
      return Load<uint16_t>(p);
    case ValueType::kInt16:
      return Load<int16_t>(p);
    case ValueType::kUint32:
      return Load<uint32_t>(p);
    case ValueType::kInt32:
      return Load<int32_t>(p);
    case ValueType::kInt64:
      return Load<int64_t>(p);
    case ValueType::kUint64: {
      const auto v = Load<uint64_t>(p);
      if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
      return static_cast<int64_t>(v);
    }
    default:
      return std::nullopt;
  }
}

std::optional<double> Value::AsFloat() const noexcept {
  if (!rep_) return std::nullopt;
  if (rep_->type == ValueType::kFloat32) return Load<float>(rep_->payload);
  if (rep_->type == ValueType::kFloat64) return Load<double>(rep_->payload);
  return std::nullopt;
}

std::optional<bool> Value::AsBool() const noexcept {
  if (!rep_ || rep_->type != ValueType::kBool) return std::nullopt;
  return Load<uint8_t>(rep_->payload) != 0;
}

std::optional<std::string_view> Value::AsString() const noexcept {
  if (!rep_ || rep_->type != ValueType::kString) return std::nullopt;
  return std::string_view(reinterpret_cast<const char*>(rep_->payload), rep_->count);
}

Value Value::At(uint64_t i) const {
  if (!rep_ || rep_->type != ValueType::kArray)
    throw std::logic_error("gguf::Value::At on a non-array");
  if (i >= rep_->count) throw std::out_of_range("gguf::Value::At index out of range");
  if (rep_->element_type == ValueType::kArray) {
    const std::byte* at = rep_->payload + rep_->offsets[i];
    const uint64_t size = static_cast<uint64_t>(rep_->encoded + rep_->encoded_size - at);
    return ParseNestedArray(at, size, rep_->depth + 1);
  }
  auto rep = std::make_shared<Rep>();
  rep->type = rep_->element_type;
  if (rep_->element_type == ValueType::kString) {
    const std::byte* at = rep_->payload + rep_->offsets[i];
    rep->count = Load<uint64_t>(at);
    rep->payload = at + 8;
    rep->encoded = at;
    rep->encoded_size = 8 + rep->count;
  } else {
    const uint64_t size = ScalarSize(rep_->element_type);
    rep->payload = rep_->payload + i * size;
    rep->encoded = rep->payload;
    rep->encoded_size = size;
  }
  Value v;
  v.rep_ = std::move(rep);
  return v;
}

std::string Value::ToString(size_t max_elements) const {
  if (!rep_) return "(none)";
  switch (rep_->type) {
    case ValueType::kString:
      return Quote(*AsString());
    case ValueType::kBool:
      return *AsBool() ? "true" : "false";
    case ValueType::kFloat32:
      return FloatText(Load<float>(rep_->payload));
    case ValueType::kFloat64:
      return FloatText(Load<double>(rep_->payload));
    case ValueType::kUint64:
      return std::to_string(Load<uint64_t>(rep_->payload));
    case ValueType::kArray:
      break;
    default:
      return std::to_string(*AsInt());
  }
  std::string out = "[";
  const bool abbreviate = rep_->count > max_elements;
  if (abbreviate) {
    const ValueType et = rep_->element_type;
    const bool plural_noun =
        et == ValueType::kString || et == ValueType::kArray || et == ValueType::kBool;
    out += std::to_string(rep_->count) + " " + std::string(Name(et)) +
           (plural_noun ? "s: " : " values: ");
  }
  const uint64_t shown = abbreviate ? max_elements : rep_->count;
  for (uint64_t i = 0; i < shown; ++i) {
    if (i > 0) out += ", ";
    out += At(i).ToString(max_elements);
  }
  if (abbreviate)
    out += shown > 0 ? ", ...]" : "...]";
  else
    out += "]";
  return out;
}

}  // namespace scribed::engine::gguf
