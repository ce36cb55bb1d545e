// `scribe keys generate` makes a key pair a daemon on tcp:// admits once its
// owner lists the public key, and `scribe status` then reaches it with the
// keys from the user's configuration directory. Real processes, real files.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "scribed/base/private_dir.h"
#include "scribed/client/client.h"
#include "scribed/config/curve_keys.h"
#include "tests/daemon/daemon_process.h"
#include "tests/support/programs.h"
#include "tests/support/read_file.h"

namespace {

namespace fs = std::filesystem;
using scribed::daemon::testing::DaemonProcess;
using scribed::daemon::testing::Endpoints;
using scribed::daemon::testing::IpcEndpointsIn;
using scribed::testing::TempDir;
namespace config = scribed::config;

using scribed::testing::ProgramResult;
using scribed::testing::ReadFile;
using scribed::testing::ShellQuote;

// Runs scribe with `args` (already quoted) and XDG_CONFIG_HOME=`config_home`,
// capturing stdout; stderr goes to `err_file`.
ProgramResult Scribe(const fs::path& config_home, const std::string& args,
                     const fs::path& err_file) {
  return scribed::testing::RunProgram(SCRIBE_BINARY, args, err_file,
                                      "XDG_CONFIG_HOME=" + ShellQuote(config_home.string()));
}

mode_t ModeOf(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

// A loopback port the kernel just handed out.
int FreePort() {
  zmq::context_t context;
  zmq::socket_t probe(context, zmq::socket_type::rep);
  probe.bind("tcp://127.0.0.1:*");
  const std::string endpoint = probe.get(zmq::sockopt::last_endpoint);
  return std::stoi(endpoint.substr(endpoint.rfind(':') + 1));
}

TEST(ScribeKeys, GeneratedKeyReachesADaemonThatListsIt) {
  TempDir tmp("keys");
  const fs::path home = tmp / "config";
  const fs::path err = tmp / "err.txt";
  const ProgramResult generated = Scribe(home, "keys generate", err);
  ASSERT_EQ(generated.exit_code, 0) << ReadFile(err);
  const fs::path dir = home / "scribed" / "curve";
  EXPECT_EQ(ModeOf(dir), 0700u);
  EXPECT_EQ(ModeOf(dir / "client.key"), 0600u);
  const config::CurveKeyPair pair = config::ReadKeyPair(dir, "client");
  EXPECT_EQ(generated.out, pair.public_key + "\n");
  EXPECT_EQ(Scribe(home, "keys show", err).out, pair.public_key + "\n");

  // A second generate would lock this client out of daemons that list it.
  EXPECT_EQ(Scribe(home, "keys generate", err).exit_code, 2);
  EXPECT_NE(ReadFile(err).find("--force replaces it"), std::string::npos) << ReadFile(err);
  EXPECT_EQ(config::ReadKeyPair(dir, "client").secret_key, pair.secret_key);

  // Without the daemon's public key, the error says where to put it.
  const std::string control = "tcp://127.0.0.1:" + std::to_string(FreePort());
  EXPECT_EQ(Scribe(home, "status --control " + control, err).exit_code, 2);
  EXPECT_NE(ReadFile(err).find((dir / "server.pub").string()), std::string::npos) << ReadFile(err);

  // The daemon's owner lists the key; the client copies the daemon's.
  const fs::path daemon_keys = config::DaemonKeyDir(tmp / "state");
  scribed::base::EnsurePrivateDirectory(daemon_keys);
  const config::CurveKeyPair server = scribed::client::GenerateCurveKeyPair();
  config::WriteKeyPair(daemon_keys, "server", server);
  std::ofstream(daemon_keys / "authorized_keys") << pair.public_key << " laptop\n";
  fs::copy_file(daemon_keys / "server.pub", dir / "server.pub");
  const Endpoints endpoints{IpcEndpointsIn(tmp.path()).events, control,
                            config::ClientCurveKeys{pair, server.public_key}};
  DaemonProcess daemon(tmp.path(), {}, endpoints);
  const ProgramResult status = Scribe(home, "status --json --control " + control, err);
  ASSERT_EQ(status.exit_code, 0) << ReadFile(err);
  EXPECT_NE(status.out.find("\"pid\": " + std::to_string(daemon.pid())), std::string::npos)
      << status.out;
}

}  // namespace
