// `scribe batch run|status|retry-failed`: an archive transcribed by any
// number of workers (e.g. the tasks of a Slurm array or a Kubernetes Indexed
// Job) that share only an output folder. docs/batch.md has the layout.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "clients/scribe/commands.h"
#include "clients/scribe/exit_codes.h"
#include "clients/scribe/file_transcription.h"
#include "clients/scribe/interrupt.h"
#include "clients/scribe/model_loading.h"
#include "scribed/batch/inputs.h"
#include "scribed/batch/result_store.h"
#include "scribed/batch/shard.h"
#include "scribed/batch/status.h"
#include "scribed/batch/worker.h"
#include "scribed/pipeline/writers.h"

namespace scribed::cli {
namespace {

struct BatchRunOptions {
  std::string input;
  std::string output;
  std::string shard;
  std::optional<int> shard_count;
  std::string formats = "json";
  std::string extensions;
  ModelPaths model;
  std::string language = "auto";
  std::string mode = "clean";
  std::string translate_to;
  int threads = 0;
  int lease_s = 300;
};

batch::Shard ChooseShard(const BatchRunOptions& o) {
  if (!o.shard.empty()) return batch::ParseShard(o.shard);
  if (auto from_env = batch::ShardFromEnvironment([](const char* name) { return std::getenv(name); },
                                                  o.shard_count)) {
    return *from_env;
  }
  if (o.shard_count) {
    throw std::invalid_argument("--shard-count without JOB_COMPLETION_INDEX: pass --shard I/N");
  }
  return {};
}

int RunBatch(const BatchRunOptions& o) try {
  // Everything that can be wrong with the arguments fails here, before the
  // model is loaded.
  const batch::Shard shard = ChooseShard(o);
  const auto formats = pipeline::ParseOutputFormats(o.formats);
  std::vector<std::string> format_names;
  for (auto f : formats) format_names.emplace_back(pipeline::Extension(f));
  const auto extensions =
      o.extensions.empty() ? batch::DefaultExtensions() : batch::ParseExtensions(o.extensions);
  const std::vector<batch::Input> inputs = batch::ReadInputs(o.input, extensions);
  batch::ResultStore store(base::RealFileSystem(), o.output);
  store.WriteInputs(inputs);

  pipeline::PipelineOptions options;
  options.language = o.language;
  options.mode = pipeline::ParseFormatMode(o.mode);
  options.translate_to = o.translate_to;
  options.threads = o.threads;
  options.cancel = &InterruptFlag();
  const config::ModelFiles files = ResolveModelFiles(o.model);
  if (files.mmproj.empty()) {
    throw std::invalid_argument("model " + files.model.string() +
                                " has no audio projector: pass --mmproj FILE.gguf");
  }
  const auto model = engine::Model::Load(files.model, files.mmproj, BackendLoadOptions(o.model));
  const ModelHashes hashes = HashModelFiles(files);

  InterruptScope interrupt;
  batch::WorkerOptions worker;
  worker.shard = shard;
  worker.formats = format_names;
  worker.lease = std::chrono::seconds(o.lease_s);
  worker.progress = stderr;
  worker.cancel = &InterruptFlag();
  const batch::WorkerReport report =
      batch::RunShard(inputs, store, worker, [&](const batch::Input& in) {
        FileTranscription job(in.path);
        const pipeline::Transcript t = job.Run(model, options, hashes, nullptr);
        batch::Rendered out;
        out.duration_ms = t.duration_ms;
        out.complete = t.complete;
        for (auto f : formats) out.files[std::string(pipeline::Extension(f))] = pipeline::Render(t, f);
        return out;
      });
  std::fprintf(stderr,
               "[shard %s] %d transcribed, %d done already, %d failed; %.1f s of audio in %.1f s\n",
               shard.Name().c_str(), report.transcribed, report.already_done, report.failed,
               report.audio_s, report.processing_s);
  if (report.interrupted) {
    std::fprintf(stderr, "scribe: interrupted; finished results are kept, rerun to continue\n");
    return 130;
  }
  return 0;
} catch (const std::exception& e) {
  return ReportError(e);
}

int PrintStatus(const std::string& output, bool as_json, int lease_s) try {
  if (!std::filesystem::is_directory(output)) {
    throw std::invalid_argument(output + ": no batch output folder");
  }
  const batch::ResultStore store(base::RealFileSystem(), output);
  const batch::BatchStatus s = batch::ReadStatus(store, std::chrono::seconds(lease_s));
  if (as_json) {
    std::printf("%s\n", s.Json().dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return 0;
  }
  std::printf("%zu inputs: %d done, %d failed, %d running, %d pending\n", s.inputs.size(), s.done,
              s.failed, s.running, s.pending);
  std::printf("transcribed %.2f h of audio in %.2f h (real-time factor %.2f)\n", s.audio_s / 3600,
              s.processing_s / 3600, s.audio_s > 0 ? s.processing_s / s.audio_s : 0.0);
  for (const batch::InputStatus& in : s.inputs) {
    if (in.state == "failed") std::printf("failed  %s: %s\n", in.path.c_str(), in.error.c_str());
  }
  return 0;
} catch (const std::exception& e) {
  return ReportError(e);
}

int RetryFailed(const std::string& output) try {
  if (!std::filesystem::is_directory(output)) {
    throw std::invalid_argument(output + ": no batch output folder");
  }
  batch::ResultStore store(base::RealFileSystem(), output);
  const int cleared = store.ClearFailures();
  std::printf("%d failed input%s will be tried again by the next `scribe batch run`\n", cleared,
              cleared == 1 ? "" : "s");
  return 0;
} catch (const std::exception& e) {
  return ReportError(e);
}

}  // namespace

void AddBatchCommands(CLI::App& app) {
  CLI::App& group = CommandGroup(app, "batch", "Transcribe an archive with one or many workers");

  auto run = std::make_shared<BatchRunOptions>();
  CLI::App* r = group.add_subcommand("run", "Transcribe a manifest or a folder into an output root");
  r->add_option("input", run->input, "manifest (one path per line) or folder")->required();
  r->add_option("-o,--output", run->output, "output root shared by all workers")->required();
  r->add_option("--shard", run->shard,
                "I/N: this worker's share; default from SLURM_ARRAY_TASK_* or JOB_COMPLETION_INDEX");
  r->add_option("--shard-count", run->shard_count,
                "number of workers when the index comes from JOB_COMPLETION_INDEX")
      ->check(CLI::PositiveNumber);
  r->add_option("--format", run->formats, "output formats, comma-separated: txt,srt,vtt,json (default json)");
  r->add_option("--ext", run->extensions, "extensions a folder walk picks up (default: common audio/video)");
  AddModelOptions(*r, run->model);
  r->add_option("--language", run->language, "spoken language (name or ISO 639-1 code); default auto");
  r->add_option("--mode", run->mode, "clean (default) or verbatim")
      ->check(CLI::IsMember({"clean", "verbatim"}));
  r->add_option("--translate-to", run->translate_to, "also translate into this language");
  r->add_option("--threads", run->threads, "worker threads (default: physical cores)")
      ->check(CLI::NonNegativeNumber);
  r->add_option("--lease", run->lease_s,
                "seconds without renewal after which another host's claim counts as abandoned")
      ->check(CLI::Range(10, 86400));
  r->callback([run] { SetExitCode(RunBatch(*run)); });

  auto output = std::make_shared<std::string>();
  auto as_json = std::make_shared<bool>(false);
  CLI::App* s = group.add_subcommand("status", "Show what is done, failed and pending");
  s->add_option("output", *output, "output root")->required();
  s->add_flag("--json", *as_json, "one JSON object (done, failed, pending, inputs, ...)");
  s->callback([output, as_json] { SetExitCode(PrintStatus(*output, *as_json, 300)); });

  auto retry_output = std::make_shared<std::string>();
  CLI::App* f = group.add_subcommand("retry-failed", "Forget recorded failures so they run again");
  f->add_option("output", *retry_output, "output root")->required();
  f->callback([retry_output] { SetExitCode(RetryFailed(*retry_output)); });
}

}  // namespace scribed::cli
