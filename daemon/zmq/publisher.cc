#include "daemon/zmq/publisher.h"

#include <cstdio>
#include <random>

#include "scribed/protocol/protocol.h"

namespace scribed::daemon {
namespace {

constexpr int kHandOffQueue = 10000;  // events between producers and the publisher thread

}  // namespace

std::string NewRunId() {
  std::random_device rd;
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", static_cast<unsigned>(rd()));
  return buf;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Publisher::Publisher(zmq::context_t& context, Options options)
    : options_(std::move(options)),
      inproc_("inproc://scribed-publisher-" + std::to_string(reinterpret_cast<uintptr_t>(this))),
      pub_(context, zmq::socket_type::pub),
      pull_(context, zmq::socket_type::pull),
      push_(context, zmq::socket_type::push),
      replay_(options_.replay_events) {
  PrepareEndpoint(options_.endpoint, options_.security);
  ApplySecurity(pub_, options_.endpoint, options_.security);
  pub_.set(zmq::sockopt::sndhwm, 100000);
  pub_.set(zmq::sockopt::linger, 1000);  // let the final daemon.state leave
  pub_.bind(options_.endpoint);
  pull_.set(zmq::sockopt::rcvhwm, kHandOffQueue);
  pull_.bind(inproc_);
  push_.set(zmq::sockopt::sndhwm, kHandOffQueue);
  push_.set(zmq::sockopt::linger, 0);
  push_.connect(inproc_);
  alive_ns_ = std::chrono::steady_clock::now().time_since_epoch().count();
  // The sockets move to the publisher thread; starting it is the barrier
  // ZeroMQ requires for that.
  thread_ = std::thread([this] { Run(); });
}

Publisher::~Publisher() { Stop(); }

void Publisher::Publish(std::string_view type, nlohmann::json fields, const EventIds& ids,
                        bool droppable) {
  if (!fields.is_object()) fields = nlohmann::json::object();
  fields["session"] = ids.session ? nlohmann::json(*ids.session) : nlohmann::json(nullptr);
  fields["job"] = ids.job ? nlohmann::json(*ids.job) : nlohmann::json(nullptr);
  fields["segment"] = ids.segment ? nlohmann::json(*ids.segment) : nlohmann::json(nullptr);
  const std::string payload = fields.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::lock_guard lock(push_mu_);
  if (stopped_) return;
  const auto flags = droppable ? zmq::send_flags::dontwait : zmq::send_flags::none;
  if (!push_.send(zmq::buffer(type), zmq::send_flags::sndmore | flags)) {
    ++dropped_;
    return;
  }
  // Once the first frame is queued the second always follows (atomic multipart).
  push_.send(zmq::buffer(payload), zmq::send_flags::none);
}

void Publisher::Stop() {
  {
    std::lock_guard lock(push_mu_);
    if (stopped_) return;
    stopped_ = true;
    // An empty topic frame tells the thread to finish; inproc keeps order, so
    // every event queued before it is sent first.
    push_.send(zmq::buffer(std::string_view()), zmq::send_flags::sndmore);
    push_.send(zmq::buffer(std::string_view()), zmq::send_flags::none);
  }
  if (thread_.joinable()) thread_.join();
}

std::chrono::steady_clock::time_point Publisher::last_alive() const noexcept {
  return std::chrono::steady_clock::time_point(
      std::chrono::steady_clock::duration(alive_ns_.load()));
}

void Publisher::Send(const std::string& type, const std::string& payload) {
  protocol::Event event;
  event.type = type;
  event.run = options_.run;
  event.seq = last_seq_.load() + 1;
  event.ts_ms = NowMs();
  event.fields = nlohmann::json::parse(payload, nullptr, false);
  // Ids travel inside the fields; lift them into the envelope.
  auto take = [&](const char* key) {
    nlohmann::json v = event.fields.contains(key) ? event.fields[key] : nlohmann::json(nullptr);
    event.fields.erase(key);
    return v;
  };
  if (auto v = take("session"); v.is_string()) event.session = v.get<std::string>();
  if (auto v = take("job"); v.is_string()) event.job = v.get<std::string>();
  if (auto v = take("segment"); v.is_number_integer()) event.segment = v.get<int64_t>();
  std::string body = protocol::EncodeEventBody(event);
  pub_.send(zmq::buffer(type), zmq::send_flags::sndmore);
  pub_.send(zmq::buffer(body), zmq::send_flags::none);
  replay_.Add(event.seq, std::move(body));
  last_seq_ = event.seq;
}

void Publisher::Run() {
  using Clock = std::chrono::steady_clock;
  auto next_heartbeat = Clock::now() + options_.heartbeat;
  for (;;) {
    const auto now = Clock::now();
    alive_ns_ = now.time_since_epoch().count();
    if (now >= next_heartbeat) {
      nlohmann::json fields =
          options_.heartbeat_fields ? options_.heartbeat_fields() : nlohmann::json::object();
      // The heartbeat's own seq is the newest; last_seq names it for readers
      // that only look at fields.
      fields["last_seq"] = last_seq_.load() + 1;
      fields["dropped_partials"] = dropped_.load();
      fields["session"] = nullptr;
      fields["job"] = nullptr;
      fields["segment"] = nullptr;
      Send(std::string(protocol::topic::kDaemonHeartbeat), fields.dump());
      next_heartbeat = now + options_.heartbeat;
      continue;
    }
    zmq::pollitem_t item{pull_.handle(), 0, ZMQ_POLLIN, 0};
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_heartbeat - now);
    zmq::poll(&item, 1, std::max(wait, std::chrono::milliseconds(1)));
    if (!(item.revents & ZMQ_POLLIN)) continue;
    zmq::message_t type, payload;
    if (!pull_.recv(type)) continue;
    (void)pull_.recv(payload);
    if (type.size() == 0) break;
    Send(type.to_string(), payload.to_string());
  }
}

}  // namespace scribed::daemon
