// What a loaded Model holds. Internal to the engine.
#pragma once

#include <optional>
#include <vector>

#include "engine/backends/backend.h"
#include "engine/model/audio_projector.h"
#include "engine/model/device_weights.h"
#include "engine/model/config.h"
#include "engine/model/weights.h"
#include "engine/tokenizer/tokenizer.h"
#include "scribed/engine/engine.h"
#include "scribed/engine/gguf.h"

namespace scribed::engine {

struct Model::Impl {
  Impl(gguf::File text, std::optional<gguf::File> mmproj, const LoadOptions& options);

  // The mappings come first: every view below points into them.
  gguf::File text_file;
  std::optional<gguf::File> mmproj_file;
  model::ModelConfig config;
  model::ModelWeights weights;
  std::optional<model::AudioProjector> audio;
  tokenizer::Tokenizer tokenizer;
  std::vector<int32_t> suppressed;  // never sampled (<image|>, <audio|>)
  int32_t audio_begin = 0;          // <|audio>
  int32_t audio_end = 0;            // <audio|>
  ModelInfo info;
  // Declared last: destroyed first, while the mappings it may view still exist.
  std::unique_ptr<backend::Backend> backend;
  model::DeviceWeights device_weights;
  std::unique_ptr<backend::Weight> audio_projection;  // null without an mmproj
};

}  // namespace scribed::engine
