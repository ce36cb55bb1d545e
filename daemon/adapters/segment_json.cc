#include "daemon/adapters/segment_json.h"

namespace scribed::daemon {

using nlohmann::json;

json SegmentToJson(const pipeline::Segment& s) {
  return json{{"index", s.index},
              {"start_ms", s.start_ms},
              {"end_ms", s.end_ms},
              {"paragraph", s.paragraph},
              {"verbatim", s.verbatim},
              {"text", s.text},
              {"translation", s.translation},
              {"language", s.language},
              {"lang_prob", s.lang_prob},
              {"flags", s.flags}};
}

pipeline::Segment SegmentFromJson(const json& j) {
  pipeline::Segment s;
  s.index = j.at("index").get<int>();
  s.start_ms = j.at("start_ms").get<int64_t>();
  s.end_ms = j.at("end_ms").get<int64_t>();
  s.paragraph = j.at("paragraph").get<bool>();
  s.verbatim = j.at("verbatim").get<std::string>();
  s.text = j.at("text").get<std::string>();
  s.translation = j.at("translation").get<std::string>();
  s.flags = j.at("flags").get<std::vector<std::string>>();
  // Journals written before languages were detected have neither.
  s.language = j.value("language", std::string());
  s.lang_prob = j.value("lang_prob", 1.0);
  return s;
}

protocol::SegmentFinal SegmentFinalOf(const pipeline::Segment& s, const std::string& lang) {
  protocol::SegmentFinal e;
  e.t0_ms = s.start_ms;
  e.t1_ms = s.end_ms;
  e.lang = s.language.empty() ? lang : s.language;
  e.lang_prob = s.lang_prob;
  e.lang_uncertain = s.HasFlag(pipeline::kFlagLanguageUncertain);
  e.text = s.text;
  e.raw_text = s.verbatim;
  e.paragraph = s.paragraph;
  e.flags = s.flags;
  return e;
}

}  // namespace scribed::daemon
