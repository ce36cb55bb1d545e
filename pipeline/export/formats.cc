#include <stdexcept>
#include <string>

#include "scribed/pipeline/writers.h"

namespace scribed::pipeline {

std::vector<OutputFormat> ParseOutputFormats(std::string_view list) {
  std::vector<OutputFormat> out;
  size_t at = 0;
  while (at <= list.size()) {
    size_t comma = list.find(',', at);
    if (comma == std::string_view::npos) comma = list.size();
    std::string_view item = list.substr(at, comma - at);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    OutputFormat f;
    if (item == "txt") {
      f = OutputFormat::kTxt;
    } else if (item == "srt") {
      f = OutputFormat::kSrt;
    } else if (item == "vtt") {
      f = OutputFormat::kVtt;
    } else if (item == "json") {
      f = OutputFormat::kJson;
    } else {
      throw std::invalid_argument("unknown output format '" + std::string(item) +
                                  "' in '" + std::string(list) + "' (expected txt, srt, vtt, json)");
    }
    bool seen = false;
    for (OutputFormat g : out) seen = seen || g == f;
    if (!seen) out.push_back(f);
    at = comma + 1;
  }
  return out;
}

std::string_view Extension(OutputFormat format) {
  switch (format) {
    case OutputFormat::kTxt: return "txt";
    case OutputFormat::kSrt: return "srt";
    case OutputFormat::kVtt: return "vtt";
    case OutputFormat::kJson: return "json";
  }
  return "txt";
}

std::string Render(const Transcript& t, OutputFormat format) {
  switch (format) {
    case OutputFormat::kTxt: return RenderTxt(t);
    case OutputFormat::kSrt: return RenderSrt(t);
    case OutputFormat::kVtt: return RenderVtt(t);
    case OutputFormat::kJson: return RenderJson(t);
  }
  return {};
}

}  // namespace scribed::pipeline
