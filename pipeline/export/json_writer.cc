#include "scribed/pipeline/writers.h"

#include "scribed/base/json.h"

namespace scribed::pipeline {
namespace {

using nlohmann::json;

json FileJson(const ModelFileInfo& f) {
  return {{"path", f.path}, {"sha256", f.sha256}, {"size", f.size}};
}

}  // namespace

std::string RenderJson(const Transcript& t) {
  json segments = json::array();
  for (const Segment& s : t.segments) {
    json j = {{"index", s.index},     {"start_ms", s.start_ms}, {"end_ms", s.end_ms},
              {"paragraph", s.paragraph}, {"verbatim", s.verbatim}, {"text", s.text},
              {"flags", s.flags}};
    if (!t.translation_language.empty()) j["translation"] = s.translation;
    segments.push_back(std::move(j));
  }
  const Provenance& p = t.provenance;
  json provenance = {
      {"scribed_version", p.scribed_version},
      {"prompt_version", p.prompt_version},
      {"model", FileJson(p.model)},
      {"mmproj", FileJson(p.mmproj)},
      {"quant", p.quant},
      {"decoding",
       {{"temperature", p.temperature},
        {"top_k", p.top_k},
        {"top_p", p.top_p},
        {"seed", p.seed},
        {"max_tokens_per_second", p.max_tokens_per_second}}},
      {"mode", p.mode},
      {"language", p.language},
      {"translate_to", p.translate_to},
      {"translation_path", p.translation_path},
  };
  json doc = {{"format", "scribed-transcript"},
              {"version", 1},
              {"source", t.source},
              {"complete", t.complete},
              {"duration_ms", t.duration_ms},
              {"language", t.language},
              {"translation_language", t.translation_language},
              {"skipped_silent_clips", t.skipped_silent_clips},
              {"empty_clips", t.empty_clips},
              {"segments", std::move(segments)},
              {"provenance", std::move(provenance)}};
  // Invalid UTF-8 from a model is replaced rather than failing the whole file.
  return doc.dump(2, ' ', false, json::error_handler_t::replace) + '\n';
}

}  // namespace scribed::pipeline
