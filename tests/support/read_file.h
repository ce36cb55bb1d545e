// A whole file's bytes, for tests that check what a program wrote.
#pragma once

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace scribed::testing {

// The file's bytes; empty when it cannot be opened (the caller's
// expectations then say what is missing).
inline std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace scribed::testing
