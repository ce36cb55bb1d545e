// The wording of every task the pipeline asks of the model: transcription
// (ASR), speech translation (AST), clean-up rewriting and text translation,
// and reading the AST answer back. The chat format around these
// instructions (turn markers, thought channel) is the engine's
// (scribed/engine/prompt_text.h).
//
// Thread-safe (pure functions).
#pragma once

#include <string>
#include <string_view>

namespace scribed::pipeline::prompts {

// True for "", "auto" (any case): the language is to be detected by the model.
bool IsAutoLanguage(std::string_view language) noexcept;

// The model card's transcription instruction for `language` (e.g. "English");
// with an automatic language, the "in its original language" variant.
std::string AsrInstruction(std::string_view language);
// The model card's speech translation instruction: transcript in `source`,
// one newline, "<target>: ", translation. `source` may be automatic.
// `target` must name a language (throws std::invalid_argument otherwise).
std::string AstInstruction(std::string_view source, std::string_view target);

// Asked after the audio (still in the user turn) to identify the spoken
// language; the answer is scored against the English language names.
std::string LanguageQuestion();

// Splits an AST answer "<transcript>\n<target>: <translation>" at the first
// newline, dropping the "<target>: " label when present. Without a newline
// the whole text is the transcript and `complete` is false.
struct TranslationParts {
  std::string transcript;
  std::string translation;
  bool complete = false;
};
TranslationParts SplitTranslation(std::string_view answer, std::string_view target);

// The clean mode's rewrite of a raw transcript; the transcript follows it.
std::string FormatInstruction();
// Text translation into `target`, naming `source` unless it is empty
// (automatic); the text follows it.
std::string TextTranslationInstruction(std::string_view source, std::string_view target);

}  // namespace scribed::pipeline::prompts
