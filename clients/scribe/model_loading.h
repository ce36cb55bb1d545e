// What every scribe command that runs the model shares: the --model/--mmproj
// options, loading with errors a user can act on, and audio input.
#pragma once

#include <exception>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "scribed/engine/engine.h"
#include "scribed/config/model_discovery.h"

// Only CLI::App& crosses these declarations; the files that add options
// include <CLI/CLI.hpp>, so the rest stay clear of its heavy header.
namespace CLI {
class App;
}  // namespace CLI

namespace scribed::cli {

struct ModelPaths {
  std::string model;   // text GGUF (architecture gemma4)
  std::string mmproj;  // projector GGUF (architecture clip, gemma4ua audio)
  std::string backend = "cpu";  // cpu, vulkan or auto
  std::string gpu_device;       // index or part of a name (scribe devices --gpu)
  std::string weights = "auto";  // auto, mapped or resident (engine::WeightMemory)
};

// Adds --model and --mmproj; SCRIBE_MODEL / SCRIBE_MMPROJ supply defaults.
void AddModelOptions(CLI::App& command, ModelPaths& paths);

// Adds --backend (env SCRIBE_BACKEND), --gpu-device (env SCRIBE_GPU_DEVICE)
// and --weights (env SCRIBE_WEIGHTS).
void AddBackendOptions(CLI::App& command, ModelPaths& paths);

// The engine's load options for the chosen backend and device.
engine::LoadOptions BackendLoadOptions(const ModelPaths& paths);

// The files named by --model/--mmproj, else the first model found by
// discovery (SCRIBE_MODEL, config file, Ollama, LM Studio); --mmproj overrides
// a discovered projector. Throws std::invalid_argument listing the places
// searched when there is none.
config::ModelFiles ResolveModelFiles(const ModelPaths& paths);

// Loads the resolved model; throws what ResolveModelFiles and Model::Load throw.
std::shared_ptr<const engine::Model> LoadModel(const ModelPaths& paths);

// Any supported audio file as 16 kHz mono float samples (16 kHz mono input is
// passed through unchanged).
std::vector<float> LoadAudio(const std::filesystem::path& path);

}  // namespace scribed::cli
