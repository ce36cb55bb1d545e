#include "pipeline/prompts/task_prompts.h"

#include <stdexcept>

#include "scribed/base/strings.h"

namespace scribed::pipeline::prompts {
namespace {

using base::Trim;

constexpr std::string_view kAsrFormatting =
    "\n\nFollow these specific instructions for formatting the answer:\n"
    "* Only output the transcription, with no newlines.\n"
    "* When transcribing numbers, write the digits, i.e. write 1.7 and not one point seven, "
    "and write 3 instead of three.";

}  // namespace

bool IsAutoLanguage(std::string_view language) noexcept {
  language = Trim(language);
  return language.empty() || base::AsciiLower(language) == "auto";
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

std::string LanguageQuestion() {
  return "\n\nWhich language is spoken in this speech segment? Answer with the English name of "
         "the language only.";
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
  // The model usually repeats the "<target>:" label the instruction asked for.
  const std::string label = std::string(Trim(target)) + ":";
  if (rest.substr(0, label.size()) == label) rest = Trim(rest.substr(label.size()));
  parts.translation = std::string(rest);
  parts.complete = true;
  return parts;
}

std::string FormatInstruction() {
  return "Rewrite the following speech transcript as clean written text: add punctuation and "
         "capitalization, and remove hesitation fillers such as \"um\" and \"uh\". Do not add, "
         "remove, reorder, translate or change any other words. Output only the rewritten text, "
         "with no newlines.\n\nTranscript:";
}

std::string TextTranslationInstruction(std::string_view source, std::string_view target) {
  const std::string from = source.empty() ? std::string() : " from " + std::string(source);
  return "Translate the following text" + from + " into " + std::string(target) +
         ". Output only the translation, with no newlines and no comments.\n\nText:";
}

}  // namespace scribed::pipeline::prompts
