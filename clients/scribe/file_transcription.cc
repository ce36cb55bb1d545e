#include "clients/scribe/file_transcription.h"

#include <unistd.h>

#include <cstdio>
#include <vector>

#include "scribed/config/file_hash.h"

#include "scribed/audio/segmenter.h"

namespace scribed::cli {
namespace {

pipeline::ModelFileInfo HashedFile(const std::filesystem::path& path) {
  pipeline::ModelFileInfo info;
  info.path = std::filesystem::absolute(path).string();
  info.size = std::filesystem::file_size(path);
  const bool tty = ::isatty(STDERR_FILENO) == 1;
  if (tty) std::fprintf(stderr, "hashing %s (cached after the first run)...", path.filename().c_str());
  info.sha256 = config::CachedSha256File(path, config::DefaultCacheDir());
  if (tty) std::fprintf(stderr, "\r\033[K");
  return info;
}

}  // namespace

ModelHashes HashModelFiles(const config::ModelFiles& files) {
  return {HashedFile(files.model), HashedFile(files.mmproj)};
}

FileTranscription::FileTranscription(const std::filesystem::path& input)
    : input_(input), source_(input) {}

std::optional<int64_t> FileTranscription::expected_ms() const {
  const auto samples = source_.expected_samples();
  if (!samples) return std::nullopt;
  return *samples / (audio::kOutputRate / 1000);
}

pipeline::Transcript FileTranscription::Run(const std::shared_ptr<const engine::Model>& model,
                                            const pipeline::PipelineOptions& options,
                                            const ModelHashes& hashes, pipeline::ResultSink* sink,
                                            const std::atomic<bool>* cancel) {
  pipeline::Pipeline pipe(model, options, sink);
  pipe.mutable_provenance().model = hashes.model;
  pipe.mutable_provenance().mmproj = hashes.mmproj;
  audio::Segmenter segmenter;
  std::vector<audio::Segment> clips;
  audio::Chunk chunk;
  bool complete = true;
  auto run = [&]() {
    for (const audio::Segment& s : clips) {
      if (!pipe.Process(pipeline::Clip{s.start, s.samples})) {
        complete = false;
        break;
      }
    }
    clips.clear();
  };
  while (complete) {
    if (cancel && cancel->load()) {
      complete = false;
      break;
    }
    if (!source_.Next(chunk)) {
      segmenter.Finish(clips);
      run();
      break;
    }
    segmenter.Push(chunk, clips);
    run();
    if (complete) pipe.Advance(chunk.end());
  }
  pipeline::Transcript t = pipe.Finish(complete);
  t.source = input_.string();
  return t;
}

}  // namespace scribed::cli
