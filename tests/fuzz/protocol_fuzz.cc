// Fuzz target for the control-message codec: the bytes as a request, a reply
// and (topic on the first line) an event, and a parsed request's arguments as
// job options. Anything but a ProtocolError escaping is a bug, as is a
// parsed message that does not survive being encoded and parsed again.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "scribed/protocol/job_options.h"
#include "scribed/protocol/protocol.h"

namespace {

namespace protocol = scribed::protocol;

void Check(bool ok) {
  if (!ok) std::abort();  // the fuzzer reports the input
}

void Request(std::string_view bytes) {
  protocol::Request r;
  try {
    r = protocol::ParseRequest(bytes);
  } catch (const protocol::ProtocolError&) {
    (void)protocol::SalvageRequestId(bytes);
    return;
  }
  const std::string again = protocol::EncodeRequest(r);
  if (again.size() <= protocol::kMaxRequestBytes) {
    const protocol::Request back = protocol::ParseRequest(again);
    Check(back.id == r.id && back.cmd == r.cmd && back.args == r.args);
  }
  for (auto kind : {protocol::JobKind::kFile, protocol::JobKind::kCapture}) {
    try {
      const protocol::JobOptions options = protocol::ParseJobOptions(r.args, kind);
      // Stored options (the journal keeps ToJson) read back the same.
      Check(protocol::ParseJobOptions(protocol::ToJson(options), kind) == options);
      const auto full = protocol::WithDefaults(options, protocol::BuiltInJobDefaults());
      protocol::Validate(full, kind);
    } catch (const protocol::ProtocolError&) {
    }
  }
  if (r.args.is_object()) {
    try {
      (void)protocol::OptionalStringList(r.args, protocol::job_field::kOutputs);
      (void)protocol::OptionalInt(r.args, "since_seq", 0, INT64_MAX);
      (void)protocol::OptionalBool(r.args, "wait");
      (void)protocol::RequireString(r.args, "path");
    } catch (const protocol::ProtocolError&) {
    }
  }
}

void Reply(std::string_view bytes) {
  try {
    const protocol::Reply r = protocol::ParseReply(bytes);
    const protocol::Reply back = protocol::ParseReply(protocol::EncodeReply(r));
    Check(back.id == r.id && back.ok == r.ok);
    Check(r.ok ? back.result == r.result : back.code == r.code && back.message == r.message);
  } catch (const protocol::ProtocolError&) {
  }
}

void Event(std::string_view bytes) {
  const size_t newline = bytes.find('\n');
  const std::string_view topic = newline == std::string_view::npos ? "" : bytes.substr(0, newline);
  const std::string_view body = newline == std::string_view::npos ? bytes : bytes.substr(newline + 1);
  try {
    const protocol::Event e = protocol::ParseEvent(topic, body);
    (void)protocol::IsKnownTopic(e.type);
    const protocol::Event back = protocol::ParseEvent(e.type, protocol::EncodeEventBody(e));
    Check(back.type == e.type && back.run == e.run && back.seq == e.seq && back.ts_ms == e.ts_ms &&
          back.session == e.session && back.job == e.job && back.segment == e.segment);
  } catch (const protocol::ProtocolError&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  Request(bytes);
  Reply(bytes);
  Event(bytes);
  (void)protocol::SplitList(bytes);
  return 0;
}
