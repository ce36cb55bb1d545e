// The fields of every event the daemon publishes, as types: each field is
// named once, here, for the producer (the daemon), the consumers (the CLI,
// tests) and the specification (docs/protocol.md, "Events").
//
//   publisher.Publish(protocol::JobProgress{.fraction = 0.5, ...}, ids);
//   auto p = protocol::FieldsOf<protocol::JobProgress>(event);   // a parsed Event
//
// Optional members are published as null when unset, so a reader always finds
// every documented key. Reading is lenient about keys a newer daemon adds and
// strict about the types of the keys it knows (nlohmann::json::exception).
//
// Thread-safe (plain data and pure functions).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scribed/base/json.h"
#include "scribed/protocol/protocol.h"

namespace scribed::protocol {

// segment.final: a finished segment of a file job or a live session.
struct SegmentFinal {
  static constexpr std::string_view kTopic = topic::kSegmentFinal;
  int64_t t0_ms = 0;
  int64_t t1_ms = 0;
  std::string lang;                 // ISO 639-1 code, or "auto" when unknown
  std::optional<double> lang_prob;  // the model's probability of `lang`
  bool lang_uncertain = false;      // lang_prob below the documented threshold
  std::string text;                 // formatted
  std::string raw_text;             // the model's verbatim transcript
  bool paragraph = false;
  std::vector<std::string> flags;
  double rtf = 0;                    // inference time / segment length
  std::optional<int64_t> latency_ms;  // live: end of speech -> publication
  // Live: where latency_ms went after the speech ended: prefill of what was
  // not yet read, and the decode of the text.
  std::optional<int64_t> prefill_ms;
  std::optional<int64_t> decode_ms;
  std::optional<std::string> source;  // "mic" for live sessions
};

// segment.partial: the current hypothesis of a live segment still open.
struct SegmentPartial {
  static constexpr std::string_view kTopic = topic::kSegmentPartial;
  int64_t t0_ms = 0;
  int64_t t1_ms = 0;
  int rev = 0;            // grows with every partial of the segment
  std::string stable;     // a prefix later revisions are expected to keep
  std::string unstable;   // the rest of the current text
};

struct TranslationFinal {
  static constexpr std::string_view kTopic = topic::kTranslationFinal;
  std::string src_lang;
  std::string tgt_lang;
  std::string text;
};

// A path is the file's bytes; on the wire it travels as path_field.h says.
struct JobQueued {
  static constexpr std::string_view kTopic = topic::kJobQueued;
  std::string path;
  nlohmann::json options = nlohmann::json::object();  // JobOptions, as journaled
};

struct JobStarted {
  static constexpr std::string_view kTopic = topic::kJobStarted;
  std::string path;
  int64_t resumed_from_ms = 0;
  int64_t total_ms = 0;  // 0 when the container does not say
};

// job.progress counts transcribed audio, not decoded audio.
struct JobProgress {
  static constexpr std::string_view kTopic = topic::kJobProgress;
  double fraction = 0;
  int64_t done_ms = 0;
  int64_t total_ms = 0;
  double rtf = 0;
  std::optional<double> eta_s;
};

struct JobDone {
  static constexpr std::string_view kTopic = topic::kJobDone;
  std::map<std::string, std::string> outputs;  // extension -> path
  int64_t duration_ms = 0;
  double rtf = 0;
  int64_t segments = 0;
  int64_t empty_clips = 0;  // clips with speech-level audio and no text
  bool complete = true;     // false: the file ended early or was damaged
  std::optional<std::string> truncated;  // why it is not complete
};

struct JobFailed {
  static constexpr std::string_view kTopic = topic::kJobFailed;
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
};

struct JobCancelled {
  static constexpr std::string_view kTopic = topic::kJobCancelled;
};

// capture.state: a live session's device and back-pressure.
struct CaptureState {
  static constexpr std::string_view kTopic = topic::kCaptureState;
  std::string state;  // started|lost|recovered|behind|overrun|stopping|stopped
  std::string device;
  int64_t queue_ms = 0;
  int64_t dropped_ms = 0;
  std::optional<int64_t> xruns;  // null: not counted by this capture source
  // Present with the states that carry them (docs/protocol.md).
  std::optional<std::string> format;
  std::optional<int> rate;
  std::optional<int> channels;
  std::optional<std::string> error;
  std::optional<int64_t> retry_in_ms;
  std::optional<int64_t> gap_ms;
  // How the session keeps up: "streaming" (audio prefilled as it arrives)
  // or "segments" (each segment read after it ends, when inference is slower).
  std::optional<std::string> mode;
};

struct DaemonState {
  static constexpr std::string_view kTopic = topic::kDaemonState;
  std::string state;  // starting|loading|ready|stopping
  std::string version;
  int64_t pid = 0;
  nlohmann::json model;  // null until loaded; {path, mmproj, backend, ...}
  std::vector<std::string> capabilities;
};

void to_json(nlohmann::json& j, const SegmentFinal& e);
void from_json(const nlohmann::json& j, SegmentFinal& e);
void to_json(nlohmann::json& j, const SegmentPartial& e);
void from_json(const nlohmann::json& j, SegmentPartial& e);
void to_json(nlohmann::json& j, const TranslationFinal& e);
void from_json(const nlohmann::json& j, TranslationFinal& e);
void to_json(nlohmann::json& j, const JobQueued& e);
void from_json(const nlohmann::json& j, JobQueued& e);
void to_json(nlohmann::json& j, const JobStarted& e);
void from_json(const nlohmann::json& j, JobStarted& e);
void to_json(nlohmann::json& j, const JobProgress& e);
void from_json(const nlohmann::json& j, JobProgress& e);
void to_json(nlohmann::json& j, const JobDone& e);
void from_json(const nlohmann::json& j, JobDone& e);
void to_json(nlohmann::json& j, const JobFailed& e);
void from_json(const nlohmann::json& j, JobFailed& e);
void to_json(nlohmann::json& j, const JobCancelled& e);
void from_json(const nlohmann::json& j, JobCancelled& e);
void to_json(nlohmann::json& j, const CaptureState& e);
void from_json(const nlohmann::json& j, CaptureState& e);
void to_json(nlohmann::json& j, const DaemonState& e);
void from_json(const nlohmann::json& j, DaemonState& e);

// The typed fields of a parsed event. Throws ProtocolError(kBadJson) when
// the event is of another type or a known field has the wrong type.
template <class E>
E FieldsOf(const Event& event) {
  if (event.type != E::kTopic) {
    throw ProtocolError(ErrorCode::kBadJson,
                        "event is " + event.type + ", not " + std::string(E::kTopic));
  }
  try {
    return event.fields.get<E>();
  } catch (const nlohmann::json::exception& e) {
    throw ProtocolError(ErrorCode::kBadJson, event.type + ": " + e.what());
  }
}

}  // namespace scribed::protocol
