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
class ProgressBar : public pipeline::ResultSink {
 public:
  ProgressBar(std::string name, int64_t total_ms)
      : name_(std::move(name)), total_ms_(total_ms), enabled_(::isatty(STDERR_FILENO) == 1) {}
  ~ProgressBar() override { Done(); }

  void OnSegment(const pipeline::Segment&) override { ++segments_; }
  void OnProgress(const pipeline::Progress& p) override {
    if (!enabled_) return;
    const double fraction =
        total_ms_ > 0 ? std::min(1.0, static_cast<double>(p.done_ms) / static_cast<double>(total_ms_)) : 0;
    constexpr int kWidth = 24;
    std::string bar(static_cast<size_t>(fraction * kWidth), '#');
    bar.resize(kWidth, ' ');
    std::string eta = "--:--";
    if (fraction > 0 && total_ms_ > 0) eta = Clock(p.elapsed_s * (1 - fraction) / fraction);
    std::fprintf(stderr, "\r%s [%s] %3d%%  %s elapsed  ETA %s  RTF %.2f  %d segments ",
                 name_.c_str(), bar.c_str(), static_cast<int>(fraction * 100), Clock(p.elapsed_s).c_str(),
                 eta.c_str(), p.real_time_factor, segments_);
    std::fflush(stderr);
    drawn_ = true;
  }
  void Done() {
    if (drawn_) std::fputc('\n', stderr);
    drawn_ = false;
  }

 private:
  std::string name_;
  int64_t total_ms_;
  bool enabled_;
  bool drawn_ = false;
  int segments_ = 0;
};

// Transcribes one file; returns false when cancelled (outputs still written).
bool TranscribeFile(const std::shared_ptr<const engine::Model>& model,
                    const pipeline::PipelineOptions& options, const ModelHashes& hashes,
                    const fs::path& input, const std::vector<fs::path>& outputs,
                    const std::vector<pipeline::OutputFormat>& formats) {
  FileTranscription job(input);
  ProgressBar progress(input.filename().string(), job.expected_ms().value_or(0));
  pipeline::Transcript t = job.Run(model, options, hashes, &progress, &InterruptFlag());
  progress.Done();
  for (size_t i = 0; i < formats.size(); ++i) {
    WriteTranscript(outputs[i], pipeline::Render(t, formats[i]));
    if (::isatty(STDERR_FILENO) == 1) std::fprintf(stderr, "wrote %s\n", outputs[i].c_str());
  }
  return t.complete;
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
    for (const char* flag : {"--model", "--mmproj", "--threads", "--max-tokens-per-second"}) {
      if (cmd->count(flag) > 0) o->local_flags_given.emplace_back(flag);
    }
    SetExitCode(o->on_daemon ? RunTranscribeOnDaemon(*o) : RunTranscribeLocally(*o));
  });
}

}  // namespace scribed::cli
