// The scribed process on real ipc:// sockets: events with a gap-free seq,
// replay filling a gap, hostile control traffic, config errors, signals and
// the journal across kill -9.
#include "tests/daemon/daemon_process.h"

#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "scribed/protocol/protocol.h"

namespace scribed::daemon::testing {
namespace {

using nlohmann::json;

// Checks one event body against the envelope rules of docs/protocol.md.
void ExpectValidEvent(const std::string& topic, const json& e, const std::string& run) {
  const protocol::Event parsed = protocol::ParseEvent(topic, e.dump());
  EXPECT_TRUE(protocol::IsKnownTopic(topic)) << topic;
  EXPECT_EQ(parsed.run, run);
  EXPECT_GT(parsed.ts_ms, 1'600'000'000'000);
}

std::string WriteFile(const std::filesystem::path& path, const std::string& content) {
  std::ofstream(path) << content;
  return path.string();
}

TEST(DaemonProcessTest, SubscriberSeesStateAndGapFreeSeq) {
  TempDir dir;
  DaemonProcess daemon(dir.path(), {"--heartbeat-ms", "100"});
  zmq::context_t context;
  ControlClient control(context, daemon.control());
  Subscriber sub(context, daemon.events());
  const json status = control.Call("status");
  ASSERT_TRUE(status["ok"]) << status;
  const std::string run = status["result"]["run"];
  // Collect a few heartbeats live, then fetch everything before them.
  std::vector<json> live;
  while (live.size() < 3) {
    auto e = sub.Next();
    ASSERT_TRUE(e) << "no event";
    ExpectValidEvent(e->first, e->second, run);
    live.push_back(e->second);
  }
  for (size_t i = 1; i < live.size(); ++i)
    EXPECT_EQ(live[i]["seq"], live[i - 1]["seq"].get<uint64_t>() + 1);
  const json replay = control.Call("replay", {{"since_seq", 0}});
  ASSERT_TRUE(replay["ok"]) << replay;
  const json& events = replay["result"]["events"];
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(events[0]["seq"], 1);
  EXPECT_EQ(events[0]["type"], "daemon.state");
  EXPECT_EQ(events[0]["state"], "starting");
  EXPECT_EQ(events[1]["type"], "daemon.state");
  EXPECT_EQ(events[1]["state"], "ready");
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i]["seq"], i + 1);
    ExpectValidEvent(events[i]["type"], events[i], run);
  }
  // The replayed events and the live ones are the same stream.
  const uint64_t first_live = live[0]["seq"];
  ASSERT_GE(events.size(), first_live);
  EXPECT_EQ(events[first_live - 1], live[0]);
}

TEST(DaemonProcessTest, ReplayFillsADeliberateGap) {
  TempDir dir;
  DaemonProcess daemon(dir.path(), {"--heartbeat-ms", "3600000"});
  zmq::context_t context;
  ControlClient control(context, daemon.control());
  const std::string audio = WriteFile(dir.path() / "a.wav", "not really audio");
  uint64_t last_seen = 0;
  {
    Subscriber sub(context, daemon.events(), "job.");
    // Wait until the subscription is live: submit until an event arrives.
    std::optional<std::pair<std::string, json>> e;
    while (!e) {
      ASSERT_TRUE(control.Call("transcribe", {{"path", audio}})["ok"]);
      e = sub.Next(std::chrono::milliseconds(200));
    }
    last_seen = e->second["seq"];
  }
  // Events published while nobody listens: the gap.
  std::vector<std::string> missed;
  for (int i = 0; i < 5; ++i) {
    const json r = control.Call("transcribe", {{"path", audio}});
    ASSERT_TRUE(r["ok"]) << r;
    missed.push_back(r["result"]["job"]);
  }
  const json replay = control.Call("replay", {{"since_seq", last_seen}});
  ASSERT_TRUE(replay["ok"]);
  std::vector<std::string> recovered;
  uint64_t expect = last_seen + 1;
  for (const json& e : replay["result"]["events"]) {
    EXPECT_EQ(e["seq"], expect++);
    if (e["type"] == "job.queued") recovered.push_back(e["job"]);
  }
  // Everything after last_seen: possibly more queued events raced in before
  // the subscription, but the five missed ones are the tail.
  ASSERT_GE(recovered.size(), missed.size());
  EXPECT_EQ(std::vector<std::string>(recovered.end() - 5, recovered.end()), missed);
  EXPECT_FALSE(replay["result"]["truncated"]);
  // limit pages the log.
  const json page = control.Call("replay", {{"since_seq", 0}, {"limit", 2}});
  EXPECT_EQ(page["result"]["events"].size(), 2u);
  EXPECT_TRUE(page["result"]["more"]);
}

