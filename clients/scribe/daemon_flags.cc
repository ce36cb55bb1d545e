#include "clients/scribe/daemon_flags.h"

#include <CLI/CLI.hpp>

namespace scribed::cli {

void AddEndpointOptions(CLI::App& cmd, Endpoints& e) {
  cmd.add_option("--control", e.control, "the daemon's control endpoint")->capture_default_str();
  cmd.add_option("--events", e.events, "the daemon's event endpoint")->capture_default_str();
}

void AddJobOptionFlags(CLI::App& cmd, protocol::JobOptions& o, protocol::JobKind kind) {
  cmd.add_option_function<std::string>(
      "--language,--lang", [&o](const std::string& v) { o.language = v; },
      "spoken language (name or ISO 639-1 code); default auto");
  cmd.add_option_function<std::string>(
         "--mode", [&o](const std::string& v) { o.mode = v; },
         "clean (default: punctuation, no fillers, paragraphs) or verbatim")
      ->check(CLI::IsMember({"clean", "verbatim"}));
  cmd.add_option_function<std::string>(
      "--translate-to", [&o](const std::string& v) { o.translate_to = v; },
      "also translate into this language (name or code)");
  if (kind == protocol::JobKind::kFile) {
    cmd.add_option_function<std::string>(
        "--format", [&o](const std::string& v) { o.outputs = protocol::SplitList(v); },
        "output formats, comma-separated: txt,srt,vtt,json (default txt)");
    cmd.add_option_function<std::string>(
           "--translation-path", [&o](const std::string& v) { o.translation_path = v; },
           "text: translate the formatted transcript (default); speech: one pass from the audio")
        ->check(CLI::IsMember({"text", "speech"}));
  }
}

}  // namespace scribed::cli
