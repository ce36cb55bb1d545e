// The daemon's side of CURVE on tcp:// endpoints: its key pair, kept in
// <state_dir>/curve (generated on first start, mode 0600), and the ZAP handler
// (inproc://zeromq.zap.01) that admits only the client public keys listed in
// authorized_keys. libzmq asks the ZAP handler about every CURVE handshake of
// the context; without one it would admit any client key, so the handler is
// bound before any tcp:// socket.
//
// Thread-safe (the handler runs on its own thread).
#pragma once

#include <atomic>
#include <filesystem>
#include <set>
#include <string>
#include <thread>
#include <zmq.hpp>

#include "scribed/config/curve_keys.h"

namespace scribed::daemon {

class CurveServer {
 public:
  // Loads or creates the key pair in `key_dir` (a private directory, created
  // when missing), reads `authorized_keys` and starts the ZAP handler.
  // Throws EndpointError when libzmq was built without CURVE or no client
  // key is authorized, config::ConfigError for a bad key file,
  // base::PrivateDirError for a key directory that is not private.
  CurveServer(zmq::context_t& context, const std::filesystem::path& key_dir,
              const std::filesystem::path& authorized_keys);
  ~CurveServer();  // stops the handler; the sockets it serves must be closed
  CurveServer(const CurveServer&) = delete;
  CurveServer& operator=(const CurveServer&) = delete;

  const std::string& secret_key() const noexcept { return keys_.secret_key; }
  const std::string& public_key() const noexcept { return keys_.public_key; }
  size_t authorized() const noexcept { return authorized_.size(); }
  // Handshakes refused so far.
  uint64_t refused() const noexcept { return refused_.load(); }

 private:
  void Run();
  bool Admit(const zmq::message_t& mechanism, const zmq::message_t& key);

  std::filesystem::path authorized_keys_path_;
  config::CurveKeyPair keys_;
  std::set<std::string> authorized_;  // 32-byte binary keys
  std::set<std::string> logged_;      // refused keys already logged (bounded)
  zmq::context_t& context_;
  zmq::socket_t zap_;        // REP on inproc://zeromq.zap.01; the handler thread's
  zmq::socket_t wake_pull_;  // the handler thread's
  std::string wake_endpoint_;
  std::atomic<uint64_t> refused_{0};
  std::thread thread_;
};

}  // namespace scribed::daemon
