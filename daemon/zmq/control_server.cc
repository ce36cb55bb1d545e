#include "daemon/zmq/control_server.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <iterator>
#include <system_error>
#include <vector>
#include <zmq_addon.hpp>

namespace scribed::daemon {

using protocol::ErrorCode;
using protocol::ProtocolError;
using protocol::Reply;

Reply ReplyForException(const std::string& id, std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const ProtocolError& e) {
    return Reply::Error(id, e.code(), e.what());
  } catch (const std::invalid_argument& e) {
    return Reply::Error(id, ErrorCode::kBadArgs, e.what());
  } catch (const std::out_of_range& e) {
    return Reply::Error(id, ErrorCode::kNotFound, e.what());
  } catch (const std::filesystem::filesystem_error& e) {
    return Reply::Error(id, ErrorCode::kNotFound, e.what());
  } catch (const std::exception& e) {
    return Reply::Error(id, ErrorCode::kInternal, e.what());
  } catch (...) {
    return Reply::Error(id, ErrorCode::kInternal, "unknown failure");
  }
}

ControlServer::ControlServer(zmq::context_t& context, const std::string& endpoint,
                             const TransportSecurity& security, Handler handler)
    : handler_(std::move(handler)),
      router_(context, zmq::socket_type::router),
      wake_pull_(context, zmq::socket_type::pull),
      wake_endpoint_("inproc://scribed-control-wake-" +
                     std::to_string(reinterpret_cast<uintptr_t>(this))),
      context_(context) {
  router_.set(zmq::sockopt::maxmsgsize, protocol::kMaxTransportBytes);
  router_.set(zmq::sockopt::linger, 0);
  router_.set(zmq::sockopt::sndhwm, 10000);
  // A reply to a peer that went away is dropped, not an error.
  router_.set(zmq::sockopt::router_mandatory, 0);
  BindEndpoint(router_, endpoint, security);
  wake_pull_.bind(wake_endpoint_);
  alive_ns_ = std::chrono::steady_clock::now().time_since_epoch().count();
  thread_ = std::thread([this] { Run(); });
}

ControlServer::~ControlServer() { Stop(); }

void ControlServer::Stop() {
  if (stopped_.exchange(true)) return;
  zmq::socket_t wake(context_, zmq::socket_type::push);
  wake.set(zmq::sockopt::linger, 0);
  wake.connect(wake_endpoint_);
  wake.send(zmq::str_buffer("stop"), zmq::send_flags::none);
  if (thread_.joinable()) thread_.join();
}

std::chrono::steady_clock::time_point ControlServer::last_alive() const noexcept {
  return std::chrono::steady_clock::time_point(
      std::chrono::steady_clock::duration(alive_ns_.load()));
}

std::string ControlServer::Answer(std::string_view body) {
  protocol::Request request;
  try {
    request = protocol::ParseRequest(body);
  } catch (...) {
    return protocol::EncodeReply(
        ReplyForException(protocol::SalvageRequestId(body), std::current_exception()));
  }
  try {
    return protocol::EncodeReply(Reply::Ok(request.id, handler_(request)));
  } catch (...) {
    const Reply reply = ReplyForException(request.id, std::current_exception());
    if (reply.code == ErrorCode::kInternal)
      spdlog::error("command {}: {}", request.cmd, reply.message);
    return protocol::EncodeReply(reply);
  }
}

void ControlServer::Run() {
  std::vector<zmq::message_t> frames;
  for (;;) {
    alive_ns_ = std::chrono::steady_clock::now().time_since_epoch().count();
    zmq::pollitem_t items[] = {{router_.handle(), 0, ZMQ_POLLIN, 0},
                               {wake_pull_.handle(), 0, ZMQ_POLLIN, 0}};
    // The timeout only refreshes the watchdog's liveness stamp.
    zmq::poll(items, 2, std::chrono::milliseconds(1000));
    if (items[1].revents & ZMQ_POLLIN) break;
    if (!(items[0].revents & ZMQ_POLLIN)) continue;
    frames.clear();
    (void)zmq::recv_multipart(router_, std::back_inserter(frames), zmq::recv_flags::dontwait);
    if (frames.size() < 2) continue;  // no routing id and body: nothing to answer
    ++requests_;
    // REQ peers put an empty delimiter before the body; DEALER peers may not.
    // The reply mirrors what the request carried.
    const bool delimited = frames[1].size() == 0 && frames.size() >= 3;
    const size_t body_index = delimited ? 2 : 1;
    std::string reply;
    if (frames.size() != body_index + 1) {
      reply = protocol::EncodeReply(Reply::Error(
          "", ErrorCode::kBadJson,
          "expected one body frame, got " + std::to_string(frames.size() - body_index)));
    } else {
      reply = Answer(frames[body_index].to_string_view());
    }
    router_.send(frames[0], zmq::send_flags::sndmore);
    if (delimited) router_.send(zmq::message_t(), zmq::send_flags::sndmore);
    router_.send(zmq::buffer(reply), zmq::send_flags::none);
  }
}

}  // namespace scribed::daemon
