#include "scribed/engine/prompt_text.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace scribed::engine {
namespace {

PromptSpec Spec(std::string instruction, AudioPlacement audio, bool thought_block,
                std::string system = "") {
  return PromptSpec{std::move(instruction), audio, std::move(system), thought_block};
}

TEST(PromptTest, AsrPromptWithAudioAfterTextAndThinkingOff) {
  EXPECT_EQ(RenderPrompt(Spec("  Transcribe.\n", AudioPlacement::kAfterText, true)),
            "<|turn>user\nTranscribe.<__media__><turn|>\n"
            "<|turn>model\n<|channel>thought\n<channel|>");
}

TEST(PromptTest, GoldenAudioLayoutAndBareModelTurn) {
  // The golden references' audio prompt text, byte for byte.
  EXPECT_EQ(RenderPrompt(Spec("Transcribe this audio.", AudioPlacement::kBeforeText, false)),
            "<|turn>user\n<__media__>Transcribe this audio.<turn|>\n<|turn>model\n");
}

TEST(PromptTest, TextPromptAndSystemTurn) {
  EXPECT_EQ(RenderTextPrompt("Hi"),
            "<|turn>user\nHi<turn|>\n<|turn>model\n<|channel>thought\n<channel|>");
  EXPECT_EQ(RenderPrompt(Spec("Hi", AudioPlacement::kNone, true, "Be brief.")),
            "<|turn>system\nBe brief.<turn|>\n<|turn>user\nHi<turn|>\n"
            "<|turn>model\n<|channel>thought\n<channel|>");
}

TEST(PromptTest, AsrInstructionMatchesModelCard) {
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

TEST(PromptTest, AstInstructionMatchesModelCard) {
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

TEST(PromptTest, IsAutoLanguage) {
  EXPECT_TRUE(IsAutoLanguage(""));
  EXPECT_TRUE(IsAutoLanguage(" AUTO "));
  EXPECT_FALSE(IsAutoLanguage("Automatic"));
  EXPECT_FALSE(IsAutoLanguage("English"));
}

TEST(PromptTest, StripThoughtRemovesBlocks) {
  EXPECT_EQ(StripThought("Hello."), "Hello.");
  EXPECT_EQ(StripThought("<|channel>thought\nhmm<channel|>Hello."), "Hello.");
  EXPECT_EQ(StripThought("<|channel>thought\n<channel|>\n Hello."), "Hello.");
  EXPECT_EQ(StripThought("A <|channel>x<channel|>B"), "A B");
  EXPECT_EQ(StripThought("Hello.<|channel>thought\nstill thinking"), "Hello.");
  EXPECT_EQ(StripThought("thinking on\n<channel|>Hello."), "Hello.");
  EXPECT_EQ(StripThought(""), "");
}

TEST(PromptTest, SplitTranslation) {
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

}  // namespace
}  // namespace scribed::engine
