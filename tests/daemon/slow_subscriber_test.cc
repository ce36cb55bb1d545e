// A subscriber that stops reading costs the daemon a bounded queue: once
// Publisher::kSubscriberQueueEvents events wait for it, further events are
// dropped for it alone, while a subscriber that keeps reading gets every one.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>

#include "daemon/zmq/publisher.h"
#include "tests/daemon/daemon_process.h"

namespace scribed::daemon {
namespace {

using nlohmann::json;
using testing::TempDir;
using namespace std::chrono_literals;

// Far more events than one subscriber may have queued, and than the kernel's
// socket buffers hold.
constexpr int kEvents = 20 * Publisher::kSubscriberQueueEvents;
// The reader is let fall at most this far behind, well under the queue bound,
// so it loses nothing however the threads are scheduled.
constexpr int kBatch = Publisher::kSubscriberQueueEvents / 5;

TEST(SlowSubscriberTest, EventsAreDroppedForASubscriberThatNeverReadsOnly) {
  TempDir dir;
  zmq::context_t context;
  Publisher::Options options;
  options.endpoint = "ipc://" + (dir.path() / "run" / "events").string();
  options.run = "5104beef";
  options.heartbeat = std::chrono::hours(1);  // only the test's events
  options.replay_events = 16;
  Publisher publisher(context, options);

  client::EventSubscriber reader(context, options.endpoint);
  // The slow subscriber takes as little as it can into its own process, so
  // what it does not read stays queued in the publisher.
  zmq::socket_t slow(context, zmq::socket_type::sub);
  slow.set(zmq::sockopt::rcvhwm, 1);
  slow.set(zmq::sockopt::rcvbuf, 4096);
  slow.set(zmq::sockopt::subscribe, "");
  slow.set(zmq::sockopt::linger, 0);
  slow.connect(options.endpoint);

  // Both subscriptions are live once each has received a probe (ZeroMQ
  // subscribes asynchronously); probes are published until they have.
  auto slow_next = [&](std::chrono::milliseconds timeout) -> std::optional<json> {
    zmq::pollitem_t item{slow.handle(), 0, ZMQ_POLLIN, 0};
    if (zmq::poll(&item, 1, timeout) == 0) return std::nullopt;
    zmq::message_t topic, body;
    (void)slow.recv(topic);
    (void)slow.recv(body);
    return json::parse(body.to_string_view());
  };
  bool reader_live = false, slow_live = false;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (!(reader_live && slow_live)) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "subscriptions never became live";
    publisher.Publish("job.progress", json{{"probe", true}});
    reader_live = reader_live || reader.Next(10ms).has_value();
    slow_live = slow_live || slow_next(10ms).has_value();
  }
  while (reader.Next(0ms)) {
  }

  // The burst: the reader keeps up batch by batch; the slow one reads nothing.
  uint64_t first = 0, last = 0, expected = 0;
  for (int sent = 0; sent < kEvents; sent += kBatch) {
    for (int i = 0; i < kBatch; ++i) {
      last = publisher.Publish("segment.final", json{{"text", "a line of transcript"}});
      if (first == 0) expected = first = last;
    }
    while (expected <= last) {
      const auto e = reader.Next(30s);
      ASSERT_TRUE(e) << "the reading subscriber stalled";
      const uint64_t seq = e->Json()["seq"];
      if (seq < first) continue;  // a late probe
      ASSERT_EQ(seq, expected++) << "the reading subscriber lost an event";
    }
  }

  // Now the slow subscriber reads what it was left: a prefix of the burst,
  // then a gap. Markers are published until one arrives behind the rest.
  uint64_t received = 0, previous = first - 1;
  bool gap = false;
  const auto drain_deadline = std::chrono::steady_clock::now() + 30s;
  for (;;) {
    ASSERT_LT(std::chrono::steady_clock::now(), drain_deadline);
    const std::optional<json> e = slow_next(100ms);
    if (!e) {
      publisher.Publish("job.progress", json{{"marker", true}});
      continue;
    }
    if (e->contains("marker")) {
      gap = gap || previous != last;  // the burst's tail never came
      break;
    }
    if (e->contains("probe")) continue;
    const uint64_t seq = (*e)["seq"];
    gap = gap || seq != previous + 1;
    previous = seq;
    ++received;
  }
  RecordProperty("slow_subscriber_received", static_cast<int>(received));
  EXPECT_TRUE(gap);
  EXPECT_LT(received, static_cast<uint64_t>(kEvents) / 2)
      << "the daemon queued " << received << " events for a subscriber that never read";
}

}  // namespace
}  // namespace scribed::daemon
