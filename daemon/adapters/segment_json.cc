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
  return s;
}

json SegmentFinalFields(const pipeline::Segment& s, const std::string& lang) {
  return json{{"t0_ms", s.start_ms},      {"t1_ms", s.end_ms}, {"lang", lang},
              {"lang_prob", nullptr},     {"text", s.text},    {"raw_text", s.verbatim},
              {"paragraph", s.paragraph}, {"flags", s.flags}};
}

}  // namespace scribed::daemon
