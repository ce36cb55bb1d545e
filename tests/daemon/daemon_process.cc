#include "tests/daemon/daemon_process.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>
#include <thread>

#include "tests/support/read_file.h"

namespace scribed::daemon::testing {

namespace {

pid_t Spawn(const std::vector<std::string>& args, const std::filesystem::path& err) {
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork");
  if (pid == 0) {
    const int fd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    ::dup2(fd, 2);
    std::vector<char*> argv;
    std::string bin = SCRIBED_BINARY;
    argv.push_back(bin.data());
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    // Keep the test's environment out of the daemon's defaults.
    ::unsetenv("JOURNAL_STREAM");
    ::unsetenv("NOTIFY_SOCKET");
    ::execv(bin.c_str(), argv.data());
    ::_exit(127);
  }
  return pid;
}

int ExitStatus(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

Endpoints IpcEndpointsIn(const std::filesystem::path& dir) {
  return {"ipc://" + (dir / "run/events").string(), "ipc://" + (dir / "run/control").string(),
          std::nullopt};
}

DaemonProcess::DaemonProcess(const std::filesystem::path& dir, std::vector<std::string> extra)
    : DaemonProcess(dir, std::move(extra), IpcEndpointsIn(dir)) {}

DaemonProcess::DaemonProcess(const std::filesystem::path& dir, std::vector<std::string> extra,
                             Endpoints endpoints)
    : dir_(dir) {
  events_ = endpoints.events;
  control_ = endpoints.control;
  std::vector<std::string> args{"--events", events_,       "--control",
                                control_,   "--state-dir", (dir / "state").string(),
                                "--config", "/dev/null"};
  args.insert(args.end(), extra.begin(), extra.end());
  pid_ = Spawn(args, dir / "stderr.log");
  // Ready when status says so; a daemon that dies first fails fast. Model
  // loading and hashing are slow under sanitizers: allow a minute.
  std::string failure;
  try {
    zmq::context_t context;
    ControlClient client(context, control_, endpoints.curve);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error("scribed exited with " + std::to_string(ExitStatus(status)) +
                                 ": " + Stderr());
      }
      auto reply =
          client.Raw({R"({"v":1,"id":"ready","cmd":"status"})"}, std::chrono::milliseconds(100));
      if (reply && nlohmann::json::parse(*reply)["result"]["state"] == "ready") return;
      if (reply) std::this_thread::sleep_for(std::chrono::milliseconds(20));  // loading the model
    }
    failure = "scribed did not become ready within 60 s: ";
  } catch (const std::exception& e) {
    if (pid_ < 0) throw;  // it exited
    failure = std::string(e.what()) + "; scribed's stderr: ";
  }
  // The destructor does not run for a throwing constructor: stop it here.
  const std::string err = Stderr();
  ::kill(pid_, SIGKILL);
  Wait();
  throw std::runtime_error(failure + err);
}

DaemonProcess::~DaemonProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    Wait();
  }
}

void DaemonProcess::Kill(int signal) { ::kill(pid_, signal); }

int DaemonProcess::Wait() {
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return ExitStatus(status);
}

std::string DaemonProcess::Stderr() const {
  return scribed::testing::ReadFile(dir_ / "stderr.log");
}

std::pair<int, std::string> RunScribed(const std::vector<std::string>& args,
                                       const std::filesystem::path& dir,
                                       std::chrono::seconds timeout) {
  const auto err = dir / "run-stderr.log";
  std::filesystem::remove(err);
  const pid_t pid = Spawn(args, err);
  int status = 0;
  // Polled, so that a scribed that keeps running fails the test instead of
  // hanging it.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool killed = false;
  while (::waitpid(pid, &status, WNOHANG) != pid) {
    if (std::chrono::steady_clock::now() >= deadline && !killed) {
      ::kill(pid, SIGKILL);
      killed = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::string text = scribed::testing::ReadFile(err);
  if (killed) text += "\n(killed: still running after the test's timeout)";
  return {ExitStatus(status), text};
}

nlohmann::json ControlClient::Call(const std::string& cmd, nlohmann::json args) {
  const nlohmann::json request{{"v", 1}, {"id", "t"}, {"cmd", cmd}, {"args", std::move(args)}};
  auto reply = Raw({request.dump()});
  if (!reply) throw std::runtime_error("no reply to " + cmd);
  return nlohmann::json::parse(*reply);
}

std::optional<std::pair<std::string, nlohmann::json>> Subscriber::Next(
    std::chrono::milliseconds timeout) {
  auto event = subscriber_.Next(timeout);
  if (!event) return std::nullopt;
  return std::make_pair(event->topic, event->Json());
}

}  // namespace scribed::daemon::testing
