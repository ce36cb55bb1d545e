// How the client library connects a socket: ipc:// as it is; tcp:// as a
// CURVE client (ZMQ_IPV6 for a bracketed address), with a socket monitor so
// that a daemon refusing this client's key is reported as that, not as
// silence.
//
// Thread-compatible: used by the thread that owns the socket.
#pragma once

#include <optional>
#include <string>
#include <zmq.hpp>

#include "scribed/config/curve_keys.h"

namespace scribed::client {

class Connection {
 public:
  // Connects `socket` (options other than CURVE already set). For tcp://,
  // `curve` or else the user's keys (config::LoadClientCurveKeys) secure it;
  // throws config::ConfigError when there are none.
  Connection(zmq::context_t& context, zmq::socket_t& socket, const std::string& endpoint,
             const std::optional<config::ClientCurveKeys>& curve);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // The monitor's poll item; nullopt on ipc://.
  std::optional<zmq::pollitem_t> MonitorItem();
  // Reads the monitor's pending events; throws DaemonError when the daemon
  // refused this client's key or the handshake failed for a reason that
  // retrying cannot fix.
  void CheckHandshake();
  // Appended to "no answer" errors: what may be wrong on tcp://.
  std::string TimeoutHint() const;

 private:
  std::string endpoint_;
  std::optional<zmq::socket_t> monitor_;  // PAIR receiving the socket's events
  bool incomplete_handshake_ = false;     // a handshake was cut off
};

}  // namespace scribed::client
