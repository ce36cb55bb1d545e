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

TEST(PromptTest, StripThoughtRemovesBlocks) {
  EXPECT_EQ(StripThought("Hello."), "Hello.");
  EXPECT_EQ(StripThought("<|channel>thought\nhmm<channel|>Hello."), "Hello.");
  EXPECT_EQ(StripThought("<|channel>thought\n<channel|>\n Hello."), "Hello.");
  EXPECT_EQ(StripThought("A <|channel>x<channel|>B"), "A B");
  EXPECT_EQ(StripThought("Hello.<|channel>thought\nstill thinking"), "Hello.");
  EXPECT_EQ(StripThought("thinking on\n<channel|>Hello."), "Hello.");
  EXPECT_EQ(StripThought(""), "");
}

}  // namespace
}  // namespace scribed::engine
