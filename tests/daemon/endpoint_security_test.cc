// Who may reach the daemon: ipc:// sockets live in directories only its user
// can enter (created private, never chmodded when they exist), a live
// daemon's sockets are never taken over, and tcp:// admits only CURVE
// clients whose public keys the daemon's owner listed. The real scribed on
// real sockets, with real key files.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "scribed/base/private_dir.h"
#include "scribed/base/unique_fd.h"
#include "scribed/client/client.h"
#include "scribed/config/curve_keys.h"
#include "tests/daemon/daemon_process.h"

namespace scribed::daemon::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

mode_t ModeOf(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

fs::path MakeDir(const fs::path& p, mode_t mode) {
  fs::create_directories(p);
  EXPECT_EQ(::chmod(p.c_str(), mode), 0);
  return p;
}

// `n` distinct ports the kernel just handed out on `family`'s loopback
// address (empty when that family has no loopback, e.g. IPv6 disabled). All
// are held until all are chosen, so they differ.
std::vector<int> FreeLoopbackPorts(int family, int n) {
  std::vector<base::UniqueFd> held;
  std::vector<int> ports;
  for (int i = 0; i < n; ++i) {
    base::UniqueFd fd(::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (fd.get() < 0) return {};
    sockaddr_storage addr{};
    socklen_t len = 0;
    if (family == AF_INET6) {
      auto* a = reinterpret_cast<sockaddr_in6*>(&addr);
      a->sin6_family = AF_INET6;
      a->sin6_addr = in6addr_loopback;
      len = sizeof *a;
    } else {
      auto* a = reinterpret_cast<sockaddr_in*>(&addr);
      a->sin_family = AF_INET;
      a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      len = sizeof *a;
    }
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), len) != 0) return {};
    if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) return {};
    ports.push_back(ntohs(family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port
                                             : reinterpret_cast<sockaddr_in*>(&addr)->sin_port));
    held.push_back(std::move(fd));
  }
  return ports;
}

int FreeLoopbackPort() { return FreeLoopbackPorts(AF_INET, 1).at(0); }

std::string Tcp(const std::string& host, int port) {
  std::string e = "tcp://";
  e.append(host).append(":").append(std::to_string(port));
  return e;
}

// A state directory whose daemon has key pair `server` and admits `clients`.
void PrepareCurveState(const fs::path& state, const config::CurveKeyPair& server,
                       const std::vector<std::string>& clients) {
  const fs::path keys = config::DaemonKeyDir(state);
  base::EnsurePrivateDirectory(keys);
  config::WriteKeyPair(keys, "server", server);
  std::ofstream out(keys / "authorized_keys");
  out << "# clients admitted on tcp://\n";
  for (const std::string& key : clients) out << key << "  test client\n";
}

config::ClientCurveKeys KeysFor(const config::CurveKeyPair& client,
                                const config::CurveKeyPair& server) {
  return {client, server.public_key};
}

std::vector<std::string> Args(const fs::path& dir, const std::string& events,
                              const std::string& control) {
  return {"--config", "/dev/null", "--state-dir", (dir / "state").string(),
          "--events", events,      "--control",   control};
}

// A monitor on `socket` reporting the outcome of its handshakes; attach
// before connecting.
zmq::socket_t HandshakeMonitor(zmq::context_t& context, zmq::socket_t& socket) {
  const std::string endpoint = "inproc://test-monitor";
  EXPECT_EQ(zmq_socket_monitor(socket.handle(), endpoint.c_str(),
                               ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                                   ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
                                   ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL),
            0);
  zmq::socket_t monitor(context, zmq::socket_type::pair);
  monitor.set(zmq::sockopt::rcvtimeo, 20000);  // only to fail a hung test
  monitor.connect(endpoint);
  return monitor;
}

// The next handshake event's id (0 when none came).
int NextHandshakeEvent(zmq::socket_t& monitor) {
  zmq::message_t event, address;
  if (!monitor.recv(event)) return 0;
  (void)monitor.recv(address);
  uint16_t id = 0;
  std::memcpy(&id, event.data(), sizeof id);
  return id;
}

class EndpointSecurityTest : public ::testing::Test {
 protected:
  TempDir dir_{"endpoints"};
  zmq::context_t context_;
};

// --- ipc:// directories ---------------------------------------------------

TEST_F(EndpointSecurityTest, SharedSocketDirectoryIsRefusedAndLeftAlone) {
  const fs::path shared = MakeDir(dir_ / "shared", 01777);
  auto [code, err] = RunScribed(Args(dir_.path(), "ipc://" + (shared / "events").string(),
                                     "ipc://" + (dir_ / "run" / "control").string()),
                                dir_.path());
  EXPECT_EQ(code, 1) << err;
  EXPECT_NE(err.find("ipc://" + (shared / "events").string() + ": " + shared.string() +
                     ": has mode 1777"),
            std::string::npos)
      << err;
  EXPECT_EQ(ModeOf(shared), 01777u);
}

