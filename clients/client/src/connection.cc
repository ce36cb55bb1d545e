#include "connection.h"

#include <array>
#include <cstdint>
#include <cstring>

#include "scribed/client/client.h"

namespace scribed::client {
namespace {

std::array<uint8_t, 32> Decode(const std::string& z85) {
  std::array<uint8_t, 32> key{};
  zmq_z85_decode(key.data(), z85.c_str());  // config::IsZ85Key checked it
  return key;
}

std::string HostOf(const std::string& endpoint) {
  const std::string rest = endpoint.substr(6);
  return rest.substr(0, rest.rfind(':'));
}

}  // namespace

Connection::Connection(zmq::context_t& context, zmq::socket_t& socket, const std::string& endpoint,
                       const std::optional<config::ClientCurveKeys>& curve)
    : endpoint_(endpoint) {
  if (endpoint.rfind("tcp://", 0) == 0) {
    const config::ClientCurveKeys keys =
        curve ? *curve : config::LoadClientCurveKeys(config::ClientKeyDir());
    const auto server = Decode(keys.server_public_key);
    const auto pub = Decode(keys.client.public_key);
    const auto secret = Decode(keys.client.secret_key);
    socket.set(zmq::sockopt::curve_serverkey, zmq::const_buffer(server.data(), server.size()));
    socket.set(zmq::sockopt::curve_publickey, zmq::const_buffer(pub.data(), pub.size()));
    socket.set(zmq::sockopt::curve_secretkey, zmq::const_buffer(secret.data(), secret.size()));
    if (HostOf(endpoint).rfind('[', 0) == 0) socket.set(zmq::sockopt::ipv6, 1);
    const std::string monitor_endpoint =
        "inproc://scribed-client-monitor-" + std::to_string(reinterpret_cast<uintptr_t>(this));
    if (zmq_socket_monitor(socket.handle(), monitor_endpoint.c_str(),
                           ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
                               ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                               ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) != 0) {
      throw zmq::error_t();
    }
    monitor_.emplace(context, zmq::socket_type::pair);
    monitor_->set(zmq::sockopt::linger, 0);
    monitor_->connect(monitor_endpoint);
  }
  socket.connect(endpoint);
}

std::optional<zmq::pollitem_t> Connection::MonitorItem() {
  if (!monitor_) return std::nullopt;
  return zmq::pollitem_t{monitor_->handle(), 0, ZMQ_POLLIN, 0};
}

void Connection::CheckHandshake() {
  if (!monitor_) return;
  for (;;) {
    zmq::message_t event, address;
    if (!monitor_->recv(event, zmq::recv_flags::dontwait)) return;
    if (event.more()) (void)monitor_->recv(address);
    if (event.size() < 6) continue;
    uint16_t id = 0;
    uint32_t value = 0;
    std::memcpy(&id, event.data(), sizeof id);
    std::memcpy(&value, static_cast<const char*>(event.data()) + 2, sizeof value);
    if (id == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) {
      throw DaemonError(endpoint_ + ": the daemon refused this client's CURVE key (ZAP status " +
                            std::to_string(value) +
                            "); add the key of client.pub to the daemon's authorized_keys",
                        std::nullopt);
    }
    if (id == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL) {
      throw DaemonError(endpoint_ +
                            ": CURVE handshake failed (protocol error); is a scribed with tcp:// "
                            "CURVE listening there?",
                        std::nullopt);
    }
    incomplete_handshake_ = true;  // the peer hung up mid-handshake
  }
}

std::string Connection::TimeoutHint() const {
  if (!monitor_) return "";
  return incomplete_handshake_
             ? "; the CURVE handshake was cut off: is server.pub the daemon's current public "
               "key (<state_dir>/curve/server.pub)?"
             : "";
}

}  // namespace scribed::client
