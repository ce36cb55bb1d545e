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
#include "tests/support/faulty_pcm.h"
#include "tests/support/programs.h"
#include "tests/support/golden_model.h"
#include "tests/support/read_file.h"

namespace scribed::daemon::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

using scribed::testing::GoldenDir;

using scribed::testing::ReadFile;

// The model, and a recording of several utterances separated by silence, so
// a job has several clips.
class DaemonJobTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    shared_ = new TempDir();
    scribed::testing::WriteTinyModel(Model(), Mmproj());
    const std::vector<float> speech = audio::DecodeFile(GoldenDir() / "speech16k.wav");
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
  if (!scribed::testing::HaveProgram("ffmpeg")) GTEST_SKIP() << "ffmpeg is not installed";
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
  const std::vector<float> speech = audio::DecodeFile(GoldenDir() / "speech16k.wav");
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

// A session's events, read through `replay` (no slow-joiner race) as they
// arrive.
class SessionEvents {
 public:
  SessionEvents(ControlClient& control, uint64_t since, std::string session)
      : control_(control), seq_(since), session_(std::move(session)) {}
  // The first capture.state not yet returned whose state is `state`; fails
  // the test (returns null) after 60 s.
  json Next(const std::string& state) { return Find(state, next_); }
  // The first capture.state with `state` at all, returned before or not.
  json Any(const std::string& state) {
    size_t from = 0;
    return Find(state, from);
  }
  const std::vector<json>& states() const { return states_; }

 private:
  json Find(const std::string& state, size_t& from) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (true) {
      for (; from < states_.size(); ++from) {
        if (states_[from]["state"] == state) return states_[from++];
      }
      if (std::chrono::steady_clock::now() > deadline) {
        std::string seen;
        for (const json& e : states_) seen += e["state"].get<std::string>() + " ";
        ADD_FAILURE() << "no capture.state " << state << " after: " << seen;
        return json();
      }
      if (!Poll()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  // Reads what is new; false when nothing was.
  bool Poll() {
    const json r = control_.Call("replay", {{"since_seq", seq_}})["result"];
    bool any = false;
    for (const json& e : r["events"]) {
      seq_ = e["seq"];
      any = true;
      if (e["type"] == "capture.state" && e["session"] == session_) states_.push_back(e);
    }
    return any;
  }

  ControlClient& control_;
  uint64_t seq_;
  std::string session_;
  std::vector<json> states_;
  size_t next_ = 0;
};

// A live session on a capture device that fails when the test says so
// (tests/support/faulty_pcm.h): an overrun is counted in capture.state, the
// device is pulled (lost) and put back (recovered, with the gap), and audio
// delivered faster than the model takes it fills the queue (behind, then
// overrun with the audio dropped).
TEST_F(DaemonJobTest, LiveSessionReportsCaptureFaults) {
  TempDir dir;
  {
    // Long enough that the flood at the end still carries speech.
    const std::vector<float> speech = audio::DecodeFile(GoldenDir() / "speech16k.wav");
    const std::vector<float> silence(audio::kOutputRate, 0.0f);
    audio::WavWriter wav(dir.path() / "talk.wav", audio::kOutputRate, 1,
                         audio::WavEncoding::kFloat32);
    for (int i = 0; i < 20; ++i) {
      wav.Write(speech);
      wav.Write(silence);
    }
  }
  // 100 ms periods: reading a chunk costs the capture thread far less than
  // segmenting it costs the inference thread, so a flood fills the queue.
  scribed::testing::FaultyPcm pcm(dir.path(), {.wav = dir.path() / "talk.wav", .period_ms = 100});
  scribed::testing::UseAlsaConfig(dir.path(), pcm.AsoundrcText());
  std::vector<std::string> flags = ModelFlags();
  flags.insert(flags.end(), {"--capture-queue-s", "5"});
  DaemonProcess daemon(dir.path(), flags);
  ::unsetenv("ALSA_CONFIG_PATH");
  zmq::context_t context;
  ControlClient control(context, daemon.control());
  const uint64_t before = control.Call("status")["result"]["seq"];
  const json started =
      control.Call("capture.start", {{"device", pcm.name()}, {"mode", "verbatim"}});
  ASSERT_TRUE(started["ok"]) << started;
  SessionEvents events(control, before, started["result"]["session"]);

  const json first = events.Next("started");
  ASSERT_FALSE(first.is_null());
  EXPECT_EQ(first["xruns"], 0);

  // Audio has reached the session before anything goes wrong.
  ASSERT_TRUE(pcm.WaitFor([](const auto& r) { return r.runs >= 1; }));
  pcm.Xrun();
  ASSERT_TRUE(pcm.WaitFor([](const auto& r) { return r.xruns == 1; }));
  pcm.Unplug(ENODEV);
  const json lost = events.Next("lost");
  ASSERT_FALSE(lost.is_null());
  EXPECT_EQ(lost["xruns"], 1) << lost;  // counted when the read met it, before the loss
  EXPECT_NE(lost["error"].get<std::string>().find("disconnected"), std::string::npos) << lost;
  EXPECT_GT(lost["retry_in_ms"].get<int64_t>(), 0);
  ASSERT_TRUE(pcm.WaitFor([](const auto& r) { return r.refused >= 1; }));  // stays away
  pcm.Replug();
  const json recovered = events.Next("recovered");
  ASSERT_FALSE(recovered.is_null());
  EXPECT_EQ(recovered["xruns"], 1) << recovered;
  // The audio after the outage is stamped later by the time the device was away.
  json gap;
  while (gap.is_null() || !gap.contains("gap_ms")) {
    gap = events.Next("recovered");
    ASSERT_FALSE(gap.is_null()) << "no recovered with gap_ms";
  }
  EXPECT_GT(gap["gap_ms"].get<int64_t>(), 0) << gap;

  // As fast as the daemon reads. (A slow machine may fall behind earlier,
  // at real-time pace: these two are looked for among all the events.)
  pcm.SetSpeed(0);
  const json behind = events.Any("behind");
  ASSERT_FALSE(behind.is_null());
  EXPECT_GT(behind["queue_ms"].get<int64_t>(), 5000 / 4) << behind;
  const json overrun = events.Any("overrun");
  ASSERT_FALSE(overrun.is_null());
  EXPECT_GT(overrun["dropped_ms"].get<int64_t>(), 0) << overrun;

  // Up to capture_queue_s of audio is still to be transcribed when the stop
  // is asked for; it may take a while before the reply on a busy machine.
  const json request{{"v", 1}, {"id", "stop"}, {"cmd", "capture.stop"}, {"args", json::object()}};
  const auto reply = control.Raw({request.dump()}, std::chrono::seconds(120));
  ASSERT_TRUE(reply) << "no reply to capture.stop";
  EXPECT_TRUE(json::parse(*reply)["ok"]) << *reply;
  const json last = events.Next("stopped");
  ASSERT_FALSE(last.is_null());
  EXPECT_EQ(last["xruns"], 1) << last;
  EXPECT_EQ(pcm.Read().xruns, 1u);
  for (const json& e : events.states()) {
    EXPECT_TRUE(e["xruns"].is_number_unsigned()) << e;
    protocol::ParseEvent("capture.state", e.dump());  // schema
  }
}

}  // namespace
}  // namespace scribed::daemon::testing
