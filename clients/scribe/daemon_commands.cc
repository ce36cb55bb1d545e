// Commands that talk to a running scribed: listen, status, jobs, capture
// start|stop, and the --daemon mode of transcribe. Each takes --control and
// --events (default: the daemon's default endpoints).
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "clients/scribe/commands.h"
#include "scribed/protocol/endpoints.h"
#include "scribed/protocol/protocol.h"

namespace scribed::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct Endpoints {
  std::string control = protocol::DefaultControlEndpoint();
  std::string events = protocol::DefaultEventsEndpoint();
};

void AddEndpointOptions(CLI::App& cmd, Endpoints& e) {
  cmd.add_option("--control", e.control, "the daemon's control endpoint")->capture_default_str();
  cmd.add_option("--events", e.events, "the daemon's event endpoint")->capture_default_str();
}

// A failed command: the daemon's error, or no daemon at all.
class DaemonError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One request, one reply, over a DEALER socket.
class Control {
 public:
  Control(zmq::context_t& context, const std::string& endpoint)
      : socket_(context, zmq::socket_type::dealer) {
    socket_.set(zmq::sockopt::linger, 0);
    socket_.connect(endpoint);
    endpoint_ = endpoint;
  }
  json Call(const std::string& cmd, json args = json::object()) {
    const std::string body = protocol::EncodeRequest({"scribe", cmd, std::move(args)});
    socket_.send(zmq::message_t(), zmq::send_flags::sndmore);
    socket_.send(zmq::buffer(body), zmq::send_flags::none);
    zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
    if (zmq::poll(&item, 1, std::chrono::seconds(10)) == 0) {
      throw DaemonError("no answer from scribed on " + endpoint_ + " (is it running?)");
    }
    std::vector<zmq::message_t> parts;
    do {
      zmq::message_t m;
      (void)socket_.recv(m);
      parts.push_back(std::move(m));
    } while (parts.back().more());
    const protocol::Reply reply = protocol::ParseReply(parts.back().to_string_view());
    if (!reply.ok) {
      throw DaemonError(cmd + ": " + std::string(protocol::ErrorCodeName(reply.code)) + ": " +
                        reply.message);
    }
    return reply.result;
  }

 private:
  zmq::socket_t socket_;
  std::string endpoint_;
};

int Report(const std::exception& e) {
  std::fprintf(stderr, "scribe: %s\n", e.what());
  return 1;
}

std::string Seconds(int64_t ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1fs", static_cast<double>(ms) / 1000.0);
  return buf;
}

// One line per event for people.
std::string Human(const json& e) {
  const std::string type = e.value("type", "");
  std::string who = e["job"].is_string()       ? e["job"].get<std::string>()
                    : e["session"].is_string() ? e["session"].get<std::string>()
                                               : "";
  if (!who.empty()) who += " ";
  if (type == "segment.final") {
    return who + "[" + Seconds(e.value("t0_ms", int64_t{0})) + "] " + e.value("text", "");
  }
  if (type == "segment.partial")
    return who + "… " + e.value("stable", "") + e.value("unstable", "");
  if (type == "translation.final")
    return who + "[" + e.value("tgt_lang", "") + "] " + e.value("text", "");
  if (type == "job.progress") {
    char buf[96];
    std::snprintf(buf, sizeof buf, "%3.0f%%  RTF %.2f", 100 * e.value("fraction", 0.0),
                  e.value("rtf", 0.0));
    return who + "progress " + buf;
  }
  json rest = e;
  for (const char* k : {"v", "type", "run", "seq", "ts", "session", "job", "segment"})
    rest.erase(k);
  return who + type + " " + rest.dump();
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
  const std::string line = o.json_lines ? e.dump() : Human(e);
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

int RunListen(const ListenOptions& o) try {
  zmq::context_t context;
  zmq::socket_t sub(context, zmq::socket_type::sub);
  sub.set(zmq::sockopt::linger, 0);
  if (o.topics.empty()) sub.set(zmq::sockopt::subscribe, "");
  // Heartbeats always, so a gap or a restart shows even on a quiet topic.
  for (const auto& t : o.topics) sub.set(zmq::sockopt::subscribe, t);
  sub.set(zmq::sockopt::subscribe, std::string(protocol::topic::kDaemonHeartbeat));
  sub.connect(o.endpoints.events);
  Control control(context, o.endpoints.control);
  std::string run;
  uint64_t last = 0;
  for (;;) {
    zmq::message_t topic, body;
    if (!sub.recv(topic)) continue;
    (void)sub.recv(body);
    const protocol::Event event =
        protocol::ParseEvent(topic.to_string_view(), body.to_string_view());
    json e = json::parse(body.to_string_view());
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
  return Report(e);
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
  return Report(e);
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
                j.value("path", "").c_str());
    if (j.contains("error")) std::printf("         %s\n", j.value("error", "").c_str());
    if (j.contains("outputs")) {
      for (const auto& [fmt, path] : j["outputs"].items())
        std::printf("         %s\n", path.get<std::string>().c_str());
    }
  }
  return 0;
} catch (const std::exception& e) {
  return Report(e);
}

int RunCapture(const Endpoints& endpoints, const std::string& cmd, const json& args) try {
  zmq::context_t context;
  const json r = Control(context, endpoints.control).Call(cmd, args);
  std::printf("%s\n", r.dump().c_str());
  return 0;
} catch (const std::exception& e) {
  return Report(e);
}

