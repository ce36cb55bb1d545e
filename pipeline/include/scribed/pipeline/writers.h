// Transcript files: plain text, SubRip, WebVTT and JSON (docs/output-format.md).
//
// Thread-safe (pure functions, except WriteFileAtomically's file system work).
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

// Writes `content` to a temporary file beside `path`, flushes it to disk and
// renames it over `path`, so readers never see a partial file. Throws
// std::system_error naming the path.
void WriteFileAtomically(const std::filesystem::path& path, std::string_view content);

}  // namespace scribed::pipeline
