#include "daemon/instance.h"

#include <fcntl.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <csignal>
#include <cstring>
#include <system_error>

#include "daemon/notify.h"
#include "scribed/pipeline/file_hash.h"
#include "scribed/protocol/endpoints.h"

namespace scribed::daemon {

using nlohmann::json;
using protocol::ErrorCode;
using protocol::ProtocolError;

const char* DaemonVersion() { return "0.1.0"; }

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

void BlockTerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

Instance::Instance(DaemonOptions options) : options_(std::move(options)) {
  ValidateOptions(options_);
  state_dir_ =
      options_.state_dir.empty() ? DefaultStateDir() : std::filesystem::path(options_.state_dir);
  const auto runtime = protocol::DefaultRuntimeDir();
  events_endpoint_ =
      options_.events.empty() ? "ipc://" + (runtime / "events").string() : options_.events;
  control_endpoint_ =
      options_.control.empty() ? "ipc://" + (runtime / "control").string() : options_.control;

  file_system_.CreateDirectories(state_dir_);
  ::chmod(state_dir_.c_str(), 0700);
  const auto lock_path = state_dir_ / "lock";
  lock_fd_ = UniqueFd(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (lock_fd_.get() < 0)
    throw std::system_error(errno, std::generic_category(), "cannot open " + lock_path.string());
  if (::flock(lock_fd_.get(), LOCK_EX | LOCK_NB) != 0) {
    throw std::runtime_error("state directory " + state_dir_.string() +
                             " is in use by another scribed");
  }
  wake_fd_ = UniqueFd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (wake_fd_.get() < 0) throw std::system_error(errno, std::generic_category(), "eventfd");

  jobs_ = std::make_unique<JobStore>(file_system_, state_dir_);
  const RecoveryReport& rec = jobs_->recovery();
  if (rec.corruption) {
    spdlog::error("job journal damaged ({}); a copy is in {}", *rec.corruption,
                  (state_dir_ / "jobs.journal.corrupt").string());
  }
  if (rec.torn_tail_bytes)
    spdlog::warn("job journal: dropped a torn last record ({} bytes)", rec.torn_tail_bytes);
  spdlog::info("job journal: {} records, {} jobs to run", rec.records, rec.resumed_jobs);

  const TransportSecurity security{options_.allow_remote, options_.curve_secret_key};
  Publisher::Options pub;
  pub.endpoint = events_endpoint_;
  pub.security = security;
  pub.run = NewRunId();
  pub.heartbeat = std::chrono::milliseconds(options_.heartbeat_ms);
  pub.replay_events = static_cast<size_t>(options_.replay_events);
  pub.heartbeat_fields = [this] {
    return json{{"jobs_queued", jobs_->QueuedCount()}, {"sessions", Sessions()}};
  };
  publisher_ = std::make_unique<Publisher>(context_, std::move(pub));
  control_ =
      std::make_unique<ControlServer>(context_, control_endpoint_, security,
                                      [this](const protocol::Request& r) { return Handle(r); });
  spdlog::info("events on {}, control on {}, state in {}, run {}", events_endpoint_,
               control_endpoint_, state_dir_.string(), publisher_->run());
  PublishState("starting");
  if (!options_.model.empty()) {
    LoadModel();
    job_runner_ = std::make_unique<JobRunner>(*jobs_, *publisher_, file_system_, model_,
                                              state_dir_ / "results");
  } else {
    spdlog::warn(
        "no --model: jobs are accepted and journaled but run only once a model is configured");
  }
}

void Instance::LoadModel() {
  if (options_.mmproj.empty()) {
    throw ConfigError("--mmproj: the audio projector GGUF is required with --model");
  }
  PublishState("loading");
  NotifyStatus("loading " + options_.model);
  spdlog::info("loading {} with {}", options_.model, options_.mmproj);
  engine::LoadOptions load;
  std::string backend = options_.backend;
  if (const char* env = std::getenv("SCRIBE_BACKEND"); backend.empty() && env != nullptr && *env) {
    backend = env;
  }
  load.backend = engine::ParseBackendChoice(backend.empty() ? "cpu" : backend);
  load.gpu_device = options_.gpu_device;
  model_.model = engine::Model::Load(options_.model, options_.mmproj, load);
  model_.threads = static_cast<int>(options_.threads);
  model_.max_tokens_per_second = static_cast<double>(options_.max_tokens_per_second);
  // Hashes are cached by size and mtime, so only the first start pays.
  const auto cache = state_dir_ / "hash-cache";
  for (auto [path, info] : {std::pair{options_.model, &model_.model_file},
                            std::pair{options_.mmproj, &model_.mmproj_file}}) {
    info->path = std::filesystem::absolute(path).string();
    info->size = std::filesystem::file_size(path);
    info->sha256 = pipeline::CachedSha256File(path, cache);
  }
  spdlog::info("model loaded: {} ({}) on {}, sha256 {}", options_.model,
               model_.model->info().weight_type, model_.model->info().backend,
               model_.model_file.sha256);
}

Instance::~Instance() {
  if (live_) live_->Stop();
  if (job_runner_) job_runner_->Stop();
  if (control_) control_->Stop();
  if (publisher_) publisher_->Stop();
}

json Instance::ModelJson() const {
  if (!model_.model) return nullptr;
  return json{{"path", model_.model_file.path},
              {"sha256", model_.model_file.sha256},
              {"mmproj", model_.mmproj_file.path},
              {"mmproj_sha256", model_.mmproj_file.sha256},
              {"quant", model_.model->info().weight_type},
              {"backend", model_.model->info().backend},
              {"arch", "gemma4"}};
}

void Instance::PublishState(const std::string& state) {
  for (const char* known : {"starting", "loading", "ready", "stopping"}) {
    if (state == known) state_ = known;
  }
  publisher_->Publish(protocol::topic::kDaemonState,
                      json{{"state", state},
                           {"version", DaemonVersion()},
                           {"pid", ::getpid()},
                           {"model", ModelJson()},
                           {"capabilities", json::array({"transcribe", "replay", "capture"})}});
}

void Instance::RequestShutdown() {
  shutting_down_ = true;
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wake_fd_.get(), &one, sizeof one);
}

void Instance::Run() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  const int sig_fd = ::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sig_fd < 0) throw std::system_error(errno, std::generic_category(), "signalfd");

  PublishState("ready");
  NotifyReady("ready: events " + events_endpoint_ + ", control " + control_endpoint_);
  spdlog::info("ready");
  const auto watchdog = WatchdogInterval();
  const int timeout_ms = watchdog ? static_cast<int>(watchdog->count() / 2000) : 5000;
  for (;;) {
    pollfd fds[2] = {{sig_fd, POLLIN, 0}, {wake_fd_.get(), POLLIN, 0}};
    const int n = ::poll(fds, 2, std::max(timeout_ms, 1));
    if (n < 0 && errno != EINTR) break;
    if (fds[0].revents & POLLIN) {
      signalfd_siginfo info{};
      if (::read(sig_fd, &info, sizeof info) == sizeof info) {
        if (info.ssi_signo == SIGHUP) {
          spdlog::info("SIGHUP: nothing to reload; restart to apply configuration changes");
        } else {
          spdlog::info("{}: shutting down", ::strsignal(static_cast<int>(info.ssi_signo)));
          break;
        }
      }
    }
    if (fds[1].revents & POLLIN) break;
    // Only ping the watchdog while the socket threads are still turning.
    if (watchdog) {
      const auto stale = std::chrono::steady_clock::now() - std::chrono::seconds(30);
      if (publisher_->last_alive() > stale && control_->last_alive() > stale) NotifyWatchdog();
    }
  }
  ::close(sig_fd);
  shutting_down_ = true;
  NotifyStopping("stopping");
  PublishState("stopping");
  {
    std::unique_ptr<LiveSession> live;
    {
      std::lock_guard lock(live_mu_);
      live = std::move(live_);
    }
    if (live) live->Stop();
  }
  // The job worker finishes its current clip; the rest stays journaled.
  if (job_runner_) job_runner_->Stop();
  jobs_->Interrupt();
  control_->Stop();
  publisher_->Stop();
  spdlog::info("stopped");
}

