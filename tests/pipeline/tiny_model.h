// The tiny random-weight golden model (testgen-1, case a) with its audio
// projector, and the golden speech clip, shared by the pipeline's model tests.
#pragma once

#include <filesystem>
#include <fstream>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "scribed/audio/file_source.h"
#include "scribed/engine/engine.h"
#include "scribed/engine/test_model.h"
#include "tests/support/temp_dir.h"

namespace scribed::pipeline::testing {

inline std::filesystem::path Golden() {
  return std::filesystem::path(SCRIBED_TEST_DATA_DIR) / "golden";
}

// Generated, loaded and unlinked (the mapping stays valid) once per process.
inline std::shared_ptr<const engine::Model> TinyModel() {
  static const std::shared_ptr<const engine::Model> model = [] {
    const scribed::testing::TempDir dir("pipeline-model");
    std::ifstream in(Golden() / "case-a-text.json");
    const std::string json(std::istreambuf_iterator<char>(in), {});
    engine::testgen::WriteTestModel(engine::testgen::TestModelConfigFromJson(json),
                                    Golden() / "gemma4-vocab.gguf", dir / "m.gguf", dir / "p.gguf");
    return engine::Model::Load(dir / "m.gguf", dir / "p.gguf");
  }();
  return model;
}

// The golden speech clip, 52263 samples (3.27 s) at 16 kHz.
inline const std::vector<float>& GoldenSpeech() {
  static const std::vector<float> speech = audio::DecodeFile(Golden() / "speech16k.wav");
  return speech;
}

}  // namespace scribed::pipeline::testing
