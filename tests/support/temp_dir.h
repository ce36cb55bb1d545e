// A fresh directory under $TMPDIR (or /tmp), removed with its contents when
// the object goes away. Shared by every test suite.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace scribed::testing {

class TempDir {
 public:
  // The directory is named "scribed-<tag>-XXXXXX" (mkdtemp), so parallel
  // test processes never share one. Throws std::system_error on failure.
  explicit TempDir(std::string_view tag = "test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(std::string_view name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

}  // namespace scribed::testing
