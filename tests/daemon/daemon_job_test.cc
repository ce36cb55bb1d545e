// File jobs through a real scribed process on the tiny golden model: the
// event sequence of a job, and a job killed with SIGKILL mid-way that, after
// a restart, completes with results identical to an uninterrupted run.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <thread>

#include "scribed/audio/file_source.h"
#include "scribed/audio/wav_writer.h"
#include "scribed/engine/test_model.h"
#include "scribed/protocol/protocol.h"
#include "tests/daemon/daemon_process.h"

namespace scribed::daemon::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

fs::path Golden() { return fs::path(SCRIBED_TEST_DATA_DIR) / "golden"; }

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The model, and a recording of several utterances separated by silence, so
// a job has several clips.
class DaemonJobTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    shared_ = new TempDir();
    const auto config =
        engine::testgen::TestModelConfigFromJson(ReadFile(Golden() / "case-a-text.json"));
    engine::testgen::WriteTestModel(config, Golden() / "gemma4-vocab.gguf", Model(), Mmproj());
    const std::vector<float> speech = audio::DecodeFile(Golden() / "speech16k.wav");
    audio::WavWriter wav(Audio(), audio::kOutputRate, 1, audio::WavEncoding::kFloat32);
    const std::vector<float> silence(audio::kOutputRate * 3 / 2, 0.0f);
    for (int i = 0; i < 3; ++i) {
      wav.Write(speech);
      wav.Write(silence);
    }
    wav.Close();
  }
  static void TearDownTestSuite() { delete shared_; }
  static fs::path Model() { return shared_->path() / "m.gguf"; }
  static fs::path Mmproj() { return shared_->path() / "p.gguf"; }
  static fs::path Audio() { return shared_->path() / "talk.wav"; }
  static std::vector<std::string> ModelFlags() {
    return {"--model", Model().string(),          "--mmproj", Mmproj().string(), "--threads",
            "2",       "--max-tokens-per-second", "2",        "--heartbeat-ms",  "3600000"};
  }
  static json Submit(ControlClient& control) {
    const json r = control.Call(
        "transcribe",
        {{"path", Audio().string()}, {"mode", "verbatim"}, {"outputs", {"txt", "srt", "json"}}});
    EXPECT_TRUE(r["ok"]) << r;
    return r["result"];
  }
  // Polls `result` until the job is done (or fails the test after 120 s).
  static json WaitDone(ControlClient& control, const std::string& job) {
    for (int i = 0; i < 2400; ++i) {
      const json r = control.Call("result", {{"job", job}});
      if (r["result"]["state"] == "done" || r["result"]["state"] == "failed") return r["result"];
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "job " << job << " did not finish";
    return json();
  }
  static TempDir* shared_;
};

TempDir* DaemonJobTest::shared_ = nullptr;