json Instance::Handle(const protocol::Request& request) {
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
    RequestShutdown();
    return json{{"stopping", true}};
  }
  std::string shown = c.substr(0, 64);
  throw ProtocolError(ErrorCode::kUnknownCmd, "unknown command \"" + shown + "\"");
}

json Instance::Status() const {
  size_t queued = 0, running = 0;
  for (const Job& job : jobs_->List()) {
    queued += job.state == JobState::kQueued;
    running += job.state == JobState::kRunning;
  }
  return json{{"version", DaemonVersion()},
              {"protocol", protocol::kVersion},
              {"run", publisher_->run()},
              {"seq", publisher_->last_seq()},
              {"pid", ::getpid()},
              {"state", state_.load()},
              {"model", ModelJson()},
              {"endpoints", {{"events", events_endpoint_}, {"control", control_endpoint_}}},
              {"state_dir", state_dir_.string()},
              {"jobs", {{"queued", queued}, {"running", running}}},
              {"sessions", Sessions()},
              {"dropped_partials", publisher_->dropped()}};
}

json Instance::Transcribe(const json& args) {
  protocol::RejectUnknownArgs(args, {"path", "lang", "mode", "translate_to", "outputs"});
  const std::string path = protocol::RequireString(args, "path");
  if (path.empty() || path[0] != '/') {
    throw ProtocolError(ErrorCode::kBadArgs, "argument \"path\" must be an absolute path");
  }
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw ProtocolError(ErrorCode::kNotFound, "no such file: " + path);
  }
  json job_options{
      {"lang", protocol::OptionalString(args, "lang").value_or(options_.language)},
      {"mode", protocol::OptionalString(args, "mode").value_or(options_.mode)},
      {"translate_to",
       protocol::OptionalString(args, "translate_to").value_or(options_.translate_to)}};
  if (job_options["mode"] != "clean" && job_options["mode"] != "verbatim") {
    throw ProtocolError(ErrorCode::kBadArgs, "argument \"mode\" must be \"clean\" or \"verbatim\"");
  }
  std::vector<std::string> outputs;
  if (auto list = protocol::OptionalStringList(args, "outputs")) {
    outputs = *list;
  } else {
    std::string all = options_.outputs;
    for (size_t start = 0; start <= all.size();) {
      const size_t comma = std::min(all.find(',', start), all.size());
      if (comma > start) outputs.push_back(all.substr(start, comma - start));
      start = comma + 1;
    }
  }
  for (const auto& f : outputs) {
    if (f != "txt" && f != "srt" && f != "vtt" && f != "json") {
      throw ProtocolError(ErrorCode::kBadArgs,
                          "argument \"outputs\": unknown format \"" + f.substr(0, 16) + "\"");
    }
  }
  job_options["outputs"] = outputs;
  if (shutting_down_) throw ProtocolError(ErrorCode::kBusy, "the daemon is shutting down");
  const Job job = jobs_->Submit(path, job_options, NowMs(), [&](const Job& queued) {
    publisher_->Publish(protocol::topic::kJobQueued,
                        json{{"path", path}, {"options", job_options}},
                        EventIds{std::nullopt, queued.id, std::nullopt});
  });
  return json{{"job", job.id}};
}

