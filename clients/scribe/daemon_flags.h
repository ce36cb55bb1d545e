// Flags shared by the commands that talk to scribed or describe a job:
// --control/--events, and the job options (--language, --mode,
// --translate-to, --format) declared once for `transcribe` and
// `capture start`.
#pragma once

#include <string>

#include "scribed/protocol/endpoints.h"
#include "scribed/protocol/job_options.h"

// Only CLI::App& crosses these declarations; the files that add options
// include <CLI/CLI.hpp>, so the rest stay clear of its heavy header.
namespace CLI {
class App;
}  // namespace CLI

namespace scribed::cli {

struct Endpoints {
  std::string control = protocol::DefaultControlEndpoint();
  std::string events = protocol::DefaultEventsEndpoint();
};

// --control and --events, defaulting to the daemon's default endpoints.
void AddEndpointOptions(CLI::App& cmd, Endpoints& endpoints);

// --language (alias --lang), --mode, --translate-to and, for file jobs,
// --format (comma-separated) and --translation-path. Only the flags given are
// set in `options`, so whoever runs the job fills in its own defaults. Values
// are checked when the job runs (protocol::Validate), not while parsing.
void AddJobOptionFlags(CLI::App& cmd, protocol::JobOptions& options, protocol::JobKind kind);

}  // namespace scribed::cli