TEST_F(DaemonJobTest, JobEventsFromQueuedToDone) {
  TempDir dir;
  DaemonProcess daemon(dir.path(), ModelFlags());
  zmq::context_t context;
  ControlClient control(context, daemon.control());
  const json status = control.Call("status")["result"];
  EXPECT_EQ(status["model"]["sha256"].get<std::string>().size(), 64u);
  EXPECT_EQ(status["model"]["quant"], "F32");
  Subscriber sub(context, daemon.events());
  // Wait for the subscription to be live before submitting (slow joiner).
  const uint64_t before = control.Call("status")["result"]["seq"];
  const std::string job = Submit(control)["job"];
  std::vector<json> events;
  // Everything after `before`: replayed first, then live, without overlap.
  uint64_t next = before + 1;
  const json replay = control.Call("replay", {{"since_seq", before}})["result"];
  for (const json& e : replay["events"]) {
    EXPECT_EQ(e["seq"], next++);
    events.push_back(e);
  }
  while (events.empty() || events.back()["type"] != "job.done") {
    auto e = sub.Next(std::chrono::seconds(120));
    ASSERT_TRUE(e) << "no job.done";
    const uint64_t seq = e->second["seq"];
    if (seq < next) continue;  // already had it from replay
    ASSERT_EQ(seq, next) << "gap in seq";
    ++next;
    protocol::ParseEvent(e->first, e->second.dump());  // schema
    events.push_back(e->second);
    ASSERT_NE(e->second["type"], "job.failed") << e->second;
  }
  std::vector<std::string> order;
  double last_fraction = -1;
  int finals = 0;
  for (const json& e : events) {
    if (e["job"] != job) continue;
    const std::string type = e["type"];
    if (order.empty() || order.back() != type) order.push_back(type);
    if (type == "job.progress") {
      EXPECT_GE(e["fraction"].get<double>(), last_fraction);
      EXPECT_LE(e["fraction"].get<double>(), 1.0);
      EXPECT_GT(e["total_ms"].get<int64_t>(), 0);
      last_fraction = e["fraction"];
    }
    if (type == "segment.final") {
      EXPECT_EQ(e["segment"], finals++);
      EXPECT_TRUE(e["session"].is_null());
      EXPECT_LT(e["t0_ms"].get<int64_t>(), e["t1_ms"].get<int64_t>());
      EXPECT_TRUE(e["raw_text"].is_string());
      EXPECT_TRUE(e["flags"].is_array());
    }
  }
  ASSERT_GE(order.size(), 4u);
  EXPECT_EQ(order.front(), "job.queued");
  EXPECT_EQ(order[1], "job.started");
  EXPECT_EQ(order.back(), "job.done");
  EXPECT_DOUBLE_EQ(last_fraction, 1.0);
  ASSERT_GT(finals, 1);
  const json& done = events.back();
  const json result = control.Call("result", {{"job", job}})["result"];
  EXPECT_EQ(result["state"], "done");
  EXPECT_EQ(result["outputs"], done["outputs"]);
  const json transcript = json::parse(ReadFile(done["outputs"]["json"].get<std::string>()));
  EXPECT_EQ(transcript["segments"].size(), static_cast<size_t>(finals));
  EXPECT_EQ(transcript["provenance"]["model"]["sha256"], status["model"]["sha256"]);
  const std::string srt = ReadFile(done["outputs"]["srt"].get<std::string>());
  EXPECT_EQ(srt.rfind("1\n00:00:", 0), 0u) << srt;
}

TEST_F(DaemonJobTest, Kill9MidJobThenRestartCompletesIdentically) {
  // The reference: one uninterrupted run.
  TempDir ref_dir;
  json reference;
  {
    DaemonProcess daemon(ref_dir.path(), ModelFlags());
    zmq::context_t context;
    ControlClient control(context, daemon.control());
    reference = WaitDone(control, Submit(control)["job"]);
  }
  ASSERT_EQ(reference["state"], "done") << reference;

  TempDir dir;
  std::string job;
  {
    DaemonProcess daemon(dir.path(), ModelFlags());
    zmq::context_t context;
    ControlClient control(context, daemon.control());
    Subscriber sub(context, daemon.events(), "segment.final");
    const uint64_t before = control.Call("status")["result"]["seq"];
    job = Submit(control)["job"];
    // segment.final follows the clip's journal record: once one is out, the
    // job has a resume point. Replay covers a subscription that came late.
    bool seen = false;
    while (!seen) {
      const json replay = control.Call("replay", {{"since_seq", before}});
      for (const json& e : replay["result"]["events"]) {
        seen = seen || e["type"] == "segment.final";
      }
      if (!seen) sub.Next(std::chrono::milliseconds(50));
    }
    daemon.Kill(SIGKILL);
    ASSERT_EQ(daemon.Wait(), 128 + SIGKILL);
  }
  DaemonProcess daemon(dir.path(), ModelFlags());
  zmq::context_t context;
  ControlClient control(context, daemon.control());
  const json result = WaitDone(control, job);
  ASSERT_EQ(result["state"], "done") << result;
  // The restarted run resumed rather than starting over.
  bool resumed = false;
  const json replay = control.Call("replay", {{"since_seq", 0}});
  for (const json& e : replay["result"]["events"]) {
    if (e["type"] == "job.started" && e["job"] == job)
      resumed = e["resumed_from_ms"].get<int64_t>() > 0;
  }
  EXPECT_TRUE(resumed) << "the job finished before the kill, or restarted from the beginning";
  for (const std::string format : {"txt", "srt", "json"}) {
    const std::string got = ReadFile(result["outputs"][format].get<std::string>());
    const std::string want = ReadFile(reference["outputs"][format].get<std::string>());
    EXPECT_FALSE(want.empty()) << format;
    EXPECT_EQ(got, want) << format;
  }
}

