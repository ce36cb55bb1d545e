// The client library against in-process stand-ins for the daemon's sockets.
#include "scribed/client/client.h"

#include <gtest/gtest.h>

#include <chrono>
#include <iterator>
#include <thread>
#include <zmq_addon.hpp>

namespace scribed::client {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// A ROUTER that answers one request with `reply` (echoing the routing frames).
std::thread AnswerOnce(zmq::socket_t& router, std::string reply) {
  return std::thread([&router, reply = std::move(reply)] {
    std::vector<zmq::message_t> frames;
    (void)zmq::recv_multipart(router, std::back_inserter(frames));
    router.send(frames[0], zmq::send_flags::sndmore);  // the peer's routing id
    router.send(zmq::message_t(), zmq::send_flags::sndmore);
    router.send(zmq::buffer(reply), zmq::send_flags::none);
  });
}

TEST(ControlClient, CallReturnsTheResultOrThrowsTheDaemonsError) {
  zmq::context_t context;
  zmq::socket_t router(context, zmq::socket_type::router);
  router.bind("inproc://control");
  ControlClient control(context, "inproc://control");

  std::thread t =
      AnswerOnce(router, protocol::EncodeReply(protocol::Reply::Ok("scribe", {{"job", "j-1"}})));
  EXPECT_EQ(control.Call("transcribe", {{"path", "/a.wav"}}), (json{{"job", "j-1"}}));
  t.join();

  t = AnswerOnce(router, protocol::EncodeReply(protocol::Reply::Error(
                             "scribe", protocol::ErrorCode::kNotFound, "no such job")));
  try {
    control.Call("result", {{"job", "j-9"}});
    ADD_FAILURE() << "no error";
  } catch (const DaemonError& e) {
    EXPECT_EQ(e.code(), protocol::ErrorCode::kNotFound);
    EXPECT_STREQ(e.what(), "result: not_found: no such job");
  }
  t.join();
}

TEST(ControlClient, NoAnswerIsADaemonErrorWithoutCode) {
  zmq::context_t context;
  zmq::socket_t router(context, zmq::socket_type::router);
  router.bind("inproc://silent");
  ControlClient control(context, "inproc://silent");
  try {
    control.Call("status", json::object(), 50ms);
    ADD_FAILURE() << "no error";
  } catch (const DaemonError& e) {
    EXPECT_FALSE(e.code());
    EXPECT_NE(std::string(e.what()).find("inproc://silent"), std::string::npos) << e.what();
  }
}

TEST(EventSubscriber, ReceivesOnlyTheSubscribedTopics) {
  zmq::context_t context;
  zmq::socket_t pub(context, zmq::socket_type::pub);
  pub.bind("inproc://events");
  EventSubscriber sub(context, "inproc://events", {"job."});
  // Subscriptions reach the publisher asynchronously: publish until one arrives.
  std::optional<ReceivedEvent> got;
  for (int i = 0; i < 200 && !got; ++i) {
    pub.send(zmq::buffer(std::string("daemon.heartbeat")), zmq::send_flags::sndmore);
    pub.send(zmq::buffer(std::string("{}")), zmq::send_flags::none);
    pub.send(zmq::buffer(std::string("job.done")), zmq::send_flags::sndmore);
    pub.send(zmq::buffer(std::string(R"({"v":1,"type":"job.done"})")), zmq::send_flags::none);
    got = sub.Next(10ms);
  }
  ASSERT_TRUE(got);
  EXPECT_EQ(got->topic, "job.done");
  EXPECT_EQ(got->Json()["type"], "job.done");
  while (auto more = sub.Next(20ms)) EXPECT_EQ(more->topic, "job.done");
}

}  // namespace
}  // namespace scribed::client
