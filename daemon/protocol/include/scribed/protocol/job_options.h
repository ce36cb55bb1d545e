// What one transcription asks for -- spoken language, formatting mode,
// translation target and (file jobs) output formats -- declared once with its
// wire names and checks, and shared by the CLI's flags, the daemon's
// `transcribe` and `capture.start` commands, the job journal and the job
// runner.
//
//   JobOptions asked = ParseJobOptions(request.args, JobKind::kFile);  // throws ProtocolError
//   JobOptions job = WithDefaults(asked, daemon_defaults);
//   journal_entry["options"] = ToJson(job);
//
// An unset field means "the default of whoever runs the job": the daemon's
// config, or BuiltInJobDefaults().
//
// Thread-safe (pure functions).
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scribed/base/json.h"

namespace scribed::protocol {

// Wire names of the fields in request arguments and stored jobs.
namespace job_field {
inline constexpr std::string_view kLanguage = "lang";
inline constexpr std::string_view kMode = "mode";
inline constexpr std::string_view kTranslateTo = "translate_to";
inline constexpr std::string_view kOutputs = "outputs";
inline constexpr std::string_view kTranslationPath = "translation_path";
}  // namespace job_field

// File jobs write output files; capture sessions only publish events.
enum class JobKind { kFile, kCapture };

struct JobOptions {
  std::optional<std::string> language;      // name or ISO 639-1 code, or "auto"
  std::optional<std::string> mode;          // "clean" or "verbatim"
  std::optional<std::string> translate_to;  // a language; "" for none
  std::optional<std::vector<std::string>> outputs;  // "txt", "srt", "vtt", "json"
  // File jobs: "text" (translate the formatted transcript) or "speech" (one
  // pass from the audio). Last, with an initializer, so the aggregate
  // initializations of the fields above stay valid.
  std::optional<std::string> translation_path{};

  friend bool operator==(const JobOptions&, const JobOptions&) = default;
};

// The longest language name or code a job may give (the longest known name
// is much shorter); longer ones are refused before any lookup.
inline constexpr size_t kMaxLanguageBytes = 64;

// Whether a language name or code is one the transcriber knows. The table
// lives with the pipeline, which this library must not depend on: the daemon
// passes its lookup in. Not called for an "auto" or empty `lang`, nor for an
// empty `translate_to`.
using LanguageCheck = std::function<bool(std::string_view code_or_name)>;

// Every field set: "auto", "clean", "", {"txt"} and "text".
JobOptions BuiltInJobDefaults();

// `options` with each unset field taken from `defaults`.
JobOptions WithDefaults(JobOptions options, const JobOptions& defaults);

// Checks the set fields: languages are at most kMaxLanguageBytes long and,
// given `known_language`, known; mode is clean or verbatim; a file job names
// at least one output format and every one is known; translation_path is
// text or speech; a capture session has no outputs. Throws
// ProtocolError(kBadArgs) naming the field.
void Validate(const JobOptions& options, JobKind kind, const LanguageCheck& known_language = {});

// The job fields present in `args` (other members are the caller's), type-
// checked and validated; throws ProtocolError(kBadArgs) naming the field.
JobOptions ParseJobOptions(const nlohmann::json& args, JobKind kind,
                           const LanguageCheck& known_language = {});

// The set fields as a JSON object under their wire names.
nlohmann::json ToJson(const JobOptions& options);

// "txt, srt" -> {"txt", "srt"}: entries trimmed, empty ones dropped.
std::vector<std::string> SplitList(std::string_view comma_separated);

}  // namespace scribed::protocol
