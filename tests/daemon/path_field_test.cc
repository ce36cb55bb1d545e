#include "scribed/protocol/path_field.h"

#include <gtest/gtest.h>

#include <functional>

#include "scribed/protocol/protocol.h"

namespace scribed::protocol {
namespace {

using nlohmann::json;

ErrorCode CodeOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const ProtocolError& e) {
    return e.code();
  }
  ADD_FAILURE() << "no ProtocolError";
  return ErrorCode::kInternal;
}

TEST(PathField, Utf8PathsTravelAsThemselves) {
  json o = json::object();
  SetPath(o, "/home/ann/caf\xc3\xa9.wav");
  EXPECT_EQ(o, (json{{"path", "/home/ann/caf\xc3\xa9.wav"}}));
  EXPECT_EQ(RequirePath(o), "/home/ann/caf\xc3\xa9.wav");
  EXPECT_EQ(PathOf(o), "/home/ann/caf\xc3\xa9.wav");
}

TEST(PathField, OtherBytesTravelAsBase64BesideAReadableForm) {
  const std::string latin1 = "/home/ann/caf\xe9.wav";
  json o = json::object();
  SetPath(o, latin1);
  EXPECT_EQ(o["path"], "/home/ann/caf\xef\xbf\xbd.wav");
  EXPECT_EQ(o["path_b64"], "L2hvbWUvYW5uL2NhZukud2F2");
  EXPECT_NO_THROW((void)o.dump());  // valid JSON text, unlike the raw bytes
  EXPECT_EQ(PathOf(json::parse(o.dump())), latin1);
  // A request carries the same fields; path_b64 alone is enough.
  EXPECT_EQ(RequirePath(o), latin1);
  EXPECT_EQ(RequirePath(json{{"path_b64", o["path_b64"]}, {"lang", "de"}}), latin1);
  // Setting a UTF-8 path again drops the stale path_b64.
  SetPath(o, "/a.wav");
  EXPECT_EQ(o, (json{{"path", "/a.wav"}}));
}

TEST(PathField, RequestsNameAUsablePath) {
  for (const json& args : {json::object(), json{{"path", nullptr}}, json{{"path", 42}},
                           json{{"path_b64", "not base64!"}}, json{{"path_b64", 7}},
                           json{{"path", "/a"}, {"path_b64", "L2E"}},  // path_b64 decides
                           json{{"path", std::string("/a\0b", 4)}},
                           json{{"path_b64", "L2EAYg=="}}}) {  // "/a\0b"
    EXPECT_EQ(CodeOf([&] { RequirePath(args); }), ErrorCode::kBadArgs) << args.dump();
  }
  try {
    RequirePath(json{{"path_b64", "%%%%"}});
  } catch (const ProtocolError& e) {
    EXPECT_STREQ(e.what(), "argument \"path_b64\" is not base64");
  }
  EXPECT_EQ(CodeOf([] { PathOf(json{{"job", "j-1"}}); }), ErrorCode::kBadJson);
}

}  // namespace
}  // namespace scribed::protocol
