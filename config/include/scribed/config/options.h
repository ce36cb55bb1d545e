// scribed's settings, declared once in a table that drives the TOML file, the
// command-line flags, --print-config and docs/config.md.
//
//   DaemonOptions options;
//   LoadConfigFile(path, options);        // throws ConfigError (file:line)
//   ApplyFlag(options, "threads", "4");   // throws ConfigError (--flag)
//
// Thread-compatible.
#pragma once

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace scribed::config {

struct DaemonOptions {
  std::string model;      // text GGUF
  std::string mmproj;     // audio projector GGUF
  std::string events;     // PUB endpoint; empty: ipc in the runtime directory
  std::string control;    // ROUTER endpoint; empty: ipc in the runtime directory
  std::string state_dir;  // journal and results; empty: the default state directory
  std::string capture_device = "default";
  int64_t threads = 0;           // engine threads; 0: one per physical core
  std::string backend;           // cpu, vulkan, auto; empty: SCRIBE_BACKEND, else cpu
  std::string gpu_device;        // GPU index or name part for vulkan; empty: the best one
  std::string weights = "auto";  // CPU weight memory: auto, mapped or resident
  bool allow_remote = false;    // TCP on other than loopback (clients still need CURVE keys)
  std::string authorized_keys;  // client CURVE keys for TCP; empty: <state_dir>/curve/...
  std::string log_level = "info";
  int64_t heartbeat_ms = 5000;
  int64_t replay_events = 4096;
  std::string language = "auto";  // default pipeline options for jobs and capture
  std::string mode = "clean";
  std::string translate_to;
  std::string outputs = "txt,srt,vtt,json";
  int64_t capture_queue_s = 120;       // audio held while inference is behind
  int64_t max_tokens_per_second = 10;  // transcript token budget per second of audio
};

// A bad config file or flag value. what() starts with "FILE:LINE: " or
// "--flag: ".
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct OptionSpec {
  const char* key;  // TOML key; the flag is "--" + key with '_' -> '-'
  const char* help;
  std::variant<std::string DaemonOptions::*, int64_t DaemonOptions::*, bool DaemonOptions::*>
      member;
  int64_t min = 0;  // integers only
  int64_t max = 0;
  std::vector<const char*> choices;  // strings only; empty: any
};

const std::vector<OptionSpec>& OptionTable();
std::string FlagName(const OptionSpec& spec);  // "--state-dir"

// Reads a TOML file and sets every key it holds. Unknown keys, wrong types
// and out-of-range values throw ConfigError naming file:line and the range.
void LoadConfigFile(const std::filesystem::path& path, DaemonOptions& options);
// Sets `key` from command-line text; throws ConfigError naming the flag.
void ApplyFlag(DaemonOptions& options, const OptionSpec& spec, const std::string& text);

// The effective settings as a TOML document (every key, with help comments).
std::string PrintConfig(const DaemonOptions& options);

// $XDG_CONFIG_HOME (or ~/.config)/scribed/config.toml, existing or not; empty
// without a usable home directory.
std::filesystem::path UserConfigFile();
// The config file used when --config is not given: $XDG_CONFIG_HOME (or
// ~/.config)/scribed/config.toml, else /etc/scribed/config.toml; empty when
// neither exists.
std::filesystem::path DefaultConfigFile();
// $STATE_DIRECTORY (systemd), $XDG_STATE_HOME/scribed, ~/.local/state/scribed,
// or /var/lib/scribed.
std::filesystem::path DefaultStateDir();

// Checks combinations no single value shows (events and control on one
// endpoint). Throws ConfigError.
void ValidateOptions(const DaemonOptions& options);

}  // namespace scribed::config
