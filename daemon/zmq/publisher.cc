#include "daemon/zmq/publisher.h"

#include <cstdio>
#include <random>

#include "scribed/protocol/protocol.h"

namespace scribed::daemon {
namespace {

// Partials are dropped once this many events wait for the socket. Other
// events are never refused: the publisher thread drains the queue at memory
// speed (PUB never blocks), so only partials, which the final replaces, are
// worth losing to keep a producer from piling up work.
constexpr size_t kDropPartialsAt = 10000;
// The longest the publisher thread sleeps, so the watchdog sees it turning.
constexpr std::chrono::milliseconds kMaxIdle{1000};

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
      pub_(context, zmq::socket_type::pub),
      replay_(options_.replay_events) {
  pub_.set(zmq::sockopt::sndhwm, kSubscriberQueueEvents);
  pub_.set(zmq::sockopt::linger, 1000);  // let the final daemon.state leave
  BindEndpoint(pub_, options_.endpoint, options_.security);
  alive_ns_ = std::chrono::steady_clock::now().time_since_epoch().count();
  // The socket moves to the publisher thread; starting it is the barrier
  // ZeroMQ requires for that.
  thread_ = std::thread([this] { Run(); });
}

Publisher::~Publisher() { Stop(); }

uint64_t Publisher::StampLocked(std::string_view type, nlohmann::json fields,
                                const EventIds& ids) {
  protocol::Event event;
  event.type = std::string(type);
  event.run = options_.run;
  event.seq = last_seq_.load() + 1;
  event.ts_ms = NowMs();
  event.session = ids.session;
  event.job = ids.job;
  event.segment = ids.segment;
  event.fields = fields.is_object() ? std::move(fields) : nlohmann::json::object();
  std::string body = protocol::EncodeEventBody(event);
  // seq, replay log and queue change under one lock, so the queue (and so
  // the socket) and the log both hold events in seq order, none left out.
  replay_.Add(event.seq, body);
  queue_.push_back({std::move(event.type), std::move(body)});
  last_seq_ = event.seq;
  wake_.notify_one();
  return event.seq;
}

uint64_t Publisher::Publish(std::string_view type, nlohmann::json fields, const EventIds& ids,
                            bool droppable) {
  std::lock_guard lock(mu_);
  if (stopped_) return 0;
  if (droppable && queue_.size() >= kDropPartialsAt) {
    ++dropped_;
    return 0;
  }
  return StampLocked(type, std::move(fields), ids);
}

void Publisher::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    stopped_ = true;
    wake_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
}

std::chrono::steady_clock::time_point Publisher::last_alive() const noexcept {
  return std::chrono::steady_clock::time_point(
      std::chrono::steady_clock::duration(alive_ns_.load()));
}

void Publisher::Run() {
  using Clock = std::chrono::steady_clock;
  auto next_heartbeat = Clock::now() + options_.heartbeat;
  std::deque<Outgoing> batch;
  for (;;) {
    bool stopping;
    {
      std::unique_lock lock(mu_);
      wake_.wait_until(lock, std::min(next_heartbeat, Clock::now() + kMaxIdle),
                       [&] { return !queue_.empty() || stopped_; });
      // Taken whole and sent outside mu_: a producer never waits on the
      // socket, only for the swap.
      batch.swap(queue_);
      stopping = stopped_;
    }
    alive_ns_ = Clock::now().time_since_epoch().count();
    for (const Outgoing& out : batch) {
      pub_.send(zmq::buffer(out.topic), zmq::send_flags::sndmore);
      pub_.send(zmq::buffer(out.body), zmq::send_flags::none);
    }
    batch.clear();
    // Everything published before Stop() is in the batch just sent.
    if (stopping) break;
    if (Clock::now() >= next_heartbeat) {
      // Gathered outside mu_: the callback takes the job store's and the
      // sessions' locks, which producers hold while they publish.
      nlohmann::json fields =
          options_.heartbeat_fields ? options_.heartbeat_fields() : nlohmann::json::object();
      fields["dropped_partials"] = dropped_.load();
      std::lock_guard lock(mu_);
      if (stopped_) continue;  // the next turn sends what is queued, then ends
      // The heartbeat's own seq is the newest; last_seq names it for readers
      // that only look at fields.
      fields["last_seq"] = last_seq_.load() + 1;
      StampLocked(protocol::topic::kDaemonHeartbeat, std::move(fields), {});
      next_heartbeat = Clock::now() + options_.heartbeat;
    }
  }
}

}  // namespace scribed::daemon