// An m4a cut short (its index announces the whole recording): the job ends
// done with what was there, its transcript marked incomplete, and job.done
// says why.
TEST_F(DaemonJobTest, CutM4aIsDoneButMarkedTruncated) {
  TempDir dir;
  const fs::path full = dir.path() / "full.m4a";
  const std::string encode = "ffmpeg -nostdin -loglevel error -y -i " + Audio().string() +
                             " -c:a aac -b:a 64k -movflags +faststart " + full.string();
  if (std::system("command -v ffmpeg >/dev/null") != 0) GTEST_SKIP() << "ffmpeg is not installed";
  ASSERT_EQ(std::system(encode.c_str()), 0) << encode;
  const fs::path cut = dir.path() / "cut.m4a";
  fs::copy_file(full, cut);
  fs::resize_file(cut, fs::file_size(full) * 2 / 5);
  const int64_t announced_ms = audio::FileSource(full).expected_samples().value() / 16;

  DaemonProcess daemon(dir.path(), ModelFlags());
  zmq::context_t context;
  ControlClient control(context, daemon.control());
  const uint64_t before = control.Call("status")["result"]["seq"];
  const json submitted =
      control.Call("transcribe", {{"path", cut.string()}, {"outputs", {"json"}}});
  ASSERT_TRUE(submitted["ok"]) << submitted;
  const json result = WaitDone(control, submitted["result"]["job"]);
  ASSERT_EQ(result["state"], "done") << result;
  const json transcript = json::parse(ReadFile(result["outputs"]["json"].get<std::string>()));
  EXPECT_FALSE(transcript["complete"].get<bool>());
  EXPECT_GT(transcript["duration_ms"].get<int64_t>(), 0);
  EXPECT_LT(transcript["duration_ms"].get<int64_t>(), announced_ms * 3 / 5);
  // The job reads done once journaled; job.done is published right after.
  // Replay answers in pages: read on from the last event seen.
  json done;
  uint64_t since = before;
  for (int i = 0; i < 600 && done.is_null(); ++i) {
    const json events = control.Call("replay", {{"since_seq", since}})["result"]["events"];
    for (const json& e : events) {
      if (e["type"] == "job.done") done = e;
      since = e["seq"].get<uint64_t>();
    }
    if (events.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_FALSE(done.is_null()) << "no job.done";
  EXPECT_FALSE(done["complete"].get<bool>());
  ASSERT_TRUE(done["truncated"].is_string()) << done;
  EXPECT_NE(done["truncated"].get<std::string>().find("header announces"), std::string::npos)
      << done;
}

// A live session from the ALSA `file` plugin playing the golden speech: the
// capture state, finals carrying the session id, and a clean stop.
TEST_F(DaemonJobTest, LiveSessionFromAlsaFilePcm) {
  TempDir dir;
  const std::vector<float> speech = audio::DecodeFile(Golden() / "speech16k.wav");
  {
    // 48 kHz float mono (the capture layer's preferred format), by repeating
    // each 16 kHz sample, then a second of silence.
    std::ofstream raw(dir.path() / "talk.raw", std::ios::binary);
    for (float v : speech) {
      for (int k = 0; k < 3; ++k) raw.write(reinterpret_cast<const char*>(&v), sizeof v);
    }
    const float zero = 0;
    for (int i = 0; i < 48000; ++i) raw.write(reinterpret_cast<const char*>(&zero), sizeof zero);
  }
  std::ofstream(dir.path() / "asoundrc")
      << "pcm.talk {\n  type file\n  slave.pcm \"null\"\n  file \"/dev/null\"\n"
      << "  infile \"" << (dir.path() / "talk.raw").string() << "\"\n  format \"raw\"\n}\n";
  const std::string alsa = "/usr/share/alsa/alsa.conf:" + (dir.path() / "asoundrc").string();
  ::setenv("ALSA_CONFIG_PATH", alsa.c_str(), 1);  // inherited by the daemon
  DaemonProcess daemon(dir.path(), ModelFlags());
  ::unsetenv("ALSA_CONFIG_PATH");
  zmq::context_t context;
  ControlClient control(context, daemon.control());
  const uint64_t before = control.Call("status")["result"]["seq"];
  const json started = control.Call("capture.start", {{"device", "talk"}, {"mode", "verbatim"}});
  ASSERT_TRUE(started["ok"]) << started;
  const std::string session = started["result"]["session"];
  EXPECT_EQ(control.Call("capture.start", {{"device", "talk"}})["error"]["code"], "busy");
  // Wait for a final from the session (replay: no slow-joiner race).
  json final_event;
  for (int i = 0; i < 1200 && final_event.is_null(); ++i) {
    const json replay = control.Call("replay", {{"since_seq", before}});
    for (const json& e : replay["result"]["events"]) {
      if (e["type"] == "segment.final" && e["session"] == session) final_event = e;
    }
    if (final_event.is_null()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_FALSE(final_event.is_null()) << "no segment.final from the live session";
  EXPECT_TRUE(final_event["job"].is_null());
  EXPECT_LT(final_event["t0_ms"].get<int64_t>(), final_event["t1_ms"].get<int64_t>());
  EXPECT_LE(final_event["t1_ms"].get<int64_t>(), 4500);
  EXPECT_GE(final_event["latency_ms"].get<int64_t>(), 0);
  const json status = control.Call("status")["result"];
  ASSERT_EQ(status["sessions"].size(), 1u);
  EXPECT_EQ(status["sessions"][0]["session"], session);
  const json stopped = control.Call("capture.stop");
  ASSERT_TRUE(stopped["ok"]) << stopped;
  // The reply does not wait for the captured audio to be transcribed.
  EXPECT_EQ(stopped["result"]["state"], "stopping");
  EXPECT_EQ(control.Call("capture.stop")["error"]["code"], "not_found");
  // "stopped" follows once the background work is done.
  std::vector<std::string> states;
  for (int i = 0; i < 1200 && (states.empty() || states.back() != "stopped"); ++i) {
    states.clear();
    const json replay = control.Call("replay", {{"since_seq", before}});
    for (const json& e : replay["result"]["events"]) {
      if (e["type"] == "capture.state") {
        EXPECT_EQ(e["session"], session);
        states.push_back(e["state"]);
      }
    }
    if (states.empty() || states.back() != "stopped") {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  ASSERT_GE(states.size(), 3u);
  EXPECT_EQ(states.front(), "started");
  EXPECT_EQ(states[states.size() - 2], "stopping");
  EXPECT_EQ(states.back(), "stopped");
  // A new session may start while the old one finishes.
  const json again = control.Call("capture.start", {{"device", "talk"}, {"mode", "verbatim"}});
  ASSERT_TRUE(again["ok"]) << again;
  EXPECT_NE(again["result"]["session"], session);
  EXPECT_TRUE(control.Call("capture.stop")["ok"]);
}

}  // namespace
}  // namespace scribed::daemon::testing
