// The scribed wire protocol (docs/protocol.md is the specification; this
// header holds its constants and the JSON codec that the daemon, the clients
// and the tests all share).
//
//   Events: PUB socket, multipart [topic, body]; body is a JSON object with
//   the envelope {v, type, run, seq, ts, session, job, segment} plus fields.
//   Control: ROUTER socket; a request {v, id, cmd, args} gets one reply
//   {v, id, ok: true, result} or {v, id, ok: false, error: {code, message}}.
//
//   Request r = ParseRequest(bytes);            // throws ProtocolError
//   std::string out = EncodeReply(Reply::Ok(r.id, {{"job", "j-1"}}));
//
// Thread-safe (pure functions and constants).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "scribed/base/json.h"

namespace scribed::protocol {

// Schema version carried as "v" by every event, request and reply. Adding
// fields keeps the version; removing or changing the meaning of one bumps it.
inline constexpr int kVersion = 1;

// Largest request body the daemon parses; bigger ones get a too_large reply.
inline constexpr size_t kMaxRequestBytes = 64 * 1024;
// Hard limit set as ZMQ_MAXMSGSIZE on the control socket: a peer sending more
// than this is disconnected by libzmq before the daemon sees the message.
inline constexpr int64_t kMaxTransportBytes = 1024 * 1024;
// Deepest JSON nesting accepted in a request.
inline constexpr int kMaxJsonDepth = 32;

// Event topics. No topic is a prefix of another, so a SUB filter on a family
// ("segment.") or on one full topic selects exactly what it names.
namespace topic {
inline constexpr std::string_view kSegmentPartial = "segment.partial";
inline constexpr std::string_view kSegmentFinal = "segment.final";
inline constexpr std::string_view kTranslationFinal = "translation.final";
inline constexpr std::string_view kJobQueued = "job.queued";
inline constexpr std::string_view kJobStarted = "job.started";
inline constexpr std::string_view kJobProgress = "job.progress";
inline constexpr std::string_view kJobDone = "job.done";
inline constexpr std::string_view kJobFailed = "job.failed";
inline constexpr std::string_view kJobCancelled = "job.cancelled";
inline constexpr std::string_view kCaptureState = "capture.state";
inline constexpr std::string_view kDaemonState = "daemon.state";
inline constexpr std::string_view kDaemonHeartbeat = "daemon.heartbeat";
}  // namespace topic

// Every topic above, in documentation order.
const std::vector<std::string_view>& AllTopics();
bool IsKnownTopic(std::string_view topic);

// Control commands.
namespace cmd {
inline constexpr std::string_view kStatus = "status";
inline constexpr std::string_view kTranscribe = "transcribe";
inline constexpr std::string_view kCancel = "cancel";
inline constexpr std::string_view kJobs = "jobs";
inline constexpr std::string_view kResult = "result";
inline constexpr std::string_view kReplay = "replay";
inline constexpr std::string_view kCaptureStart = "capture.start";
inline constexpr std::string_view kCaptureStop = "capture.stop";
inline constexpr std::string_view kShutdown = "shutdown";
}  // namespace cmd

// The closed list of error codes a reply can carry.
enum class ErrorCode { kBadJson, kUnknownCmd, kBadArgs, kTooLarge, kNotFound, kBusy, kInternal };

std::string_view ErrorCodeName(ErrorCode code) noexcept;  // "bad_json", ...
std::optional<ErrorCode> ParseErrorCode(std::string_view name) noexcept;

// A request or reply that violates the protocol, with the code to answer.
class ProtocolError : public std::runtime_error {
 public:
  ProtocolError(ErrorCode code, const std::string& message)
      : std::runtime_error(message), code_(code) {}
  ErrorCode code() const noexcept { return code_; }

 private:
  ErrorCode code_;
};

struct Request {
  std::string id;  // chosen by the client, echoed in the reply; may be empty
  std::string cmd;
  nlohmann::json args = nlohmann::json::object();
};

struct Reply {
  std::string id;
  bool ok = true;
  nlohmann::json result = nlohmann::json::object();  // when ok
  ErrorCode code = ErrorCode::kInternal;             // when !ok
  std::string message;                               // when !ok

  static Reply Ok(std::string id, nlohmann::json result);
  static Reply Error(std::string id, ErrorCode code, std::string message);
};

// Validates size, UTF-8 JSON, nesting depth, "v", "id" (string, optional),
// "cmd" (string) and "args" (object, optional). Throws ProtocolError with
// kTooLarge, kBadJson or kBadArgs naming the field. Unknown commands are not
// rejected here (the dispatcher answers kUnknownCmd).
Request ParseRequest(std::string_view bytes);
std::string EncodeRequest(const Request& request);

// The id of a request that failed to parse, when one can still be read, so
// the error reply can echo it. Never throws.
std::string SalvageRequestId(std::string_view bytes) noexcept;

std::string EncodeReply(const Reply& reply);
// Throws ProtocolError(kBadJson) for a reply that is not valid JSON or lacks
// "v", "ok", or the "result" / "error" member its "ok" promises.
Reply ParseReply(std::string_view bytes);

// One published event. `fields` holds everything beyond the envelope.
struct Event {
  std::string type;  // also the topic frame
  std::string run;
  uint64_t seq = 0;
  int64_t ts_ms = 0;  // Unix time, milliseconds
  std::optional<std::string> session;
  std::optional<std::string> job;
  std::optional<int64_t> segment;
  nlohmann::json fields = nlohmann::json::object();
};

// The body frame: envelope and fields in one object (envelope keys win).
std::string EncodeEventBody(const Event& event);
// Checks the topic frame against "type", the envelope types and "v"; throws
// ProtocolError(kBadJson) naming the field.
Event ParseEvent(std::string_view topic, std::string_view body);

// Typed access to request arguments; each throws ProtocolError(kBadArgs)
// naming the field and the expected type.
std::string RequireString(const nlohmann::json& args, std::string_view field);
std::optional<std::string> OptionalString(const nlohmann::json& args, std::string_view field);
std::optional<int64_t> OptionalInt(const nlohmann::json& args, std::string_view field, int64_t min,
                                   int64_t max);
std::optional<bool> OptionalBool(const nlohmann::json& args, std::string_view field);
std::optional<std::vector<std::string>> OptionalStringList(const nlohmann::json& args,
                                                           std::string_view field);
// Throws kBadArgs naming the first member of `args` not in `allowed`.
void RejectUnknownArgs(const nlohmann::json& args, std::initializer_list<std::string_view> allowed);

}  // namespace scribed::protocol