TEST(DaemonProcessTest, ReplayReportsEvictedEvents) {
  TempDir dir;
  DaemonProcess daemon(dir.path(), {"--heartbeat-ms", "3600000", "--replay-events", "16"});
  zmq::context_t context;
  ControlClient control(context, daemon.control());
  const std::string audio = WriteFile(dir.path() / "a.wav", "x");
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(control.Call("transcribe", {{"path", audio}})["ok"]);
  const json r = control.Call("replay", {{"since_seq", 0}})["result"];
  EXPECT_TRUE(r["truncated"]);
  EXPECT_EQ(r["events"].size(), 16u);
  EXPECT_EQ(r["first_seq"], r["last_seq"].get<uint64_t>() - 15);
}

TEST(DaemonProcessTest, HostileControlTrafficIsAnsweredAndHarmless) {
  TempDir dir;
  DaemonProcess daemon(dir.path(), {"--heartbeat-ms", "3600000"});
  zmq::context_t context;
  ControlClient control(context, daemon.control());
  std::mt19937 rng(11);
  const std::vector<std::string> shapes{
      "",
      "{",
      "null",
      "[]",
      "\"status\"",
      "{\"v\":1}",
      "{\"v\":2,\"cmd\":\"status\"}",
      R"({"v":1,"cmd":"nope"})",
      R"({"v":1,"cmd":"status","args":{"x":1}})",
      R"({"v":1,"cmd":"replay","args":{"since_seq":-1}})",
      R"({"v":1,"cmd":"replay","args":{"since_seq":"0"}})",
      R"({"v":1,"cmd":"transcribe","args":{"path":42}})",
      R"({"v":1,"cmd":"transcribe","args":{"path":"rel.wav"}})",
      R"({"v":1,"cmd":"transcribe","args":{"path":"/no/such/file.wav"}})",
      R"({"v":1,"cmd":"cancel","args":{"job":"j-999"}})",
      R"({"v":1,"cmd":"result","args":{}})",
      R"({"v":1,"cmd":"status","args":"x"})",
      "{\"v\":1,\"cmd\":\"\xc3\x28\"}"};
  int answered = 0;
  for (int i = 0; i < 1000; ++i) {
    std::vector<std::string> frames;
    switch (i % 5) {
      case 0:
        frames = {shapes[static_cast<size_t>(i / 5) % shapes.size()]};
        break;
      case 1: {  // random bytes
        std::string s(rng() % 300, '\0');
        for (char& c : s) c = static_cast<char>(rng());
        frames = {s};
        break;
      }
      case 2:  // over the protocol limit, under the transport limit
        frames = {std::string(protocol::kMaxRequestBytes + 1 + rng() % 100000, '{')};
        break;
      case 3:  // several body frames
        frames = {R"({"v":1,"cmd":"status"})", "extra"};
        break;
      case 4: {  // valid JSON, random command and argument types
        json args{{"since_seq", json::array()}, {"job", 5}, {"path", nullptr}, {"limit", 1e300}};
        frames = {json{
            {"v", 1},
            {"id", std::to_string(i)},
            {"cmd", i % 2 ? "replay" : "jobs!"},
            {"args",
             args}}.dump()};
        break;
      }
    }
    auto reply = control.Raw(frames);
    ASSERT_TRUE(reply) << "no reply to message " << i;
    const protocol::Reply r = protocol::ParseReply(*reply);
    EXPECT_FALSE(r.ok) << i << ": " << *reply;
    if (i % 5 == 2) {
      EXPECT_EQ(r.code, protocol::ErrorCode::kTooLarge);
    }
    if (i % 5 == 4) {
      EXPECT_EQ(r.id, std::to_string(i));
    }
    ++answered;
  }
  EXPECT_EQ(answered, 1000);
  const json status = control.Call("status");
  EXPECT_TRUE(status["ok"]);
  // A message over ZMQ_MAXMSGSIZE: libzmq drops that peer; others are served.
  {
    ControlClient rude(context, daemon.control());
    EXPECT_FALSE(rude.Raw({std::string(protocol::kMaxTransportBytes + 10, 'x')},
                          std::chrono::milliseconds(300)));
  }
  EXPECT_TRUE(control.Call("status")["ok"]);
  EXPECT_TRUE(ControlClient(context, daemon.control()).Call("status")["ok"]);
}

TEST(DaemonProcessTest, SigtermPublishesStoppingAndExitsCleanly) {
  TempDir dir;
  DaemonProcess daemon(dir.path(), {"--heartbeat-ms", "100"});
  zmq::context_t context;
  Subscriber sub(context, daemon.events(), "daemon.");
  // A heartbeat on this socket proves the subscription is live (no slow
  // joiner): from here on every daemon.* event reaches it, in seq order.
  auto e = sub.Next();
  ASSERT_TRUE(e) << "no heartbeat";
  uint64_t last = e->second["seq"];
  daemon.Kill(SIGTERM);
  for (;;) {
    e = sub.Next(std::chrono::seconds(30));
    ASSERT_TRUE(e) << "no daemon.state stopping after seq " << last;
    EXPECT_EQ(e->second["seq"], last + 1);
    last = e->second["seq"];
    if (e->first == "daemon.state") break;
  }
  EXPECT_EQ(e->second["state"], "stopping");
  EXPECT_EQ(daemon.Wait(), 0);
}

