// Transcript files: plain text, SubRip, WebVTT and JSON (docs/output-format.md).
//
// Thread-safe (pure functions). Files are written with base::WriteFileAtomically.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "scribed/pipeline/transcript.h"

namespace scribed::pipeline {

enum class OutputFormat { kTxt, kSrt, kVtt, kJson };

// "txt,srt" -> {kTxt, kSrt} (duplicates dropped, order kept). Throws
// std::invalid_argument naming an unknown or empty entry.
std::vector<OutputFormat> ParseOutputFormats(std::string_view list);
std::string_view Extension(OutputFormat format);  // "txt", "srt", "vtt", "json"

// The whole file for `format`. Subtitle cues carry the formatted text, then
// the translation on its own line when there is one.
std::string Render(const Transcript& t, OutputFormat format);
std::string RenderTxt(const Transcript& t);
std::string RenderSrt(const Transcript& t);
std::string RenderVtt(const Transcript& t);
std::string RenderJson(const Transcript& t);

// "HH:MM:SS,mmm" (SubRip) or "HH:MM:SS.mmm" (WebVTT) for `ms` >= 0.
std::string Timestamp(int64_t ms, char millis_separator);

}  // namespace scribed::pipeline
