// CURVE key files, which secure tcp:// endpoints (docs/protocol.md, "TCP and
// CURVE"). Every key is Z85 text, 40 characters.
//
//   daemon  <state_dir>/curve/server.key, server.pub  its key pair, created on
//                                                       first start
//           <state_dir>/curve/authorized_keys           client public keys it
//                                                       admits (its owner writes it)
//   scribe  $XDG_CONFIG_HOME/scribed/curve/client.key, client.pub
//                                                       (scribe keys generate)
//           $XDG_CONFIG_HOME/scribed/curve/server.pub   the daemon's, copied
//
// A key file holds its key on the first line that is not blank or a '#'
// comment; authorized_keys holds one key per line, each optionally followed
// by a label. Key generation is the caller's (libzmq's zmq_curve_keypair):
// this module only reads and writes files.
//
// Thread-compatible.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace scribed::config {

struct CurveKeyPair {
  std::string public_key;  // Z85
  std::string secret_key;  // Z85
};

// What a client needs for a tcp:// endpoint.
struct ClientCurveKeys {
  CurveKeyPair client;
  std::string server_public_key;
};

// 40 characters of the Z85 alphabet.
bool IsZ85Key(std::string_view text);

// The key in `file`. A secret key file (`secret`) must belong to this user
// and be readable by nobody else. Throws ConfigError "FILE: ...".
std::string ReadKeyFile(const std::filesystem::path& file, bool secret);

// <dir>/<name>.key (secret) and <dir>/<name>.pub. Throws ConfigError.
CurveKeyPair ReadKeyPair(const std::filesystem::path& dir, std::string_view name);

// Writes <dir>/<name>.pub, then <dir>/<name>.key (mode 0600), each
// atomically; `dir` must exist. The secret key file last, so that an
// existing .key means a complete pair.
void WriteKeyPair(const std::filesystem::path& dir, std::string_view name,
                  const CurveKeyPair& pair);

// ReadKeyPair, or when <dir>/<name>.key does not exist yet, a pair from
// `generate` written with WriteKeyPair. `dir` must exist.
CurveKeyPair LoadOrCreateKeyPair(const std::filesystem::path& dir, std::string_view name,
                                 const std::function<CurveKeyPair()>& generate);

// The public keys listed in `file`, one per line ('#' comments, blank lines
// and text after the key ignored); none when the file does not exist. The
// file must not be writable by group or others and must belong to this user
// or root. Throws ConfigError "FILE:LINE: ..." for a line that is not a key.
std::vector<std::string> ReadAuthorizedKeys(const std::filesystem::path& file);

// $XDG_CONFIG_HOME/scribed/curve (~/.config/scribed/curve); empty without a
// usable home directory.
std::filesystem::path ClientKeyDir();
// <state_dir>/curve.
std::filesystem::path DaemonKeyDir(const std::filesystem::path& state_dir);

// client.key, client.pub and server.pub from `dir`. Throws ConfigError
// naming the missing file and how to make it.
ClientCurveKeys LoadClientCurveKeys(const std::filesystem::path& dir);

}  // namespace scribed::config
