#include "scribed/client/client.h"

#include <algorithm>
#include <cerrno>
#include <utility>

namespace scribed::client {

ControlClient::ControlClient(zmq::context_t& context, const std::string& endpoint)
    : socket_(context, zmq::socket_type::dealer), endpoint_(endpoint) {
  // Unsent requests must not keep the process alive after the client is gone.
  socket_.set(zmq::sockopt::linger, 0);
  socket_.connect(endpoint);
}

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
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
    try {
      if (zmq::poll(&item, 1, std::max(left, std::chrono::milliseconds(0))) == 0) {
        return std::nullopt;
      }
      break;
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) throw;
    }
  }
  std::vector<zmq::message_t> parts;
  do {
    zmq::message_t m;
    (void)socket_.recv(m);
    parts.push_back(std::move(m));
  } while (parts.back().more());
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
    throw DaemonError("no answer from scribed on " + endpoint_ + " (is it running?)",
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
                                 const std::vector<std::string>& prefixes)
    : socket_(context, zmq::socket_type::sub) {
  socket_.set(zmq::sockopt::linger, 0);
  if (prefixes.empty()) socket_.set(zmq::sockopt::subscribe, "");
  for (const std::string& p : prefixes) socket_.set(zmq::sockopt::subscribe, p);
  socket_.connect(endpoint);
}

std::optional<ReceivedEvent> EventSubscriber::Next(std::chrono::milliseconds timeout) {
  zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
  try {
    if (zmq::poll(&item, 1, timeout) == 0) return std::nullopt;
  } catch (const zmq::error_t& e) {
    if (e.num() == EINTR) return std::nullopt;  // a signal: let the caller look at it
    throw;
  }
  zmq::message_t topic, body;
  (void)socket_.recv(topic);
  if (!topic.more()) throw std::runtime_error("event without body frame");
  (void)socket_.recv(body);
  if (body.more()) throw std::runtime_error("event with more than two frames");
  return ReceivedEvent{topic.to_string(), body.to_string()};
}

}  // namespace scribed::client
