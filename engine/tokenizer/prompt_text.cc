#include "scribed/engine/prompt_text.h"

#include <cctype>
#include <stdexcept>

namespace scribed::engine {
namespace {

constexpr std::string_view kWhitespace = " \t\n\r\f\v";

std::string_view Trim(std::string_view s) noexcept {
  const size_t b = s.find_first_not_of(kWhitespace);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(kWhitespace) - b + 1);
}

std::string_view TrimLeft(std::string_view s) noexcept {
  const size_t b = s.find_first_not_of(kWhitespace);
  return b == std::string_view::npos ? std::string_view{} : s.substr(b);
}

std::string Turn(std::string_view role, std::string_view body) {
  std::string out(kTurnOpen);
  out.append(role).append("\n").append(body).append(kTurnClose).append("\n");
  return out;
}

constexpr std::string_view kAsrFormatting =
    "\n\nFollow these specific instructions for formatting the answer:\n"
    "* Only output the transcription, with no newlines.\n"
    "* When transcribing numbers, write the digits, i.e. write 1.7 and not one point seven, "
    "and write 3 instead of three.";

}  // namespace

std::string RenderUserTurn(std::string_view text, AudioPlacement audio) {
  std::string body;
  if (audio == AudioPlacement::kBeforeText) body.append(kMediaMarker);
  body.append(Trim(text));
  if (audio == AudioPlacement::kAfterText) body.append(kMediaMarker);
  return Turn("user", body);
}

std::string RenderModelTurnOpener(bool empty_thought_block) {
  std::string out(kTurnOpen);
  out.append("model\n");
  if (empty_thought_block) out.append(kChannelOpen).append("thought\n").append(kChannelClose);
  return out;
}

std::string RenderPrompt(const PromptSpec& spec) {
  std::string out;
  if (!Trim(spec.system).empty()) out = Turn("system", Trim(spec.system));
  out.append(RenderUserTurn(spec.instruction, spec.audio));
  out.append(RenderModelTurnOpener(spec.empty_thought_block));
  return out;
}

std::string RenderTextPrompt(std::string_view instruction) {
  PromptSpec spec;
  spec.instruction = std::string(instruction);
  return RenderPrompt(spec);
}

bool IsAutoLanguage(std::string_view language) noexcept {
  language = Trim(language);
  if (language.empty()) return true;
  constexpr std::string_view kAuto = "auto";
  if (language.size() != kAuto.size()) return false;
  for (size_t i = 0; i < kAuto.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(language[i])) != kAuto[i]) return false;
  }
  return true;
}

std::string AsrInstruction(std::string_view language) {
  std::string out = "Transcribe the following speech segment in ";
  if (IsAutoLanguage(language)) {
    out.append("its original language.");
  } else {
    language = Trim(language);
    out.append(language).append(" into ").append(language).append(" text.");
  }
  out.append(kAsrFormatting);
  return out;
}

std::string AstInstruction(std::string_view source, std::string_view target) {
  if (IsAutoLanguage(target)) {
    throw std::invalid_argument("speech translation needs a target language, got '" +
                                std::string(target) + "'");
  }
  target = Trim(target);
  const bool auto_source = IsAutoLanguage(source);
  const std::string src = auto_source ? "its original language" : std::string(Trim(source));
  const std::string src_again = auto_source ? "the original language" : src;
  std::string out = "Transcribe the following speech segment in ";
  out.append(src).append(", then translate it into ").append(target);
  out.append(". When formatting the answer, first output the transcription in ").append(src_again);
  out.append(", then one newline, then output the string '").append(target);
  out.append(": ', then the translation in ").append(target).append(".");
  return out;
}

std::string StripThought(std::string_view text) {
  std::string out;
  // A close marker before any opener: the opener was in the prompt.
  const size_t first_open = text.find(kChannelOpen);
  const size_t first_close = text.find(kChannelClose);
  if (first_close != std::string_view::npos &&
      (first_open == std::string_view::npos || first_close < first_open)) {
    text = TrimLeft(text.substr(first_close + kChannelClose.size()));
  }
  while (!text.empty()) {
    const size_t open = text.find(kChannelOpen);
    if (open == std::string_view::npos) {
      out.append(text);
      break;
    }
    out.append(text.substr(0, open));
    const size_t close = text.find(kChannelClose, open + kChannelOpen.size());
    if (close == std::string_view::npos) break;  // unfinished thought: drop the rest
    text = TrimLeft(text.substr(close + kChannelClose.size()));
  }
  return out;
}

TranslationParts SplitTranslation(std::string_view answer, std::string_view target) {
  TranslationParts parts;
  answer = Trim(answer);
  const size_t nl = answer.find('\n');
  if (nl == std::string_view::npos) {
    parts.transcript = std::string(answer);
    return parts;
  }
  parts.transcript = std::string(Trim(answer.substr(0, nl)));
  std::string_view rest = Trim(answer.substr(nl + 1));
  const std::string label = std::string(Trim(target)) + ":";
  if (rest.substr(0, label.size()) == label) rest = Trim(rest.substr(label.size()));
  parts.translation = std::string(rest);
  parts.complete = true;
  return parts;
}

}  // namespace scribed::engine
