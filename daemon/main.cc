// scribed: parses flags and the config file, then runs one Instance until
// SIGTERM, SIGINT or the `shutdown` command.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <map>
#include <string>

#include "scribed/config/options.h"
#include "daemon/instance.h"
#include "daemon/log.h"
#include "scribed/base/version.h"

namespace {

using scribed::config::DaemonOptions;

// Exit codes: 0 clean stop, 1 runtime failure, 2 bad configuration or flags.
int Main(int argc, char** argv) {
  CLI::App app{"scribed: offline speech transcription daemon (events over ZeroMQ)"};
  app.set_version_flag("--version", "scribed " + std::string(scribed::base::kVersion));
  std::string config_file;
  bool print_config = false;
  app.add_option("--config", config_file,
                 "TOML config file (default ~/.config/scribed/config.toml, "
                 "else /etc/scribed/config.toml)");
  app.add_flag("--print-config", print_config,
               "print the effective configuration as TOML and exit");
  // One flag per entry of the option table; values are applied after the
  // config file so that flags win.
  std::map<std::string, std::string> given;
  for (const auto& spec : scribed::config::OptionTable()) {
    auto* opt = app.add_option(scribed::config::FlagName(spec), given[spec.key], spec.help);
    if (std::holds_alternative<bool DaemonOptions::*>(spec.member))
      opt->expected(0, 1)->default_str("true");
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  DaemonOptions options;
  try {
    const std::filesystem::path file = config_file.empty() ? scribed::config::DefaultConfigFile()
                                                           : std::filesystem::path(config_file);
    if (!config_file.empty() && !std::filesystem::exists(file)) {
      throw scribed::config::ConfigError("--config: " + config_file + " does not exist");
    }
    if (!file.empty()) scribed::config::LoadConfigFile(file, options);
    for (const auto& spec : scribed::config::OptionTable()) {
      auto* opt = app.get_option(scribed::config::FlagName(spec));
      if (opt->count() == 0) continue;
      std::string value = given[spec.key];
      if (value.empty() && std::holds_alternative<bool DaemonOptions::*>(spec.member))
        value = "true";
      scribed::config::ApplyFlag(options, spec, value);
    }
    scribed::config::ValidateOptions(options);
  } catch (const scribed::config::ConfigError& e) {
    std::fprintf(stderr, "scribed: %s\n", e.what());
    return 2;
  }
  if (print_config) {
    std::fputs(scribed::config::PrintConfig(options).c_str(), stdout);
    return 0;
  }

  scribed::daemon::SetupLogging(options.log_level);
  scribed::daemon::BlockTerminationSignals();
  try {
    scribed::daemon::Instance instance(options);
    instance.Run();
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) try { return Main(argc, argv); } catch (const std::exception& e) {
  std::fprintf(stderr, "scribed: %s\n", e.what());
  return 1;
}
