// Fuzz target for the configuration files: the bytes as a scribed config
// (TOML), read by the daemon's option loader and by model discovery, and as
// an Ollama manifest found by discovery. Each must load or raise its
// documented error; a loaded config printed by --print-config must read back
// to the same settings.
#include <stdlib.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <system_error>

#include "scribed/config/model_discovery.h"
#include "scribed/config/options.h"

namespace {

namespace config = scribed::config;
namespace fs = std::filesystem;

void Check(bool ok) {
  if (!ok) std::abort();  // the fuzzer reports the input
}

void Write(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// One folder for the whole run: a config file and an Ollama store whose only
// gemma4 tag has the input as its manifest. Never destroyed: the exit handler
// that removes the folder runs after static destructors.
const fs::path& Folder() {
  static const fs::path* const dir = [] {
    std::string tmpl = (fs::temp_directory_path() / "scribed-config-fuzz.XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) std::abort();
    const auto* d = new fs::path(tmpl);
    fs::create_directories(*d / "ollama/manifests/registry.ollama.ai/library/gemma4");
    fs::create_directories(*d / "ollama/blobs");
    // The blobs the seed manifests name, so discovery can succeed.
    Write(*d / "ollama/blobs/sha256-1111", "model");
    Write(*d / "ollama/blobs/sha256-2222", "projector");
    std::atexit([] {
      std::error_code ec;
      fs::remove_all(Folder(), ec);
    });
    return d;
  }();
  return *dir;
}

void LoadOptions(const fs::path& file) {
  config::DaemonOptions options;
  try {
    config::LoadConfigFile(file, options);
  } catch (const config::ConfigError&) {
    return;
  }
  try {
    config::ValidateOptions(options);
  } catch (const config::ConfigError&) {
  }
  const std::string printed = config::PrintConfig(options);
  const fs::path again = Folder() / "printed.toml";
  Write(again, printed);
  config::DaemonOptions reloaded;
  config::LoadConfigFile(again, reloaded);  // must not throw
  Check(config::PrintConfig(reloaded) == printed);
}

void Discover(const fs::path& file) {
  config::SearchPlaces places;
  places.config_file = file;
  places.ollama_roots = {Folder() / "ollama"};
  try {
    const config::DiscoveryResult r = config::DiscoverModel(places);
    if (!r.found) (void)config::NoModelMessage(r);
  } catch (const std::invalid_argument&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  const fs::path file = Folder() / "config.toml";
  Write(file, bytes);
  Write(Folder() / "ollama/manifests/registry.ollama.ai/library/gemma4/12b", bytes);
  LoadOptions(file);
  Discover(file);
  (void)config::FindInOllama(Folder() / "ollama");
  return 0;
}