TEST(DaemonProcessTest, JobsSurviveKill9) {
  TempDir dir;
  const std::string audio = WriteFile(dir.path() / "a.wav", "x");
  std::string id;
  {
    DaemonProcess daemon(dir.path(), {"--heartbeat-ms", "3600000"});
    zmq::context_t context;
    ControlClient control(context, daemon.control());
    const json r =
        control.Call("transcribe", {{"path", audio}, {"outputs", {"srt"}}, {"lang", "en"}});
    ASSERT_TRUE(r["ok"]) << r;
    id = r["result"]["job"];
    daemon.Kill(SIGKILL);
    EXPECT_EQ(daemon.Wait(), 128 + SIGKILL);
  }
  DaemonProcess daemon(dir.path(), {"--heartbeat-ms", "3600000"});
  zmq::context_t context;
  ControlClient control(context, daemon.control());
  const json r = control.Call("result", {{"job", id}});
  ASSERT_TRUE(r["ok"]) << r;
  EXPECT_EQ(r["result"]["path"], audio);
  EXPECT_EQ(r["result"]["options"]["outputs"], json::array({"srt"}));
  EXPECT_EQ(r["result"]["options"]["lang"], "en");
}

TEST(DaemonProcessTest, TranscribeRefusesBadOptionsAtSubmit) {
  TempDir dir;
  const std::string audio = WriteFile(dir.path() / "a.wav", "x");
  DaemonProcess daemon(dir.path(), {"--heartbeat-ms", "3600000"});
  zmq::context_t context;
  ControlClient control(context, daemon.control());
  const std::vector<std::pair<json, std::string>> refused{
      {{{"lang", "x"}}, "lang"},
      {{{"lang", std::string(60000, 'x')}}, "lang"},
      {{{"translate_to", "Klingon"}}, "translate_to"},
      {{{"outputs", json::array()}}, "outputs"},
  };
  for (const auto& [options, field] : refused) {
    json args = options;
    args["path"] = audio;
    const json r = control.Call("transcribe", args);
    EXPECT_FALSE(r["ok"]) << r;
    EXPECT_EQ(r["error"]["code"], "bad_args") << r;
    EXPECT_NE(r["error"]["message"].get<std::string>().find("\"" + field + "\""),
              std::string::npos)
        << r;
  }
  EXPECT_EQ(control.Call("jobs")["result"]["jobs"], json::array());
  const json ok = control.Call("transcribe", {{"path", audio}, {"lang", "German"}});
  EXPECT_TRUE(ok["ok"]) << ok;
}

TEST(DaemonProcessTest, SecondDaemonOnSameStateDirIsRefused) {
  TempDir dir;
  DaemonProcess daemon(dir.path());
  const auto [code, err] =
      RunScribed({"--events", "ipc://" + (dir.path() / "b/events").string(), "--control",
                  "ipc://" + (dir.path() / "b/control").string(), "--state-dir",
                  (dir.path() / "state").string(), "--config", "/dev/null"},
                 dir.path());
  EXPECT_EQ(code, 1);
  EXPECT_NE(err.find("in use by another scribed"), std::string::npos) << err;
}

TEST(DaemonProcessTest, ConfigErrorsNameFileAndLine) {
  TempDir dir;
  const std::string config = WriteFile(dir.path() / "c.toml", "threads = 2\nheartbeat_ms = 1\n");
  auto [code, err] = RunScribed({"--config", config}, dir.path());
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find(config + ":2: heartbeat_ms = 1 is outside [100, 3600000]"), std::string::npos)
      << err;
  std::tie(code, err) = RunScribed({"--config", "/dev/null", "--threads", "many"}, dir.path());
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("--threads: \"many\""), std::string::npos) << err;
  std::tie(code, err) =
      RunScribed({"--config", (dir.path() / "missing.toml").string()}, dir.path());
  EXPECT_EQ(code, 2);
}

TEST(DaemonProcessTest, RefusesNonLoopbackTcp) {
  TempDir dir;
  auto [code, err] = RunScribed(
      {"--config", "/dev/null", "--state-dir", (dir.path() / "s").string(), "--control",
       "ipc://" + (dir.path() / "r/control").string(), "--events", "tcp://0.0.0.0:45999"},
      dir.path());
  EXPECT_EQ(code, 1);
  EXPECT_NE(err.find("exposes the daemon to the network"), std::string::npos) << err;
}

}  // namespace
}  // namespace scribed::daemon::testing
