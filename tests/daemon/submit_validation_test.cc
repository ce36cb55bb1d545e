// Job options checked at submit with the daemon's language lookup
// (protocol::Validate with IsKnownLanguage), as `transcribe` and
// `capture.start` do.
#include <gtest/gtest.h>

#include <string>

#include "daemon/adapters/pipeline_options.h"
#include "scribed/protocol/job_options.h"
#include "scribed/protocol/protocol.h"

namespace scribed::daemon {
namespace {

using nlohmann::json;
using protocol::JobKind;

std::string Refusal(const json& args, JobKind kind) {
  try {
    protocol::ParseJobOptions(args, kind, IsKnownLanguage);
  } catch (const protocol::ProtocolError& e) {
    EXPECT_EQ(e.code(), protocol::ErrorCode::kBadArgs);
    return e.what();
  }
  ADD_FAILURE() << "accepted " << args.dump();
  return {};
}

TEST(SubmitValidation, UnknownLanguagesAreRefusedNamingTheField) {
  EXPECT_EQ(Refusal(json{{"lang", "x"}}, JobKind::kFile), "argument \"lang\": unknown language \"x\"");
  EXPECT_EQ(Refusal(json{{"translate_to", "Klingon"}}, JobKind::kFile),
            "argument \"translate_to\": unknown language \"Klingon\"");
  EXPECT_EQ(Refusal(json{{"translate_to", "auto"}}, JobKind::kCapture),
            "argument \"translate_to\": unknown language \"auto\"");
  EXPECT_NE(Refusal(json{{"lang", std::string(60000, 'a')}}, JobKind::kFile).find("too long"),
            std::string::npos);
}

TEST(SubmitValidation, KnownLanguagesCodesNamesAndAutoPass) {
  for (const char* lang : {"de", "German", "pt-BR", "auto", "AUTO", ""}) {
    EXPECT_EQ(protocol::ParseJobOptions(json{{"lang", lang}}, JobKind::kFile, IsKnownLanguage)
                  .language,
              lang);
  }
  EXPECT_EQ(protocol::ParseJobOptions(json{{"translate_to", ""}}, JobKind::kFile, IsKnownLanguage)
                .translate_to,
            "");
  EXPECT_EQ(
      protocol::ParseJobOptions(json{{"translate_to", "fr"}}, JobKind::kCapture, IsKnownLanguage)
          .translate_to,
      "fr");
}

}  // namespace
}  // namespace scribed::daemon
