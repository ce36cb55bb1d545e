#include "daemon/commands/command_handler.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdint>

#include "daemon/adapters/pipeline_options.h"
#include "scribed/base/version.h"
#include "scribed/protocol/job_options.h"
#include "scribed/protocol/path_field.h"

namespace scribed::daemon {

using nlohmann::json;
using protocol::ErrorCode;
using protocol::ProtocolError;

namespace {

json JobJson(const Job& job) {
  json j{{"job", job.id},
         {"state", JobStateName(job.state)},
         {"options", job.options},
         {"submitted_ms", job.submitted_ms}};
  protocol::SetPath(j, job.path);
  if (job.state == JobState::kDone) {
    j["outputs"] = job.outputs;
    j["duration_ms"] = job.duration_ms;
  }
  if (job.state == JobState::kFailed) j["error"] = job.error;
  if (job.state == JobState::kQueued || job.state == JobState::kRunning) {
    j["done_ms"] = job.next_sample / 16;  // 16 kHz samples -> ms
  }
  return j;
}

}  // namespace

json ModelJson(const ModelContext& model) {
  if (!model.model) return nullptr;
  return json{{"path", model.model_file.path},
              {"sha256", model.model_file.sha256},
              {"mmproj", model.mmproj_file.path},
              {"mmproj_sha256", model.mmproj_file.sha256},
              {"quant", model.model->info().weight_type},
              {"backend", model.model->info().backend},
              {"arch", "gemma4"}};
}

void CaptureSlot::Stop() {
  std::vector<std::unique_ptr<LiveSession>> all;
  {
    std::lock_guard lock(mu_);
    all = std::move(finishing_);
    finishing_.clear();
    if (live_) all.push_back(std::move(live_));
  }
  for (auto& live : all) live->BeginStop();
  for (auto& live : all) live->Stop();
}

void CaptureSlot::ReapLocked() {
  std::erase_if(finishing_, [](const std::unique_ptr<LiveSession>& s) {
    if (!s->finished()) return false;
    s->Stop();  // joins threads that have already ended
    return true;
  });
}

json CommandHandler::Handle(const protocol::Request& request) {
  const std::string& c = request.cmd;
  if (c == protocol::cmd::kStatus) {
    protocol::RejectUnknownArgs(request.args, {});
    return Status();
  }
  if (c == protocol::cmd::kTranscribe) return Transcribe(request.args);
  if (c == protocol::cmd::kCancel) return Cancel(request.args);
  if (c == protocol::cmd::kJobs) {
    protocol::RejectUnknownArgs(request.args, {});
    return Jobs();
  }
  if (c == protocol::cmd::kResult) return Result(request.args);
  if (c == protocol::cmd::kReplay) return Replay(request.args);
  if (c == protocol::cmd::kCaptureStart) return CaptureStart(request.args);
  if (c == protocol::cmd::kCaptureStop) return CaptureStop(request.args);
  if (c == protocol::cmd::kShutdown) {
    protocol::RejectUnknownArgs(request.args, {});
    spdlog::info("shutdown requested over the control socket");
    c_.request_shutdown();
    return json{{"stopping", true}};
  }
  std::string shown = c.substr(0, 64);
  throw ProtocolError(ErrorCode::kUnknownCmd, "unknown command \"" + shown + "\"");
}

json CommandHandler::Status() const {
  size_t queued = 0, running = 0;
  for (const Job& job : c_.jobs.List()) {
    queued += job.state == JobState::kQueued;
    running += job.state == JobState::kRunning;
  }
  return json{{"version", std::string(base::kVersion)},
              {"protocol", protocol::kVersion},
              {"run", c_.publisher.run()},
              {"seq", c_.publisher.last_seq()},
              {"pid", ::getpid()},
              {"state", c_.state.load()},
              {"model", ModelJson(c_.model)},
              {"endpoints", {{"events", c_.events_endpoint}, {"control", c_.control_endpoint}}},
              {"state_dir", c_.state_dir.string()},
              {"jobs", {{"queued", queued}, {"running", running}}},
              {"sessions", c_.capture.Sessions()},
              {"dropped_partials", c_.publisher.dropped()}};
}

json CommandHandler::Transcribe(const json& args) {
  using namespace protocol::job_field;
  using protocol::path_field::kPath, protocol::path_field::kPathB64;
  protocol::RejectUnknownArgs(args, {kPath, kPathB64, kLanguage, kMode, kTranslateTo, kOutputs,
                                     kTranslationPath});
  // Checked now, so a job that cannot run is refused rather than failing later.
  const protocol::JobOptions asked =
      protocol::ParseJobOptions(args, protocol::JobKind::kFile, IsKnownLanguage);
  const std::string path = protocol::RequirePath(args);
  if (path.empty() || path[0] != '/') {
    throw ProtocolError(ErrorCode::kBadArgs, "argument \"path\" must be an absolute path");
  }
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw ProtocolError(ErrorCode::kNotFound, "no such file: " + path);
  }
  const json job_options = protocol::ToJson(protocol::WithDefaults(asked, JobDefaults(c_.options)));
  if (c_.shutting_down) throw ProtocolError(ErrorCode::kBusy, "the daemon is shutting down");
  const Job job = c_.jobs.Submit(path, job_options, NowMs(), [&](const Job& queued) {
    c_.publisher.Publish(protocol::JobQueued{path, job_options},
                         EventIds{std::nullopt, queued.id, std::nullopt});
  });
  return json{{"job", job.id}};
}

