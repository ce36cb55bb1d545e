// The event publisher. Publish() stamps an event with its envelope (v, run,
// gap-free seq, ts) and puts it into the replay log on the calling thread,
// then hands it to the publisher thread, which owns the PUB socket, sends
// [topic, body] in seq order and publishes daemon.heartbeat on schedule.
//
// Stamping on the producing thread is what makes the protocol's ordering
// guarantee hold: once Publish() returns, the event is in the replay log, so
// a command's reply (sent after its Publish calls) never overtakes its events.
//
// Thread-safe: Publish may be called from any thread until Stop().
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <zmq.hpp>

#include "daemon/zmq/endpoint.h"
#include "daemon/zmq/replay_log.h"
#include "scribed/base/json.h"
#include "scribed/protocol/events.h"

namespace scribed::daemon {

struct EventIds {
  std::optional<std::string> session;
  std::optional<std::string> job;
  std::optional<int64_t> segment;
};

class Publisher {
 public:
  // Events queued in the daemon for one subscriber (ZMQ_SNDHWM). A subscriber
  // that falls further behind loses events (a gap in seq) instead of growing
  // the daemon; `replay` returns what it missed. At typical event sizes
  // (0.2-2 KB) this bounds the memory a subscriber that never reads costs to
  // about 1 MB, plus the kernel's socket buffer.
  static constexpr int kSubscriberQueueEvents = 1000;

  struct Options {
    std::string endpoint;
    TransportSecurity security;
    std::string run;  // random id of this daemon run
    std::chrono::milliseconds heartbeat{5000};
    size_t replay_events = 4096;
    // Extra fields of each heartbeat (sessions, jobs_queued); called on the
    // publisher thread with no publisher lock held, so it may take locks of
    // its own that producers hold while they publish.
    std::function<nlohmann::json()> heartbeat_fields;
  };

  // Binds the PUB socket (throws zmq::error_t or EndpointError) and starts
  // the thread. `context` must outlive the publisher.
  Publisher(zmq::context_t& context, Options options);
  ~Publisher();  // Stop()
  Publisher(const Publisher&) = delete;
  Publisher& operator=(const Publisher&) = delete;

  // Stamps the event, adds it to the replay log and queues it for sending;
  // returns the seq it got (0 when dropped or after Stop()). Never blocks on
  // the socket. `droppable` events (partials) are dropped and counted instead
  // when the hand-off queue is already long.
  uint64_t Publish(std::string_view type, nlohmann::json fields, const EventIds& ids = {},
                   bool droppable = false);

  // Publishes a typed event (scribed/protocol/events.h) under its topic.
  // Partials are the only events that may be dropped.
  template <class E>
  uint64_t Publish(const E& event, const EventIds& ids = {}) {
    return Publish(E::kTopic, nlohmann::json(event), ids,
                   std::is_same_v<E, protocol::SegmentPartial>);
  }

  // Sends everything published so far, then ends the thread. Idempotent.
  void Stop();

  const ReplayLog& replay() const noexcept { return replay_; }
  uint64_t last_seq() const noexcept { return last_seq_.load(); }
  uint64_t dropped() const noexcept { return dropped_.load(); }
  const std::string& run() const noexcept { return options_.run; }
  // Steady-clock time of the publisher thread's last loop (for the watchdog).
  std::chrono::steady_clock::time_point last_alive() const noexcept;

 private:
  struct Outgoing {
    std::string topic;
    std::string body;
  };
  // Assigns the next seq, encodes, logs and queues; mu_ held.
  uint64_t StampLocked(std::string_view type, nlohmann::json fields, const EventIds& ids);
  void Run();

  Options options_;
  zmq::socket_t pub_;  // used only by the publisher thread after start
  ReplayLog replay_;
  std::mutex mu_;
  std::condition_variable wake_;  // the publisher thread waits here for events
  std::deque<Outgoing> queue_;    // stamped, not yet sent; guarded by mu_
  bool stopped_ = false;          // guarded by mu_
  std::atomic<uint64_t> last_seq_{0};  // written under mu_
  std::atomic<uint64_t> dropped_{0};
  std::atomic<int64_t> alive_ns_{0};
  std::thread thread_;  // the publisher thread
};

// A random 8-hex-digit run id.
std::string NewRunId();
// Unix time in milliseconds.
int64_t NowMs();

}  // namespace scribed::daemon
