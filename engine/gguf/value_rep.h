// The representation behind gguf::Value, shared by the parser (which builds
// it) and Value's accessors. Internal to engine/gguf.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <utility>
#include <vector>

#include "scribed/engine/gguf.h"

namespace scribed::engine::gguf {

struct Value::Rep {
  ValueType type = ValueType::kUint8;
  ValueType element_type = ValueType::kUint8;  // arrays only
  uint64_t count = 0;                          // arrays: elements; strings: bytes
  const std::byte* payload = nullptr;          // scalar bytes, string chars or first array element
  const std::byte* encoded = nullptr;          // everything after the type tag
  uint64_t encoded_size = 0;
  // Arrays of strings or arrays: offset of each element from payload. Nested
  // arrays are validated when the file is opened but parsed again on access,
  // so a file of many tiny nested arrays cannot make the reader allocate
  // much more than the file's size.
  std::vector<uint64_t> offsets;
  int depth = 0;  // nesting level of this value (0 = a metadata entry)
};

// Parses the (already validated) array encoded at `at`, which lies inside a
// region of `size` bytes. Defined by the reader.
Value ParseNestedArray(const std::byte* at, uint64_t size, int depth);

// The parser's door into Value's representation.
struct ValueAccess {
  using Rep = Value::Rep;
  static Value Make(std::shared_ptr<const Rep> rep) {
    Value v;
    v.rep_ = std::move(rep);
    return v;
  }
  static const Rep& Get(const Value& v) { return *v.rep_; }
};

// Bytes taken by one scalar of `type`, or 0 for strings and arrays.
inline uint64_t ScalarSize(ValueType type) noexcept {
  switch (type) {
    case ValueType::kUint8:
    case ValueType::kInt8:
    case ValueType::kBool:
      return 1;
    case ValueType::kUint16:
    case ValueType::kInt16:
      return 2;
    case ValueType::kUint32:
    case ValueType::kInt32:
    case ValueType::kFloat32:
      return 4;
    case ValueType::kUint64:
    case ValueType::kInt64:
    case ValueType::kFloat64:
      return 8;
    case ValueType::kString:
    case ValueType::kArray:
      return 0;
  }
  return 0;
}

inline bool IsValidValueType(uint32_t t) noexcept { return t <= 12; }

// Little-endian load from an unaligned position (the project targets LE hosts).
template <typename T>
T Load(const std::byte* p) noexcept {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

}  // namespace scribed::engine::gguf