json CommandHandler::Cancel(const json& args) {
  protocol::RejectUnknownArgs(args, {"job"});
  const std::string id = protocol::RequireString(args, "job");
  const auto before = c_.jobs.Cancel(id);
  if (!before) throw ProtocolError(ErrorCode::kNotFound, "no job \"" + id.substr(0, 64) + "\"");
  if (*before == JobState::kQueued) {
    c_.publisher.Publish(protocol::JobCancelled{}, EventIds{std::nullopt, id, std::nullopt});
  }
  return json{{"job", id}, {"was", JobStateName(*before)}};
}

json CommandHandler::Jobs() const {
  json list = json::array();
  for (const Job& job : c_.jobs.List()) list.push_back(JobJson(job));
  return json{{"jobs", list}};
}

json CommandHandler::Result(const json& args) const {
  protocol::RejectUnknownArgs(args, {"job"});
  const std::string id = protocol::RequireString(args, "job");
  const auto job = c_.jobs.Get(id);
  if (!job) throw ProtocolError(ErrorCode::kNotFound, "no job \"" + id.substr(0, 64) + "\"");
  return JobJson(*job);
}

json CommandHandler::Replay(const json& args) const {
  protocol::RejectUnknownArgs(args, {"since_seq", "limit"});
  const auto since = protocol::OptionalInt(args, "since_seq", 0, INT64_MAX);
  if (!since) throw ProtocolError(ErrorCode::kBadArgs, "missing argument \"since_seq\"");
  const auto limit = protocol::OptionalInt(args, "limit", 1, 1000).value_or(1000);
  const ReplayLog::Slice slice =
      c_.publisher.replay().Since(static_cast<uint64_t>(*since), static_cast<size_t>(limit));
  json events = json::array();
  for (const auto& body : slice.bodies) events.push_back(json::parse(body));
  return json{{"run", c_.publisher.run()},     {"events", events},
              {"first_seq", slice.first_seq}, {"last_seq", slice.last_seq},
              {"truncated", slice.truncated}, {"more", slice.more}};
}

json CaptureSlot::Sessions() const {
  std::lock_guard lock(mu_);
  json list = json::array();
  if (live_) list.push_back(live_->Stats());
  for (const auto& s : finishing_) list.push_back(s->Stats());
  return list;
}

json CommandHandler::CaptureStart(const json& args) {
  using namespace protocol::job_field;
  protocol::RejectUnknownArgs(args, {"device", kLanguage, kTranslateTo, kMode});
  const protocol::JobOptions asked =
      protocol::ParseJobOptions(args, protocol::JobKind::kCapture, IsKnownLanguage);
  if (!c_.model.model)
    throw ProtocolError(ErrorCode::kBusy,
                        "no model loaded (start scribed with --model and --mmproj)");
  if (c_.shutting_down) throw ProtocolError(ErrorCode::kBusy, "the daemon is shutting down");
  LiveOptions live;
  live.device = protocol::OptionalString(args, "device").value_or(c_.options.capture_device);
  live.pipeline = PipelineOptionsFor(protocol::WithDefaults(asked, JobDefaults(c_.options)), c_.model);
  live.queue_samples = c_.options.capture_queue_s * engine::kAudioSampleRate;
  std::lock_guard lock(c_.capture.mu_);
  c_.capture.ReapLocked();
  if (c_.capture.live_)
    throw ProtocolError(ErrorCode::kBusy, "session " + c_.capture.live_->id() + " is already capturing");
  live.id = "s-" + std::to_string(c_.capture.next_session_++);
  c_.capture.live_ = std::make_unique<LiveSession>(c_.publisher, c_.model, live);  // invalid_argument -> bad_args
  spdlog::info("session {}: capturing from {}", live.id, live.device);
  return json{{"session", live.id}, {"device", live.device}};
}

json CommandHandler::CaptureStop(const json& args) {
  protocol::RejectUnknownArgs(args, {"session"});
  std::lock_guard lock(c_.capture.mu_);
  c_.capture.ReapLocked();
  const auto wanted = protocol::OptionalString(args, "session");
  if (!c_.capture.live_ || (wanted && *wanted != c_.capture.live_->id())) {
    throw ProtocolError(ErrorCode::kNotFound, "no such capture session");
  }
  // The reply does not wait for the audio already captured: that is
  // transcribed in the background, and capture.state "stopped" says when it
  // is done.
  LiveSession& live = *c_.capture.live_;
  live.BeginStop();
  const json stats = live.Stats();
  c_.capture.finishing_.push_back(std::move(c_.capture.live_));
  return json{{"session", stats["session"]}, {"state", "stopping"}, {"segments", stats["segments"]}};
}

}  // namespace scribed::daemon
