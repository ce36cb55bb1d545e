#include "clients/scribe/exit_codes.h"

#include <cstdio>
#include <stdexcept>
#include <system_error>

#include "scribed/audio/errors.h"
#include "scribed/config/options.h"
#include "scribed/engine/errors.h"
#include "scribed/engine/gguf.h"
#include "scribed/protocol/protocol.h"

namespace scribed::cli {
namespace {

template <typename T>
bool Is(const std::exception& e) {
  return dynamic_cast<const T*>(&e) != nullptr;
}

}  // namespace

int ExitCodeFor(const std::exception& e) noexcept {
  // A file the user named that is missing, malformed or the wrong kind.
  if (Is<engine::ModelError>(e) || Is<engine::gguf::FormatError>(e) ||
      Is<engine::gguf::KeyError>(e) || Is<audio::FileError>(e)) {
    return kExitBadInput;
  }
  // Arguments and settings, checked locally or by the daemon's protocol.
  if (Is<std::invalid_argument>(e) || Is<config::ConfigError>(e)) return kExitBadInput;
  // kBadArgs: the request was wrong; other codes: the daemon or its reply.
  if (const auto* p = dynamic_cast<const protocol::ProtocolError*>(&e)) {
    return p->code() == protocol::ErrorCode::kBadArgs ? kExitBadInput : kExitFailure;
  }
  if (const auto* s = dynamic_cast<const std::system_error*>(&e)) {
    const std::error_code c = s->code();
    if (c == std::errc::no_such_file_or_directory || c == std::errc::permission_denied ||
        c == std::errc::is_a_directory) {
      return kExitBadInput;
    }
  }
  // Devices (audio::DeviceError), the daemon (client::DaemonError), other I/O.
  return kExitFailure;
}

int ReportError(const std::exception& e) {
  std::fprintf(stderr, "scribe: %s\n", e.what());
  return ExitCodeFor(e);
}

}  // namespace scribed::cli
