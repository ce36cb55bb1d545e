// The wire codec: round trips, and rejection of every malformed shape with
// the right error code.
#include "scribed/protocol/protocol.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace scribed::protocol {
namespace {

using nlohmann::json;

ErrorCode CodeOf(std::string_view bytes) {
  try {
    ParseRequest(bytes);
  } catch (const ProtocolError& e) {
    return e.code();
  }
  ADD_FAILURE() << "accepted: " << bytes;
  return ErrorCode::kInternal;
}

TEST(ProtocolTest, RequestRoundTrip) {
  Request r{"c-9", "transcribe", {{"path", "/m/a b.flac"}, {"translate_to", {"de", "fr"}}}};
  const Request back = ParseRequest(EncodeRequest(r));
  EXPECT_EQ(back.id, "c-9");
  EXPECT_EQ(back.cmd, "transcribe");
  EXPECT_EQ(back.args, r.args);
}

TEST(ProtocolTest, ArgsAndIdAreOptional) {
  const Request r = ParseRequest(R"({"v":1,"cmd":"status"})");
  EXPECT_EQ(r.id, "");
  EXPECT_TRUE(r.args.is_object());
  EXPECT_TRUE(r.args.empty());
}

TEST(ProtocolTest, ReplyRoundTrip) {
  const Reply ok = ParseReply(EncodeReply(Reply::Ok("x", {{"job", "j-1"}})));
  EXPECT_TRUE(ok.ok);
  EXPECT_EQ(ok.id, "x");
  EXPECT_EQ(ok.result["job"], "j-1");
  for (ErrorCode code :
       {ErrorCode::kBadJson, ErrorCode::kUnknownCmd, ErrorCode::kBadArgs, ErrorCode::kTooLarge,
        ErrorCode::kNotFound, ErrorCode::kBusy, ErrorCode::kInternal}) {
    const Reply err = ParseReply(EncodeReply(Reply::Error("y", code, "why")));
    EXPECT_FALSE(err.ok);
    EXPECT_EQ(err.code, code);
    EXPECT_EQ(err.message, "why");
    EXPECT_EQ(ParseErrorCode(ErrorCodeName(code)), code);
  }
}

TEST(ProtocolTest, EventRoundTripKeepsEnvelopeAndFields) {
  Event e;
  e.type = std::string(topic::kSegmentFinal);
  e.run = "7f3c9a12";
  e.seq = 4812;
  e.ts_ms = 1763900412345;
  e.session = "s-3";
  e.segment = 57;
  e.fields = {{"text", "Hello."}, {"t0_ms", 1000}, {"flags", json::array()}};
  const json doc = json::parse(EncodeEventBody(e));
  EXPECT_EQ(doc["v"], kVersion);
  EXPECT_EQ(doc["type"], "segment.final");
  EXPECT_TRUE(doc["job"].is_null());
  const Event back = ParseEvent("segment.final", EncodeEventBody(e));
  EXPECT_EQ(back.seq, 4812u);
  EXPECT_EQ(back.run, "7f3c9a12");
  EXPECT_EQ(back.ts_ms, 1763900412345);
  EXPECT_EQ(back.session, "s-3");
  EXPECT_FALSE(back.job.has_value());
  EXPECT_EQ(back.segment, 57);
  EXPECT_EQ(back.fields, e.fields);
}

TEST(ProtocolTest, EventTopicMustMatchType) {
  Event e;
  e.type = "job.done";
  e.run = "r";
  EXPECT_THROW(ParseEvent("job.failed", EncodeEventBody(e)), ProtocolError);
  EXPECT_THROW(ParseEvent("job.done", R"({"v":1,"type":"job.done"})"), ProtocolError);
  EXPECT_THROW(ParseEvent("job.done", R"({"v":2,"type":"job.done","run":"r","seq":1,"ts":1,)"
                                      R"("session":null,"job":null,"segment":null})"),
               ProtocolError);
  EXPECT_THROW(ParseEvent("job.done", R"({"v":1,"type":"job.done","run":"r","seq":-1,"ts":1,)"
                                      R"("session":null,"job":null,"segment":null})"),
               ProtocolError);
}

TEST(ProtocolTest, NoTopicIsAPrefixOfAnother) {
  const auto& all = AllTopics();
  for (auto a : all) {
    EXPECT_NE(a.find('.'), std::string_view::npos) << a;
    for (auto b : all) {
      if (a != b) {
        EXPECT_NE(b.rfind(a, 0), 0u) << a << " is a prefix of " << b;
      }
    }
  }
}

TEST(ProtocolTest, RejectsMalformedRequests) {
  EXPECT_EQ(CodeOf(""), ErrorCode::kBadJson);
  EXPECT_EQ(CodeOf("{"), ErrorCode::kBadJson);
  EXPECT_EQ(CodeOf("[1,2]"), ErrorCode::kBadJson);
  EXPECT_EQ(CodeOf("\"status\""), ErrorCode::kBadJson);
  EXPECT_EQ(CodeOf(R"({"cmd":"status"})"), ErrorCode::kBadJson);          // no v
  EXPECT_EQ(CodeOf(R"({"v":"1","cmd":"status"})"), ErrorCode::kBadJson);  // v not integer
  EXPECT_EQ(CodeOf(R"({"v":99,"cmd":"status"})"), ErrorCode::kBadJson);   // future version
  EXPECT_EQ(CodeOf(R"({"v":1})"), ErrorCode::kBadJson);                   // no cmd
  EXPECT_EQ(CodeOf(R"({"v":1,"cmd":7})"), ErrorCode::kBadJson);
  EXPECT_EQ(CodeOf(R"({"v":1,"cmd":"status","id":5})"), ErrorCode::kBadJson);
  EXPECT_EQ(CodeOf(R"({"v":1,"cmd":"status","args":[1]})"), ErrorCode::kBadArgs);
  EXPECT_EQ(CodeOf("{\"v\":1,\"cmd\":\"\xff\xfe\"}"), ErrorCode::kBadJson);  // not UTF-8
  EXPECT_EQ(CodeOf(std::string(1000, '[') + std::string(1000, ']')), ErrorCode::kBadJson);
  std::string big =
      R"({"v":1,"cmd":"status","args":{"pad":")" + std::string(kMaxRequestBytes, 'x') + "\"}}";
  EXPECT_EQ(CodeOf(big), ErrorCode::kTooLarge);
}

