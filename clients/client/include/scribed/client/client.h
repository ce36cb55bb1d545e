// The client side of the scribed protocol: a control client (one request, one
// reply, over DEALER) and an event subscriber (SUB). Shared by the scribe CLI
// and the daemon tests, so both speak the protocol through the same code.
//
//   zmq::context_t context;
//   ControlClient control(context, protocol::DefaultControlEndpoint());
//   json status = control.Call("status");            // throws DaemonError
//   EventSubscriber events(context, protocol::DefaultEventsEndpoint(), {"job."});
//   while (auto e = events.Next(std::chrono::seconds(1))) { ... e->Json() ... }
//
// On tcp:// both authenticate with CURVE: with the keys given, else with the
// user's (config::LoadClientCurveKeys(config::ClientKeyDir()): client.key,
// client.pub and the daemon's server.pub).
//
// Thread-compatible: one thread per object (ZeroMQ sockets are not
// thread-safe).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "scribed/base/json.h"
#include "scribed/config/curve_keys.h"
#include "scribed/protocol/protocol.h"

namespace scribed::client {

class Connection;

// A command that failed: the daemon's error reply (code set), or no reply in
// time (no code: is the daemon running?).
class DaemonError : public std::runtime_error {
 public:
  DaemonError(const std::string& message, std::optional<protocol::ErrorCode> code)
      : std::runtime_error(message), code_(code) {}
  std::optional<protocol::ErrorCode> code() const noexcept { return code_; }

 private:
  std::optional<protocol::ErrorCode> code_;
};

inline constexpr std::chrono::milliseconds kDefaultReplyTimeout = std::chrono::seconds(10);

// A new CURVE key pair (zmq_curve_keypair). Throws std::runtime_error when
// libzmq was built without CURVE.
config::CurveKeyPair GenerateCurveKeyPair();

class ControlClient {
 public:
  // Throws config::ConfigError for a tcp:// endpoint without usable keys.
  ControlClient(zmq::context_t& context, const std::string& endpoint,
                const std::optional<config::ClientCurveKeys>& curve = std::nullopt);
  ~ControlClient();

  // Sends `frames` after the empty delimiter frame (so the reply comes back as
  // [empty, body]) and returns the reply body, or nullopt after `timeout`. A
  // signal caught meanwhile does not cut the wait short.
  // Throws std::runtime_error for a reply not shaped [empty, body], and
  // DaemonError as soon as the daemon refuses this client's CURVE key.
  std::optional<std::string> Exchange(const std::vector<std::string>& frames,
                                      std::chrono::milliseconds timeout = kDefaultReplyTimeout);
  // The daemon's reply to `cmd`; throws DaemonError when none comes in time
  // and ProtocolError for a malformed one.
  protocol::Reply Request(const std::string& cmd, nlohmann::json args = nlohmann::json::object(),
                          std::chrono::milliseconds timeout = kDefaultReplyTimeout);
  // The result of a successful reply; a failed one throws DaemonError
  // "<cmd>: <code>: <message>".
  nlohmann::json Call(const std::string& cmd, nlohmann::json args = nlohmann::json::object(),
                      std::chrono::milliseconds timeout = kDefaultReplyTimeout);

 private:
  zmq::socket_t socket_;
  std::string endpoint_;
  std::unique_ptr<Connection> connection_;
};

// One event as it arrived: the topic frame and the body frame.
struct ReceivedEvent {
  std::string topic;
  std::string body;
  nlohmann::json Json() const { return nlohmann::json::parse(body); }
  // The envelope checked against the protocol; throws ProtocolError.
  protocol::Event Parse() const { return protocol::ParseEvent(topic, body); }
};

class EventSubscriber {
 public:
  // Subscribes to every topic starting with one of `prefixes` (all topics
  // when empty) before connecting.
  EventSubscriber(zmq::context_t& context, const std::string& endpoint,
                  const std::vector<std::string>& prefixes = {},
                  const std::optional<config::ClientCurveKeys>& curve = std::nullopt);
  ~EventSubscriber();
  // The next event, or nullopt after `timeout` or when a signal was caught
  // (so a Ctrl-C handler's flag is seen at once). Throws std::runtime_error
  // for a message that is not exactly [topic, body], DaemonError when the
  // daemon refuses this client's CURVE key.
  std::optional<ReceivedEvent> Next(std::chrono::milliseconds timeout);

 private:
  zmq::socket_t socket_;
  std::unique_ptr<Connection> connection_;
};

}  // namespace scribed::client
