#include "scribed/config/curve_keys.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <optional>
#include <sstream>

#include "scribed/base/file_system.h"
#include "scribed/base/xdg.h"
#include "scribed/config/options.h"

namespace scribed::config {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kZ85Alphabet =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

std::string Octal(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

std::string ReadWhole(const fs::path& file) {
  std::optional<std::string> text;
  try {
    text = base::RealFileSystem().ReadAll(file);
  } catch (const std::exception& e) {
    throw ConfigError(file.string() + ": " + e.what());
  }
  if (!text) throw ConfigError(file.string() + ": does not exist");
  return *text;
}

struct stat StatOf(const fs::path& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) throw ConfigError(file.string() + ": cannot be read");
  return st;
}

// The first word of `line`, without surrounding blanks.
std::string_view FirstWord(std::string_view line) {
  const size_t begin = line.find_first_not_of(" \t\r");
  if (begin == std::string_view::npos) return {};
  line.remove_prefix(begin);
  return line.substr(0, line.find_first_of(" \t\r"));
}

// Calls `key(line_number, word)` for each line holding a key; a line that is
// neither blank, a comment nor a key throws ConfigError "FILE:LINE: ...".
template <typename F>
void ForEachKeyLine(const fs::path& file, const std::string& text, F key) {
  std::istringstream in(text);
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    const std::string_view word = FirstWord(line);
    if (word.empty()) continue;
    // '#' is a Z85 character, so a key may start with it: keys first.
    if (IsZ85Key(word)) {
      key(word);
      continue;
    }
    if (word.front() == '#') continue;
    throw ConfigError(file.string() + ":" + std::to_string(number) + ": \"" +
                      std::string(word.substr(0, 60)) +
                      "\" is not a CURVE key (40 Z85 characters)");
  }
}

}  // namespace

bool IsZ85Key(std::string_view text) {
  return text.size() == 40 && text.find_first_not_of(kZ85Alphabet) == std::string_view::npos;
}

std::string ReadKeyFile(const fs::path& file, bool secret) {
  const std::string text = ReadWhole(file);
  if (secret) {
    const struct stat st = StatOf(file);
    if (st.st_uid != ::geteuid()) {
      throw ConfigError(file.string() + ": secret key file belongs to uid " +
                        std::to_string(st.st_uid) + ", not to this user");
    }
    if ((st.st_mode & 077) != 0) {
      throw ConfigError(file.string() + ": secret key file has mode " + Octal(st.st_mode) +
                        "; others must not read it (chmod 600 it)");
    }
  }
  std::string found;
  ForEachKeyLine(file, text, [&](std::string_view key) {
    if (found.empty()) found = key;
  });
  if (found.empty()) throw ConfigError(file.string() + ": holds no CURVE key");
  return found;
}

CurveKeyPair ReadKeyPair(const fs::path& dir, std::string_view name) {
  const std::string base(name);
  return {ReadKeyFile(dir / (base + ".pub"), false), ReadKeyFile(dir / (base + ".key"), true)};
}

void WriteKeyPair(const fs::path& dir, std::string_view name, const CurveKeyPair& pair) {
  const std::string base(name);
  base::WriteFileAtomically(base::RealFileSystem(), dir / (base + ".pub"),
                            "# CURVE public key (" + base + ")\n" + pair.public_key + "\n",
                            base::FileMode::kPrivate);
  base::WriteFileAtomically(
      base::RealFileSystem(), dir / (base + ".key"),
      "# CURVE secret key (" + base + "): keep it private\n" + pair.secret_key + "\n",
      base::FileMode::kPrivate);
}

CurveKeyPair LoadOrCreateKeyPair(const fs::path& dir, std::string_view name,
                                 const std::function<CurveKeyPair()>& generate) {
  std::error_code ec;
  if (!fs::exists(dir / (std::string(name) + ".key"), ec)) {
    const CurveKeyPair pair = generate();
    WriteKeyPair(dir, name, pair);
  }
  return ReadKeyPair(dir, name);
}

std::vector<std::string> ReadAuthorizedKeys(const fs::path& file) {
  std::error_code ec;
  if (!fs::exists(file, ec)) return {};
  const std::string text = ReadWhole(file);
  const struct stat st = StatOf(file);
  if (st.st_uid != ::geteuid() && st.st_uid != 0) {
    throw ConfigError(file.string() + ": belongs to uid " + std::to_string(st.st_uid) +
                      "; only this user or root may decide who is admitted");
  }
  if ((st.st_mode & 022) != 0) {
    throw ConfigError(file.string() + ": has mode " + Octal(st.st_mode) +
                      "; group and others must not be able to write it (chmod 600 it)");
  }
  std::vector<std::string> keys;
  ForEachKeyLine(file, text, [&](std::string_view key) { keys.emplace_back(key); });
  return keys;
}

fs::path ClientKeyDir() {
  const fs::path dir = base::ScribedXdgDir(base::XdgDir::kConfig);
  return dir.empty() ? dir : dir / "curve";
}

fs::path DaemonKeyDir(const fs::path& state_dir) { return state_dir / "curve"; }

ClientCurveKeys LoadClientCurveKeys(const fs::path& dir) {
  if (dir.empty()) {
    throw ConfigError("no CURVE keys: no configuration directory ($XDG_CONFIG_HOME or $HOME)");
  }
  std::error_code ec;
  if (!fs::exists(dir / "client.key", ec)) {
    throw ConfigError((dir / "client.key").string() +
                      ": does not exist; tcp:// endpoints need a CURVE key pair: run `scribe "
                      "keys generate` and add the public key it prints to the daemon's "
                      "authorized_keys");
  }
  if (!fs::exists(dir / "server.pub", ec)) {
    throw ConfigError((dir / "server.pub").string() +
                      ": does not exist; copy the daemon's public key there (its "
                      "<state_dir>/curve/server.pub)");
  }
  return {ReadKeyPair(dir, "client"), ReadKeyFile(dir / "server.pub", false)};
}

}  // namespace scribed::config
