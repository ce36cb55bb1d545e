// `scribe transcribe FILE...`: decode, segment, transcribe, format and
// translate recordings, and write txt/srt/vtt/json transcripts beside them.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <unistd.h>
#include <vector>

#include "clients/scribe/commands.h"
#include "clients/scribe/exit_codes.h"
#include "clients/scribe/file_transcription.h"
#include "clients/scribe/interrupt.h"
#include "clients/scribe/model_loading.h"
#include "clients/scribe/output_paths.h"
#include "clients/scribe/transcribe_request.h"
#include "scribed/base/file_system.h"
#include "scribed/config/model_discovery.h"
#include "scribed/pipeline/pipeline.h"
#include "scribed/pipeline/writers.h"

namespace scribed::cli {
namespace {

namespace fs = std::filesystem;

std::string Clock(double seconds) {
  const long s = static_cast<long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%02ld:%02ld", s / 60, s % 60);
  }
  return buf;
}

// A one-line progress bar on stderr, drawn only when stderr is a terminal.
// It counts transcribed audio (transcription::Progress), so the percentage,
// ETA and RTF stay honest while a long utterance is still being read.
class ProgressBar : public transcription::Listener {
 public:
  ProgressBar(std::string name) : name_(std::move(name)), enabled_(::isatty(STDERR_FILENO) == 1) {}
  ~ProgressBar() override { Done(); }

  void OnClip(const transcription::ClipResult& clip) override {
    segments_ += static_cast<int>(clip.segments.size());
  }
  void OnProgress(const transcription::Progress& p) override {
    if (!enabled_) return;
    constexpr int kWidth = 24;
    std::string bar(static_cast<size_t>(p.fraction * kWidth), '#');
    bar.resize(kWidth, ' ');
    const std::string eta = p.eta_s ? Clock(*p.eta_s) : "--:--";
    std::fprintf(stderr, "\r%s [%s] %3d%%  %s elapsed  ETA %s  RTF %.2f  %d segments ",
                 name_.c_str(), bar.c_str(), static_cast<int>(p.fraction * 100),
                 Clock(p.elapsed_s).c_str(), eta.c_str(), p.rtf, segments_);
    std::fflush(stderr);
    drawn_ = true;
  }
  void Done() {
    if (drawn_) std::fputc('\n', stderr);
    drawn_ = false;
  }

 private:
  std::string name_;
  bool enabled_;
  bool drawn_ = false;
  int segments_ = 0;
};

// Says on stderr what the transcript does not show by itself: clips the
// model wrote nothing for (a wrong forced language, or audio the model
// cannot read) would otherwise vanish without a trace.
void ReportEmptyClips(const fs::path& input, const pipeline::Transcript& t) {
  if (t.empty_clips == 0) return;
  std::fprintf(stderr,
               "scribe: %s: %d clip%s with speech-level audio gave no text "
               "(%zu segment%s written; counted as empty_clips in the json output)\n",
               input.filename().c_str(), t.empty_clips, t.empty_clips == 1 ? "" : "s",
               t.segments.size(), t.segments.size() == 1 ? "" : "s");
}

// Transcribes one file; returns false when interrupted (outputs still
// written). A cut-short file is reported and is not an interruption.
bool TranscribeFile(const std::shared_ptr<const engine::Model>& model,
                    const pipeline::PipelineOptions& options, const ModelHashes& hashes,
                    const fs::path& input, const std::vector<fs::path>& outputs,
                    const std::vector<pipeline::OutputFormat>& formats) {
  FileTranscription job(input);
  ProgressBar progress(input.filename().string());
  pipeline::Transcript t = job.Run(model, options, hashes, &progress);
  progress.Done();
  ReportEmptyClips(input, t);
  const std::optional<std::string> truncated = job.truncation();
  if (truncated) {
    std::fprintf(stderr, "scribe: %s: %s; the transcript holds what was decoded (complete: false)\n",
                 input.c_str(), truncated->c_str());
  }
  for (size_t i = 0; i < formats.size(); ++i) {
    WriteTranscript(outputs[i], pipeline::Render(t, formats[i]));
    if (::isatty(STDERR_FILENO) == 1) std::fprintf(stderr, "wrote %s\n", outputs[i].c_str());
  }
  return t.complete || truncated.has_value();
}

}  // namespace

int RunTranscribeLocally(const TranscribeRequest& o) try {
  protocol::Validate(o.job, protocol::JobKind::kFile);
  const protocol::JobOptions job = WithDefaults(o.job, protocol::BuiltInJobDefaults());
  const auto formats = OutputFormats(*job.outputs);
  pipeline::PipelineOptions options;
  options.language = *job.language;
  options.translate_to = *job.translate_to;
  options.translation_path = pipeline::ParseTranslationPath(*job.translation_path);
  options.mode = pipeline::ParseFormatMode(*job.mode);
  options.threads = o.threads;
  options.guards.max_tokens_per_second = o.max_tokens_per_second;
  options.cancel = &InterruptFlag();
  // Before the model loads: a bad -o fails now, not after the transcription.
  const std::vector<std::vector<fs::path>> outputs = PlanOutputs(o.files, o.output, formats);
  const config::ModelFiles files = ResolveModelFiles(o.model);
  if (files.mmproj.empty()) {
    throw std::invalid_argument("model " + files.model.string() + " (from " + files.source +
                                ") has no audio projector: pass --mmproj FILE.gguf");
  }
  auto model = engine::Model::Load(files.model, files.mmproj, BackendLoadOptions(o.model));
  // The pipeline knows the rest of the provenance; hashing needs the files.
  const ModelHashes hashes = HashModelFiles(files);

  InterruptScope interrupt;
  for (size_t i = 0; i < o.files.size(); ++i) {
    if (!TranscribeFile(model, options, hashes, o.files[i], outputs[i], formats)) {
      std::fprintf(stderr, "scribe: interrupted; wrote the segments finished so far (marked incomplete)\n");
      return kExitInterrupted;
    }
  }
  return kExitOk;
} catch (const std::exception& e) {
  return ReportError(e);
}

void AddTranscribeCommands(CLI::App& app) {
  auto o = std::make_shared<TranscribeRequest>();
  CLI::App* cmd = app.add_subcommand(
      "transcribe", "Transcribe (and optionally translate) audio or video files into txt/srt/vtt/json");
  cmd->add_option("files", o->files, "audio or video files")->required();
  AddJobOptionFlags(*cmd, o->job, protocol::JobKind::kFile);
  cmd->add_option("-o,--output", o->output, "output file or directory (default: beside each input)");
  cmd->add_flag("--daemon", o->on_daemon, "submit to the running scribed instead of transcribing here");
  AddEndpointOptions(*cmd, o->endpoints);
  // Local runs only: the daemon has its own model and settings.
  AddModelOptions(*cmd, o->model);
  cmd->add_option("--threads", o->threads, "worker threads (default: physical cores)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--max-tokens-per-second", o->max_tokens_per_second,
                  "token budget per second of audio before a segment is cut and flagged truncated")
      ->check(CLI::PositiveNumber);
  cmd->callback([o, cmd] {
    for (const char* flag : {"--model", "--mmproj", "--backend", "--gpu-device", "--weights",
                             "--threads", "--max-tokens-per-second"}) {
      if (cmd->count(flag) > 0) o->local_flags_given.emplace_back(flag);
    }
    SetExitCode(o->on_daemon ? RunTranscribeOnDaemon(*o) : RunTranscribeLocally(*o));
  });
}

}  // namespace scribed::cli
