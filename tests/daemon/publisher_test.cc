// The publisher's ordering guarantee: an event is in the replay log when
// Publish returns, seqs are gap-free across threads, the socket sends in seq
// order, and nothing a producer does while publishing can stall it.
#include "daemon/zmq/publisher.h"

#include <gtest/gtest.h>

#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "tests/daemon/daemon_process.h"

namespace scribed::daemon {
namespace {

using nlohmann::json;
using testing::Subscriber;
using testing::TempDir;

Publisher::Options OptionsIn(const TempDir& dir, std::chrono::milliseconds heartbeat) {
  Publisher::Options o;
  o.endpoint = "ipc://" + (dir.path() / "run" / "events").string();
  o.run = "0000beef";
  o.heartbeat = heartbeat;
  o.replay_events = 1 << 20;
  return o;
}

TEST(PublisherTest, EveryEventIsInTheReplayLogWhenPublishReturns) {
  TempDir dir;
  zmq::context_t context;
  Publisher publisher(context, OptionsIn(dir, std::chrono::milliseconds(1)));
  constexpr int kThreads = 4, kEach = 2000;
  std::atomic<int> missing{0};
  std::vector<std::thread> producers;
  for (int t = 0; t < kThreads; ++t) {
    producers.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const uint64_t seq =
            publisher.Publish("job.progress", json{{"t", t}, {"i", i}}, EventIds{{}, "j-1", {}});
        const ReplayLog::Slice s = publisher.replay().Since(seq - 1, 1);
        if (s.bodies.size() != 1 || json::parse(s.bodies[0])["seq"] != seq) ++missing;
      }
    });
  }
  for (auto& p : producers) p.join();
  EXPECT_EQ(missing.load(), 0);
  publisher.Stop();  // no more heartbeats
  // Heartbeats interleave with the producers' events; together they are gap-free.
  const ReplayLog::Slice all = publisher.replay().Since(0, SIZE_MAX);
  ASSERT_GE(all.bodies.size(), size_t{kThreads * kEach});
  int from_producers = 0;
  for (size_t i = 0; i < all.bodies.size(); ++i) {
    const json e = json::parse(all.bodies[i]);
    EXPECT_EQ(e["seq"], i + 1);
    from_producers += e["type"] == "job.progress";
  }
  EXPECT_EQ(from_producers, kThreads * kEach);
  EXPECT_EQ(publisher.last_seq(), all.bodies.size());
}

TEST(PublisherTest, SocketCarriesTheLoggedStreamInSeqOrder) {
  TempDir dir;
  zmq::context_t context;
  // No heartbeats: everything this subscriber has not read yet must fit in
  // what the publisher queues for one subscriber.
  const Publisher::Options options = OptionsIn(dir, std::chrono::hours(1));
  Publisher publisher(context, options);
  Subscriber sub(context, options.endpoint);
  // The subscription is live once a probe arrives (slow joiner).
  std::optional<std::pair<std::string, json>> first;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!first) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the subscription never became live";
    publisher.Publish("job.progress", json{{"probe", true}});
    first = sub.Next(std::chrono::milliseconds(10));
  }
  constexpr int kEach = Publisher::kSubscriberQueueEvents / 4;
  std::vector<std::thread> producers;
  for (int t = 0; t < 3; ++t) {
    producers.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) publisher.Publish("segment.final", json{{"text", "x"}});
    });
  }
  for (auto& p : producers) p.join();
  const uint64_t last = publisher.last_seq();
  publisher.Stop();  // sends everything published before it
  uint64_t expect = first->second["seq"].get<uint64_t>() + 1;
  const ReplayLog::Slice logged = publisher.replay().Since(expect - 1, SIZE_MAX);
  size_t i = 0;
  while (expect <= last) {
    auto e = sub.Next(std::chrono::seconds(5));
    ASSERT_TRUE(e) << "missing seq " << expect;
    ASSERT_EQ(e->second["seq"], expect);
    ASSERT_LT(i, logged.bodies.size());
    EXPECT_EQ(e->second, json::parse(logged.bodies[i++]));
    ++expect;
  }
  // Publishing after Stop is refused quietly.
  EXPECT_EQ(publisher.Publish("segment.final", json::object()), 0u);
}

TEST(PublisherTest, HeartbeatFieldsMayTakeALockThatProducersHold) {
  TempDir dir;
  zmq::context_t context;
  std::mutex sessions_mu;
  Publisher::Options o = OptionsIn(dir, std::chrono::milliseconds(1));
  o.heartbeat_fields = [&] {
    std::lock_guard lock(sessions_mu);
    return json{{"sessions", json::array()}};
  };
  Publisher publisher(context, o);
  // A producer that publishes a burst far beyond the partial-drop threshold
  // while holding the lock the heartbeat needs must neither block nor lose
  // a non-droppable event.
  {
    std::lock_guard lock(sessions_mu);
    for (int i = 0; i < 30000; ++i) ASSERT_GT(publisher.Publish("job.progress", json::object()), 0u);
  }
  publisher.Stop();
  EXPECT_GE(publisher.last_seq(), 30000u);
}

}  // namespace
}  // namespace scribed::daemon
