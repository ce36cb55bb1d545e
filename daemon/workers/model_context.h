// What the workers share about the loaded model.
#pragma once

#include <memory>
#include <mutex>

#include "scribed/engine/engine.h"
#include "scribed/pipeline/transcript.h"

namespace scribed::daemon {

struct ModelContext {
  std::shared_ptr<const engine::Model> model;
  pipeline::ModelFileInfo model_file;  // with SHA-256, for provenance
  pipeline::ModelFileInfo mmproj_file;
  int threads = 0;
  double max_tokens_per_second = 10.0;
  // Held while a clip runs through the engine, so a live session and a file
  // job take turns clip by clip instead of halving each other's speed.
  std::shared_ptr<std::mutex> engine_turn = std::make_shared<std::mutex>();
};

}  // namespace scribed::daemon
