// `scribe transcribe --daemon` against a real scribed: results land where a
// local run puts them, a bad -o fails before anything is submitted,
// --translation-path travels with the job, Ctrl-C cancels the job, and a file
// name that is not UTF-8 goes through.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "scribed/audio/file_source.h"
#include "scribed/audio/wav_writer.h"
#include "scribed/base/base64.h"
#include "scribed/engine/test_model.h"
#include "scribed/protocol/path_field.h"
#include "tests/daemon/daemon_process.h"
#include "tests/support/golden_model.h"
#include "tests/support/read_file.h"

namespace scribed::daemon::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

using scribed::testing::GoldenDir;

using scribed::testing::ReadFile;

// Every path under `dir`, relative to it.
std::set<fs::path> Tree(const fs::path& dir) {
  std::set<fs::path> tree;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    tree.insert(fs::relative(entry.path(), dir));
  }
  return tree;
}

// scribe with `args` in `cwd` (no shell: file names stay bytes), stdin from
// /dev/null (not a terminal), stdout discarded, stderr to `err`, caches in
// `cache`, and `env` added to the environment.
pid_t SpawnScribe(const std::vector<std::string>& args, const fs::path& cwd, const fs::path& err,
                  const fs::path& cache,
                  const std::vector<std::pair<std::string, std::string>>& env = {}) {
  std::vector<char*> argv;
  std::string bin = SCRIBE_BINARY;
  argv.push_back(bin.data());
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  if (::chdir(cwd.c_str()) != 0) ::_exit(126);
  ::dup2(::open("/dev/null", O_RDONLY), 0);
  ::dup2(::open("/dev/null", O_WRONLY), 1);
  ::dup2(::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600), 2);
  ::setenv("XDG_CACHE_HOME", cache.c_str(), 1);
  for (const auto& [name, value] : env) ::setenv(name.c_str(), value.c_str(), 1);
  ::execv(bin.c_str(), argv.data());
  ::_exit(127);
}

constexpr int kKilledBySignal = 1000;  // + the signal: not an exit code

// The exit code of `pid`, kKilledBySignal + signal when a signal ended it;
// fails the test (and kills it) when it hangs: ten minutes, far beyond a run
// on a loaded machine.
int WaitExit(pid_t pid) {
  const auto deadline = Clock::now() + std::chrono::minutes(10);
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (Clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      ADD_FAILURE() << "scribe did not exit";
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : kKilledBySignal + WTERMSIG(status);
}

class ScribeDaemon : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    shared_ = new TempDir("cli-daemon-model");
    scribed::testing::WriteTinyModel(Model(), Mmproj());
    // The first 1.2 s of the golden speech (all speech): enough for a
    // transcript, and quick on a busy machine.
    std::vector<float> speech = audio::DecodeFile(GoldenDir() / "speech16k.wav");
    speech.resize(audio::kOutputRate * 6 / 5);
    audio::WavWriter wav(Speech(), audio::kOutputRate, 1, audio::WavEncoding::kFloat32);
    wav.Write(speech);
    wav.Close();
  }
  static void TearDownTestSuite() { delete shared_; }
  static fs::path Model() { return shared_->path() / "m.gguf"; }
  static fs::path Mmproj() { return shared_->path() / "p.gguf"; }
  static fs::path Speech() { return shared_->path() / "speech.wav"; }
  static std::vector<std::string> ModelFlags() {
    return {"--model",   Model().string(), "--mmproj",      Mmproj().string(),
            "--threads", "2",              "--max-tokens-per-second", "2",
            "--heartbeat-ms", "3600000"};
  }

  // A folder in the test's directory holding the speech as `name`.
  fs::path WorkDir(const std::string& dir, const std::string& name = "talk.wav") {
    const fs::path work = tmp_.path() / dir;
    fs::create_directories(work);
    fs::copy_file(Speech(), work / name);
    return work;
  }
  // Runs `scribe transcribe args... --daemon` against `daemon` in `cwd`.
  int OnDaemon(const DaemonProcess& daemon, std::vector<std::string> args, const fs::path& cwd) {
    args.insert(args.begin(), "transcribe");
    for (const std::string& a : std::vector<std::string>{"--daemon", "--control", daemon.control(),
                                                         "--events", daemon.events()}) {
      args.push_back(a);
    }
    return WaitExit(SpawnScribe(args, cwd, Err(), tmp_.path() / "cache"));
  }
  // Runs `scribe transcribe args...` here, with the test model.
  int Locally(std::vector<std::string> args, const fs::path& cwd) {
    args.insert(args.begin(), "transcribe");
    for (const std::string& a : std::vector<std::string>{"--model", Model().string(), "--mmproj",
                                                         Mmproj().string(), "--threads", "2",
                                                         "--max-tokens-per-second", "2"}) {
      args.push_back(a);
    }
    return WaitExit(SpawnScribe(args, cwd, Err(), tmp_.path() / "cache"));
  }
  fs::path Err() const { return tmp_.path() / "scribe-stderr.log"; }
  std::string ErrText() const { return ReadFile(Err()); }

  static TempDir* shared_;
  TempDir tmp_{"cli-daemon"};
};

