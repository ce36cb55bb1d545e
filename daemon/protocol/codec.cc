#include <algorithm>
#include <array>
#include <utility>

#include "scribed/protocol/protocol.h"

namespace scribed::protocol {
namespace {

using nlohmann::json;

constexpr std::array<std::pair<ErrorCode, std::string_view>, 7> kErrorNames{{
    {ErrorCode::kBadJson, "bad_json"},
    {ErrorCode::kUnknownCmd, "unknown_cmd"},
    {ErrorCode::kBadArgs, "bad_args"},
    {ErrorCode::kTooLarge, "too_large"},
    {ErrorCode::kNotFound, "not_found"},
    {ErrorCode::kBusy, "busy"},
    {ErrorCode::kInternal, "internal"},
}};

// nlohmann's parser keeps its own stack, but a deeply nested document still
// costs memory and recursion when destroyed; bound it before parsing.
int NestingDepth(std::string_view bytes) noexcept {
  int depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : bytes) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      deepest = std::max(deepest, ++depth);
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return deepest;
}

json ParseObject(std::string_view bytes, ErrorCode code, const char* what) {
  if (NestingDepth(bytes) > kMaxJsonDepth) {
    throw ProtocolError(code, std::string(what) + ": JSON nested deeper than " +
                                  std::to_string(kMaxJsonDepth) + " levels");
  }
  json doc = json::parse(bytes.begin(), bytes.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) throw ProtocolError(code, std::string(what) + ": not valid JSON");
  if (!doc.is_object()) throw ProtocolError(code, std::string(what) + ": not a JSON object");
  return doc;
}

void CheckVersion(const json& doc, ErrorCode code, const char* what) {
  auto v = doc.find("v");
  if (v == doc.end() || !v->is_number_integer()) {
    throw ProtocolError(code, std::string(what) + ": field \"v\" missing or not an integer");
  }
  if (v->get<int64_t>() != kVersion) {
    throw ProtocolError(code, std::string(what) + ": unsupported protocol version " + v->dump() +
                                  " (this side speaks " + std::to_string(kVersion) + ")");
  }
}

std::string TypeError(std::string_view field, const char* expected) {
  return "argument \"" + std::string(field) + "\" must be " + expected;
}

}  // namespace

const std::vector<std::string_view>& AllTopics() {
  static const std::vector<std::string_view> kAll{
      topic::kSegmentPartial, topic::kSegmentFinal, topic::kTranslationFinal,
      topic::kJobQueued,      topic::kJobStarted,   topic::kJobProgress,
      topic::kJobDone,        topic::kJobFailed,    topic::kJobCancelled,
      topic::kCaptureState,   topic::kDaemonState,  topic::kDaemonHeartbeat};
  return kAll;
}

bool IsKnownTopic(std::string_view name) {
  const auto& all = AllTopics();
  return std::find(all.begin(), all.end(), name) != all.end();
}

std::string_view ErrorCodeName(ErrorCode code) noexcept {
  for (const auto& [c, name] : kErrorNames) {
    if (c == code) return name;
  }
  return "internal";
}

std::optional<ErrorCode> ParseErrorCode(std::string_view name) noexcept {
  for (const auto& [c, n] : kErrorNames) {
    if (n == name) return c;
  }
  return std::nullopt;
}

Reply Reply::Ok(std::string id, nlohmann::json result) {
  Reply r;
  r.id = std::move(id);
  r.result = std::move(result);
  return r;
}

Reply Reply::Error(std::string id, ErrorCode code, std::string message) {
  Reply r;
  r.id = std::move(id);
  r.ok = false;
  r.result = nullptr;
  r.code = code;
  r.message = std::move(message);
  return r;
}

Request ParseRequest(std::string_view bytes) {
  if (bytes.size() > kMaxRequestBytes) {
    throw ProtocolError(ErrorCode::kTooLarge, "request of " + std::to_string(bytes.size()) +
                                                  " bytes exceeds the limit of " +
                                                  std::to_string(kMaxRequestBytes));
  }
  json doc = ParseObject(bytes, ErrorCode::kBadJson, "request");
  CheckVersion(doc, ErrorCode::kBadJson, "request");
  Request r;
  if (auto id = doc.find("id"); id != doc.end()) {
    if (!id->is_string())
      throw ProtocolError(ErrorCode::kBadJson, "request: field \"id\" must be a string");
    r.id = id->get<std::string>();
  }
  auto command = doc.find("cmd");
  if (command == doc.end() || !command->is_string()) {
    throw ProtocolError(ErrorCode::kBadJson, "request: field \"cmd\" missing or not a string");
  }
  r.cmd = command->get<std::string>();
  if (auto args = doc.find("args"); args != doc.end() && !args->is_null()) {
    if (!args->is_object())
      throw ProtocolError(ErrorCode::kBadArgs, "request: field \"args\" must be an object");
    r.args = std::move(*args);
  }
  return r;
}

