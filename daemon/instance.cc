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
#include "scribed/base/private_dir.h"
#include "scribed/base/version.h"
#include "scribed/config/file_hash.h"
#include "scribed/protocol/endpoints.h"

namespace scribed::daemon {

using nlohmann::json;
using protocol::ErrorCode;
using protocol::ProtocolError;

void BlockTerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

Instance::Instance(config::DaemonOptions options) : options_(std::move(options)) {
  config::ValidateOptions(options_);
  state_dir_ =
      options_.state_dir.empty() ? config::DefaultStateDir() : std::filesystem::path(options_.state_dir);
  events_endpoint_ = options_.events.empty() ? protocol::BindEventsEndpoint() : options_.events;
  control_endpoint_ =
      options_.control.empty() ? protocol::BindControlEndpoint() : options_.control;
  // Before anything is created: an endpoint that cannot be used.
  for (const std::string* endpoint : {&events_endpoint_, &control_endpoint_}) {
    CheckEndpoint(*endpoint, options_.allow_remote);
  }

  try {
    base::EnsurePrivateDirectory(state_dir_);
  } catch (const base::PrivateDirError& e) {
    throw std::runtime_error(std::string("state directory ") + e.what());
  }
  const auto lock_path = state_dir_ / "lock";
  lock_fd_ = base::UniqueFd(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (lock_fd_.get() < 0)
    throw std::system_error(errno, std::generic_category(), "cannot open " + lock_path.string());
  if (::flock(lock_fd_.get(), LOCK_EX | LOCK_NB) != 0) {
    throw std::runtime_error("state directory " + state_dir_.string() +
                             " is in use by another scribed");
  }
  wake_fd_ = base::UniqueFd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (wake_fd_.get() < 0) throw std::system_error(errno, std::generic_category(), "eventfd");

  jobs_ = std::make_unique<JobStore>(file_system_, state_dir_);
  const RecoveryReport& rec = jobs_->recovery();
  if (rec.corruption) {
    spdlog::error("job journal damaged ({}); the original is kept in {}", *rec.corruption,
                  rec.corrupt_copy.string());
  }
  if (rec.counter_problem) spdlog::error("job number counter unreadable: {}", *rec.counter_problem);
  if (rec.not_compacted) {
    spdlog::warn("job journal not compacted ({}); appending to it as it is", *rec.not_compacted);
  }
  if (rec.torn_tail_bytes)
    spdlog::warn("job journal: dropped a torn last record ({} bytes)", rec.torn_tail_bytes);
  spdlog::info("job journal: {} records, {} jobs to run", rec.records, rec.resumed_jobs);

  TransportSecurity security{options_.allow_remote, ""};
  if (IsTcpEndpoint(events_endpoint_) || IsTcpEndpoint(control_endpoint_)) {
    const std::filesystem::path key_dir = config::DaemonKeyDir(state_dir_);
    curve_ = std::make_unique<CurveServer>(context_, key_dir,
                                           options_.authorized_keys.empty()
                                               ? key_dir / "authorized_keys"
                                               : std::filesystem::path(options_.authorized_keys));
    security.curve_secret_key = curve_->secret_key();
  }
  Publisher::Options pub;
  pub.endpoint = events_endpoint_;
  pub.security = security;
  pub.run = NewRunId();
  pub.heartbeat = std::chrono::milliseconds(options_.heartbeat_ms);
  pub.replay_events = static_cast<size_t>(options_.replay_events);
  pub.heartbeat_fields = [this] {
    return json{{"jobs_queued", jobs_->QueuedCount()}, {"sessions", capture_.Sessions()}};
  };
  publisher_ = std::make_unique<Publisher>(context_, std::move(pub));
  commands_ = std::make_unique<CommandHandler>(
      CommandContext{options_, *jobs_, *publisher_, model_, capture_, state_dir_, events_endpoint_,
                     control_endpoint_, state_, shutting_down_, [this] { RequestShutdown(); }});
  control_ = std::make_unique<ControlServer>(
      context_, control_endpoint_, security,
      [this](const protocol::Request& r) { return commands_->Handle(r); });
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
    throw config::ConfigError("--mmproj: the audio projector GGUF is required with --model");
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
  load.weights = engine::ParseWeightMemory(options_.weights);
  model_.model = engine::Model::Load(options_.model, options_.mmproj, load);
  model_.threads = static_cast<int>(options_.threads);
  model_.max_tokens_per_second = static_cast<double>(options_.max_tokens_per_second);
  // Hashes are cached by size and mtime, so only the first start pays.
  const auto cache = state_dir_ / "hash-cache";
  for (auto [path, info] : {std::pair{options_.model, &model_.model_file},
                            std::pair{options_.mmproj, &model_.mmproj_file}}) {
    info->path = std::filesystem::absolute(path).string();
    info->size = std::filesystem::file_size(path);
    info->sha256 = config::CachedSha256File(path, cache);
  }
  spdlog::info("model loaded: {} ({}) on {}, {} weights, sha256 {}", options_.model,
               model_.model->info().weight_type, model_.model->info().backend,
               model_.model->info().weights, model_.model_file.sha256);
}

Instance::~Instance() {
  capture_.Stop();
  if (job_runner_) job_runner_->Stop();
  if (control_) control_->Stop();
  if (publisher_) publisher_->Stop();
}

void Instance::PublishState(const std::string& state) {
  for (const char* known : {"starting", "loading", "ready", "stopping"}) {
    if (state == known) state_ = known;
  }
  publisher_->Publish(protocol::DaemonState{state, std::string(base::kVersion), ::getpid(),
                                            ModelJson(model_),
                                            {"transcribe", "replay", "capture"}});
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
  capture_.Stop();
  // The job worker finishes its current clip; the rest stays journaled.
  if (job_runner_) job_runner_->Stop();
  jobs_->Interrupt();
  control_->Stop();
  publisher_->Stop();
  spdlog::info("stopped");
}

}  // namespace scribed::daemon