// `scribe transcribe --daemon FILE...`: submit, follow progress, copy results.
int RunDaemonTranscribe(const Endpoints& endpoints, const std::vector<std::string>& files,
                        const json& options, const std::string& output) try {
  zmq::context_t context;
  Control control(context, endpoints.control);
  zmq::socket_t sub(context, zmq::socket_type::sub);
  sub.set(zmq::sockopt::linger, 0);
  sub.set(zmq::sockopt::subscribe, "job.");
  sub.connect(endpoints.events);
  int status = 0;
  for (const std::string& file : files) {
    json args = options;
    args["path"] = fs::absolute(file).string();
    const std::string job = control.Call("transcribe", args)["job"];
    std::fprintf(stderr, "%s: queued as %s\n", file.c_str(), job.c_str());
    json result;
    for (;;) {
      zmq::pollitem_t item{sub.handle(), 0, ZMQ_POLLIN, 0};
      if (zmq::poll(&item, 1, std::chrono::seconds(1)) > 0) {
        zmq::message_t topic, body;
        (void)sub.recv(topic);
        (void)sub.recv(body);
        const json e = json::parse(body.to_string_view());
        if (e["job"] == job && e["type"] == "job.progress") {
          std::fprintf(stderr, "\r%s %3.0f%%  RTF %.2f ", file.c_str(),
                       100 * e.value("fraction", 0.0), e.value("rtf", 0.0));
        }
        if (e["job"] != job || (e["type"] != "job.done" && e["type"] != "job.failed" &&
                                e["type"] != "job.cancelled")) {
          continue;
        }
      }
      // The job's state is authoritative (an event may have been missed).
      result = control.Call("result", {{"job", job}});
      const std::string state = result.value("state", "");
      if (state != "queued" && state != "running") break;
    }
    std::fprintf(stderr, "\n");
    if (result["state"] != "done") {
      std::fprintf(stderr, "scribe: %s: %s %s\n", file.c_str(), result.value("state", "").c_str(),
                   result.value("error", "").c_str());
      status = 1;
      continue;
    }
    for (const auto& [fmt, path] : result["outputs"].items()) {
      fs::path dest = fs::path(file).replace_extension("." + fmt);
      if (!output.empty()) dest = fs::path(output) / dest.filename();
      fs::copy_file(path.get<std::string>(), dest, fs::copy_options::overwrite_existing);
      std::fprintf(stderr, "wrote %s\n", dest.c_str());
    }
  }
  return status;
} catch (const std::exception& e) {
  return Report(e);
}

// Adds --daemon to the pipeline's `transcribe` command: with it, the files go
// to the daemon and the local pipeline does not run.
void ExtendTranscribe(CLI::App& app) {
  auto found = app.get_subcommands([](CLI::App* sub) { return sub->get_name() == "transcribe"; });
  if (found.empty()) return;
  CLI::App* cmd = found.front();
  auto daemon = std::make_shared<bool>(false);
  auto endpoints = std::make_shared<Endpoints>();
  cmd->add_flag("--daemon", *daemon, "submit to the running scribed instead of transcribing here");
  AddEndpointOptions(*cmd, *endpoints);
  cmd->parse_complete_callback([cmd, daemon, endpoints] {
    if (!*daemon) return;
    auto get = [cmd](const char* name) -> std::string {
      CLI::Option* opt = cmd->get_option_no_throw(name);
      return opt != nullptr && opt->count() > 0 ? opt->as<std::string>() : std::string();
    };
    json options = json::object();
    if (auto v = get("--language"); !v.empty()) options["lang"] = v;
    if (auto v = get("--mode"); !v.empty()) options["mode"] = v;
    if (auto v = get("--translate-to"); !v.empty()) options["translate_to"] = v;
    if (auto v = get("--format"); !v.empty()) {
      json list = json::array();
      for (size_t start = 0; start <= v.size();) {
        const size_t comma = std::min(v.find(',', start), v.size());
        if (comma > start) list.push_back(v.substr(start, comma - start));
        start = comma + 1;
      }
      options["outputs"] = list;
    }
    const auto files = cmd->get_option("files")->as<std::vector<std::string>>();
    // Ends parsing here with the exit code, so the local pipeline never runs.
    throw CLI::RuntimeError(RunDaemonTranscribe(*endpoints, files, options, get("--output")));
  });
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
    auto args = std::make_shared<std::map<std::string, std::string>>();
    CLI::App* start = capture.add_subcommand("start", "Start a live session");
    AddEndpointOptions(*start, *e);
    start->add_option("--device", (*args)["device"],
                      "ALSA PCM (default: the daemon's capture_device)");
    start->add_option("--lang", (*args)["lang"], "spoken language");
    start->add_option("--translate-to", (*args)["translate_to"],
                      "translate finals into this language");
    start->add_option("--mode", (*args)["mode"], "clean or verbatim");
    start->callback([e, args] {
      json a = json::object();
      for (const auto& [k, v] : *args) {
        if (!v.empty()) a[k] = v;
      }
      SetExitCode(RunCapture(*e, "capture.start", a));
    });
    auto e2 = std::make_shared<Endpoints>();
    CLI::App* stop = capture.add_subcommand("stop", "Stop the live session");
    AddEndpointOptions(*stop, *e2);
    stop->callback([e2] { SetExitCode(RunCapture(*e2, "capture.stop", json::object())); });
  }
  ExtendTranscribe(app);
}

}  // namespace scribed::cli
