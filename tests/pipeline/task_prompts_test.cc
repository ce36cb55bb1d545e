// The task wording the pipeline sends (the model card's ASR and AST
// instructions) and the reading of AST answers.
#include "pipeline/prompts/task_prompts.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace scribed::pipeline::prompts {
namespace {

TEST(TaskPrompts, AsrInstructionMatchesModelCard) {
  EXPECT_EQ(AsrInstruction("English"),
            "Transcribe the following speech segment in English into English text.\n\n"
            "Follow these specific instructions for formatting the answer:\n"
            "* Only output the transcription, with no newlines.\n"
            "* When transcribing numbers, write the digits, i.e. write 1.7 and not one point "
            "seven, and write 3 instead of three.");
  const std::string auto_lang = AsrInstruction("Auto");
  EXPECT_EQ(auto_lang.rfind("Transcribe the following speech segment in its original language.", 0),
            0u);
  EXPECT_EQ(auto_lang, AsrInstruction(""));
  EXPECT_NE(auto_lang.find("* Only output the transcription, with no newlines."),
            std::string::npos);
}

TEST(TaskPrompts, AstInstructionMatchesModelCard) {
  EXPECT_EQ(AstInstruction("German", "English"),
            "Transcribe the following speech segment in German, then translate it into English. "
            "When formatting the answer, first output the transcription in German, then one "
            "newline, then output the string 'English: ', then the translation in English.");
  EXPECT_EQ(AstInstruction("auto", "French"),
            "Transcribe the following speech segment in its original language, then translate it "
            "into French. When formatting the answer, first output the transcription in the "
            "original language, then one newline, then output the string 'French: ', then the "
            "translation in French.");
  EXPECT_THROW(AstInstruction("German", "auto"), std::invalid_argument);
}

TEST(TaskPrompts, IsAutoLanguage) {
  EXPECT_TRUE(IsAutoLanguage(""));
  EXPECT_TRUE(IsAutoLanguage(" AUTO "));
  EXPECT_FALSE(IsAutoLanguage("Automatic"));
  EXPECT_FALSE(IsAutoLanguage("English"));
}

TEST(TaskPrompts, SplitTranslation) {
  TranslationParts p = SplitTranslation("Guten Tag.\nEnglish: Good day.", "English");
  EXPECT_TRUE(p.complete);
  EXPECT_EQ(p.transcript, "Guten Tag.");
  EXPECT_EQ(p.translation, "Good day.");
  p = SplitTranslation("Guten Tag.\nGood day.", "English");
  EXPECT_EQ(p.translation, "Good day.");
  p = SplitTranslation("Guten Tag.", "English");
  EXPECT_FALSE(p.complete);
  EXPECT_EQ(p.transcript, "Guten Tag.");
  EXPECT_EQ(p.translation, "");
}

TEST(TaskPrompts, TextTranslationNamesTheSourceWhenKnown) {
  EXPECT_EQ(TextTranslationInstruction("", "French").rfind("Translate the following text into French.", 0), 0u);
  EXPECT_EQ(TextTranslationInstruction("German", "French")
                .rfind("Translate the following text from German into French.", 0),
            0u);
  EXPECT_NE(FormatInstruction().find("Transcript:"), std::string::npos);
}

}  // namespace
}  // namespace scribed::pipeline::prompts
