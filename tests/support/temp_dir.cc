#include "tests/support/temp_dir.h"

#include <stdlib.h>

#include "scribed/base/errno_error.h"

namespace scribed::testing {

TempDir::TempDir(std::string_view tag) {
  std::string tmpl =
      (std::filesystem::temp_directory_path() / ("scribed-" + std::string(tag) + "-XXXXXX"))
          .string();
  if (::mkdtemp(tmpl.data()) == nullptr) base::ThrowErrno("cannot create", tmpl);
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace scribed::testing
