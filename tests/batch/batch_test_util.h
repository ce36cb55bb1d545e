// Files for the batch tests, in folders from tests/support.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/support/read_file.h"
#include "tests/support/temp_dir.h"

namespace scribed::batch::testing {

using ScratchDir = scribed::testing::TempDir;

inline std::filesystem::path WriteFile(const std::filesystem::path& path, const std::string& content) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

using scribed::testing::ReadFile;

}  // namespace scribed::batch::testing
