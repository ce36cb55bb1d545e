// Helpers for the GGUF tests: a byte-level GGUF
// builder that is independent of gguf::Writer, so the reader is checked
// against hand-encoded files and the writer against the reader.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/read_file.h"
#include "tests/support/temp_dir.h"

namespace scribed::engine::gguf::testing {

using scribed::testing::TempDir;

inline void WriteBytes(const std::filesystem::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

using scribed::testing::ReadFile;

// Appends little-endian encodings to a byte string.
class Bytes {
 public:
  template <typename T>
  Bytes& Put(T v) {
    char b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    s_.append(b, sizeof(T));
    return *this;
  }
  Bytes& U32(uint32_t v) { return Put(v); }
  Bytes& U64(uint64_t v) { return Put(v); }
  Bytes& Str(std::string_view v) {
    U64(v.size());
    s_.append(v);
    return *this;
  }
  Bytes& Raw(std::string_view v) {
    s_.append(v);
    return *this;
  }
  Bytes& PadTo(size_t alignment) {
    while (s_.size() % alignment != 0) s_.push_back('\0');
    return *this;
  }
  size_t size() const { return s_.size(); }
  const std::string& str() const { return s_; }

 private:
  std::string s_;
};

// Header start: magic, version, counts.
inline Bytes Header(uint32_t version, uint64_t tensors, uint64_t kvs) {
  Bytes b;
  b.Raw("GGUF").U32(version).U64(tensors).U64(kvs);
  return b;
}

}  // namespace scribed::engine::gguf::testing
