#include "scribed/base/xdg.h"

#include <cstdlib>
#include <string_view>

namespace scribed::base {
namespace {

struct Spec {
  const char* variable;
  const char* under_home;  // nullptr: no default
  const char* systemd;     // set by systemd for a unit with the matching *Directory=
};

Spec SpecFor(XdgDir kind) {
  switch (kind) {
    case XdgDir::kConfig:
      return {"XDG_CONFIG_HOME", ".config", "CONFIGURATION_DIRECTORY"};
    case XdgDir::kState:
      return {"XDG_STATE_HOME", ".local/state", "STATE_DIRECTORY"};
    case XdgDir::kCache:
      return {"XDG_CACHE_HOME", ".cache", "CACHE_DIRECTORY"};
    case XdgDir::kRuntime:
      return {"XDG_RUNTIME_DIR", nullptr, "RUNTIME_DIRECTORY"};
  }
  return {"", nullptr, ""};
}

}  // namespace

std::filesystem::path XdgBaseDir(XdgDir kind) {
  const Spec spec = SpecFor(kind);
  if (const char* v = std::getenv(spec.variable); v != nullptr && *v == '/') return v;
  if (spec.under_home == nullptr) return {};
  const char* home = std::getenv("HOME");
  if (home == nullptr || *home == '\0' || std::string_view(home) == "/") return {};
  return std::filesystem::path(home) / spec.under_home;
}

std::filesystem::path ScribedXdgDir(XdgDir kind) {
  std::filesystem::path base = XdgBaseDir(kind);
  return base.empty() ? base : base / "scribed";
}

std::filesystem::path ServiceDir(XdgDir kind, const std::filesystem::path& system_default) {
  if (const char* dir = std::getenv(SpecFor(kind).systemd); dir != nullptr && *dir != '\0') {
    // systemd lists one directory per *Directory= entry; the unit names ours first.
    const std::string_view all = dir;
    return std::filesystem::path(all.substr(0, all.find(':')));
  }
  std::filesystem::path user = ScribedXdgDir(kind);
  return user.empty() ? system_default : user;
}

}  // namespace scribed::base
