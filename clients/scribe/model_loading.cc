#include "clients/scribe/model_loading.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include "scribed/audio/errors.h"
#include "scribed/audio/file_source.h"
#include "scribed/engine/gguf.h"

namespace scribed::cli {

void AddModelOptions(CLI::App& command, ModelPaths& paths) {
  command.add_option("--model", paths.model,
                     "text model GGUF (Gemma 4 12B Unified); default: SCRIBE_MODEL, "
                     "~/.config/scribed/config.toml, Ollama, LM Studio");
  command.add_option("--mmproj", paths.mmproj,
                     "multimodal projector GGUF with the audio projector; env SCRIBE_MMPROJ");
  AddBackendOptions(command, paths);
}

namespace {

std::string EnvOr(const char* name, std::string fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::string(value) : fallback;
}

}  // namespace

void AddBackendOptions(CLI::App& command, ModelPaths& paths) {
  // The environment gives the defaults here rather than through CLI11's
  // envname, which would count an exported variable as a flag that was given:
  // `transcribe --daemon` refuses --backend but must not refuse a
  // SCRIBE_BACKEND exported for local runs.
  paths.backend = EnvOr("SCRIBE_BACKEND", "cpu");
  paths.gpu_device = EnvOr("SCRIBE_GPU_DEVICE", "");
  paths.weights = EnvOr("SCRIBE_WEIGHTS", "auto");
  command.add_option("--backend", paths.backend,
                     "where the model runs: cpu, vulkan (a GPU), or auto (a GPU with enough "
                     "memory, else the CPU); env SCRIBE_BACKEND")
      ->check(CLI::IsMember({"cpu", "vulkan", "auto"}));
  command.add_option("--gpu-device", paths.gpu_device,
                     "GPU for --backend vulkan: an index or part of a name from 'scribe devices "
                     "--gpu'; env SCRIBE_GPU_DEVICE");
  command.add_option("--weights", paths.weights,
                     "where the CPU keeps the weights: resident (read into memory and re-laid "
                     "for the fast kernels; slower start), mapped (used from the file in "
                     "place), or auto (resident when it fits in free memory); env SCRIBE_WEIGHTS")
      ->check(CLI::IsMember({"auto", "mapped", "resident"}));
}

namespace {

// The flags' own checks only see values given on the command line; one that
// came from the environment is checked here, and the error names both places.
template <class Parse>
auto ParseSetting(const Parse& parse, const std::string& value, const char* flag,
                  const char* env) {
  try {
    return parse(value);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string(flag) + " / " + env + ": " + e.what());
  }
}

}  // namespace

engine::LoadOptions BackendLoadOptions(const ModelPaths& paths) {
  engine::LoadOptions options;
  options.backend =
      ParseSetting(engine::ParseBackendChoice, paths.backend, "--backend", "SCRIBE_BACKEND");
  options.gpu_device = paths.gpu_device;
  options.weights =
      ParseSetting(engine::ParseWeightMemory, paths.weights, "--weights", "SCRIBE_WEIGHTS");
  return options;
}

config::ModelFiles ResolveModelFiles(const ModelPaths& paths) {
  if (!paths.model.empty()) return {paths.model, paths.mmproj, "--model"};
  const config::DiscoveryResult found =
      config::DiscoverModel(config::SearchPlaces::FromEnvironment());
  if (!found.found) throw std::invalid_argument(config::NoModelMessage(found));
  config::ModelFiles files = *found.found;
  if (!paths.mmproj.empty()) files.mmproj = paths.mmproj;
  return files;
}

std::shared_ptr<const engine::Model> LoadModel(const ModelPaths& paths) {
  const config::ModelFiles files = ResolveModelFiles(paths);
  return engine::Model::Load(files.model, files.mmproj, BackendLoadOptions(paths));
}

std::vector<float> LoadAudio(const std::filesystem::path& path) {
  return audio::DecodeFile(path);
}

}  // namespace scribed::cli
