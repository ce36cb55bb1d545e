// Where the daemon's sockets live by default, shared by daemon and clients.
//
// Thread-safe (reads the environment only).
#pragma once

#include <filesystem>
#include <string>

namespace scribed::protocol {

// $RUNTIME_DIRECTORY (set by systemd's RuntimeDirectory=), else
// $XDG_RUNTIME_DIR/scribed, else /run/scribed.
std::filesystem::path DefaultRuntimeDir();

// "ipc://<runtime dir>/events" and ".../control". For clients: when the
// per-user socket does not exist but the system instance's does
// (/run/scribed/...), that one.
std::string DefaultEventsEndpoint();
std::string DefaultControlEndpoint();

// Where a daemon binds when no endpoint is configured: "ipc://<runtime
// dir>/events" and ".../control", never the system instance's.
std::string BindEventsEndpoint();
std::string BindControlEndpoint();

}  // namespace scribed::protocol
