// One recording through the whole path: decode and resample, cut into clips
// at pauses, and run each clip through a Pipeline. Shared by `scribe
// transcribe` and `scribe batch run`.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>

#include "scribed/audio/file_source.h"
#include "scribed/engine/engine.h"
#include "scribed/config/model_discovery.h"
#include "scribed/pipeline/pipeline.h"
#include "scribed/pipeline/transcript.h"
#include "scribed/transcription/stream_transcriber.h"

namespace scribed::cli {

// The model files as provenance records them.
struct ModelHashes {
  pipeline::ModelFileInfo model, mmproj;
};

// Hashes both files through the user's hash cache, saying so on a terminal
// (a multi-GB model takes seconds the first time).
ModelHashes HashModelFiles(const config::ModelFiles& files);

class FileTranscription {
 public:
  // Opens `input`; throws audio::AudioError for a file that cannot be decoded.
  explicit FileTranscription(const std::filesystem::path& input);

  // Transcribes the whole recording. The transcript is marked incomplete when
  // options.cancel stopped it early. `listener` (may be null) hears of every
  // clip and of progress. Throws what decoding and the pipeline throw.
  pipeline::Transcript Run(const std::shared_ptr<const engine::Model>& model,
                           const pipeline::PipelineOptions& options, const ModelHashes& hashes,
                           transcription::Listener* listener);

  // Why the recording ended before its header's length, after Run.
  std::optional<std::string> truncation() const { return source_.truncation(); }

 private:
  std::filesystem::path input_;
  audio::FileSource source_;
};

}  // namespace scribed::cli