TEST_F(EndpointSecurityTest, SymlinkedRuntimeDirectoryTargetIsNotChmodded) {
  // $XDG_RUNTIME_DIR/scribed pointing at a shared directory.
  const fs::path shared = MakeDir(dir_ / "shared", 01777);
  fs::create_directories(dir_ / "xdg-runtime");
  fs::create_directory_symlink(shared, dir_ / "xdg-runtime" / "scribed");
  const fs::path sockets = dir_ / "xdg-runtime" / "scribed";
  auto [code, err] = RunScribed(Args(dir_.path(), "ipc://" + (sockets / "events").string(),
                                     "ipc://" + (sockets / "control").string()),
                                dir_.path());
  EXPECT_EQ(code, 1) << err;
  EXPECT_NE(err.find("has mode 1777 (the target of a symbolic link)"), std::string::npos) << err;
  EXPECT_EQ(ModeOf(shared), 01777u);
}

TEST_F(EndpointSecurityTest, StateDirectoryOpenToOthersIsRefusedAndLeftAlone) {
  const fs::path state = MakeDir(dir_ / "state", 0755);
  const Endpoints ipc = IpcEndpointsIn(dir_.path());
  auto [code, err] = RunScribed(Args(dir_.path(), ipc.events, ipc.control), dir_.path());
  EXPECT_EQ(code, 1) << err;
  EXPECT_NE(err.find("state directory " + state.string() + ": has mode 0755"), std::string::npos)
      << err;
  EXPECT_EQ(ModeOf(state), 0755u);
  EXPECT_FALSE(fs::exists(state / "jobs.journal"));
}

TEST_F(EndpointSecurityTest, SomeoneElsesStateDirectoryIsRefused) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give a directory to another user";
  const fs::path state = MakeDir(dir_ / "state", 0700);
  ASSERT_EQ(::chown(state.c_str(), 65534, 65534), 0);
  const Endpoints ipc = IpcEndpointsIn(dir_.path());
  auto [code, err] = RunScribed(Args(dir_.path(), ipc.events, ipc.control), dir_.path());
  EXPECT_EQ(code, 1) << err;
  EXPECT_NE(err.find(state.string() + ": belongs to uid 65534"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(state / "jobs.journal"));
}

TEST_F(EndpointSecurityTest, MissingDirectoriesAreCreatedPrivate) {
  DaemonProcess daemon(dir_.path());
  EXPECT_EQ(ModeOf(dir_ / "run"), 0700u);
  EXPECT_EQ(ModeOf(dir_ / "state"), 0700u);
}

// --- a second daemon on the same ipc:// endpoints -------------------------

TEST_F(EndpointSecurityTest, SecondDaemonOnLiveIpcEndpointsIsRefused) {
  DaemonProcess first(dir_.path());
  ControlClient control(context_, first.control());
  const int first_pid = control.Call("status")["result"]["pid"];
  TempDir other("endpoints-2");
  auto [code, err] = RunScribed({"--config", "/dev/null", "--state-dir", (other / "state").string(),
                                 "--events", first.events(), "--control", first.control()},
                                other.path());
  EXPECT_EQ(code, 1) << err;
  EXPECT_NE(err.find("is listening on"), std::string::npos) << err;
  // The first daemon keeps its sockets: a new client still reaches it.
  ControlClient again(context_, first.control());
  EXPECT_EQ(again.Call("status")["result"]["pid"], first_pid);
}

TEST_F(EndpointSecurityTest, StaleIpcSocketsOfAKilledDaemonAreReplaced) {
  {
    DaemonProcess first(dir_.path());
    first.Kill(SIGKILL);
    first.Wait();
  }
  ASSERT_TRUE(fs::exists(dir_ / "run" / "control"));  // left behind by kill -9
  DaemonProcess second(dir_.path());
  ControlClient control(context_, second.control());
  EXPECT_EQ(control.Call("status")["result"]["pid"], second.pid());
}

TEST_F(EndpointSecurityTest, FileAtTheSocketPathIsNotReplaced) {
  MakeDir(dir_ / "run", 0700);
  std::ofstream(dir_ / "run" / "control") << "precious";
  const Endpoints ipc = IpcEndpointsIn(dir_.path());
  auto [code, err] = RunScribed(Args(dir_.path(), ipc.events, ipc.control), dir_.path());
  EXPECT_EQ(code, 1) << err;
  EXPECT_NE(err.find("exists and is not a socket"), std::string::npos) << err;
  std::ifstream in(dir_ / "run" / "control");
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "precious");
}

