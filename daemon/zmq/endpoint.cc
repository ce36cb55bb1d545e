#include "daemon/zmq/endpoint.h"

#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace scribed::daemon {
namespace {

bool StartsWith(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

void PrepareIpcDir(const std::string& endpoint, const std::filesystem::path& dir) {
  if (dir.empty()) return;
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) {
    // Create missing parents as private as the socket directory itself.
    std::filesystem::path partial;
    for (const auto& part : dir) {
      partial /= part;
      if (::mkdir(partial.c_str(), 0700) != 0 && errno != EEXIST) {
        throw EndpointError(endpoint + ": cannot create " + partial.string() + ": " +
                            std::strerror(errno));
      }
    }
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    throw EndpointError(endpoint + ": " + dir.string() + " is not a directory");
  }
  if (st.st_uid != ::geteuid()) {
    throw EndpointError(endpoint + ": " + dir.string() + " belongs to another user");
  }
  if ((st.st_mode & 0077) != 0 && ::chmod(dir.c_str(), 0700) != 0) {
    throw EndpointError(endpoint + ": cannot restrict " + dir.string() +
                        " to mode 0700: " + std::strerror(errno));
  }
}

bool IsLoopbackHost(const std::string& host) {
  return host == "127.0.0.1" || host == "localhost" || host == "[::1]" || host == "lo";
}

}  // namespace

void PrepareEndpoint(const std::string& endpoint, const TransportSecurity& security) {
  if (StartsWith(endpoint, "ipc://")) {
    const std::filesystem::path path = endpoint.substr(6);
    if (path.empty() || path.string()[0] == '@') {
      throw EndpointError(
          endpoint + ": ipc endpoints must be file paths (abstract sockets have no permissions)");
    }
    PrepareIpcDir(endpoint, path.parent_path());
    return;
  }
  if (StartsWith(endpoint, "tcp://")) {
    const std::string rest = endpoint.substr(6);
    const size_t colon = rest.rfind(':');
    if (colon == std::string::npos || colon + 1 == rest.size()) {
      throw EndpointError(endpoint + ": expected tcp://HOST:PORT");
    }
    const std::string host = rest.substr(0, colon);
    if (!IsLoopbackHost(host) && !security.allow_remote) {
      throw EndpointError(endpoint + ": binding " + host +
                          " exposes the daemon to the network; use 127.0.0.1 or set allow_remote "
                          "with curve_secret_key");
    }
    if (!IsLoopbackHost(host) && security.curve_secret_key.empty()) {
      throw EndpointError(endpoint + ": remote access requires curve_secret_key");
    }
    return;
  }
  throw EndpointError(endpoint + ": unsupported transport (use ipc:// or tcp://)");
}

void ApplySecurity(zmq::socket_t& socket, const std::string& endpoint,
                   const TransportSecurity& security) {
  if (!StartsWith(endpoint, "tcp://") || security.curve_secret_key.empty()) return;
  std::array<uint8_t, 32> key{};
  if (security.curve_secret_key.size() != 40 ||
      zmq_z85_decode(key.data(), security.curve_secret_key.c_str()) == nullptr) {
    throw EndpointError("curve_secret_key: not a 40-character Z85 key");
  }
  socket.set(zmq::sockopt::curve_server, 1);
  socket.set(zmq::sockopt::curve_secretkey, zmq::const_buffer(key.data(), key.size()));
}

}  // namespace scribed::daemon