TempDir* ScribeDaemon::shared_ = nullptr;

TEST_F(ScribeDaemon, ResultsGoWhereALocalRunPutsThem) {
  DaemonProcess daemon(tmp_.path() / "daemon", ModelFlags());
  // (Beside the input, without -o: the other tests.)
  // Verbatim: no formatting pass, which is all the quicker.
  const std::vector<std::vector<std::string>> cases = {
      {"--mode", "verbatim", "--format", "txt,json", "-o", "out/new/"},  // a directory, created
      {"--mode", "verbatim", "--format", "srt,json", "-o", "base"},      // a base name
      {"--mode", "verbatim", "--format", "txt", "-o", "single.text"},    // the file itself
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const fs::path local = WorkDir("local-" + std::to_string(i));
    const fs::path remote = WorkDir("daemon-" + std::to_string(i));
    std::vector<std::string> args = cases[i];
    args.insert(args.begin(), "talk.wav");
    ASSERT_EQ(Locally(args, local), 0) << ErrText();
    ASSERT_EQ(OnDaemon(daemon, args, remote), 0) << ErrText();
    std::set<fs::path> written = Tree(remote);
    EXPECT_EQ(written, Tree(local)) << args.back();
    written.erase("talk.wav");
    EXPECT_GE(written.size(), 1u);
    for (const fs::path& p : written) {
      if (fs::is_regular_file(remote / p)) {
        EXPECT_FALSE(ReadFile(remote / p).empty()) << p;
      }
    }
  }
}

TEST_F(ScribeDaemon, BadOutputFailsBeforeAnythingIsSubmitted) {
  DaemonProcess daemon(tmp_.path() / "daemon");  // no model: a submitted job would wait forever
  const fs::path work = WorkDir("work");
  EXPECT_EQ(OnDaemon(daemon, {"talk.wav", "-o", "missing/dir/out.txt"}, work), 2);
  EXPECT_NE(ErrText().find("-o missing/dir/out.txt: directory missing/dir does not exist"),
            std::string::npos)
      << ErrText();
  EXPECT_EQ(OnDaemon(daemon, {"talk.wav", "talk.wav", "-o", "x.txt"}, work), 2);
  EXPECT_NE(ErrText().find("-o must be a directory"), std::string::npos) << ErrText();
  EXPECT_EQ(OnDaemon(daemon, {"talk.wav", "--format", "txt", "-o", "talk.wav"}, work), 2);
  EXPECT_NE(ErrText().find("would overwrite the input file"), std::string::npos) << ErrText();
  // The daemon's own settings are refused by name, not dropped.
  EXPECT_EQ(OnDaemon(daemon, {"talk.wav", "--threads", "2"}, work), 2);
  EXPECT_NE(ErrText().find("--threads applies to local runs only"), std::string::npos) << ErrText();
  EXPECT_EQ(OnDaemon(daemon, {"talk.wav", "--max-tokens-per-second", "3"}, work), 2);
  EXPECT_NE(ErrText().find("--max-tokens-per-second"), std::string::npos) << ErrText();
  // The backend is the daemon's too: its config key is named.
  EXPECT_EQ(OnDaemon(daemon, {"talk.wav", "--backend", "vulkan"}, work), 2);
  EXPECT_NE(ErrText().find("--backend applies to local runs only"), std::string::npos) << ErrText();
  EXPECT_NE(ErrText().find("backend in its config.toml"), std::string::npos) << ErrText();
  EXPECT_EQ(OnDaemon(daemon, {"talk.wav", "--gpu-device", "0"}, work), 2);
  EXPECT_NE(ErrText().find("--gpu-device applies to local runs only"), std::string::npos)
      << ErrText();
  EXPECT_NE(ErrText().find("gpu_device in its config.toml"), std::string::npos) << ErrText();
  EXPECT_EQ(OnDaemon(daemon, {"talk.wav", "--weights", "mapped"}, work), 2);
  EXPECT_NE(ErrText().find("weights in its config.toml"), std::string::npos) << ErrText();

  zmq::context_t context;
  ControlClient control(context, daemon.control());
  EXPECT_EQ(control.Call("jobs")["result"]["jobs"], json::array());
  EXPECT_EQ(Tree(work), (std::set<fs::path>{"talk.wav"}));
}

