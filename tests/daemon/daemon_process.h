// Test helpers: a scribed process on ipc:// endpoints in a temporary
// directory (or on endpoints of the test's choosing), and small ZeroMQ
// clients for its two sockets.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "scribed/base/json.h"
#include "scribed/client/client.h"
#include "tests/support/temp_dir.h"

namespace scribed::daemon::testing {

using scribed::testing::TempDir;

// Where a DaemonProcess listens instead of `dir`/run/{events,control}, and
// the CURVE keys its readiness check (and the clients below) use on tcp://.
struct Endpoints {
  std::string events, control;
  std::optional<config::ClientCurveKeys> curve;
};

// A running scribed. The destructor kills it (SIGKILL) if still alive.
class DaemonProcess {
 public:
  // Starts scribed with --events/--control in `dir`/run and --state-dir
  // `dir`/state plus `extra` flags, and waits until `status` says "ready".
  // Throws std::runtime_error with its stderr when it exits first.
  DaemonProcess(const std::filesystem::path& dir, std::vector<std::string> extra = {});
  // The same on `endpoints`.
  DaemonProcess(const std::filesystem::path& dir, std::vector<std::string> extra,
                Endpoints endpoints);
  ~DaemonProcess();
  DaemonProcess(const DaemonProcess&) = delete;
  DaemonProcess& operator=(const DaemonProcess&) = delete;

  std::string events() const { return events_; }
  std::string control() const { return control_; }
  pid_t pid() const { return pid_; }
  void Kill(int signal);
  // Waits for exit; returns the exit status (or 128 + signal).
  int Wait();
  std::string Stderr() const;

 private:
  std::filesystem::path dir_;
  std::string events_, control_;
  pid_t pid_ = -1;
};

// Default ipc:// endpoints in `dir`/run, as DaemonProcess uses them.
Endpoints IpcEndpointsIn(const std::filesystem::path& dir);

// Runs scribed with `args` to completion; returns {exit status, stderr}. One
// still running after `timeout` is killed (status 137).
std::pair<int, std::string> RunScribed(const std::vector<std::string>& args,
                                       const std::filesystem::path& dir,
                                       std::chrono::seconds timeout = std::chrono::seconds(30));

// The client library's control client, with the whole reply as JSON (tests
// look at "ok" and "error" as well as "result").
class ControlClient {
 public:
  ControlClient(zmq::context_t& context, const std::string& endpoint,
                const std::optional<config::ClientCurveKeys>& curve = std::nullopt)
      : client_(context, endpoint, curve) {}
  // Sends raw frames (after the DEALER's own routing) and returns the reply
  // body, or nullopt after `timeout`.
  std::optional<std::string> Raw(const std::vector<std::string>& frames,
                                 std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    return client_.Exchange(frames, timeout);
  }
  nlohmann::json Call(const std::string& cmd, nlohmann::json args = nlohmann::json::object());

 private:
  client::ControlClient client_;
};

// The client library's subscriber, on one prefix ("" for every topic).
class Subscriber {
 public:
  Subscriber(zmq::context_t& context, const std::string& endpoint, const std::string& prefix = "",
             const std::optional<config::ClientCurveKeys>& curve = std::nullopt)
      : subscriber_(context, endpoint, {prefix}, curve) {}
  // The next event as {topic, parsed body}, or nullopt after `timeout`.
  std::optional<std::pair<std::string, nlohmann::json>> Next(
      std::chrono::milliseconds timeout = std::chrono::seconds(10));

 private:
  client::EventSubscriber subscriber_;
};

}  // namespace scribed::daemon::testing
