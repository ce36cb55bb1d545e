// `scribe transcribe --daemon FILE...`: each file becomes a job on the running
// scribed; scribe follows its progress and writes the results where a local
// run would (the same -o rules, checked before anything is submitted, and
// atomic writes).
//
// Ctrl-C while a job runs: on a terminal scribe asks whether to cancel the
// job on the daemon (no: it keeps running there and `scribe jobs` lists it);
// when stdin is not a terminal it cancels it. Either way scribe then waits for
// the job to end, writes what finished (a job done in the meantime) and exits
// with 130; a second Ctrl-C leaves at once.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "clients/scribe/exit_codes.h"
#include "clients/scribe/interrupt.h"
#include "clients/scribe/output_paths.h"
#include "clients/scribe/transcribe_request.h"
#include "scribed/base/file_system.h"
#include "scribed/base/json.h"
#include "scribed/client/client.h"
#include "scribed/pipeline/writers.h"
#include "scribed/protocol/path_field.h"
#include "scribed/protocol/protocol.h"

namespace scribed::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The local-run flags are the daemon's settings, shared by all its jobs:
// refused with the place scribed takes each from, never dropped.
void RefuseDaemonSettings(const TranscribeRequest& request) {
  if (request.local_flags_given.empty()) return;
  const std::string& flag = request.local_flags_given.front();
  std::string key = flag.substr(2);  // --threads -> threads
  for (char& c : key) c = c == '-' ? '_' : c;
  throw std::invalid_argument(flag + " applies to local runs only: with --daemon, scribed uses its " +
                              "own setting (scribed " + flag + ", or " + key +
                              " in its config.toml)");
}

// Ctrl-C arrived while `job` runs: whether to cancel it on the daemon.
bool WantsCancel(const std::string& job) {
  if (::isatty(STDIN_FILENO) != 1) return true;
  std::fprintf(stderr, "\ncancel job %s on the daemon? [y/N] ", job.c_str());
  std::fflush(stderr);
  char answer[16] = {};
  if (std::fgets(answer, sizeof answer, stdin) == nullptr) return false;
  return answer[0] == 'y' || answer[0] == 'Y';
}

bool Ended(const json& event) {
  const std::string type = event.value("type", "");
  return type == protocol::topic::kJobDone || type == protocol::topic::kJobFailed ||
         type == protocol::topic::kJobCancelled;
}

struct Followed {
  json result;                // the job's final entry (`result`)
  bool interrupted = false;   // Ctrl-C was pressed
  bool left_running = false;  // ... and the user kept the job on the daemon
};

// Waits for `job` to end, drawing its progress on a terminal.
Followed Follow(client::ControlClient& control, client::EventSubscriber& events,
                const std::string& file, const std::string& job) {
  const bool tty = ::isatty(STDERR_FILENO) == 1;
  Followed f;
  for (;;) {
    if (InterruptFlag().load() && !f.interrupted) {
      f.interrupted = true;
      if (!WantsCancel(job)) {
        f.left_running = true;
        return f;
      }
      control.Call("cancel", {{"job", job}});
      std::fprintf(stderr, "\nscribe: cancelling %s on the daemon (Ctrl-C again to stop waiting)\n",
                   job.c_str());
    }
    if (const auto received = events.Next(std::chrono::seconds(1))) {
      const json e = received->Json();
      if (e["job"] != job) continue;
      if (tty && e["type"] == protocol::topic::kJobProgress) {
        std::fprintf(stderr, "\r%s %3.0f%%  RTF %.2f ", file.c_str(),
                     100 * e.value("fraction", 0.0), e.value("rtf", 0.0));
      }
      if (!Ended(e)) continue;
    }
    // The job's state is authoritative (an event may have been missed).
    f.result = control.Call("result", {{"job", job}});
    const std::string state = f.result.value("state", "");
    if (state != "queued" && state != "running") {
      if (tty) std::fputc('\n', stderr);
      return f;
    }
  }
}

// Copies a done job's results (files in the daemon's state directory) to the
// planned paths.
void WriteResults(const json& result, const std::vector<pipeline::OutputFormat>& formats,
                  const std::vector<fs::path>& destinations) {
  const json& outputs = result["outputs"];
  for (size_t k = 0; k < formats.size(); ++k) {
    const std::string ext(pipeline::Extension(formats[k]));
    if (!outputs.is_object() || !outputs.contains(ext) || !outputs[ext].is_string()) {
      throw std::runtime_error("the daemon's job " + result.value("job", "") + " has no " + ext +
                               " result");
    }
    const std::string from = outputs[ext].get<std::string>();
    const std::optional<std::string> content = base::RealFileSystem().ReadAll(from);
    if (!content) throw std::runtime_error("the daemon's result " + from + " is gone");
    WriteTranscript(destinations[k], *content);
    std::fprintf(stderr, "wrote %s\n", destinations[k].c_str());
  }
}

}  // namespace

int RunTranscribeOnDaemon(const TranscribeRequest& request) try {
  RefuseDaemonSettings(request);
  protocol::Validate(request.job, protocol::JobKind::kFile);
  const std::vector<std::string>& files = request.files;
  // The formats the daemon writes: --format, else its defaults, which the
  // first job records. Until they are known, PlanOutputs checks the inputs and
  // directories, which is all that can fail before a model would load.
  std::optional<std::vector<pipeline::OutputFormat>> formats;
  if (request.job.outputs) formats = OutputFormats(*request.job.outputs);
  std::vector<std::vector<fs::path>> plan =
      PlanOutputs(files, request.output, formats.value_or(std::vector<pipeline::OutputFormat>{}));

  zmq::context_t context;
  client::ControlClient control(context, request.endpoints.control);
  client::EventSubscriber events(context, request.endpoints.events, {"job."});
  InterruptScope interrupt;
  int status = kExitOk;
  for (size_t i = 0; i < files.size(); ++i) {
    json args = protocol::ToJson(request.job);
    protocol::SetPath(args, fs::absolute(files[i]).string());
    const std::string job = control.Call("transcribe", args)["job"];
    std::fprintf(stderr, "%s: queued as %s\n", files[i].c_str(), job.c_str());
    if (!formats) {
      try {
        const json submitted = control.Call("result", {{"job", job}});
        formats = OutputFormats(submitted["options"]["outputs"].get<std::vector<std::string>>());
        plan = PlanOutputs(files, request.output, *formats);
      } catch (...) {
        // Its results could not be written: do not leave it running. The
        // first error is the one to report.
        try {
          control.Call("cancel", {{"job", job}});
        } catch (const std::exception&) {
        }
        throw;
      }
    }
    const Followed f = Follow(control, events, files[i], job);
    if (f.left_running) {
      std::fprintf(stderr, "scribe: %s keeps running on the daemon ('scribe jobs' lists it)\n",
                   job.c_str());
      return kExitInterrupted;
    }
    const std::string state = f.result.value("state", "");
    if (state == "done") {
      WriteResults(f.result, *formats, plan[i]);
    } else {
      std::fprintf(stderr, "scribe: %s: %s %s\n", files[i].c_str(), state.c_str(),
                   f.result.value("error", "").c_str());
      if (!f.interrupted) status = kExitFailure;
    }
    if (f.interrupted) return kExitInterrupted;
  }
  return status;
} catch (const std::exception& e) {
  return ReportError(e);
}

}  // namespace scribed::cli