// --- tcp:// and CURVE -----------------------------------------------------

TEST_F(EndpointSecurityTest, FirstStartCreatesTheKeyPairAndRefusesWithoutAuthorizedKeys) {
  const std::string control = Tcp("127.0.0.1", FreeLoopbackPort());
  const Endpoints ipc = IpcEndpointsIn(dir_.path());
  auto [code, err] = RunScribed(Args(dir_.path(), ipc.events, control), dir_.path());
  EXPECT_EQ(code, 1) << err;
  const fs::path keys = config::DaemonKeyDir(dir_ / "state");
  EXPECT_NE(err.find((keys / "authorized_keys").string() + " lists none"), std::string::npos)
      << err;
  ASSERT_TRUE(fs::exists(keys / "server.key")) << err;
  EXPECT_EQ(ModeOf(keys), 0700u);
  EXPECT_EQ(ModeOf(keys / "server.key"), 0600u);
  const config::CurveKeyPair server = config::ReadKeyPair(keys, "server");
  EXPECT_NE(err.find(server.public_key), std::string::npos) << "the message names the key";

  // The next start keeps that pair and serves the clients now listed.
  const config::CurveKeyPair client = client::GenerateCurveKeyPair();
  std::ofstream(keys / "authorized_keys") << client.public_key << "\n";
  ::chmod((keys / "authorized_keys").c_str(), 0600);
  DaemonProcess daemon(dir_.path(), {}, {ipc.events, control, KeysFor(client, server)});
  EXPECT_EQ(config::ReadKeyPair(keys, "server").secret_key, server.secret_key);
}

TEST_F(EndpointSecurityTest, OnlyAuthorizedCurveClientsAreServed) {
  const config::CurveKeyPair server = client::GenerateCurveKeyPair();
  const config::CurveKeyPair alice = client::GenerateCurveKeyPair();
  const config::CurveKeyPair mallory = client::GenerateCurveKeyPair();
  PrepareCurveState(dir_ / "state", server, {alice.public_key});
  const std::vector<int> ports = FreeLoopbackPorts(AF_INET, 2);
  const Endpoints tcp{Tcp("127.0.0.1", ports.at(0)), Tcp("127.0.0.1", ports.at(1)),
                      KeysFor(alice, server)};
  DaemonProcess daemon(dir_.path(), {"--heartbeat-ms", "100"}, tcp);

  // A listed key gets replies and events.
  ControlClient control(context_, tcp.control, tcp.curve);
  EXPECT_EQ(control.Call("status")["result"]["state"], "ready");
  Subscriber events(context_, tcp.events, "daemon.heartbeat", tcp.curve);
  ASSERT_TRUE(events.Next(std::chrono::seconds(20)));

  // A valid key nobody listed is refused on both sockets, and said to be.
  client::ControlClient intruder(context_, tcp.control, KeysFor(mallory, server));
  try {
    intruder.Call("shutdown");
    ADD_FAILURE() << "an unlisted key was answered";
  } catch (const client::DaemonError& e) {
    EXPECT_NE(std::string(e.what()).find("refused this client's CURVE key"), std::string::npos)
        << e.what();
  }
  client::EventSubscriber eavesdropper(context_, tcp.events, {}, KeysFor(mallory, server));
  EXPECT_THROW(eavesdropper.Next(std::chrono::seconds(20)), client::DaemonError);

  // A client without CURVE fails the handshake and gets nothing.
  zmq::socket_t plain(context_, zmq::socket_type::dealer);
  plain.set(zmq::sockopt::linger, 0);
  zmq::socket_t monitor = HandshakeMonitor(context_, plain);
  plain.connect(tcp.control);
  plain.send(zmq::message_t(), zmq::send_flags::sndmore);
  plain.send(zmq::str_buffer(R"({"v":1,"id":"x","cmd":"shutdown"})"), zmq::send_flags::none);
  // Which side notices the mechanism mismatch first decides which failure
  // the client sees.
  const int outcome = NextHandshakeEvent(monitor);
  EXPECT_TRUE(outcome == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL ||
              outcome == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL)
      << "handshake event " << outcome;
  zmq::message_t nothing;
  EXPECT_FALSE(plain.recv(nothing, zmq::recv_flags::dontwait));

  // Neither shutdown reached the daemon.
  EXPECT_EQ(control.Call("status")["result"]["state"], "ready");
  EXPECT_NE(daemon.Stderr().find("refused a CURVE client with key " + mallory.public_key),
            std::string::npos)
      << daemon.Stderr();
}

