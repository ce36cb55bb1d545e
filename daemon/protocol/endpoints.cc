#include "scribed/protocol/endpoints.h"

#include <cstdlib>

#include "scribed/base/xdg.h"

namespace scribed::protocol {
namespace {

std::string Own(const char* name) { return "ipc://" + (DefaultRuntimeDir() / name).string(); }

// The caller's own socket, unless only the system instance's exists.
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
  return base::ServiceDir(base::XdgDir::kRuntime, "/run/scribed");
}

std::string DefaultEventsEndpoint() { return Endpoint("events"); }
std::string DefaultControlEndpoint() { return Endpoint("control"); }
std::string BindEventsEndpoint() { return Own("events"); }
std::string BindControlEndpoint() { return Own("control"); }

}  // namespace scribed::protocol
