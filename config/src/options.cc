#include "scribed/config/options.h"

#include <toml++/toml.h>

#include <charconv>
#include <cstdlib>
#include <sstream>

#include "scribed/base/xdg.h"

namespace scribed::config {
namespace {

using Opt = DaemonOptions;

std::string Range(const OptionSpec& spec) {
  return "[" + std::to_string(spec.min) + ", " + std::to_string(spec.max) + "]";
}

std::string Choices(const OptionSpec& spec) {
  std::string out;
  for (const char* c : spec.choices) {
    if (*c) out += (out.empty() ? "" : ", ") + std::string(c);
  }
  return out;
}

// Range and choice checks shared by the file and the flags; `where` prefixes
// the message.
void SetInt(Opt& o, const OptionSpec& spec, int64_t value, const std::string& where) {
  if (value < spec.min || value > spec.max) {
    throw ConfigError(where + spec.key + " = " + std::to_string(value) + " is outside " +
                      Range(spec));
  }
  o.*std::get<int64_t Opt::*>(spec.member) = value;
}

void SetString(Opt& o, const OptionSpec& spec, const std::string& value, const std::string& where) {
  if (!spec.choices.empty()) {
    bool ok = false;
    for (const char* c : spec.choices) ok = ok || value == c;
    if (!ok)
      throw ConfigError(where + spec.key + " = \"" + value + "\" is not one of: " + Choices(spec));
  }
  o.*std::get<std::string Opt::*>(spec.member) = value;
}

std::string Quote(const std::string& s) {
  std::ostringstream out;
  out << toml::value<std::string>(s);
  return out.str();
}

}  // namespace

const std::vector<OptionSpec>& OptionTable() {
  static const std::vector<OptionSpec> kTable{
      {"model", "Gemma 4 text model (GGUF)", &Opt::model, 0, 0, {}},
      {"mmproj", "Gemma 4 audio projector (GGUF)", &Opt::mmproj, 0, 0, {}},
      {"events",
       "event (PUB) endpoint; default ipc://<runtime dir>/events",
       &Opt::events,
       0,
       0,
       {}},
      {"control",
       "control (ROUTER) endpoint; default ipc://<runtime dir>/control",
       &Opt::control,
       0,
       0,
       {}},
      {"state_dir",
       "job journal and results; default $XDG_STATE_HOME/scribed or /var/lib/scribed",
       &Opt::state_dir,
       0,
       0,
       {}},
      {"capture_device", "ALSA PCM for live capture", &Opt::capture_device, 0, 0, {}},
      {"threads", "engine threads (0: one per physical core)", &Opt::threads, 0, 1024, {}},
      {"backend",
       "where the model runs: cpu, vulkan (a GPU) or auto (a GPU with enough memory, else the "
       "CPU); empty: $SCRIBE_BACKEND, else cpu",
       &Opt::backend,
       0,
       0,
       // "" (unset) is what --print-config writes for the default, so it must read back.
       {"", "cpu", "vulkan", "auto"}},
      {"gpu_device",
       "GPU for the vulkan backend: an index or part of a name (scribe devices --gpu)",
       &Opt::gpu_device,
       0,
       0,
       {}},
      {"weights",
       "where the CPU keeps the weights: resident (read into memory and re-laid for the fast "
       "kernels), mapped (used from the file in place), or auto (resident when the file fits "
       "in free memory with 2 GiB to spare)",
       &Opt::weights,
       0,
       0,
       {"auto", "mapped", "resident"}},
      {"allow_remote",
       "allow tcp:// endpoints on non-loopback addresses (clients still need an authorized "
       "CURVE key)",
       &Opt::allow_remote,
       0,
       0,
       {}},
      {"authorized_keys",
       "CURVE public keys of the clients admitted on tcp:// endpoints, one per line; default "
       "<state_dir>/curve/authorized_keys",
       &Opt::authorized_keys,
       0,
       0,
       {}},
      {"log_level",
       "log level",
       &Opt::log_level,
       0,
       0,
       {"trace", "debug", "info", "warn", "error"}},
      {"heartbeat_ms",
       "daemon.heartbeat interval in milliseconds",
       &Opt::heartbeat_ms,
       100,
       3600000,
       {}},
      {"replay_events", "events kept for the replay command", &Opt::replay_events, 16, 1000000, {}},
      {"language", "default spoken language (\"auto\" or a name/code)", &Opt::language, 0, 0, {}},
      {"mode", "default formatting", &Opt::mode, 0, 0, {"clean", "verbatim"}},
      {"translate_to", "default translation target (empty: none)", &Opt::translate_to, 0, 0, {}},
      {"outputs",
       "default result formats of file jobs (txt,srt,vtt,json)",
       &Opt::outputs,
       0,
       0,
       {}},
      {"max_tokens_per_second",
       "token budget per second of audio before a segment is cut (flagged truncated)",
       &Opt::max_tokens_per_second,
       1,
       100,
       {}},
      {"capture_queue_s",
       "seconds of live audio held while inference is behind",
       &Opt::capture_queue_s,
       5,
       3600,
       {}},
  };
  return kTable;
}

std::string FlagName(const OptionSpec& spec) {
  std::string flag = std::string("--") + spec.key;
  for (char& c : flag) c = c == '_' ? '-' : c;
  return flag;
}

void LoadConfigFile(const std::filesystem::path& path, DaemonOptions& options) {
  toml::table table;
  try {
    table = toml::parse_file(path.string());
  } catch (const toml::parse_error& e) {
    throw ConfigError(path.string() + ":" + std::to_string(e.source().begin.line) + ": " +
                      std::string(e.description()));
  }
  for (const auto& [key, node] : table) {
    const std::string where = path.string() + ":" + std::to_string(node.source().begin.line) + ": ";
    const OptionSpec* spec = nullptr;
    for (const OptionSpec& s : OptionTable()) {
      if (key.str() == s.key) spec = &s;
    }
    if (!spec) throw ConfigError(where + "unknown key \"" + std::string(key.str()) + "\"");
    if (std::holds_alternative<std::string Opt::*>(spec->member)) {
      const auto* v = node.as_string();
      if (!v) throw ConfigError(where + spec->key + " must be a string");
      SetString(options, *spec, v->get(), where);
    } else if (std::holds_alternative<int64_t Opt::*>(spec->member)) {
      const auto* v = node.as_integer();
      if (!v) throw ConfigError(where + spec->key + " must be an integer in " + Range(*spec));
      SetInt(options, *spec, v->get(), where);
    } else {
      const auto* v = node.as_boolean();
      if (!v) throw ConfigError(where + spec->key + " must be true or false");
      options.*std::get<bool Opt::*>(spec->member) = v->get();
    }
  }
}

void ApplyFlag(DaemonOptions& options, const OptionSpec& spec, const std::string& text) {
  const std::string where = FlagName(spec) + ": ";
  if (std::holds_alternative<std::string Opt::*>(spec.member)) {
    SetString(options, spec, text, where);
  } else if (std::holds_alternative<int64_t Opt::*>(spec.member)) {
    int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) {
      throw ConfigError(where + "\"" + text + "\" is not an integer in " + Range(spec));
    }
    SetInt(options, spec, value, where);
  } else {
    bool value = false;
    if (text == "true" || text == "1") {
      value = true;
    } else if (text != "false" && text != "0") {
      throw ConfigError(where + "\"" + text + "\" is not true or false");
    }
    options.*std::get<bool Opt::*>(spec.member) = value;
  }
}

