// The deterministic clean-up of the clean mode: each rule on its own, then the
// whole pass, including the text shapes models produce.
#include <gtest/gtest.h>

#include "scribed/pipeline/text_tidy.h"

namespace scribed::pipeline {
namespace {

TEST(CollapseWhitespace, JoinsRunsTrimsAndTightensPunctuation) {
  EXPECT_EQ(CollapseWhitespace("  hello \n\t world  "), "hello world");
  EXPECT_EQ(CollapseWhitespace("yes , no ; maybe !"), "yes, no; maybe!");
  EXPECT_EQ(CollapseWhitespace("a,, b"), "a, b");
  EXPECT_EQ(CollapseWhitespace("wait ... what ?"), "wait... what?");
  EXPECT_EQ(CollapseWhitespace(""), "");
  EXPECT_EQ(CollapseWhitespace(" \n "), "");
  EXPECT_EQ(CollapseWhitespace("Grüße ,  Jürgen"), "Grüße, Jürgen");
}

TEST(RemoveFillers, DropsFillersWithTheirCommas) {
  EXPECT_EQ(RemoveFillers("so um I think"), "so I think");
  EXPECT_EQ(RemoveFillers("So, um, I think"), "So, I think");
  EXPECT_EQ(RemoveFillers("Um, I think"), "I think");
  EXPECT_EQ(RemoveFillers("UH I think uhh"), "I think");
  EXPECT_EQ(RemoveFillers("we went there er erm hmm hm mm umm yesterday"), "we went there yesterday");
}

TEST(RemoveFillers, KeepsTheSentenceEndAFillerCarried) {
  EXPECT_EQ(RemoveFillers("that is it um. Next"), "that is it. Next");
  EXPECT_EQ(RemoveFillers("really, uh?"), "really?");
  EXPECT_EQ(RemoveFillers("done. um."), "done.");
  EXPECT_EQ(RemoveFillers("yes, um"), "yes");
}

TEST(RemoveFillers, LeavesWordsThatOnlyContainFillers) {
  EXPECT_EQ(RemoveFillers("umbrella hummus error human"), "umbrella hummus error human");
  EXPECT_EQ(RemoveFillers("uh-huh, mhm"), "uh-huh, mhm");  // these mean yes
  EXPECT_EQ(RemoveFillers("um"), "");
}

TEST(SentenceCase, CapitalisesSentenceStartsOnly) {
  EXPECT_EQ(SentenceCase("hello. how are you? fine! ok"), "Hello. How are you? Fine! Ok");
  EXPECT_EQ(SentenceCase("pi is 3.14 today. yes"), "Pi is 3.14 today. Yes");
  EXPECT_EQ(SentenceCase("\"quoted\" start"), "\"Quoted\" start");
  EXPECT_EQ(SentenceCase("2 cats. éclair stays"), "2 cats. éclair stays");
  EXPECT_EQ(SentenceCase("ALREADY Upper"), "ALREADY Upper");
  EXPECT_EQ(SentenceCase(""), "");
}

TEST(TidyText, WholePass) {
  EXPECT_EQ(TidyText("  um so i think  we should , uh, go ", true), "So I think we should, go.");
  EXPECT_EQ(TidyText("i'm here. i'll stay", true), "I'm here. I'll stay.");
  EXPECT_EQ(TidyText("i vini", false), "I vini.");  // only sentence case outside English
  EXPECT_EQ(TidyText("is it done?", false), "Is it done?");
  EXPECT_EQ(TidyText("ending with a comma,", false), "Ending with a comma.");
  EXPECT_EQ(TidyText("今日は良い天気", false), "今日は良い天気");  // no ASCII full stop
  EXPECT_EQ(TidyText("um uh", true), "");
  EXPECT_EQ(TidyText("", true), "");
}

TEST(TidyText, IsIdempotent) {
  for (const char* s : {"  um so i think  we should , uh, go ", "hello. how are you? fine! ok",
                        "that is it um. next", "a,, b ; c"}) {
    const std::string once = TidyText(s, true);
    EXPECT_EQ(TidyText(once, true), once) << s;
  }
}

}  // namespace
}  // namespace scribed::pipeline
