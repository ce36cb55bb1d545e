// Finding the Gemma 4 12B model files a user already has: explicit paths, the
// SCRIBE_MODEL / SCRIBE_MMPROJ environment, ~/.config/scribed/config.toml
// (keys `model`, `mmproj`), the Ollama store (manifests of gemma4 tags) and
// LM Studio's model folders.
//
//   DiscoveryResult r = DiscoverModel(SearchPlaces::FromEnvironment());
//   if (!r.found) std::cerr << NoModelMessage(r);
//
// Thread-safe (reads the file system only).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace scribed::config {

struct ModelFiles {
  std::filesystem::path model;
  std::filesystem::path mmproj;  // empty when the source had none
  std::string source;            // e.g. "ollama gemma4:12b", "SCRIBE_MODEL"
};

struct SearchPlaces {
  std::string env_model;   // SCRIBE_MODEL
  std::string env_mmproj;  // SCRIBE_MMPROJ
  std::filesystem::path config_file;
  std::vector<std::filesystem::path> ollama_roots;    // folders holding manifests/ and blobs/
  std::vector<std::filesystem::path> lmstudio_roots;  // searched recursively
  // The standard places for this user: $SCRIBE_MODEL/$SCRIBE_MMPROJ,
  // $XDG_CONFIG_HOME (or ~/.config)/scribed/config.toml, $OLLAMA_MODELS,
  // ~/.ollama/models, /usr/share/ollama/.ollama/models, ~/.lmstudio/models,
  // ~/.cache/lm-studio/models.
  static SearchPlaces FromEnvironment();
};

struct DiscoveryResult {
  std::optional<ModelFiles> found;
  std::vector<std::string> searched;  // one line per place looked at, in order
};

// Takes the first of: environment, config file, Ollama, LM Studio. Throws
// std::invalid_argument naming the file for a config file that exists but
// cannot be parsed or has a non-string `model`/`mmproj`.
DiscoveryResult DiscoverModel(const SearchPlaces& places);

// The model and projector of the gemma4 tags in one Ollama store, 12B tags
// first; nullopt when none has both a model and a projector layer whose blobs
// exist. Malformed manifests are skipped.
std::optional<ModelFiles> FindInOllama(const std::filesystem::path& root);
// A *.gguf whose name contains "gemma-4" and "12b" (any case) with an
// mmproj*.gguf in the same folder, searched up to 6 levels deep.
std::optional<ModelFiles> FindInLmStudio(const std::filesystem::path& root);

// A message for a failed search: where it looked and how to get the model.
std::string NoModelMessage(const DiscoveryResult& result);

}  // namespace scribed::config