TEST_F(ScribeDaemon, TranslationPathIsSentWithTheJob) {
  DaemonProcess daemon(tmp_.path() / "daemon", ModelFlags());
  const fs::path work = WorkDir("work");
  ASSERT_EQ(OnDaemon(daemon,
                     {"talk.wav", "--translate-to", "fr", "--translation-path", "speech",
                      "--mode", "verbatim", "--format", "json"},
                     work),
            0)
      << ErrText();
  const json transcript = json::parse(ReadFile(work / "talk.json"));
  EXPECT_EQ(transcript["provenance"]["translation_path"], "speech") << transcript["provenance"];

  zmq::context_t context;
  ControlClient control(context, daemon.control());
  const json jobs = control.Call("jobs")["result"]["jobs"];
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0]["options"]["translation_path"], "speech");
}

TEST_F(ScribeDaemon, InterruptCancelsTheJobOnTheDaemon) {
  // Without a model the job stays queued: it is still there when the signal
  // comes, whatever the machine's speed.
  DaemonProcess daemon(tmp_.path() / "daemon");
  const fs::path work = WorkDir("work");
  zmq::context_t context;
  ControlClient control(context, daemon.control());
  // A backend exported for local runs is not a --backend flag: the job is
  // submitted all the same.
  const pid_t scribe =
      SpawnScribe({"transcribe", "talk.wav", "--daemon", "--control", daemon.control(), "--events",
                   daemon.events()},
                  work, Err(), tmp_.path() / "cache",
                  {{"SCRIBE_BACKEND", "vulkan"},
                   {"SCRIBE_GPU_DEVICE", "0"},
                   {"SCRIBE_WEIGHTS", "mapped"}});
  // Submitted once the daemon lists it (scribe handles SIGINT from before).
  json jobs = json::array();
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  while (jobs.empty() && Clock::now() < deadline) {
    jobs = control.Call("jobs")["result"]["jobs"];
    if (jobs.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(jobs.size(), 1u) << ErrText();
  const std::string job = jobs[0]["job"];
  ASSERT_EQ(::kill(scribe, SIGINT), 0);
  EXPECT_EQ(WaitExit(scribe), 130) << ErrText();
  EXPECT_NE(ErrText().find("cancelling " + job + " on the daemon"), std::string::npos) << ErrText();

  EXPECT_EQ(control.Call("result", {{"job", job}})["result"]["state"], "cancelled");
  // Polled: this checks that the cancellation happened, not the replay log's
  // ordering promise (tests/daemon checks that).
  bool cancelled_event = false;
  json replay;
  const auto event_deadline = Clock::now() + std::chrono::seconds(30);
  while (!cancelled_event && Clock::now() < event_deadline) {
    replay = control.Call("replay", {{"since_seq", 0}});
    for (const json& e : replay["result"]["events"]) {
      cancelled_event = cancelled_event || (e["type"] == "job.cancelled" && e["job"] == job);
    }
    if (!cancelled_event) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(cancelled_event) << replay;
  EXPECT_EQ(Tree(work), (std::set<fs::path>{"talk.wav"}));
}

// On a terminal Ctrl-C asks first: "n" leaves the job on the daemon, "y"
// cancels it.
TEST_F(ScribeDaemon, InterruptOnATerminalAsks) {
  DaemonProcess daemon(tmp_.path() / "daemon");  // no model: jobs stay queued
  const fs::path work = WorkDir("work");
  zmq::context_t context;
  ControlClient control(context, daemon.control());
  for (const std::string answer : {"n", "y"}) {
    const std::string control_endpoint = daemon.control(), events_endpoint = daemon.events();
    int terminal = -1;
    const pid_t scribe = ::forkpty(&terminal, nullptr, nullptr, nullptr);
    ASSERT_GE(scribe, 0);
    if (scribe == 0) {
      if (::chdir(work.c_str()) != 0) ::_exit(126);
      ::execl(SCRIBE_BINARY, SCRIBE_BINARY, "transcribe", "talk.wav", "--daemon", "--control",
              control_endpoint.c_str(), "--events", events_endpoint.c_str(), nullptr);
      ::_exit(127);
    }
    // What scribe wrote on the terminal, read until `wanted` shows.
    std::string shown;
    const auto read_until = [&](const std::string& wanted) {
      const auto deadline = Clock::now() + std::chrono::seconds(30);
      while (shown.find(wanted) == std::string::npos && Clock::now() < deadline) {
        pollfd p{terminal, POLLIN, 0};
        if (::poll(&p, 1, 100) <= 0) continue;
        char buf[512];
        const ssize_t n = ::read(terminal, buf, sizeof buf);
        if (n <= 0) break;
        shown.append(buf, static_cast<size_t>(n));
      }
      return shown.find(wanted) != std::string::npos;
    };
    ASSERT_TRUE(read_until(" queued as ")) << shown;
    const std::string job = control.Call("jobs")["result"]["jobs"].back()["job"];
    ASSERT_EQ(::kill(scribe, SIGINT), 0);
    ASSERT_TRUE(read_until("cancel job " + job + " on the daemon? [y/N] ")) << shown;
    const std::string line = answer + "\n";
    ASSERT_EQ(::write(terminal, line.data(), line.size()), static_cast<ssize_t>(line.size()));
    read_until(answer == "y" ? "cancelled" : "keeps running");
    EXPECT_EQ(WaitExit(scribe), 130) << shown;
    ::close(terminal);
    EXPECT_EQ(control.Call("result", {{"job", job}})["result"]["state"],
              answer == "y" ? "cancelled" : "queued")
        << shown;
  }
}

TEST_F(ScribeDaemon, FileNameThatIsNotUtf8) {
  const std::string name = "caf\xe9.wav";  // Latin-1: not UTF-8
  const fs::path work = WorkDir("work", name);
  const std::string absolute = (work / name).string();
  std::optional<DaemonProcess> daemon;
  daemon.emplace(tmp_.path() / "daemon", ModelFlags());
  ASSERT_EQ(OnDaemon(*daemon, {name, "--mode", "verbatim", "--format", "txt,json"}, work), 0)
      << ErrText();
  EXPECT_FALSE(ReadFile(work / "caf\xe9.txt").empty());
  EXPECT_EQ(json::parse(ReadFile(work / "caf\xe9.json"))["complete"], true);

  // The daemon kept the real name, through its journal too.
  for (int run = 0; run < 2; ++run) {
    zmq::context_t context;
    ControlClient control(context, daemon->control());
    const json jobs = control.Call("jobs")["result"]["jobs"];
    ASSERT_EQ(jobs.size(), 1u);
    EXPECT_EQ(jobs[0]["state"], "done");
    EXPECT_EQ(jobs[0]["path_b64"], base::Base64Encode(absolute));
    EXPECT_EQ(protocol::PathOf(jobs[0]), absolute);
    if (run == 0) {
      daemon->Kill(SIGTERM);
      ASSERT_EQ(daemon->Wait(), 0);
      daemon.emplace(tmp_.path() / "daemon", ModelFlags());
    }
  }
}

}  // namespace
}  // namespace scribed::daemon::testing
