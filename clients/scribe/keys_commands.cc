// `scribe keys generate|show`: this client's CURVE key pair for daemons on
// tcp:// endpoints, in config::ClientKeyDir() (docs/protocol.md, "TCP and
// CURVE").
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>

#include "clients/scribe/commands.h"
#include "clients/scribe/exit_codes.h"
#include "scribed/base/private_dir.h"
#include "scribed/client/client.h"
#include "scribed/config/curve_keys.h"

namespace scribed::cli {
namespace {

namespace fs = std::filesystem;

fs::path KeyDir() {
  const fs::path dir = config::ClientKeyDir();
  if (dir.empty()) {
    throw std::invalid_argument("no configuration directory: set $XDG_CONFIG_HOME or $HOME");
  }
  return dir;
}

int Generate(bool force) {
  const fs::path dir = KeyDir();
  std::error_code ec;
  if (!force && fs::exists(dir / "client.key", ec)) {
    throw std::invalid_argument((dir / "client.key").string() +
                                " exists; --force replaces it (daemons that admit the old "
                                "public key will refuse this client until they list the new one)");
  }
  base::EnsurePrivateDirectory(dir);
  const config::CurveKeyPair pair = client::GenerateCurveKeyPair();
  config::WriteKeyPair(dir, "client", pair);
  std::printf("%s\n", pair.public_key.c_str());
  std::fprintf(stderr,
               "wrote %s and %s\n"
               "add the public key above to the daemon's authorized_keys "
               "(<state_dir>/curve/authorized_keys), and copy the daemon's public key "
               "(<state_dir>/curve/server.pub) to %s\n",
               (dir / "client.key").c_str(), (dir / "client.pub").c_str(),
               (dir / "server.pub").c_str());
  return kExitOk;
}

int Show() {
  const config::CurveKeyPair pair = config::ReadKeyPair(KeyDir(), "client");
  std::printf("%s\n", pair.public_key.c_str());
  return kExitOk;
}

}  // namespace

void AddKeysCommands(CLI::App& app) {
  CLI::App& keys = CommandGroup(app, "keys", "CURVE keys for daemons on tcp:// endpoints");
  auto force = std::make_shared<bool>(false);
  CLI::App* generate =
      keys.add_subcommand("generate", "Create this client's key pair and print its public key");
  generate->add_flag("--force", *force, "replace an existing key pair");
  generate->callback(
      [force] { SetExitCode(RunReportingErrors([&] { return Generate(*force); })); });
  CLI::App* show = keys.add_subcommand("show", "Print this client's public key");
  show->callback([] { SetExitCode(RunReportingErrors(Show)); });
}

}  // namespace scribed::cli
