#include "scribed/protocol/job_options.h"

#include <algorithm>
#include <array>

#include "scribed/base/strings.h"
#include "scribed/protocol/protocol.h"

namespace scribed::protocol {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 2> kModes = {"clean", "verbatim"};
constexpr std::array<std::string_view, 4> kFormats = {"txt", "srt", "vtt", "json"};
constexpr std::array<std::string_view, 2> kTranslationPaths = {"text", "speech"};

template <typename List>
bool Contains(const List& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

[[noreturn]] void BadArgs(std::string_view field, const std::string& what) {
  throw ProtocolError(ErrorCode::kBadArgs, "argument \"" + std::string(field) + "\"" + what);
}

// "auto" (any case, spaces around) or nothing: the model detects the language.
bool IsAuto(std::string_view language) {
  const std::string_view trimmed = base::Trim(language);
  return trimmed.empty() || base::AsciiLower(trimmed) == "auto";
}

void CheckLanguage(std::string_view field, const std::string& language, bool auto_allowed,
                   const LanguageCheck& known_language) {
  if (language.size() > kMaxLanguageBytes) {
    BadArgs(field, " is too long (" + std::to_string(language.size()) + " bytes, at most " +
                       std::to_string(kMaxLanguageBytes) + ")");
  }
  if (auto_allowed ? IsAuto(language) : language.empty()) return;
  // Cut short: the message echoes client input.
  if (known_language && !known_language(language)) {
    BadArgs(field, ": unknown language \"" + language.substr(0, 32) + "\"");
  }
}

}  // namespace

JobOptions BuiltInJobDefaults() {
  return JobOptions{"auto", "clean", "", std::vector<std::string>{"txt"}, "text"};
}

JobOptions WithDefaults(JobOptions options, const JobOptions& defaults) {
  if (!options.language) options.language = defaults.language;
  if (!options.mode) options.mode = defaults.mode;
  if (!options.translate_to) options.translate_to = defaults.translate_to;
  if (!options.outputs) options.outputs = defaults.outputs;
  if (!options.translation_path) options.translation_path = defaults.translation_path;
  return options;
}

void Validate(const JobOptions& options, JobKind kind, const LanguageCheck& known_language) {
  if (options.language) {
    CheckLanguage(job_field::kLanguage, *options.language, true, known_language);
  }
  if (options.translate_to) {
    CheckLanguage(job_field::kTranslateTo, *options.translate_to, false, known_language);
  }
  if (options.mode && !Contains(kModes, *options.mode)) {
    BadArgs(job_field::kMode, " must be \"clean\" or \"verbatim\"");
  }
  if (options.translation_path && !Contains(kTranslationPaths, *options.translation_path)) {
    BadArgs(job_field::kTranslationPath, " must be \"text\" or \"speech\"");
  }
  if (!options.outputs) return;
  if (kind == JobKind::kCapture) BadArgs(job_field::kOutputs, " is for file jobs only");
  if (options.outputs->empty()) BadArgs(job_field::kOutputs, " must name at least one format");
  for (const std::string& f : *options.outputs) {
    // Cut short: the message echoes client input.
    if (!Contains(kFormats, f)) {
      BadArgs(job_field::kOutputs, ": unknown format \"" + f.substr(0, 16) + "\"");
    }
  }
}

JobOptions ParseJobOptions(const json& args, JobKind kind, const LanguageCheck& known_language) {
  JobOptions o;
  o.language = OptionalString(args, job_field::kLanguage);
  o.mode = OptionalString(args, job_field::kMode);
  o.translate_to = OptionalString(args, job_field::kTranslateTo);
  if (kind == JobKind::kFile) {
    o.outputs = OptionalStringList(args, job_field::kOutputs);
    o.translation_path = OptionalString(args, job_field::kTranslationPath);
  }
  Validate(o, kind, known_language);
  return o;
}

json ToJson(const JobOptions& options) {
  json out = json::object();
  if (options.language) out[job_field::kLanguage] = *options.language;
  if (options.mode) out[job_field::kMode] = *options.mode;
  if (options.translate_to) out[job_field::kTranslateTo] = *options.translate_to;
  if (options.outputs) out[job_field::kOutputs] = *options.outputs;
  if (options.translation_path) out[job_field::kTranslationPath] = *options.translation_path;
  return out;
}

std::vector<std::string> SplitList(std::string_view list) {
  std::vector<std::string> out;
  while (!list.empty()) {
    const size_t comma = std::min(list.find(','), list.size());
    const std::string_view entry = base::Trim(list.substr(0, comma));
    if (!entry.empty()) out.emplace_back(entry);
    list.remove_prefix(std::min(comma + 1, list.size()));
  }
  return out;
}

}  // namespace scribed::protocol
