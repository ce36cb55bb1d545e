#include "scribed/config/model_discovery.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include "scribed/base/json.h"
#include "scribed/base/strings.h"
#include "scribed/config/options.h"

namespace scribed::config {
namespace {

namespace fs = std::filesystem;

bool IsFile(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

fs::path ExpandHome(const std::string& p) {
  if (p.size() >= 2 && p[0] == '~' && p[1] == '/') {
    if (const char* home = std::getenv("HOME")) return fs::path(home) / p.substr(2);
  }
  return p;
}

// Manifests larger than this are not Ollama manifests.
constexpr std::uintmax_t kMaxManifestBytes = 1 << 20;

std::optional<ModelFiles> FromManifest(const fs::path& root, const fs::path& manifest,
                                       const std::string& tag) {
  std::error_code ec;
  if (!fs::is_regular_file(manifest, ec) || fs::file_size(manifest, ec) > kMaxManifestBytes) {
    return std::nullopt;
  }
  std::ifstream in(manifest);
  const nlohmann::json doc = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || !doc.contains("layers") || !doc["layers"].is_array()) return std::nullopt;
  ModelFiles files;
  for (const nlohmann::json& layer : doc["layers"]) {
    if (!layer.is_object() || !layer.contains("mediaType") || !layer.contains("digest") ||
        !layer["mediaType"].is_string() || !layer["digest"].is_string()) {
      continue;
    }
    std::string digest = layer["digest"].get<std::string>();
    // "sha256:<hex>" is stored as blobs/sha256-<hex>.
    if (digest.rfind("sha256:", 0) != 0 || digest.find('/') != std::string::npos) continue;
    digest[6] = '-';
    const fs::path blob = root / "blobs" / digest;
    const std::string type = layer["mediaType"].get<std::string>();
    if (type == "application/vnd.ollama.image.model") {
      files.model = blob;
    } else if (type == "application/vnd.ollama.image.projector") {
      files.mmproj = blob;
    }
  }
  if (files.model.empty() || files.mmproj.empty() || !IsFile(files.model) || !IsFile(files.mmproj)) {
    return std::nullopt;
  }
  files.source = "ollama gemma4:" + tag + " (" + root.string() + ")";
  return files;
}

bool IsGemma12b(const std::string& lower_name) {
  return lower_name.find("gemma-4") != std::string::npos && lower_name.find("12b") != std::string::npos;
}

}  // namespace

SearchPlaces SearchPlaces::FromEnvironment() {
  SearchPlaces p;
  if (const char* v = std::getenv("SCRIBE_MODEL")) p.env_model = v;
  if (const char* v = std::getenv("SCRIBE_MMPROJ")) p.env_mmproj = v;
  const char* home_env = std::getenv("HOME");
  const fs::path home = home_env != nullptr ? home_env : "";
  p.config_file = UserConfigFile();
  if (const char* v = std::getenv("OLLAMA_MODELS"); v != nullptr && *v != '\0') {
    p.ollama_roots.emplace_back(v);
  }
  if (!home.empty()) p.ollama_roots.push_back(home / ".ollama" / "models");
  p.ollama_roots.emplace_back("/usr/share/ollama/.ollama/models");
  if (!home.empty()) {
    p.lmstudio_roots.push_back(home / ".lmstudio" / "models");
    p.lmstudio_roots.push_back(home / ".cache" / "lm-studio" / "models");
  }
  return p;
}

std::optional<ModelFiles> FindInOllama(const fs::path& root) {
  const fs::path dir = root / "manifests" / "registry.ollama.ai" / "library" / "gemma4";
  std::error_code ec;
  std::vector<std::string> tags;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    tags.push_back(it->path().filename().string());
  }
  // 12B tags first, then by name, so the choice does not depend on directory order.
  std::sort(tags.begin(), tags.end(), [](const std::string& a, const std::string& b) {
    const bool a12 = base::AsciiLower(a).find("12b") != std::string::npos;
    const bool b12 = base::AsciiLower(b).find("12b") != std::string::npos;
    return a12 != b12 ? a12 : a < b;
  });
  for (const std::string& tag : tags) {
    if (auto files = FromManifest(root, dir / tag, tag)) return files;
  }
  return std::nullopt;
}

