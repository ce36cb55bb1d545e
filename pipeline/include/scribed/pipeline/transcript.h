// The result of transcribing one recording: timed segments with verbatim and
// formatted text side by side, optional translations, the flags of any guard
// that fired, and the provenance needed to reproduce the run.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace scribed::pipeline {

// Version of the prompts and guards below; bump whenever a prompt, a default
// decoding parameter or a guard threshold changes what is transcribed.
inline constexpr const char* kPromptVersion = "scribed-prompts-2";

// Flags a segment can carry (see docs/output-format.md).
inline constexpr const char* kFlagRepetition = "repetition";      // a loop was cut
inline constexpr const char* kFlagTruncated = "truncated";        // token budget reached
inline constexpr const char* kFlagThought = "thought_stripped";   // a thought block leaked
inline constexpr const char* kFlagFormatFallback = "format_fallback";  // model rewrite rejected
inline constexpr const char* kFlagTranslationFallback = "translation_fallback";
inline constexpr const char* kFlagTranslationRepetition = "translation_repetition";
inline constexpr const char* kFlagTranslationTruncated = "translation_truncated";
// The detected language's probability is below GuardOptions::min_language_prob.
inline constexpr const char* kFlagLanguageUncertain = "language_uncertain";

struct Segment {
  int index = 0;            // 0-based, in emission order
  int64_t start_ms = 0;     // from the clip's sample positions, exact
  int64_t end_ms = 0;
  bool paragraph = false;   // a long pause precedes it (starts a paragraph)
  std::string verbatim;     // the model's transcript, thought blocks removed
  std::string text;         // formatted (equals verbatim in verbatim mode)
  std::string translation;  // empty unless translating
  // ISO 639-1 code of the spoken language and its probability: detected by
  // the model for this segment, or the locked detection of an earlier one
  // (language "auto"), or the configured language with probability 1.
  std::string language;
  double lang_prob = 1.0;
  std::vector<std::string> flags;

  bool HasFlag(const std::string& flag) const;
};

struct ModelFileInfo {
  std::string path;
  std::string sha256;  // lowercase hex; empty when not computed
  uint64_t size = 0;
};

struct Provenance {
  std::string scribed_version;
  std::string prompt_version = kPromptVersion;
  ModelFileInfo model;
  ModelFileInfo mmproj;
  std::string quant;  // engine::ModelInfo::weight_type
  // Decoding parameters.
  float temperature = 0.0f;
  int top_k = 0;
  float top_p = 1.0f;
  uint64_t seed = 0;
  double max_tokens_per_second = 0;
  std::string mode;             // "verbatim" | "clean"
  std::string language;         // as requested ("auto" or an English name)
  std::string translate_to;     // English name, empty when not translating
  std::string translation_path; // "text" | "speech", empty when not translating
};

struct Transcript {
  std::string source;          // input file name, as given
  int64_t duration_ms = 0;     // audio length seen so far (the whole file when complete)
  bool complete = true;        // false when cancelled before the end
  std::string language;        // requested language or "auto"
  // With "auto": the detection that locked the language (empty, 0 while none has).
  std::string detected_language;
  double lang_prob = 0;
  std::string translation_language;  // ISO 639-1 code, empty when not translating
  int skipped_silent_clips = 0;
  // Clips with speech-level audio for which the model wrote nothing: no
  // segment shows them, so they are counted (docs/output-format.md).
  int empty_clips = 0;
  std::vector<Segment> segments;
  Provenance provenance;
};

}  // namespace scribed::pipeline