std::string PrintConfig(const DaemonOptions& options) {
  std::string out;
  for (const OptionSpec& spec : OptionTable()) {
    out += std::string("# ") + spec.help + "\n" + spec.key + " = ";
    if (auto* s = std::get_if<std::string Opt::*>(&spec.member)) {
      out += Quote(options.**s);
    } else if (auto* i = std::get_if<int64_t Opt::*>(&spec.member)) {
      out += std::to_string(options.**i);
    } else {
      out += options.*std::get<bool Opt::*>(spec.member) ? "true" : "false";
    }
    out += "\n";
  }
  return out;
}

std::filesystem::path UserConfigFile() {
  const std::filesystem::path dir = base::ScribedXdgDir(base::XdgDir::kConfig);
  return dir.empty() ? dir : dir / "config.toml";
}

std::filesystem::path DefaultConfigFile() {
  std::error_code ec;
  const std::filesystem::path user = UserConfigFile();
  if (!user.empty() && std::filesystem::exists(user, ec)) return user;
  const std::filesystem::path system = "/etc/scribed/config.toml";
  if (std::filesystem::exists(system, ec)) return system;
  return {};
}

std::filesystem::path DefaultStateDir() {
  return base::ServiceDir(base::XdgDir::kState, "/var/lib/scribed");
}

void ValidateOptions(const DaemonOptions& options) {
  if (!options.events.empty() && options.events == options.control) {
    throw ConfigError("events and control are both " + options.events +
                      "; each socket needs its own endpoint");
  }
}

}  // namespace scribed::config
