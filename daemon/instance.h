// The running daemon: owns every long-lived object and thread, and starts and
// stops them in order; the control commands are answered by CommandHandler
// (daemon/commands/). main() builds one Instance and calls Run().
//
// Threads (each a member below, each with one job):
//   zap        - CurveServer: admits CURVE clients (only with a tcp:// endpoint)
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
#include <string>
#include <utility>
#include <zmq.hpp>

#include "daemon/commands/command_handler.h"
#include "daemon/jobs/job_store.h"
#include "daemon/workers/job_runner.h"
#include "daemon/workers/model_context.h"
#include "daemon/zmq/control_server.h"
#include "daemon/zmq/curve_server.h"
#include "daemon/zmq/publisher.h"
#include "scribed/base/file_system.h"
#include "scribed/base/json.h"
#include "scribed/base/unique_fd.h"
#include "scribed/config/options.h"

namespace scribed::daemon {

class Instance {
 public:
  // Locks the state directory, recovers the job journal, binds both sockets
  // and loads the model when one is configured; publishes daemon.state along
  // the way. Throws (config::ConfigError, EndpointError, zmq::error_t,
  // std::system_error, engine errors) when any of that fails.
  explicit Instance(config::DaemonOptions options);
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
  void PublishState(const std::string& state);
  void LoadModel();

  config::DaemonOptions options_;
  std::filesystem::path state_dir_;
  std::string events_endpoint_, control_endpoint_;
  base::UniqueFd lock_fd_;  // flock on <state>/lock: one daemon per state directory
  base::UniqueFd wake_fd_;  // eventfd that RequestShutdown writes
  base::PosixFileSystem file_system_;
  std::unique_ptr<JobStore> jobs_;
  zmq::context_t context_;
  ModelContext model_;   // empty without --model
  CaptureSlot capture_;  // before the publisher: its heartbeats list the sessions
  std::atomic<bool> shutting_down_{false};
  std::atomic<const char*> state_{"starting"};  // as last published in daemon.state
  std::unique_ptr<CurveServer> curve_;          // ZAP thread; only with a tcp:// endpoint
  std::unique_ptr<Publisher> publisher_;        // publisher thread
  std::unique_ptr<CommandHandler> commands_;    // runs on the control thread
  std::unique_ptr<ControlServer> control_;      // control thread
  std::unique_ptr<JobRunner> job_runner_;       // job worker thread; null without a model
};

// Blocks SIGTERM, SIGINT and SIGHUP in the calling thread (and so in every
// thread it creates later) so Run() can wait for them; ignores SIGPIPE.
void BlockTerminationSignals();

}  // namespace scribed::daemon
