// Registration of scribe's command groups. Each Add* function adds its
// subcommands to the app; a command's callback returns the process exit code
// through SetExitCode (the table in exit_codes.h).
#pragma once

#include <string>

// Only CLI::App& crosses these declarations; the files that add options
// include <CLI/CLI.hpp>, so the rest stay clear of its heavy header.
namespace CLI {
class App;
}  // namespace CLI

namespace scribed::cli {

void SetExitCode(int code);

// The subcommand `name` of `parent`, created with `description` on first use,
// so several files can add commands to one group ("debug", "bench").
CLI::App& CommandGroup(CLI::App& parent, const std::string& name, const std::string& description);

// `scribe model info FILE.gguf`.
void AddModelCommands(CLI::App& app);

// `scribe debug make-model ...`.
void AddDebugCommands(CLI::App& app);

// devices, record, decode-audio, segment-audio (clients/scribe/audio_commands.cc).
void AddAudioCommands(CLI::App& app);

// generate, debug logits (clients/scribe/run_commands.cc).
void AddRunCommands(CLI::App& app);

// bench kernels (clients/scribe/bench_commands.cc).
void AddBenchCommands(CLI::App& app);

// transcribe (clients/scribe/transcribe_commands.cc).
void AddTranscribeCommands(CLI::App& app);

// batch run|status|retry-failed (clients/scribe/batch_commands.cc).
void AddBatchCommands(CLI::App& app);

// keys generate|show (clients/scribe/keys_commands.cc).
void AddKeysCommands(CLI::App& app);

// listen, status, jobs, capture start|stop (clients/scribe/daemon_commands.cc);
// transcribe --daemon is RunTranscribeOnDaemon (daemon_transcription.cc).
void AddDaemonCommands(CLI::App& app);

}  // namespace scribed::cli