std::string EncodeRequest(const Request& request) {
  json doc{{"v", kVersion}, {"id", request.id}, {"cmd", request.cmd}, {"args", request.args}};
  return doc.dump();
}

std::string SalvageRequestId(std::string_view bytes) noexcept {
  try {
    if (bytes.size() > kMaxRequestBytes || NestingDepth(bytes) > kMaxJsonDepth) return {};
    json doc = json::parse(bytes.begin(), bytes.end(), nullptr, false);
    if (doc.is_object()) {
      auto id = doc.find("id");
      if (id != doc.end() && id->is_string()) return id->get<std::string>();
    }
  } catch (...) {
  }
  return {};
}

std::string EncodeReply(const Reply& reply) {
  json doc{{"v", kVersion}, {"id", reply.id}, {"ok", reply.ok}};
  if (reply.ok) {
    doc["result"] = reply.result;
  } else {
    doc["error"] = {{"code", ErrorCodeName(reply.code)}, {"message", reply.message}};
  }
  // Replace invalid UTF-8 (e.g. from a file name) rather than throw.
  return doc.dump(-1, ' ', false, json::error_handler_t::replace);
}

Reply ParseReply(std::string_view bytes) {
  json doc = ParseObject(bytes, ErrorCode::kBadJson, "reply");
  CheckVersion(doc, ErrorCode::kBadJson, "reply");
  Reply r;
  if (auto id = doc.find("id"); id != doc.end() && id->is_string()) r.id = id->get<std::string>();
  auto ok = doc.find("ok");
  if (ok == doc.end() || !ok->is_boolean())
    throw ProtocolError(ErrorCode::kBadJson, "reply: field \"ok\" missing");
  r.ok = ok->get<bool>();
  if (r.ok) {
    auto result = doc.find("result");
    if (result == doc.end())
      throw ProtocolError(ErrorCode::kBadJson, "reply: field \"result\" missing");
    r.result = std::move(*result);
    return r;
  }
  auto error = doc.find("error");
  if (error == doc.end() || !error->is_object() || !error->contains("code") ||
      !(*error)["code"].is_string()) {
    throw ProtocolError(ErrorCode::kBadJson, "reply: field \"error\" missing or without a code");
  }
  const auto code = ParseErrorCode((*error)["code"].get<std::string>());
  if (!code)
    throw ProtocolError(ErrorCode::kBadJson,
                        "reply: unknown error code " + (*error)["code"].dump());
  r.code = *code;
  r.result = nullptr;
  if (auto message = error->find("message"); message != error->end() && message->is_string()) {
    r.message = message->get<std::string>();
  }
  return r;
}

std::string EncodeEventBody(const Event& event) {
  json doc = event.fields.is_object() ? event.fields : json::object();
  doc["v"] = kVersion;
  doc["type"] = event.type;
  doc["run"] = event.run;
  doc["seq"] = event.seq;
  doc["ts"] = event.ts_ms;
  doc["session"] = event.session ? json(*event.session) : json(nullptr);
  doc["job"] = event.job ? json(*event.job) : json(nullptr);
  doc["segment"] = event.segment ? json(*event.segment) : json(nullptr);
  return doc.dump(-1, ' ', false, json::error_handler_t::replace);
}

