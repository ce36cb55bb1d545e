#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "clients/scribe/commands.h"

namespace scribed::cli {
namespace {
int g_exit_code = 0;
}  // namespace

void SetExitCode(int code) { g_exit_code = code; }

}  // namespace scribed::cli

int main(int argc, char** argv) try {
  CLI::App app{"scribe: offline speech transcription and translation (scribed client)"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "scribe 0.1.0");
  scribed::cli::AddBenchCommands(app);
  CLI11_PARSE(app, argc, argv);
  return scribed::cli::g_exit_code;
} catch (const std::exception& e) {
  std::fprintf(stderr, "scribe: %s\n", e.what());
  return 1;
}
