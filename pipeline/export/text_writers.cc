// Plain text, SubRip and WebVTT.
#include <cstdio>
#include <string>

#include "scribed/pipeline/writers.h"

namespace scribed::pipeline {
namespace {

// One line: subtitle cues end at a blank line, so text must not contain one.
std::string OneLine(std::string_view text) {
  std::string out;
  for (char c : text) out += (c == '\n' || c == '\r') ? ' ' : c;
  return out;
}

std::string EscapeVtt(std::string_view text) {
  std::string out;
  for (char c : OneLine(text)) {
    if (c == '&') {
      out += "&amp;";
    } else if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";  // keeps "-->" out of cue text
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string Timestamp(int64_t ms, char millis_separator) {
  if (ms < 0) ms = 0;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld%c%03lld", static_cast<long long>(ms / 3600000),
                static_cast<long long>(ms / 60000 % 60), static_cast<long long>(ms / 1000 % 60),
                millis_separator, static_cast<long long>(ms % 1000));
  return buf;
}

std::string RenderTxt(const Transcript& t) {
  std::string out;
  const bool translated = !t.translation_language.empty();
  for (const Segment& s : t.segments) {
    if (translated) {
      // Source and translation side by side: one block per segment.
      if (!out.empty()) out += '\n';
      out += OneLine(s.text) + '\n' + OneLine(s.translation) + '\n';
      continue;
    }
    if (!out.empty()) out += s.paragraph ? "\n\n" : " ";
    out += OneLine(s.text);
  }
  if (!translated && !out.empty()) out += '\n';
  return out;
}

std::string RenderSrt(const Transcript& t) {
  std::string out;
  int index = 1;
  for (const Segment& s : t.segments) {
    out += std::to_string(index++) + '\n';
    out += Timestamp(s.start_ms, ',') + " --> " + Timestamp(s.end_ms, ',') + '\n';
    out += OneLine(s.text) + '\n';
    if (!s.translation.empty()) out += OneLine(s.translation) + '\n';
    out += '\n';
  }
  return out;
}

std::string RenderVtt(const Transcript& t) {
  std::string out = "WEBVTT\n\n";
  for (const Segment& s : t.segments) {
    out += Timestamp(s.start_ms, '.') + " --> " + Timestamp(s.end_ms, '.') + '\n';
    out += EscapeVtt(s.text) + '\n';
    if (!s.translation.empty()) out += EscapeVtt(s.translation) + '\n';
    out += '\n';
  }
  return out;
}

}  // namespace scribed::pipeline