json Instance::Cancel(const json& args) {
  protocol::RejectUnknownArgs(args, {"job"});
  const std::string id = protocol::RequireString(args, "job");
  const auto before = jobs_->Cancel(id);
  if (!before) throw ProtocolError(ErrorCode::kNotFound, "no job \"" + id.substr(0, 64) + "\"");
  if (*before == JobState::kQueued) {
    publisher_->Publish(protocol::topic::kJobCancelled, json{{"error", nullptr}},
                        EventIds{std::nullopt, id, std::nullopt});
  }
  return json{{"job", id}, {"was", JobStateName(*before)}};
}

namespace {

json JobJson(const Job& job) {
  json j{{"job", job.id},
         {"path", job.path},
         {"state", JobStateName(job.state)},
         {"options", job.options},
         {"submitted_ms", job.submitted_ms}};
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

json Instance::Jobs() const {
  json list = json::array();
  for (const Job& job : jobs_->List()) list.push_back(JobJson(job));
  return json{{"jobs", list}};
}

json Instance::Result(const json& args) const {
  protocol::RejectUnknownArgs(args, {"job"});
  const std::string id = protocol::RequireString(args, "job");
  const auto job = jobs_->Get(id);
  if (!job) throw ProtocolError(ErrorCode::kNotFound, "no job \"" + id.substr(0, 64) + "\"");
  return JobJson(*job);
}

json Instance::Replay(const json& args) const {
  protocol::RejectUnknownArgs(args, {"since_seq", "limit"});
  const auto since = protocol::OptionalInt(args, "since_seq", 0, INT64_MAX);
  if (!since) throw ProtocolError(ErrorCode::kBadArgs, "missing argument \"since_seq\"");
  const auto limit = protocol::OptionalInt(args, "limit", 1, 1000).value_or(1000);
  const ReplayLog::Slice slice =
      publisher_->replay().Since(static_cast<uint64_t>(*since), static_cast<size_t>(limit));
  json events = json::array();
  for (const auto& body : slice.bodies) events.push_back(json::parse(body));
  return json{{"run", publisher_->run()},     {"events", events},
              {"first_seq", slice.first_seq}, {"last_seq", slice.last_seq},
              {"truncated", slice.truncated}, {"more", slice.more}};
}

json Instance::Sessions() const {
  std::lock_guard lock(live_mu_);
  json list = json::array();
  if (live_) list.push_back(live_->Stats());
  return list;
}

json Instance::CaptureStart(const json& args) {
  protocol::RejectUnknownArgs(args, {"device", "lang", "translate_to", "mode"});
  if (!model_.model)
    throw ProtocolError(ErrorCode::kBusy,
                        "no model loaded (start scribed with --model and --mmproj)");
  if (shutting_down_) throw ProtocolError(ErrorCode::kBusy, "the daemon is shutting down");
  LiveOptions live;
  live.device = protocol::OptionalString(args, "device").value_or(options_.capture_device);
  live.pipeline.language = protocol::OptionalString(args, "lang").value_or(options_.language);
  const std::string mode = protocol::OptionalString(args, "mode").value_or(options_.mode);
  if (mode != "clean" && mode != "verbatim") {
    throw ProtocolError(ErrorCode::kBadArgs, "argument \"mode\" must be \"clean\" or \"verbatim\"");
  }
  live.pipeline.mode = pipeline::ParseFormatMode(mode);
  live.pipeline.translate_to =
      protocol::OptionalString(args, "translate_to").value_or(options_.translate_to);
  live.pipeline.threads = model_.threads;
  live.pipeline.guards.max_tokens_per_second = model_.max_tokens_per_second;
  live.queue_samples = options_.capture_queue_s * engine::kAudioSampleRate;
  std::lock_guard lock(live_mu_);
  if (live_)
    throw ProtocolError(ErrorCode::kBusy, "session " + live_->id() + " is already capturing");
  live.id = "s-" + std::to_string(next_session_++);
  live_ = std::make_unique<LiveSession>(*publisher_, model_, live);  // invalid_argument -> bad_args
  spdlog::info("session {}: capturing from {}", live.id, live.device);
  return json{{"session", live.id}, {"device", live.device}};
}

json Instance::CaptureStop(const json& args) {
  protocol::RejectUnknownArgs(args, {"session"});
  std::unique_ptr<LiveSession> live;
  {
    std::lock_guard lock(live_mu_);
    const auto wanted = protocol::OptionalString(args, "session");
    if (!live_ || (wanted && *wanted != live_->id())) {
      throw ProtocolError(ErrorCode::kNotFound, "no such capture session");
    }
    live = std::move(live_);
  }
  // Stopping transcribes what was already captured; that may take a clip's
  // worth of inference, which the control thread waits for.
  live->Stop();
  return json{{"session", live->id()}, {"segments", live->Stats()["segments"]}};
}

}  // namespace scribed::daemon
