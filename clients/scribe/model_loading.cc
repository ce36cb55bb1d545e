#include "clients/scribe/model_loading.h"

#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include "scribed/audio/errors.h"
#include "scribed/audio/file_source.h"
#include "scribed/engine/gguf.h"

namespace scribed::cli {

void AddModelOptions(CLI::App& command, ModelPaths& paths) {
  if (const char* env = std::getenv("SCRIBE_MODEL")) paths.model = env;
  if (const char* env = std::getenv("SCRIBE_MMPROJ")) paths.mmproj = env;
  command.add_option("--model", paths.model, "text model GGUF (Gemma 4 12B Unified); env SCRIBE_MODEL");
  command.add_option("--mmproj", paths.mmproj,
                     "multimodal projector GGUF with the audio projector; env SCRIBE_MMPROJ");
}

std::shared_ptr<const engine::Model> LoadModel(const ModelPaths& paths) {
  if (paths.model.empty()) {
    throw std::invalid_argument(
        "no model: pass --model FILE.gguf (and --mmproj FILE.gguf for audio), or set SCRIBE_MODEL");
  }
  return engine::Model::Load(paths.model, paths.mmproj);
}

std::vector<float> LoadAudio(const std::filesystem::path& path) {
  return audio::DecodeFile(path);
}

int ReportError(const std::exception& e) {
  std::fprintf(stderr, "scribe: %s\n", e.what());
  if (dynamic_cast<const engine::ModelError*>(&e) != nullptr ||
      dynamic_cast<const engine::gguf::FormatError*>(&e) != nullptr ||
      dynamic_cast<const engine::gguf::KeyError*>(&e) != nullptr ||
      dynamic_cast<const audio::AudioError*>(&e) != nullptr ||
      dynamic_cast<const std::invalid_argument*>(&e) != nullptr) {
    return 2;
  }
  return 1;
}

}  // namespace scribed::cli
