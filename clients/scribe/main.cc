#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <string>

#include "clients/scribe/commands.h"
#include "scribed/base/version.h"

namespace scribed::cli {
namespace {
int g_exit_code = 0;
}  // namespace

void SetExitCode(int code) { g_exit_code = code; }

CLI::App& CommandGroup(CLI::App& parent, const std::string& name, const std::string& description) {
  auto found = parent.get_subcommands([&](CLI::App* sub) { return sub->get_name() == name; });
  if (!found.empty()) return *found.front();
  CLI::App* group = parent.add_subcommand(name, description);
  group->require_subcommand(1);
  return *group;
}

}  // namespace scribed::cli

int main(int argc, char** argv) try {
  CLI::App app{"scribe: offline speech transcription and translation (scribed client)"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "scribe " + std::string(scribed::base::kVersion));
  scribed::cli::AddModelCommands(app);
  scribed::cli::AddDebugCommands(app);
  scribed::cli::AddAudioCommands(app);
  scribed::cli::AddRunCommands(app);
  scribed::cli::AddBenchCommands(app);
  scribed::cli::AddTranscribeCommands(app);
  scribed::cli::AddBatchCommands(app);
  scribed::cli::AddDaemonCommands(app);
  scribed::cli::AddKeysCommands(app);
  CLI11_PARSE(app, argc, argv);
  return scribed::cli::g_exit_code;
} catch (const std::exception& e) {
  std::fprintf(stderr, "scribe: %s\n", e.what());
  return 1;
}
