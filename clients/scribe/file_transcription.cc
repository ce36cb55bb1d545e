#include "clients/scribe/file_transcription.h"

#include <unistd.h>

#include <cstdio>
#include <vector>

#include "scribed/config/file_hash.h"


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

pipeline::Transcript FileTranscription::Run(const std::shared_ptr<const engine::Model>& model,
                                            const pipeline::PipelineOptions& options,
                                            const ModelHashes& hashes,
                                            transcription::Listener* listener) {
  pipeline::Pipeline pipe(model, options, nullptr);
  pipe.mutable_provenance().model = hashes.model;
  pipe.mutable_provenance().mmproj = hashes.mmproj;
  transcription::StreamOptions stream_options;
  stream_options.total_samples = source_.expected_samples().value_or(0);
  stream_options.cancel = options.cancel;
  transcription::StreamTranscriber stream(pipe, listener, stream_options);
  audio::Chunk chunk;
  while (source_.Next(chunk) && stream.Push(chunk)) {
  }
  if (stream.end() == transcription::End::kRunning) stream.Finish();
  // A file that ends before its header's length (or is damaged) keeps what
  // was decoded, marked incomplete; truncation() says why.
  pipeline::Transcript t =
      pipe.Finish(stream.end() == transcription::End::kComplete && !source_.truncation());
  t.source = input_.string();
  return t;
}

}  // namespace scribed::cli
