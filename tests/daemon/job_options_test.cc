#include "scribed/protocol/job_options.h"

#include <gtest/gtest.h>

#include <string>

#include "scribed/protocol/protocol.h"

namespace scribed::protocol {
namespace {

using nlohmann::json;

std::string BadArgsMessage(const json& args, JobKind kind) {
  try {
    ParseJobOptions(args, kind);
  } catch (const ProtocolError& e) {
    EXPECT_EQ(e.code(), ErrorCode::kBadArgs);
    return e.what();
  }
  ADD_FAILURE() << "accepted " << args.dump();
  return {};
}

TEST(JobOptions, ParsesOnlyTheFieldsGiven) {
  const JobOptions o = ParseJobOptions(json{{"lang", "de"}, {"path", "/a.wav"}}, JobKind::kFile);
  EXPECT_EQ(o.language, "de");
  EXPECT_FALSE(o.mode);
  EXPECT_FALSE(o.translate_to);
  EXPECT_FALSE(o.outputs);
  EXPECT_EQ(ToJson(o), (json{{"lang", "de"}}));
}

TEST(JobOptions, RoundTripsThroughJson) {
  const JobOptions o{"fr", "verbatim", "English", std::vector<std::string>{"srt", "json"}};
  EXPECT_EQ(ToJson(o), (json{{"lang", "fr"},
                             {"mode", "verbatim"},
                             {"translate_to", "English"},
                             {"outputs", {"srt", "json"}}}));
  EXPECT_EQ(ParseJobOptions(ToJson(o), JobKind::kFile), o);
}

TEST(JobOptions, DefaultsFillOnlyWhatIsUnset) {
  JobOptions asked;
  asked.mode = "verbatim";
  const JobOptions o = WithDefaults(asked, BuiltInJobDefaults());
  EXPECT_EQ(o, (JobOptions{"auto", "verbatim", "", std::vector<std::string>{"txt"}, "text"}));
}

TEST(JobOptions, RejectsBadValuesNamingTheField) {
  EXPECT_EQ(BadArgsMessage(json{{"mode", "loud"}}, JobKind::kFile),
            "argument \"mode\" must be \"clean\" or \"verbatim\"");
  EXPECT_EQ(BadArgsMessage(json{{"outputs", {"txt", "docx"}}}, JobKind::kFile),
            "argument \"outputs\": unknown format \"docx\"");
  EXPECT_NE(BadArgsMessage(json{{"lang", 7}}, JobKind::kCapture).find("lang"), std::string::npos);
  JobOptions capture;
  capture.outputs = std::vector<std::string>{"txt"};
  EXPECT_THROW(Validate(capture, JobKind::kCapture), ProtocolError);
}

TEST(JobOptions, RejectsOverlongLanguagesAndEmptyOutputs) {
  EXPECT_EQ(BadArgsMessage(json{{"lang", std::string(60000, 'x')}}, JobKind::kFile),
            "argument \"lang\" is too long (60000 bytes, at most 64)");
  EXPECT_EQ(BadArgsMessage(json{{"translate_to", std::string(65, 'x')}}, JobKind::kCapture),
            "argument \"translate_to\" is too long (65 bytes, at most 64)");
  EXPECT_EQ(BadArgsMessage(json{{"outputs", json::array()}}, JobKind::kFile),
            "argument \"outputs\" must name at least one format");
  // Without a language table only the length is checked.
  EXPECT_EQ(ParseJobOptions(json{{"lang", "x"}}, JobKind::kFile).language, "x");
}

TEST(JobOptions, CaptureIgnoresOutputs) {
  // capture.start rejects "outputs" as an unknown argument before this runs.
  EXPECT_FALSE(ParseJobOptions(json{{"outputs", {"txt"}}}, JobKind::kCapture).outputs);
}

TEST(JobOptions, TranslationPathIsAFileJobOption) {
  const JobOptions o = ParseJobOptions(json{{"translation_path", "speech"}}, JobKind::kFile);
  EXPECT_EQ(o.translation_path, "speech");
  EXPECT_EQ(ToJson(o), (json{{"translation_path", "speech"}}));
  EXPECT_EQ(BadArgsMessage(json{{"translation_path", "audio"}}, JobKind::kFile),
            "argument \"translation_path\" must be \"text\" or \"speech\"");
  // capture.start rejects it as an unknown argument before this runs.
  EXPECT_FALSE(
      ParseJobOptions(json{{"translation_path", "speech"}}, JobKind::kCapture).translation_path);
}

TEST(JobOptions, SplitList) {
  EXPECT_EQ(SplitList("txt, srt,,json "), (std::vector<std::string>{"txt", "srt", "json"}));
  EXPECT_TRUE(SplitList("").empty());
  EXPECT_TRUE(SplitList(" , ").empty());
}

}  // namespace
}  // namespace scribed::protocol