Event ParseEvent(std::string_view topic_frame, std::string_view body) {
  json doc = ParseObject(body, ErrorCode::kBadJson, "event");
  CheckVersion(doc, ErrorCode::kBadJson, "event");
  auto field = [&](const char* name) -> json& {
    auto it = doc.find(name);
    if (it == doc.end())
      throw ProtocolError(ErrorCode::kBadJson,
                          std::string("event: field \"") + name + "\" missing");
    return *it;
  };
  Event e;
  const json& type = field("type");
  if (!type.is_string() || type.get<std::string>() != topic_frame) {
    throw ProtocolError(ErrorCode::kBadJson, "event: \"type\" does not match the topic frame \"" +
                                                 std::string(topic_frame) + "\"");
  }
  e.type = type.get<std::string>();
  const json& run = field("run");
  const json& seq = field("seq");
  const json& ts = field("ts");
  if (!run.is_string()) throw ProtocolError(ErrorCode::kBadJson, "event: \"run\" must be a string");
  if (!seq.is_number_unsigned())
    throw ProtocolError(ErrorCode::kBadJson, "event: \"seq\" must be a non-negative integer");
  if (!ts.is_number_integer())
    throw ProtocolError(ErrorCode::kBadJson, "event: \"ts\" must be an integer");
  e.run = run.get<std::string>();
  e.seq = seq.get<uint64_t>();
  e.ts_ms = ts.get<int64_t>();
  const json& session = field("session");
  const json& job = field("job");
  const json& segment = field("segment");
  if (!session.is_null() && !session.is_string())
    throw ProtocolError(ErrorCode::kBadJson, "event: \"session\" must be a string or null");
  if (!job.is_null() && !job.is_string())
    throw ProtocolError(ErrorCode::kBadJson, "event: \"job\" must be a string or null");
  if (!segment.is_null() && !segment.is_number_integer())
    throw ProtocolError(ErrorCode::kBadJson, "event: \"segment\" must be an integer or null");
  if (session.is_string()) e.session = session.get<std::string>();
  if (job.is_string()) e.job = job.get<std::string>();
  if (segment.is_number_integer()) e.segment = segment.get<int64_t>();
  for (const char* key : {"v", "type", "run", "seq", "ts", "session", "job", "segment"})
    doc.erase(key);
  e.fields = std::move(doc);
  return e;
}

std::string RequireString(const nlohmann::json& args, std::string_view field) {
  auto value = OptionalString(args, field);
  if (!value)
    throw ProtocolError(ErrorCode::kBadArgs, "missing argument \"" + std::string(field) + "\"");
  return *value;
}

std::optional<std::string> OptionalString(const nlohmann::json& args, std::string_view field) {
  auto it = args.find(field);
  if (it == args.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) throw ProtocolError(ErrorCode::kBadArgs, TypeError(field, "a string"));
  return it->get<std::string>();
}

std::optional<int64_t> OptionalInt(const nlohmann::json& args, std::string_view field, int64_t min,
                                   int64_t max) {
  auto it = args.find(field);
  if (it == args.end() || it->is_null()) return std::nullopt;
  if (!it->is_number_integer())
    throw ProtocolError(ErrorCode::kBadArgs, TypeError(field, "an integer"));
  // Unsigned values above INT64_MAX do not fit; treat them as out of range.
  if (it->is_number_unsigned() && it->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
    throw ProtocolError(ErrorCode::kBadArgs,
                        "argument \"" + std::string(field) + "\" out of range");
  }
  const int64_t value = it->get<int64_t>();
  if (value < min || value > max) {
    throw ProtocolError(ErrorCode::kBadArgs, "argument \"" + std::string(field) +
                                                 "\" = " + std::to_string(value) + " is outside [" +
                                                 std::to_string(min) + ", " + std::to_string(max) +
                                                 "]");
  }
  return value;
}

std::optional<bool> OptionalBool(const nlohmann::json& args, std::string_view field) {
  auto it = args.find(field);
  if (it == args.end() || it->is_null()) return std::nullopt;
  if (!it->is_boolean())
    throw ProtocolError(ErrorCode::kBadArgs, TypeError(field, "true or false"));
  return it->get<bool>();
}

std::optional<std::vector<std::string>> OptionalStringList(const nlohmann::json& args,
                                                           std::string_view field) {
  auto it = args.find(field);
  if (it == args.end() || it->is_null()) return std::nullopt;
  std::vector<std::string> out;
  if (it->is_string()) {
    out.push_back(it->get<std::string>());
    return out;
  }
  if (!it->is_array())
    throw ProtocolError(ErrorCode::kBadArgs, TypeError(field, "a string or a list of strings"));
  for (const auto& item : *it) {
    if (!item.is_string())
      throw ProtocolError(ErrorCode::kBadArgs, TypeError(field, "a list of strings"));
    out.push_back(item.get<std::string>());
  }
  return out;
}

void RejectUnknownArgs(const nlohmann::json& args,
                       std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, value] : args.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      throw ProtocolError(ErrorCode::kBadArgs, "unknown argument \"" + key + "\"");
    }
  }
}

}  // namespace scribed::protocol
