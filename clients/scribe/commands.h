// Registration of scribe's command groups. Each Add* function adds its
// subcommands to the app; a command's callback returns the process exit code
// through SetExitCode (0 ok, 1 runtime failure, 2 bad input).
#pragma once

#include <CLI/CLI.hpp>

namespace scribed::cli {

void SetExitCode(int code);

void AddBenchCommands(CLI::App& app);

}  // namespace scribed::cli
