// Commands that talk to a running scribed: listen, status, jobs and capture
// start|stop (transcribe --daemon is in daemon_transcription.cc). Each takes
// --control and --events (default: the daemon's default endpoints).
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "clients/scribe/commands.h"
#include "clients/scribe/daemon_flags.h"
#include "clients/scribe/exit_codes.h"
#include "scribed/base/json.h"
#include "scribed/client/client.h"
#include "scribed/protocol/events.h"
#include "scribed/protocol/path_field.h"
#include "scribed/protocol/protocol.h"

namespace scribed::cli {
namespace {

using nlohmann::json;

using Control = client::ControlClient;

std::string Seconds(int64_t ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1fs", static_cast<double>(ms) / 1000.0);
  return buf;
}

// One line per event for people.
std::string Human(const protocol::Event& e) {
  std::string who = e.job ? *e.job : e.session ? *e.session : "";
  if (!who.empty()) who += " ";
  if (e.type == protocol::SegmentFinal::kTopic) {
    const auto f = protocol::FieldsOf<protocol::SegmentFinal>(e);
    std::string line = who + "[" + Seconds(f.t0_ms) + "] " + f.text;
    if (f.latency_ms) line += "  (" + std::to_string(*f.latency_ms) + " ms)";
    return line;
  }
  if (e.type == protocol::SegmentPartial::kTopic) {
    const auto p = protocol::FieldsOf<protocol::SegmentPartial>(e);
    return who + "… " + p.stable + p.unstable;
  }
  if (e.type == protocol::TranslationFinal::kTopic) {
    const auto t = protocol::FieldsOf<protocol::TranslationFinal>(e);
    return who + "[" + t.tgt_lang + "] " + t.text;
  }
  if (e.type == protocol::JobProgress::kTopic) {
    const auto p = protocol::FieldsOf<protocol::JobProgress>(e);
    char buf[96];
    std::snprintf(buf, sizeof buf, "%3.0f%%  RTF %.2f", 100 * p.fraction, p.rtf);
    return who + "progress " + buf;
  }
  return who + e.type + " " + e.fields.dump();
}

struct ListenOptions {
  Endpoints endpoints;
  std::vector<std::string> topics;
  bool json_lines = false;
};

bool Wanted(const ListenOptions& o, const std::string& type) {
  if (o.topics.empty()) return true;
  for (const auto& t : o.topics) {
    if (type.rfind(t, 0) == 0) return true;
  }
  return false;
}

void Print(const ListenOptions& o, const json& e) {
  const std::string line =
      o.json_lines ? e.dump() : Human(protocol::ParseEvent(e.value("type", ""), e.dump()));
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

int RunListen(const ListenOptions& o) try {
  zmq::context_t context;
  std::vector<std::string> prefixes = o.topics;
  // Heartbeats always, so a gap or a restart shows even on a quiet topic.
  if (!prefixes.empty()) prefixes.emplace_back(protocol::topic::kDaemonHeartbeat);
  client::EventSubscriber sub(context, o.endpoints.events, prefixes);
  Control control(context, o.endpoints.control);
  std::string run;
  uint64_t last = 0;
  for (;;) {
    const std::optional<client::ReceivedEvent> received = sub.Next(std::chrono::hours(1));
    if (!received) continue;
    const protocol::Event event = received->Parse();
    json e = received->Json();
    if (event.run != run) {
      if (!run.empty())
        std::fprintf(stderr, "scribe: the daemon restarted (run %s)\n", event.run.c_str());
      run = event.run;
    } else if (event.seq > last + 1) {
      // Missed events (subscriber too slow, or filtered): fetch the ones we want.
      const json replay = control.Call("replay", {{"since_seq", last}, {"limit", 1000}});
      if (replay.value("truncated", false)) std::fprintf(stderr, "scribe: some events were lost\n");
      for (const json& missed : replay["events"]) {
        if (missed["seq"].get<uint64_t>() >= event.seq) break;
        if (Wanted(o, missed["type"])) Print(o, missed);
      }
    }
    last = event.seq;
    if (Wanted(o, event.type)) Print(o, e);
  }
} catch (const std::exception& e) {
  return ReportError(e);
}

int RunStatus(const Endpoints& endpoints, bool as_json) try {
  zmq::context_t context;
  const json s = Control(context, endpoints.control).Call("status");
  if (as_json) {
    std::printf("%s\n", s.dump(2).c_str());
    return 0;
  }
  std::printf("scribed %s (protocol %d), pid %d, %s\n", s.value("version", "?").c_str(),
              s.value("protocol", 0), s.value("pid", 0), s.value("state", "?").c_str());
  std::printf("run %s, last seq %llu\n", s.value("run", "?").c_str(),
              static_cast<unsigned long long>(s.value("seq", uint64_t{0})));
  if (s["model"].is_object()) {
    std::printf("model %s (%s)\n  sha256 %s\n", s["model"].value("path", "").c_str(),
                s["model"].value("quant", "").c_str(), s["model"].value("sha256", "").c_str());
  } else {
    std::printf("no model loaded\n");
  }
  std::printf("events %s\ncontrol %s\nstate %s\njobs: %d queued, %d running\n",
              s["endpoints"].value("events", "").c_str(),
              s["endpoints"].value("control", "").c_str(), s.value("state_dir", "").c_str(),
              s["jobs"].value("queued", 0), s["jobs"].value("running", 0));
  return 0;
} catch (const std::exception& e) {
  return ReportError(e);
}

int RunJobs(const Endpoints& endpoints, bool as_json) try {
  zmq::context_t context;
  const json r = Control(context, endpoints.control).Call("jobs");
  if (as_json) {
    std::printf("%s\n", r.dump(2).c_str());
    return 0;
  }
  for (const json& j : r["jobs"]) {
    std::printf("%-8s %-10s %s\n", j.value("job", "").c_str(), j.value("state", "").c_str(),
                protocol::PathOf(j).c_str());
    if (j.contains("error")) std::printf("         %s\n", j.value("error", "").c_str());
    if (j.contains("outputs")) {
      for (const auto& [fmt, path] : j["outputs"].items())
        std::printf("         %s\n", path.get<std::string>().c_str());
    }
  }
  return 0;
} catch (const std::exception& e) {
  return ReportError(e);
}

int RunCapture(const Endpoints& endpoints, const std::string& cmd, const json& args) try {
  zmq::context_t context;
  const json r = Control(context, endpoints.control).Call(cmd, args);
  std::printf("%s\n", r.dump().c_str());
  return 0;
} catch (const std::exception& e) {
  return ReportError(e);
}

}  // namespace

void AddDaemonCommands(CLI::App& app) {
  {
    auto o = std::make_shared<ListenOptions>();
    CLI::App* cmd = app.add_subcommand("listen", "Print the daemon's events as they happen");
    AddEndpointOptions(*cmd, o->endpoints);
    cmd->add_option("--topic", o->topics,
                    "topic or family prefix, e.g. segment. or job.done (repeatable)");
    cmd->add_flag("--json", o->json_lines, "one JSON event per line");
    cmd->callback([o] { SetExitCode(RunListen(*o)); });
  }
  for (const char* name : {"status", "jobs"}) {
    auto e = std::make_shared<Endpoints>();
    auto as_json = std::make_shared<bool>(false);
    const bool is_status = std::string(name) == "status";
    CLI::App* cmd = app.add_subcommand(
        name, is_status ? "Show the daemon's state" : "List the daemon's file jobs");
    AddEndpointOptions(*cmd, *e);
    cmd->add_flag("--json", *as_json, "print the reply as JSON");
    cmd->callback([e, as_json, is_status] {
      SetExitCode(is_status ? RunStatus(*e, *as_json) : RunJobs(*e, *as_json));
    });
  }
  {
    CLI::App& capture = CommandGroup(app, "capture", "Live transcription from a capture device");
    auto e = std::make_shared<Endpoints>();
    auto job = std::make_shared<protocol::JobOptions>();
    auto device = std::make_shared<std::string>();
    CLI::App* start = capture.add_subcommand("start", "Start a live session");
    AddEndpointOptions(*start, *e);
    start->add_option("--device", *device, "ALSA PCM (default: the daemon's capture_device)");
    AddJobOptionFlags(*start, *job, protocol::JobKind::kCapture);
    start->callback([e, job, device] {
      json a = protocol::ToJson(*job);
      if (!device->empty()) a["device"] = *device;
      SetExitCode(RunCapture(*e, "capture.start", a));
    });
    auto e2 = std::make_shared<Endpoints>();
    CLI::App* stop = capture.add_subcommand("stop", "Stop the live session");
    AddEndpointOptions(*stop, *e2);
    stop->callback([e2] { SetExitCode(RunCapture(*e2, "capture.stop", json::object())); });
  }
}

}  // namespace scribed::cli
