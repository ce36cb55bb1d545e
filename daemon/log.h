// Logging setup: spdlog to the systemd journal when stderr is connected to it
// (JOURNAL_STREAM set), otherwise to stderr.
#pragma once

#include <string>

namespace scribed::daemon {

// Installs the default logger at `level` ("trace" ... "error"). Throws
// std::invalid_argument for an unknown level.
void SetupLogging(const std::string& level);

}  // namespace scribed::daemon
