// Checks and prepares the endpoints the daemon binds: ipc:// sockets go in a
// directory only the daemon's user can enter; tcp:// binds loopback unless
// remote access is allowed, and then only with CURVE.
//
// Thread-safe.
#pragma once

#include <stdexcept>
#include <string>
#include <zmq.hpp>

namespace scribed::daemon {

class EndpointError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct TransportSecurity {
  bool allow_remote = false;
  std::string curve_secret_key;  // Z85; empty: no CURVE
};

// Validates `endpoint` and, for ipc://, creates its directory with mode 0700
// (an existing directory must belong to this user; its mode is tightened to
// 0700). Throws EndpointError naming the endpoint.
void PrepareEndpoint(const std::string& endpoint, const TransportSecurity& security);

// Sets CURVE server options on `socket` when `endpoint` is tcp:// and a key is
// configured. Throws EndpointError for a malformed key.
void ApplySecurity(zmq::socket_t& socket, const std::string& endpoint,
                   const TransportSecurity& security);

}  // namespace scribed::daemon
