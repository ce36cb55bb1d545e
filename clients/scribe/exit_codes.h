// The one table from exceptions to scribe's exit codes, used by every
// command: 0 ok, 1 runtime failure (a device, the daemon, I/O), 2 bad input
// (arguments, malformed or wrong files, a file that does not exist, an output
// path that cannot be written), 130 interrupted.
//
// Thread-safe.
#pragma once

#include <exception>

namespace scribed::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitBadInput = 2;
inline constexpr int kExitInterrupted = 130;

// The exit code for `e` (kExitBadInput or kExitFailure).
int ExitCodeFor(const std::exception& e) noexcept;

// Prints "scribe: <what>" on stderr and returns ExitCodeFor(e).
int ReportError(const std::exception& e);

// Runs a command body returning an exit code; an exception becomes its
// ReportError code.
template <typename Body>
int RunReportingErrors(Body&& body) {
  try {
    return body();
  } catch (const std::exception& e) {
    return ReportError(e);
  }
}

}  // namespace scribed::cli
