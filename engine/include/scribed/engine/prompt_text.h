// Gemma 4's chat format (turns, the media marker, the thought channel) and
// removal of thought blocks from generated text. What a prompt asks for (the
// task wording) is the caller's. Prompts are returned as raw text with the turn
// markers written out; tokenize them with parse_special = true and prepend BOS.
// Audio goes where kMediaMarker stands: the prompt builder encodes the text on
// each side separately and puts <|audio> + frames + <audio|> in its place.
//
//   PromptSpec spec;
//   spec.instruction = "Transcribe the following speech segment ...";
//   spec.audio = AudioPlacement::kAfterText;
//   std::string p = RenderPrompt(spec);
//   // "<|turn>user\nTranscribe ...<__media__><turn|>\n<|turn>model\n<|channel>thought\n<channel|>"
//
// All functions are pure. Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace scribed::engine {

inline constexpr std::string_view kMediaMarker = "<__media__>";
inline constexpr std::string_view kTurnOpen = "<|turn>";
inline constexpr std::string_view kTurnClose = "<turn|>";
inline constexpr std::string_view kChannelOpen = "<|channel>";
inline constexpr std::string_view kChannelClose = "<channel|>";

enum class AudioPlacement {
  kNone,
  kAfterText,   // the model card's rule (instruction first, audio last); our default
  kBeforeText,  // as in the golden references' audio case
};

struct PromptSpec {
  std::string instruction;  // trimmed, as the chat template trims text items
  AudioPlacement audio = AudioPlacement::kNone;
  std::string system;  // a system turn when not empty
  // Thinking off on the 12B: the template appends an empty, closed thought
  // block to the generation prompt. False gives the bare "<|turn>model\n".
  bool empty_thought_block = true;
};

// System turn (if any) + user turn + model turn opener.
std::string RenderPrompt(const PromptSpec& spec);

// "<|turn>user\n" + text (trimmed) with kMediaMarker before/after it + "<turn|>\n".
std::string RenderUserTurn(std::string_view text, AudioPlacement audio);
// "<|turn>model\n", followed by "<|channel>thought\n<channel|>" when requested.
std::string RenderModelTurnOpener(bool empty_thought_block);
// A text-only prompt (no audio), thinking off.
std::string RenderTextPrompt(std::string_view instruction);

// Removes thought blocks "<|channel>...<channel|>" from generated text (an
// unclosed block runs to the end; text before a lone "<channel|>" counts as
// thought too) and the whitespace that follows them.
std::string StripThought(std::string_view generated);

}  // namespace scribed::engine
