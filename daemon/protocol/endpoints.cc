#include "scribed/protocol/endpoints.h"

#include <cstdlib>

namespace scribed::protocol {
namespace {

std::string Endpoint(const char* name) {
  const std::filesystem::path own = DefaultRuntimeDir() / name;
  const std::filesystem::path system = std::filesystem::path("/run/scribed") / name;
  std::error_code ec;
  if (!std::filesystem::exists(own, ec) && std::filesystem::exists(system, ec)) {
    return "ipc://" + system.string();
  }
  return "ipc://" + own.string();
}

}  // namespace

std::filesystem::path DefaultRuntimeDir() {
  if (const char* dir = std::getenv("RUNTIME_DIRECTORY"); dir && *dir) {
    const std::string all = dir;
    return all.substr(0, all.find(':'));
  }
  if (const char* xdg = std::getenv("XDG_RUNTIME_DIR"); xdg && *xdg) {
    return std::filesystem::path(xdg) / "scribed";
  }
  return "/run/scribed";
}

std::string DefaultEventsEndpoint() { return Endpoint("events"); }
std::string DefaultControlEndpoint() { return Endpoint("control"); }

}  // namespace scribed::protocol
