// The event publisher: one thread owns the PUB socket; any thread hands it
// events over an inproc PUSH/PULL pair. The publisher thread stamps each
// event with the envelope (v, run, gap-free seq, ts), sends [topic, body],
// keeps it in the replay log, and publishes daemon.heartbeat on schedule.
//
// Thread-safe: Publish may be called from any thread until Stop().
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <zmq.hpp>

#include "daemon/zmq/endpoint.h"
#include "daemon/zmq/replay_log.h"

namespace scribed::daemon {

struct EventIds {
  std::optional<std::string> session;
  std::optional<std::string> job;
  std::optional<int64_t> segment;
};

class Publisher {
 public:
  struct Options {
    std::string endpoint;
    TransportSecurity security;
    std::string run;  // random id of this daemon run
    std::chrono::milliseconds heartbeat{5000};
    size_t replay_events = 4096;
    // Extra fields of each heartbeat (sessions, jobs_queued); called on the
    // publisher thread.
    std::function<nlohmann::json()> heartbeat_fields;
  };

  // Binds the PUB socket (throws zmq::error_t or EndpointError) and starts
  // the thread. `context` must outlive the publisher.
  Publisher(zmq::context_t& context, Options options);
  ~Publisher();  // Stop()
  Publisher(const Publisher&) = delete;
  Publisher& operator=(const Publisher&) = delete;

  // Queues an event. Blocks while the hand-off queue is full, except for
  // `droppable` events (partials), which are dropped instead and counted.
  void Publish(std::string_view type, nlohmann::json fields, const EventIds& ids = {},
               bool droppable = false);

  // Sends everything queued so far, then ends the thread. Idempotent.
  void Stop();

  const ReplayLog& replay() const noexcept { return replay_; }
  uint64_t last_seq() const noexcept { return last_seq_.load(); }
  uint64_t dropped() const noexcept { return dropped_.load(); }
  const std::string& run() const noexcept { return options_.run; }
  // Steady-clock time of the publisher thread's last loop (for the watchdog).
  std::chrono::steady_clock::time_point last_alive() const noexcept;

 private:
  void Run();
  void Send(const std::string& type, const std::string& payload);

  Options options_;
  std::string inproc_;
  zmq::socket_t pub_;   // owned by the publisher thread after start
  zmq::socket_t pull_;  // owned by the publisher thread
  std::mutex push_mu_;
  zmq::socket_t push_;    // guarded by push_mu_
  bool stopped_ = false;  // guarded by push_mu_
  ReplayLog replay_;
  std::atomic<uint64_t> last_seq_{0};
  std::atomic<uint64_t> dropped_{0};
  std::atomic<int64_t> alive_ns_{0};
  std::thread thread_;  // the publisher thread
};

// A random 8-hex-digit run id.
std::string NewRunId();
// Unix time in milliseconds.
int64_t NowMs();

}  // namespace scribed::daemon
