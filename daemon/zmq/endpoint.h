// Checks, prepares and binds the endpoints the daemon listens on:
//  - ipc:// sockets go in a directory only the daemon's user can enter
//    (created 0700, an existing one must already be private), and never
//    replace the socket of a process still listening there;
//  - tcp:// binds loopback unless remote access is allowed, and always with
//    CURVE: clients are admitted by the ZAP handler (curve_server.h).
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
  // The daemon's CURVE secret key (Z85) for tcp:// endpoints; a tcp://
  // endpoint without one is refused.
  std::string curve_secret_key;
};

bool IsTcpEndpoint(const std::string& endpoint);

// The checks of BindEndpoint that touch nothing: the transport, the form of
// a tcp:// address and whether its host is loopback or remote access is
// allowed. Lets the daemon refuse a bad endpoint before creating keys.
// Throws EndpointError.
void CheckEndpoint(const std::string& endpoint, bool allow_remote);

// Validates `endpoint`, prepares it and binds `socket` to it:
//  - ipc://: creates the socket's directory (base::EnsurePrivateDirectory)
//    and refuses a path where a process accepts connections or that is not a
//    socket (libzmq would unlink it);
//  - tcp://: loopback only unless allow_remote; `localhost` binds 127.0.0.1
//    and a bracketed IPv6 address turns on ZMQ_IPV6; CURVE server with the
//    ZAP domain "scribed".
// Throws EndpointError naming the endpoint, or zmq::error_t from bind.
void BindEndpoint(zmq::socket_t& socket, const std::string& endpoint,
                  const TransportSecurity& security);

// The ZAP domain of the daemon's CURVE sockets.
inline constexpr const char* kZapDomain = "scribed";

}  // namespace scribed::daemon
