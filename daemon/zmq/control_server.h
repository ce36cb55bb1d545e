// The control server: one thread owns the ROUTER socket and answers each
// request with exactly one reply. Anything a peer sends - malformed JSON,
// unknown commands, wrong types, oversized bodies, extra frames - gets an
// error reply; only messages over protocol::kMaxTransportBytes are refused by
// libzmq itself (ZMQ_MAXMSGSIZE), which disconnects that peer.
//
// Thread-safe (Stop may be called from any thread).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <zmq.hpp>

#include "daemon/zmq/endpoint.h"
#include "scribed/base/json.h"
#include "scribed/protocol/protocol.h"

namespace scribed::daemon {

class ControlServer {
 public:
  // Returns the "result" object of a successful command; throws
  // protocol::ProtocolError for a refused one (any other exception becomes an
  // "internal" error). Runs on the control thread, so it must not block long.
  using Handler = std::function<nlohmann::json(const protocol::Request&)>;

  // Binds (throws zmq::error_t or EndpointError) and starts the thread.
  ControlServer(zmq::context_t& context, const std::string& endpoint,
                const TransportSecurity& security, Handler handler);
  ~ControlServer();  // Stop()
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  void Stop();
  std::chrono::steady_clock::time_point last_alive() const noexcept;
  uint64_t requests() const noexcept { return requests_.load(); }

 private:
  void Run();
  std::string Answer(std::string_view body);

  Handler handler_;
  zmq::socket_t router_;     // owned by the control thread
  zmq::socket_t wake_pull_;  // owned by the control thread
  std::string wake_endpoint_;
  zmq::context_t& context_;
  std::atomic<bool> stopped_{false};
  std::atomic<uint64_t> requests_{0};
  std::atomic<int64_t> alive_ns_{0};
  std::thread thread_;  // the control thread
};

// The reply for an exception thrown while handling request `id`: the one place
// where failures become protocol error codes.
protocol::Reply ReplyForException(const std::string& id, std::exception_ptr error);

}  // namespace scribed::daemon