std::optional<ModelFiles> FindInLmStudio(const fs::path& root) {
  std::error_code ec;
  std::vector<fs::path> models;
  fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec);
  for (fs::recursive_directory_iterator end; !ec && it != end; it.increment(ec)) {
    if (it.depth() >= 6) it.disable_recursion_pending();
    const std::string name = base::AsciiLower(it->path().filename().string());
    if (name.size() > 5 && name.ends_with(".gguf") && !name.starts_with("mmproj") &&
        IsGemma12b(name) && IsFile(it->path())) {
      models.push_back(it->path());
    }
  }
  std::sort(models.begin(), models.end());
  for (const fs::path& model : models) {
    std::vector<fs::path> projectors;
    for (fs::directory_iterator d(model.parent_path(), ec), end; !ec && d != end; d.increment(ec)) {
      const std::string name = base::AsciiLower(d->path().filename().string());
      if (name.starts_with("mmproj") && name.ends_with(".gguf") && IsFile(d->path())) {
        projectors.push_back(d->path());
      }
    }
    if (projectors.empty()) continue;
    std::sort(projectors.begin(), projectors.end());
    return ModelFiles{model, projectors.front(), "LM Studio (" + root.string() + ")"};
  }
  return std::nullopt;
}

DiscoveryResult DiscoverModel(const SearchPlaces& places) {
  DiscoveryResult r;
  r.searched.push_back("environment variables SCRIBE_MODEL and SCRIBE_MMPROJ");
  if (!places.env_model.empty()) {
    r.found = ModelFiles{places.env_model, places.env_mmproj, "SCRIBE_MODEL"};
    return r;
  }
  if (!places.config_file.empty()) {
    r.searched.push_back("config file " + places.config_file.string() + " (keys model, mmproj)");
    if (IsFile(places.config_file)) {
      // The daemon's config file: read with the same rules, so a key the
      // daemon would reject is reported here too.
      DaemonOptions settings;
      try {
        LoadConfigFile(places.config_file, settings);
      } catch (const ConfigError& e) {
        throw std::invalid_argument(e.what());
      }
      const std::string& model = settings.model;
      const std::string& mmproj = settings.mmproj;
      if (!model.empty()) {
        r.found = ModelFiles{ExpandHome(model), mmproj.empty() ? fs::path() : ExpandHome(mmproj),
                             "config " + places.config_file.string()};
        return r;
      }
    }
  }
  for (const fs::path& root : places.ollama_roots) {
    r.searched.push_back("Ollama store " + root.string() + " (gemma4 tags)");
    if (auto files = FindInOllama(root)) {
      r.found = std::move(files);
      return r;
    }
  }
  for (const fs::path& root : places.lmstudio_roots) {
    r.searched.push_back("LM Studio models " + root.string() +
                         " (*gemma-4*12b*.gguf with an mmproj*.gguf beside it)");
    if (auto files = FindInLmStudio(root)) {
      r.found = std::move(files);
      return r;
    }
  }
  return r;
}

std::string NoModelMessage(const DiscoveryResult& result) {
  std::string m = "no Gemma 4 12B model found. Looked in:\n";
  for (const std::string& s : result.searched) m += "  - " + s + "\n";
  m +=
      "Get the model and its audio projector, then pass them with --model/--mmproj or set them\n"
      "in ~/.config/scribed/config.toml (model = \"...\", mmproj = \"...\"), for example:\n"
      "  ollama pull gemma4:12b\n"
      "  or download gemma-4-12b-it-qat-q4_0.gguf and mmproj-gemma-4-12b-it-qat-q4_0.gguf from\n"
      "  https://huggingface.co/google/gemma-4-12B-it-qat-q4_0-gguf";
  return m;
}

}  // namespace scribed::config
