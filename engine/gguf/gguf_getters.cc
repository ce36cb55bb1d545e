// File's typed metadata getters: one place for the KeyError wording.
#include <limits>
#include <string>

#include "engine/gguf/value_rep.h"
#include "scribed/engine/gguf.h"

namespace scribed::engine::gguf {
namespace {

std::string TypeText(const Value& v) {
  std::string s(Name(v.type()));
  if (v.type() == ValueType::kArray) s += " of " + std::string(Name(v.element_type()));
  return s;
}

[[noreturn]] void WrongType(const File& f, std::string_view key, const Value& v,
                            std::string_view expected) {
  throw KeyError(f.path().string() + ": key " + std::string(key) + " is " + TypeText(v) +
                 ", expected " + std::string(expected));
}

const Value& Require(const File& f, std::string_view key) {
  const Value* v = f.Find(key);
  if (v == nullptr) throw KeyError(f.path().string() + ": key " + std::string(key) + " missing");
  return *v;
}

const Value& RequireArray(const File& f, std::string_view key, std::string_view expected,
                          bool (*element_ok)(ValueType)) {
  const Value& v = Require(f, key);
  if (v.type() != ValueType::kArray || !element_ok(v.element_type())) {
    WrongType(f, key, v, expected);
  }
  return v;
}

bool IsInteger(ValueType t) {
  return ScalarSize(t) != 0 && t != ValueType::kBool && t != ValueType::kFloat32 &&
         t != ValueType::kFloat64;
}

uint32_t ToU32(const File& f, std::string_view key, const Value& v) {
  const auto u = v.AsUint();
  if (!u || *u > std::numeric_limits<uint32_t>::max()) {
    if (IsInteger(v.type())) {
      throw KeyError(f.path().string() + ": key " + std::string(key) + " = " + v.ToString() +
                     " does not fit u32");
    }
    WrongType(f, key, v, "u32");
  }
  return static_cast<uint32_t>(*u);
}

float ToF32(const File& f, std::string_view key, const Value& v) {
  const auto d = v.AsFloat();
  if (!d) WrongType(f, key, v, "f32");
  return static_cast<float>(*d);
}

bool ToBool(const File& f, std::string_view key, const Value& v) {
  const auto b = v.AsBool();
  if (!b) WrongType(f, key, v, "bool");
  return *b;
}

std::string_view ToString(const File& f, std::string_view key, const Value& v) {
  const auto s = v.AsString();
  if (!s) WrongType(f, key, v, "string");
  return *s;
}

}  // namespace

uint32_t File::GetU32(std::string_view key) const { return ToU32(*this, key, Require(*this, key)); }

uint64_t File::GetU64(std::string_view key) const {
  const Value& v = Require(*this, key);
  const auto u = v.AsUint();
  if (!u) {
    if (IsInteger(v.type())) {
      throw KeyError(path().string() + ": key " + std::string(key) + " = " + v.ToString() +
                     " is negative");
    }
    WrongType(*this, key, v, "u64");
  }
  return *u;
}

float File::GetF32(std::string_view key) const { return ToF32(*this, key, Require(*this, key)); }
bool File::GetBool(std::string_view key) const { return ToBool(*this, key, Require(*this, key)); }

std::string_view File::GetString(std::string_view key) const {
  return ToString(*this, key, Require(*this, key));
}

std::vector<int64_t> File::GetIntArray(std::string_view key) const {
  const Value& v = RequireArray(*this, key, "array of integers", IsInteger);
  std::vector<int64_t> out;
  out.reserve(v.size());
  for (uint64_t i = 0; i < v.size(); ++i) {
    const auto x = v.At(i).AsInt();
    if (!x) {
      throw KeyError(path().string() + ": key " + std::string(key) + " element " +
                     std::to_string(i) + " does not fit i64");
    }
    out.push_back(*x);
  }
  return out;
}

std::vector<float> File::GetF32Array(std::string_view key) const {
  const Value& v = RequireArray(*this, key, "array of f32", [](ValueType t) {
    return t == ValueType::kFloat32 || t == ValueType::kFloat64;
  });
  std::vector<float> out;
  out.reserve(v.size());
  const std::byte* p = ValueAccess::Get(v).payload;
  for (uint64_t i = 0; i < v.size(); ++i) {
    out.push_back(v.element_type() == ValueType::kFloat32
                      ? Load<float>(p + 4 * i)
                      : static_cast<float>(Load<double>(p + 8 * i)));
  }
  return out;
}

std::vector<bool> File::GetBoolArray(std::string_view key) const {
  const Value& v =
      RequireArray(*this, key, "array of bool", [](ValueType t) { return t == ValueType::kBool; });
  std::vector<bool> out;
  out.reserve(v.size());
  const std::byte* p = ValueAccess::Get(v).payload;
  for (uint64_t i = 0; i < v.size(); ++i) out.push_back(Load<uint8_t>(p + i) != 0);
  return out;
}

std::vector<std::string_view> File::GetStringArray(std::string_view key) const {
  const Value& v = RequireArray(*this, key, "array of string",
                                [](ValueType t) { return t == ValueType::kString; });
  const auto& rep = ValueAccess::Get(v);
  std::vector<std::string_view> out;
  out.reserve(v.size());
  for (uint64_t off : rep.offsets) {
    const std::byte* at = rep.payload + off;
    out.emplace_back(reinterpret_cast<const char*>(at + 8), Load<uint64_t>(at));
  }
  return out;
}

std::optional<uint32_t> File::FindU32(std::string_view key) const {
  const Value* v = Find(key);
  if (v == nullptr) return std::nullopt;
  return ToU32(*this, key, *v);
}

std::optional<float> File::FindF32(std::string_view key) const {
  const Value* v = Find(key);
  if (v == nullptr) return std::nullopt;
  return ToF32(*this, key, *v);
}

std::optional<bool> File::FindBool(std::string_view key) const {
  const Value* v = Find(key);
  if (v == nullptr) return std::nullopt;
  return ToBool(*this, key, *v);
}

std::optional<std::string_view> File::FindString(std::string_view key) const {
  const Value* v = Find(key);
  if (v == nullptr) return std::nullopt;
  return ToString(*this, key, *v);
}

}  // namespace scribed::engine::gguf
