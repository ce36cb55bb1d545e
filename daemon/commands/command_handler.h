// The answers to control commands (docs/protocol.md, "Commands"): status,
// transcribe, cancel, jobs, result, replay, capture.start|stop, shutdown. The
// Instance owns the parts these act on and hands them in.
//
// Thread-safe: Handle runs on the control thread; CaptureSlot's Sessions
// (heartbeats) and Stop (shutdown) may be called from others.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "daemon/jobs/job_store.h"
#include "daemon/workers/live_session.h"
#include "daemon/workers/model_context.h"
#include "daemon/zmq/publisher.h"
#include "scribed/base/json.h"
#include "scribed/config/options.h"
#include "scribed/protocol/protocol.h"

namespace scribed::daemon {

// The one live capture session the daemon runs at a time. Created before the
// publisher, whose heartbeats list its sessions.
class CaptureSlot {
 public:
  ~CaptureSlot() { Stop(); }
  // The stats of the running session and of those still finishing.
  nlohmann::json Sessions() const;
  // Ends every session, transcribing what was already captured, and waits.
  void Stop();

 private:
  friend class CommandHandler;
  // Joins the sessions that finished in the background; mu_ held.
  void ReapLocked();

  mutable std::mutex mu_;
  std::unique_ptr<LiveSession> live_;  // guarded by mu_; capture + inference threads
  // Stopped sessions still transcribing what they captured.
  std::vector<std::unique_ptr<LiveSession>> finishing_;  // guarded by mu_
  int next_session_ = 1;                                 // guarded by mu_
};

// What the handlers read and act on; every member outlives the handler.
struct CommandContext {
  const config::DaemonOptions& options;
  JobStore& jobs;
  Publisher& publisher;
  const ModelContext& model;  // no model loaded: model.model is null
  CaptureSlot& capture;
  std::filesystem::path state_dir;
  std::string events_endpoint, control_endpoint;
  const std::atomic<const char*>& state;  // as last published in daemon.state
  const std::atomic<bool>& shutting_down;
  std::function<void()> request_shutdown;
};

class CommandHandler {
 public:
  explicit CommandHandler(CommandContext context) : c_(std::move(context)) {}

  // The reply's result; throws ProtocolError with the code to answer.
  nlohmann::json Handle(const protocol::Request& request);

 private:
  nlohmann::json Status() const;
  nlohmann::json Transcribe(const nlohmann::json& args);
  nlohmann::json Cancel(const nlohmann::json& args);
  nlohmann::json Jobs() const;
  nlohmann::json Result(const nlohmann::json& args) const;
  nlohmann::json Replay(const nlohmann::json& args) const;
  nlohmann::json CaptureStart(const nlohmann::json& args);
  nlohmann::json CaptureStop(const nlohmann::json& args);

  CommandContext c_;
};

// The "model" member of status and daemon.state: null without a model.
nlohmann::json ModelJson(const ModelContext& model);

}  // namespace scribed::daemon
