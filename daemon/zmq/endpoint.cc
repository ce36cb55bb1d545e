#include "daemon/zmq/endpoint.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "scribed/base/private_dir.h"
#include "scribed/base/unique_fd.h"

namespace scribed::daemon {
namespace {

bool StartsWith(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

// libzmq unlinks whatever is at an ipc path before binding. That must not be
// a live daemon's socket (it would lose its clients without noticing) nor a
// file that is not a socket at all.
void CheckNobodyListens(const std::string& endpoint, const std::filesystem::path& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return;  // nothing there
  if (!S_ISSOCK(st.st_mode)) {
    throw EndpointError(endpoint + ": " + path.string() +
                        " exists and is not a socket; refusing to replace it");
  }
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.string().size() >= sizeof addr.sun_path) {
    throw EndpointError(endpoint + ": the path is longer than a unix socket path may be (" +
                        std::to_string(sizeof addr.sun_path - 1) + " bytes)");
  }
  std::memcpy(addr.sun_path, path.c_str(), path.string().size());
  const base::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) throw EndpointError(endpoint + ": socket: " + std::strerror(errno));
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0) {
    throw EndpointError(endpoint + ": another process (a running scribed?) is listening on " +
                        path.string() + "; stop it or choose other endpoints");
  }
  // ECONNREFUSED: a stale socket left by a process that is gone; libzmq
  // replaces it.
}

void PrepareIpc(const std::string& endpoint) {
  const std::filesystem::path path = endpoint.substr(6);
  if (path.empty() || path.string()[0] == '@') {
    throw EndpointError(
        endpoint + ": ipc endpoints must be file paths (abstract sockets have no permissions)");
  }
  if (!path.parent_path().empty()) {
    try {
      base::EnsurePrivateDirectory(path.parent_path());
    } catch (const base::PrivateDirError& e) {
      throw EndpointError(endpoint + ": " + e.what());
    }
  }
  CheckNobodyListens(endpoint, path);
}

bool IsLoopbackHost(const std::string& host) {
  return host == "127.0.0.1" || host == "localhost" || host == "[::1]" || host == "lo";
}

struct TcpTarget {
  std::string address;  // what to bind
  bool ipv6 = false;
};

// The host of a tcp:// endpoint, after checking its form and exposure.
std::string CheckTcp(const std::string& endpoint, bool allow_remote) {
  const std::string rest = endpoint.substr(6);
  const size_t colon = rest.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == rest.size()) {
    throw EndpointError(endpoint + ": expected tcp://HOST:PORT");
  }
  const std::string host = rest.substr(0, colon);
  if (!IsLoopbackHost(host) && !allow_remote) {
    throw EndpointError(endpoint + ": binding " + host +
                        " exposes the daemon to the network; use 127.0.0.1 or set "
                        "allow_remote");
  }
  return host;
}

TcpTarget PrepareTcp(const std::string& endpoint, const TransportSecurity& security) {
  const std::string host = CheckTcp(endpoint, security.allow_remote);
  if (security.curve_secret_key.empty()) {
    throw EndpointError(endpoint + ": tcp:// endpoints need the daemon's CURVE key");
  }
  TcpTarget target{endpoint, host.front() == '['};
  // libzmq binds a host name only if it names an interface; resolve the one
  // name that is documented instead of looking names up.
  if (host == "localhost")
    target.address = "tcp://127.0.0.1:" + endpoint.substr(6 + host.size() + 1);
  return target;
}

void SetCurveServer(zmq::socket_t& socket, const std::string& secret_key) {
  std::array<uint8_t, 32> key{};
  if (secret_key.size() != 40 || zmq_z85_decode(key.data(), secret_key.c_str()) == nullptr) {
    throw EndpointError("the daemon's CURVE secret key is not a 40-character Z85 key");
  }
  socket.set(zmq::sockopt::zap_domain, kZapDomain);
  socket.set(zmq::sockopt::curve_server, 1);
  socket.set(zmq::sockopt::curve_secretkey, zmq::const_buffer(key.data(), key.size()));
}

}  // namespace

bool IsTcpEndpoint(const std::string& endpoint) { return StartsWith(endpoint, "tcp://"); }

void CheckEndpoint(const std::string& endpoint, bool allow_remote) {
  if (IsTcpEndpoint(endpoint)) {
    CheckTcp(endpoint, allow_remote);
  } else if (!StartsWith(endpoint, "ipc://")) {
    throw EndpointError(endpoint + ": unsupported transport (use ipc:// or tcp://)");
  }
}

void BindEndpoint(zmq::socket_t& socket, const std::string& endpoint,
                  const TransportSecurity& security) {
  std::string address = endpoint;
  if (StartsWith(endpoint, "ipc://")) {
    PrepareIpc(endpoint);
  } else if (IsTcpEndpoint(endpoint)) {
    const TcpTarget target = PrepareTcp(endpoint, security);
    SetCurveServer(socket, security.curve_secret_key);
    if (target.ipv6) socket.set(zmq::sockopt::ipv6, 1);
    address = target.address;
  } else {
    throw EndpointError(endpoint + ": unsupported transport (use ipc:// or tcp://)");
  }
  try {
    socket.bind(address);
  } catch (const zmq::error_t& e) {
    throw EndpointError(endpoint + ": cannot bind: " + e.what());
  }
}

}  // namespace scribed::daemon