TEST(ProtocolTest, SalvagesIdOfRejectedRequest) {
  EXPECT_EQ(SalvageRequestId(R"({"v":9,"id":"c-1","cmd":"x"})"), "c-1");
  EXPECT_EQ(SalvageRequestId("not json"), "");
  EXPECT_EQ(SalvageRequestId(R"({"id":3})"), "");
}

TEST(ProtocolTest, TypedArgumentsNameTheField) {
  const json args =
      json::parse(R"({"path":"/a","n":5,"big":18446744073709551615,"flag":true,"list":["a",1]})");
  EXPECT_EQ(RequireString(args, "path"), "/a");
  EXPECT_EQ(OptionalInt(args, "n", 0, 10), 5);
  EXPECT_EQ(OptionalInt(args, "missing", 0, 10), std::nullopt);
  try {
    OptionalInt(args, "n", 0, 3);
    FAIL();
  } catch (const ProtocolError& e) {
    EXPECT_EQ(e.code(), ErrorCode::kBadArgs);
    EXPECT_NE(std::string(e.what()).find("\"n\""), std::string::npos) << e.what();
  }
  EXPECT_THROW(OptionalInt(args, "big", 0, INT64_MAX), ProtocolError);
  EXPECT_THROW(RequireString(args, "n"), ProtocolError);
  EXPECT_THROW(RequireString(args, "missing"), ProtocolError);
  EXPECT_THROW(OptionalBool(args, "n"), ProtocolError);
  EXPECT_THROW(OptionalStringList(args, "list"), ProtocolError);
  EXPECT_EQ(OptionalStringList(args, "path"), std::vector<std::string>{"/a"});
  EXPECT_THROW(RejectUnknownArgs(args, {"path"}), ProtocolError);
  EXPECT_NO_THROW(RejectUnknownArgs(args, {"path", "n", "big", "flag", "list"}));
}

TEST(ProtocolTest, RandomBytesNeverCrashTheParser) {
  std::mt19937 rng(7);
  const std::string alphabet = "{}[]\":,0123456789.-etrufalsn \\vcmdid";
  for (int i = 0; i < 5000; ++i) {
    std::string s(rng() % 64, ' ');
    for (char& c : s) c = alphabet[rng() % alphabet.size()];
    try {
      ParseRequest(s);
    } catch (const ProtocolError&) {
    }
  }
}

}  // namespace
}  // namespace scribed::protocol
