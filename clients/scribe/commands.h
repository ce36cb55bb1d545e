// Registration of scribe's command groups. Each Add* function adds its
// subcommands to the app; a command's callback returns the process exit code
// through SetExitCode (0 ok, 1 runtime failure, 2 bad input).
#pragma once

#include <CLI/CLI.hpp>

namespace scribed::cli {

void SetExitCode(int code);

// `scribe model info FILE.gguf`.
void AddModelCommands(CLI::App& app);

// `scribe debug make-model ...`.
void AddDebugCommands(CLI::App& app);

// devices, record, decode-audio, segment-audio (clients/scribe/audio_commands.cc).
void AddAudioCommands(CLI::App& app);

}  // namespace scribed::cli
