#include "scribed/protocol/events.h"

#include "scribed/protocol/path_field.h"

namespace scribed::protocol {
namespace {

using nlohmann::json;

template <class T>
json OrNull(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

// Reads `key` when present and not null; a missing key keeps the default, so
// events of an older daemon still read.
template <class T>
void Read(const json& j, const char* key, T& out) {
  const auto it = j.find(key);
  if (it != j.end() && !it->is_null()) it->get_to(out);
}

template <class T>
void Read(const json& j, const char* key, std::optional<T>& out) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    out.reset();
  } else {
    out = it->get<T>();
  }
}

}  // namespace

void to_json(json& j, const SegmentFinal& e) {
  j = json{{"t0_ms", e.t0_ms},
           {"t1_ms", e.t1_ms},
           {"lang", e.lang},
           {"lang_prob", OrNull(e.lang_prob)},
           {"lang_uncertain", e.lang_uncertain},
           {"text", e.text},
           {"raw_text", e.raw_text},
           {"paragraph", e.paragraph},
           {"flags", e.flags},
           {"rtf", e.rtf},
           {"latency_ms", OrNull(e.latency_ms)},
           {"prefill_ms", OrNull(e.prefill_ms)},
           {"decode_ms", OrNull(e.decode_ms)}};
  if (e.source) j["source"] = *e.source;
}

void from_json(const json& j, SegmentFinal& e) {
  Read(j, "t0_ms", e.t0_ms);
  Read(j, "t1_ms", e.t1_ms);
  Read(j, "lang", e.lang);
  Read(j, "lang_prob", e.lang_prob);
  Read(j, "lang_uncertain", e.lang_uncertain);
  Read(j, "text", e.text);
  Read(j, "raw_text", e.raw_text);
  Read(j, "paragraph", e.paragraph);
  Read(j, "flags", e.flags);
  Read(j, "rtf", e.rtf);
  Read(j, "latency_ms", e.latency_ms);
  Read(j, "prefill_ms", e.prefill_ms);
  Read(j, "decode_ms", e.decode_ms);
  Read(j, "source", e.source);
}

void to_json(json& j, const SegmentPartial& e) {
  j = json{{"t0_ms", e.t0_ms},   {"t1_ms", e.t1_ms},       {"rev", e.rev},
           {"stable", e.stable}, {"unstable", e.unstable}, {"text", e.stable + e.unstable}};
}

void from_json(const json& j, SegmentPartial& e) {
  Read(j, "t0_ms", e.t0_ms);
  Read(j, "t1_ms", e.t1_ms);
  Read(j, "rev", e.rev);
  Read(j, "stable", e.stable);
  Read(j, "unstable", e.unstable);
}

void to_json(json& j, const TranslationFinal& e) {
  j = json{{"src_lang", e.src_lang}, {"tgt_lang", e.tgt_lang}, {"text", e.text}};
}

void from_json(const json& j, TranslationFinal& e) {
  Read(j, "src_lang", e.src_lang);
  Read(j, "tgt_lang", e.tgt_lang);
  Read(j, "text", e.text);
}

void to_json(json& j, const JobQueued& e) {
  j = json{{"options", e.options}};
  SetPath(j, e.path);
}

void from_json(const json& j, JobQueued& e) {
  e.path = PathOf(j);
  Read(j, "options", e.options);
}

void to_json(json& j, const JobStarted& e) {
  j = json{{"resumed_from_ms", e.resumed_from_ms}, {"total_ms", e.total_ms}};
  SetPath(j, e.path);
}

void from_json(const json& j, JobStarted& e) {
  e.path = PathOf(j);
  Read(j, "resumed_from_ms", e.resumed_from_ms);
  Read(j, "total_ms", e.total_ms);
}

void to_json(json& j, const JobProgress& e) {
  j = json{{"fraction", e.fraction}, {"done_ms", e.done_ms}, {"total_ms", e.total_ms},
           {"rtf", e.rtf},           {"eta_s", OrNull(e.eta_s)}};
}

void from_json(const json& j, JobProgress& e) {
  Read(j, "fraction", e.fraction);
  Read(j, "done_ms", e.done_ms);
  Read(j, "total_ms", e.total_ms);
  Read(j, "rtf", e.rtf);
  Read(j, "eta_s", e.eta_s);
}

void to_json(json& j, const JobDone& e) {
  j = json{{"outputs", e.outputs}, {"duration_ms", e.duration_ms}, {"rtf", e.rtf},
           {"segments", e.segments}, {"empty_clips", e.empty_clips},
           {"complete", e.complete}, {"truncated", OrNull(e.truncated)}};
}

void from_json(const json& j, JobDone& e) {
  Read(j, "outputs", e.outputs);
  Read(j, "duration_ms", e.duration_ms);
  Read(j, "rtf", e.rtf);
  Read(j, "segments", e.segments);
  Read(j, "empty_clips", e.empty_clips);
  Read(j, "complete", e.complete);
  Read(j, "truncated", e.truncated);
}

void to_json(json& j, const JobFailed& e) {
  j = json{{"error", {{"code", ErrorCodeName(e.code)}, {"message", e.message}}}};
}

void from_json(const json& j, JobFailed& e) {
  const json& error = j.at("error");
  e.code = ParseErrorCode(error.at("code").get<std::string>()).value_or(ErrorCode::kInternal);
  Read(error, "message", e.message);
}

void to_json(json& j, const JobCancelled&) { j = json{{"error", nullptr}}; }
void from_json(const json&, JobCancelled&) {}

void to_json(json& j, const CaptureState& e) {
  j = json{{"state", e.state},         {"device", e.device},
           {"queue_ms", e.queue_ms},   {"dropped_ms", e.dropped_ms},
           {"xruns", OrNull(e.xruns)}};
  if (e.format) j["format"] = *e.format;
  if (e.rate) j["rate"] = *e.rate;
  if (e.channels) j["channels"] = *e.channels;
  if (e.error) j["error"] = *e.error;
  if (e.retry_in_ms) j["retry_in_ms"] = *e.retry_in_ms;
  if (e.gap_ms) j["gap_ms"] = *e.gap_ms;
  if (e.mode) j["mode"] = *e.mode;
}

void from_json(const json& j, CaptureState& e) {
  Read(j, "state", e.state);
  Read(j, "device", e.device);
  Read(j, "queue_ms", e.queue_ms);
  Read(j, "dropped_ms", e.dropped_ms);
  Read(j, "xruns", e.xruns);
  Read(j, "format", e.format);
  Read(j, "rate", e.rate);
  Read(j, "channels", e.channels);
  Read(j, "error", e.error);
  Read(j, "retry_in_ms", e.retry_in_ms);
  Read(j, "gap_ms", e.gap_ms);
  Read(j, "mode", e.mode);
}

void to_json(json& j, const DaemonState& e) {
  j = json{{"state", e.state}, {"version", e.version},   {"pid", e.pid},
           {"model", e.model}, {"capabilities", e.capabilities}};
}

void from_json(const json& j, DaemonState& e) {
  Read(j, "state", e.state);
  Read(j, "version", e.version);
  Read(j, "pid", e.pid);
  e.model = j.value("model", json(nullptr));
  Read(j, "capabilities", e.capabilities);
}

}  // namespace scribed::protocol
