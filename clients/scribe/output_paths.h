// Where `scribe transcribe` writes each input's transcripts (the -o rules),
// decided and checked before any model is loaded or audio decoded, so a
// mistyped -o fails at once instead of after the transcription. Local runs
// and --daemon use the same rules.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "scribed/pipeline/writers.h"

namespace scribed::cli {

// "txt", "srt" -> the pipeline's formats, duplicates dropped; throws
// std::invalid_argument for an unknown one.
std::vector<pipeline::OutputFormat> OutputFormats(const std::vector<std::string>& names);

// For each input, one path per format (in the order of `formats`):
//   no -o:              beside the input, the format's extension replacing its own;
//   -o a directory:     DIR/<input name with the format's extension>; an existing
//                       directory, or a name ending in '/' (created when the
//                       first transcript is written);
//   -o anything else:   one input only; the file itself for one format, else a
//                       base name whose extension each format replaces.
// Throws std::invalid_argument (exit code 2) naming the problem: an input that
// is not a file, several inputs without a directory -o, a directory that is
// missing (for a file -o), not a directory or not writable, an output that is
// the input or a directory, two outputs on one path. Checks with access(2):
// nothing is created. With no formats (not known yet) only the inputs and
// directories are checked.
std::vector<std::vector<std::filesystem::path>> PlanOutputs(
    const std::vector<std::string>& inputs, const std::string& output,
    const std::vector<pipeline::OutputFormat>& formats);

// Writes one planned transcript atomically (temporary file, fsync, rename;
// mode 0644), creating a directory -o that does not exist yet.
void WriteTranscript(const std::filesystem::path& path, std::string_view content);

}  // namespace scribed::cli
