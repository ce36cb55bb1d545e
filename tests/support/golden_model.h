// The golden files (tests/data/golden) and the tiny random-weight model
// generated from them (testgen-1, case a, with its audio projector): what
// every suite that runs the model end to end starts from. Header-only, so
// only the suites that use it link the engine.
#pragma once

#include <filesystem>

#include "scribed/engine/test_model.h"
#include "tests/support/read_file.h"

namespace scribed::testing {

inline std::filesystem::path GoldenDir() {
  return std::filesystem::path(SCRIBED_TEST_DATA_DIR) / "golden";
}

// Writes the tiny model to `model` and its audio projector to `mmproj`.
inline void WriteTinyModel(const std::filesystem::path& model,
                           const std::filesystem::path& mmproj) {
  const auto config =
      engine::testgen::TestModelConfigFromJson(ReadFile(GoldenDir() / "case-a-text.json"));
  engine::testgen::WriteTestModel(config, GoldenDir() / "gemma4-vocab.gguf", model, mmproj);
}

}  // namespace scribed::testing
