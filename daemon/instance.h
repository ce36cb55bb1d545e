// The running daemon: owns every long-lived object and thread, and wires the
// control commands to them. main() builds one Instance and calls Run().
//
// Threads (each a member below, each with one job):
//   publisher  - owns the PUB socket; stamps and sends events, heartbeats
//   control    - owns the ROUTER socket; answers commands
//   job worker - JobRunner: runs queued file jobs through the pipeline
//   capture + inference - LiveSession (while a capture session runs)
//   main       - Run(): waits for SIGTERM/SIGINT or `shutdown`, pings the
//                systemd watchdog while the other threads are alive
//
// Thread-safe: RequestShutdown may be called from any thread.
#pragma once

#include <atomic>
#include <filesystem>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <zmq.hpp>

#include "daemon/config/options.h"
#include "daemon/jobs/file_system.h"
#include "daemon/jobs/job_store.h"
#include "daemon/workers/job_runner.h"
#include "daemon/workers/live_session.h"
#include "daemon/workers/model_context.h"
#include "daemon/zmq/control_server.h"
#include "daemon/zmq/publisher.h"

namespace scribed::daemon {

// An owned file descriptor.
class UniqueFd {
 public:
  explicit UniqueFd(int fd = -1) noexcept : fd_(fd) {}
  ~UniqueFd();
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    std::swap(fd_, other.fd_);
    return *this;
  }
  int get() const noexcept { return fd_; }

 private:
  int fd_;
};

class Instance {
 public:
  // Locks the state directory, recovers the job journal, binds both sockets
  // and loads the model when one is configured; publishes daemon.state along
  // the way. Throws (ConfigError, EndpointError, zmq::error_t,
  // std::system_error, engine errors) when any of that fails.
  explicit Instance(DaemonOptions options);
  ~Instance();
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

  // Signals systemd readiness, then blocks until SIGTERM, SIGINT or the
  // `shutdown` command; then stops every thread, publishing daemon.state
  // "stopping" first. The calling thread must have SIGTERM and SIGINT blocked
  // (BlockTerminationSignals) before any thread was created.
  void Run();
  void RequestShutdown();

  const std::string& events_endpoint() const noexcept { return events_endpoint_; }
  const std::string& control_endpoint() const noexcept { return control_endpoint_; }

 private:
  nlohmann::json Handle(const protocol::Request& request);
  nlohmann::json Status() const;
  nlohmann::json Transcribe(const nlohmann::json& args);
  nlohmann::json Cancel(const nlohmann::json& args);
  nlohmann::json Jobs() const;
  nlohmann::json Result(const nlohmann::json& args) const;
  nlohmann::json Replay(const nlohmann::json& args) const;
  nlohmann::json CaptureStart(const nlohmann::json& args);
  nlohmann::json CaptureStop(const nlohmann::json& args);
  nlohmann::json ModelJson() const;
  void PublishState(const std::string& state);
  void LoadModel();

  DaemonOptions options_;
  std::filesystem::path state_dir_;
  std::string events_endpoint_, control_endpoint_;
  UniqueFd lock_fd_;  // flock on <state>/lock: one daemon per state directory
  UniqueFd wake_fd_;  // eventfd that RequestShutdown writes
  PosixFileSystem file_system_;
  std::unique_ptr<JobStore> jobs_;
  zmq::context_t context_;
  std::unique_ptr<Publisher> publisher_;    // publisher thread
  std::unique_ptr<ControlServer> control_;  // control thread
  ModelContext model_;                      // empty without --model
  std::unique_ptr<JobRunner> job_runner_;   // job worker thread; null without a model
  mutable std::mutex live_mu_;
  std::unique_ptr<LiveSession> live_;  // guarded by live_mu_; capture + inference threads
  int next_session_ = 1;               // guarded by live_mu_
  nlohmann::json Sessions() const;
  std::atomic<bool> shutting_down_{false};
  std::atomic<const char*> state_{"starting"};  // as last published in daemon.state
};

// Blocks SIGTERM, SIGINT and SIGHUP in the calling thread (and so in every
// thread it creates later) so Run() can wait for them; ignores SIGPIPE.
void BlockTerminationSignals();

// "scribed <version>".
const char* DaemonVersion();

}  // namespace scribed::daemon
