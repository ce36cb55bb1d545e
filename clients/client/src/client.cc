#include "scribed/client/client.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <iterator>
#include <utility>
#include <zmq_addon.hpp>

#include "connection.h"

namespace scribed::client {
namespace {

// Waits up to `timeout` for `socket` to be readable, checking the
// connection's handshake meanwhile (which throws on a refused key). A signal
// caught meanwhile ends the wait (false) or not, as the caller chooses.
bool WaitReadable(zmq::socket_t& socket, Connection& connection,
                  std::chrono::milliseconds timeout, bool signal_ends_wait) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::array<zmq::pollitem_t, 2> items{zmq::pollitem_t{socket.handle(), 0, ZMQ_POLLIN, 0}};
    size_t n = 1;
    if (auto monitor = connection.MonitorItem()) items[n++] = *monitor;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    try {
      zmq::poll(items.data(), n, std::max(left, std::chrono::milliseconds(0)));
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) throw;
      if (signal_ends_wait) return false;
      continue;
    }
    if (n == 2 && (items[1].revents & ZMQ_POLLIN)) connection.CheckHandshake();
    if (items[0].revents & ZMQ_POLLIN) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
  }
}

}  // namespace

config::CurveKeyPair GenerateCurveKeyPair() {
  std::array<char, 41> pub{}, secret{};
  if (zmq_curve_keypair(pub.data(), secret.data()) != 0) {
    throw std::runtime_error(std::string("cannot generate a CURVE key pair: ") +
                             zmq_strerror(zmq_errno()));
  }
  return {pub.data(), secret.data()};
}

ControlClient::ControlClient(zmq::context_t& context, const std::string& endpoint,
                             const std::optional<config::ClientCurveKeys>& curve)
    : socket_(context, zmq::socket_type::dealer), endpoint_(endpoint) {
  // Unsent requests must not keep the process alive after the client is gone.
  socket_.set(zmq::sockopt::linger, 0);
  connection_ = std::make_unique<Connection>(context, socket_, endpoint, curve);
}

ControlClient::~ControlClient() = default;

std::optional<std::string> ControlClient::Exchange(const std::vector<std::string>& frames,
                                                   std::chrono::milliseconds timeout) {
  socket_.send(zmq::message_t(), zmq::send_flags::sndmore);
  for (size_t i = 0; i < frames.size(); ++i) {
    socket_.send(zmq::buffer(frames[i]),
                 i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
  }
  // A signal (Ctrl-C, whose handler decides what to do) does not end the
  // wait: the reply is on its way, and left unread it would be taken for the
  // reply to the next request.
  if (!WaitReadable(socket_, *connection_, timeout, /*signal_ends_wait=*/false)) {
    return std::nullopt;
  }
  std::vector<zmq::message_t> parts;
  (void)zmq::recv_multipart(socket_, std::back_inserter(parts));
  if (parts.size() != 2 || parts[0].size() != 0) {
    throw std::runtime_error("reply from " + endpoint_ + " is not [empty, body]");
  }
  return parts[1].to_string();
}

protocol::Reply ControlClient::Request(const std::string& cmd, nlohmann::json args,
                                       std::chrono::milliseconds timeout) {
  const std::string body = protocol::EncodeRequest({"scribe", cmd, std::move(args)});
  const std::optional<std::string> reply = Exchange({body}, timeout);
  if (!reply) {
    throw DaemonError("no answer from scribed on " + endpoint_ + " (is it running?)" +
                          connection_->TimeoutHint(),
                      std::nullopt);
  }
  return protocol::ParseReply(*reply);
}

nlohmann::json ControlClient::Call(const std::string& cmd, nlohmann::json args,
                                   std::chrono::milliseconds timeout) {
  protocol::Reply reply = Request(cmd, std::move(args), timeout);
  if (!reply.ok) {
    throw DaemonError(cmd + ": " + std::string(protocol::ErrorCodeName(reply.code)) + ": " +
                          reply.message,
                      reply.code);
  }
  return std::move(reply.result);
}

EventSubscriber::EventSubscriber(zmq::context_t& context, const std::string& endpoint,
                                 const std::vector<std::string>& prefixes,
                                 const std::optional<config::ClientCurveKeys>& curve)
    : socket_(context, zmq::socket_type::sub) {
  socket_.set(zmq::sockopt::linger, 0);
  if (prefixes.empty()) socket_.set(zmq::sockopt::subscribe, "");
  for (const std::string& p : prefixes) socket_.set(zmq::sockopt::subscribe, p);
  connection_ = std::make_unique<Connection>(context, socket_, endpoint, curve);
}

EventSubscriber::~EventSubscriber() = default;

std::optional<ReceivedEvent> EventSubscriber::Next(std::chrono::milliseconds timeout) {
  // A signal ends the wait, so the caller sees a Ctrl-C handler's flag at once.
  if (!WaitReadable(socket_, *connection_, timeout, /*signal_ends_wait=*/true)) {
    return std::nullopt;
  }
  zmq::message_t topic, body;
  (void)socket_.recv(topic);
  if (!topic.more()) throw std::runtime_error("event without body frame");
  (void)socket_.recv(body);
  if (body.more()) throw std::runtime_error("event with more than two frames");
  return ReceivedEvent{topic.to_string(), body.to_string()};
}

}  // namespace scribed::client
