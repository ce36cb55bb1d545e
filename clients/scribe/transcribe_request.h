// `scribe transcribe`: the request its flags describe, built once, and the two
// runners that take it -- here with the local pipeline, or on the running
// daemon (--daemon).
#pragma once

#include <string>
#include <vector>

#include "clients/scribe/daemon_flags.h"
#include "clients/scribe/model_loading.h"
#include "scribed/protocol/job_options.h"

namespace scribed::cli {

struct TranscribeRequest {
  std::vector<std::string> files;
  std::string output;       // -o: file or directory; empty: beside each input
  protocol::JobOptions job;  // unset fields: the runner's defaults

  bool on_daemon = false;  // --daemon
  Endpoints endpoints;     // with --daemon

  // A local run's own settings; the daemon uses its configuration instead.
  ModelPaths model;
  int threads = 0;
  double max_tokens_per_second = 10.0;
  // The flags above that were given, so --daemon can refuse them instead of
  // dropping them (they are the daemon's settings, not a job's).
  std::vector<std::string> local_flags_given;
};

// Both return the exit code (exit_codes.h).
int RunTranscribeLocally(const TranscribeRequest& request);   // transcribe_commands.cc
int RunTranscribeOnDaemon(const TranscribeRequest& request);  // daemon_transcription.cc

}  // namespace scribed::cli
