// The XDG base directories (config, state, cache, runtime) and scribed's
// folder in each.
//
// Thread-safe (reads the environment only).
#pragma once

#include <filesystem>

namespace scribed::base {

enum class XdgDir { kConfig, kState, kCache, kRuntime };

// $XDG_CONFIG_HOME, $XDG_STATE_HOME, $XDG_CACHE_HOME or $XDG_RUNTIME_DIR when
// set to an absolute path (the specification says to ignore relative ones);
// else ~/.config, ~/.local/state or ~/.cache. Empty when neither applies:
// the runtime directory has no default, and a HOME of "" or "/" (system
// service accounts) is not a place to write to.
std::filesystem::path XdgBaseDir(XdgDir kind);

// XdgBaseDir(kind) / "scribed", or empty when XdgBaseDir is empty.
std::filesystem::path ScribedXdgDir(XdgDir kind);

// Where the scribed service keeps files of `kind`: the directory systemd
// gives it ($STATE_DIRECTORY, $RUNTIME_DIRECTORY, $CACHE_DIRECTORY or
// $CONFIGURATION_DIRECTORY; the first of a ':'-separated list), else
// ScribedXdgDir(kind), else `system_default`.
std::filesystem::path ServiceDir(XdgDir kind, const std::filesystem::path& system_default);

}  // namespace scribed::base