TEST_F(EndpointSecurityTest, WrongServerKeyIsNoAnswer) {
  const config::CurveKeyPair server = client::GenerateCurveKeyPair();
  const config::CurveKeyPair alice = client::GenerateCurveKeyPair();
  PrepareCurveState(dir_ / "state", server, {alice.public_key});
  const Endpoints tcp{IpcEndpointsIn(dir_.path()).events, Tcp("127.0.0.1", FreeLoopbackPort()),
                      KeysFor(alice, server)};
  DaemonProcess daemon(dir_.path(), {}, tcp);
  // Alice's pair, but a key that is not the daemon's: the daemon cannot read
  // her hello, so nothing she sends arrives, and the error says what to check.
  const config::ClientCurveKeys wrong{alice, client::GenerateCurveKeyPair().public_key};
  client::ControlClient confused(context_, tcp.control, wrong);
  try {
    confused.Call("shutdown", json::object(), std::chrono::seconds(5));
    ADD_FAILURE() << "answered through the wrong server key";
  } catch (const client::DaemonError& e) {
    EXPECT_NE(std::string(e.what()).find("is server.pub the daemon's current public key"),
              std::string::npos)
        << e.what();
  }
  ControlClient control(context_, tcp.control, tcp.curve);
  EXPECT_EQ(control.Call("status")["result"]["state"], "ready");
}

TEST_F(EndpointSecurityTest, BadAuthorizedKeysLineNamesFileAndLine) {
  const config::CurveKeyPair server = client::GenerateCurveKeyPair();
  PrepareCurveState(dir_ / "state", server, {client::GenerateCurveKeyPair().public_key});
  const fs::path file = config::DaemonKeyDir(dir_ / "state") / "authorized_keys";
  std::ofstream(file, std::ios::app) << "not-a-key\n";
  auto [code, err] = RunScribed(
      Args(dir_.path(), IpcEndpointsIn(dir_.path()).events, Tcp("127.0.0.1", 1)), dir_.path());
  EXPECT_EQ(code, 1) << err;
  EXPECT_NE(err.find(file.string() + ":3: \"not-a-key\" is not a CURVE key"), std::string::npos)
      << err;
}

TEST_F(EndpointSecurityTest, AuthorizedKeysWritableByOthersIsRefused) {
  const config::CurveKeyPair server = client::GenerateCurveKeyPair();
  PrepareCurveState(dir_ / "state", server, {client::GenerateCurveKeyPair().public_key});
  const fs::path file = dir_ / "authorized_keys";
  fs::copy_file(config::DaemonKeyDir(dir_ / "state") / "authorized_keys", file);
  ASSERT_EQ(::chmod(file.c_str(), 0666), 0);
  std::vector<std::string> args =
      Args(dir_.path(), IpcEndpointsIn(dir_.path()).events, Tcp("127.0.0.1", 1));
  args.insert(args.end(), {"--authorized-keys", file.string()});
  auto [code, err] = RunScribed(args, dir_.path());
  EXPECT_EQ(code, 1) << err;
  EXPECT_NE(err.find(file.string() + ": has mode 0666"), std::string::npos) << err;
}

TEST_F(EndpointSecurityTest, LocalhostAndIpv6LoopbackBind) {
  const std::vector<int> v6 = FreeLoopbackPorts(AF_INET6, 2);
  if (v6.empty()) GTEST_SKIP() << "no IPv6 loopback here";
  const std::vector<int> v4 = FreeLoopbackPorts(AF_INET, 2);
  const config::CurveKeyPair server = client::GenerateCurveKeyPair();
  const config::CurveKeyPair alice = client::GenerateCurveKeyPair();
  PrepareCurveState(dir_ / "state", server, {alice.public_key});
  const Endpoints tcp{Tcp("localhost", v4.at(0)), Tcp("[::1]", v6.at(0)), KeysFor(alice, server)};
  DaemonProcess daemon(dir_.path(), {"--heartbeat-ms", "100"}, tcp);
  ControlClient control(context_, tcp.control, tcp.curve);
  const json status = control.Call("status")["result"];
  EXPECT_EQ(status["endpoints"]["control"], tcp.control);
  EXPECT_EQ(status["endpoints"]["events"], tcp.events);
  Subscriber events(context_, tcp.events, "daemon.heartbeat", tcp.curve);
  EXPECT_TRUE(events.Next(std::chrono::seconds(20)));
  // And the other way round: IPv6 events, localhost control.
  daemon.Kill(SIGTERM);
  EXPECT_EQ(daemon.Wait(), 0);
  const Endpoints swapped{Tcp("[::1]", v6.at(1)), Tcp("localhost", v4.at(1)), tcp.curve};
  DaemonProcess again(dir_.path(), {"--heartbeat-ms", "100"}, swapped);
  Subscriber v6_events(context_, swapped.events, "daemon.heartbeat", swapped.curve);
  EXPECT_TRUE(v6_events.Next(std::chrono::seconds(20)));
}

}  // namespace
}  // namespace scribed::daemon::testing
