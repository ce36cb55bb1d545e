// The tiny random-weight golden model (testgen-1, case a) with its audio
// projector, the golden speech clip and small pipeline options, shared by the
// pipeline's and the transcription driver's model tests.
#pragma once

#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "scribed/audio/file_source.h"
#include "scribed/engine/engine.h"
#include "scribed/engine/test_model.h"
#include "scribed/pipeline/pipeline.h"
#include "tests/support/golden_model.h"
#include "tests/support/temp_dir.h"

namespace scribed::pipeline::testing {

using scribed::testing::GoldenDir;

// Generated, loaded and unlinked (the mapping stays valid) once per process.
inline std::shared_ptr<const engine::Model> TinyModel() {
  static const std::shared_ptr<const engine::Model> model = [] {
    const scribed::testing::TempDir dir("pipeline-model");
    scribed::testing::WriteTinyModel(dir / "m.gguf", dir / "p.gguf");
    return engine::Model::Load(dir / "m.gguf", dir / "p.gguf");
  }();
  return model;
}

// The golden speech clip, 52263 samples (3.27 s) at 16 kHz.
inline const std::vector<float>& GoldenSpeech() {
  static const std::vector<float> speech = audio::DecodeFile(GoldenDir() / "speech16k.wav");
  return speech;
}

// [from, to) of the golden speech clip.
inline std::span<const float> GoldenSpeech(int64_t from, int64_t to) {
  return std::span<const float>(GoldenSpeech()).subspan(static_cast<size_t>(from),
                                                        static_cast<size_t>(to - from));
}

// Verbatim, two threads and token budgets small enough for tests: each
// decode step of the tiny model costs about 0.05-0.1 s.
inline PipelineOptions SmallOptions() {
  PipelineOptions o;
  o.mode = FormatMode::kVerbatim;
  o.threads = 2;
  o.guards.max_tokens_per_second = 2;
  o.guards.max_tokens_base = 2;
  return o;
}

}  // namespace scribed::pipeline::testing
