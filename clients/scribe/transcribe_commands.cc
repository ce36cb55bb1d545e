// `scribe transcribe FILE...`: decode, segment, transcribe, format and
// translate recordings, and write txt/srt/vtt/json transcripts beside them.
#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <unistd.h>
#include <vector>

#include "clients/scribe/commands.h"
#include "clients/scribe/model_loading.h"
#include "scribed/audio/file_source.h"
#include "scribed/audio/segmenter.h"
#include "scribed/pipeline/file_hash.h"
#include "scribed/pipeline/model_discovery.h"
#include "scribed/pipeline/pipeline.h"
#include "scribed/pipeline/writers.h"

namespace scribed::cli {
namespace {

namespace fs = std::filesystem;

std::atomic<bool> g_cancel{false};
static_assert(std::atomic<bool>::is_always_lock_free);

extern "C" void OnInterrupt(int) {
  g_cancel.store(true);
  std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C ends the process at once
}

// Installs the SIGINT handler for the command's lifetime.
class InterruptScope {
 public:
  InterruptScope() { previous_ = std::signal(SIGINT, OnInterrupt); }
  ~InterruptScope() { std::signal(SIGINT, previous_); }
  InterruptScope(const InterruptScope&) = delete;
  InterruptScope& operator=(const InterruptScope&) = delete;

 private:
  void (*previous_)(int) = SIG_DFL;
};

struct TranscribeOptions {
  std::vector<std::string> files;
  std::string model, mmproj;
  ModelPaths backend;  // --backend / --gpu-device
  std::string language = "auto";
  std::string translate_to;
  std::string translation_path = "text";
  std::string formats = "txt";
  std::string output;
  std::string mode = "clean";
  int threads = 0;
  double max_tokens_per_second = 10.0;
};

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

// Where each format of `input` goes: -o as a directory (existing, or ending in
// '/', or several inputs), as the file itself (one input, one format) or as a
// base name whose extension each format replaces.
std::vector<fs::path> OutputPaths(const fs::path& input, const std::string& output, size_t n_inputs,
                                  const std::vector<pipeline::OutputFormat>& formats) {
  std::vector<fs::path> paths;
  std::error_code ec;
  const bool as_dir = !output.empty() && (output.back() == '/' || fs::is_directory(output, ec));
  if (!output.empty() && !as_dir && n_inputs > 1) {
    throw std::invalid_argument("-o " + output + ": with several input files, -o must be a directory");
  }
  for (pipeline::OutputFormat f : formats) {
    const std::string ext = "." + std::string(pipeline::Extension(f));
    if (output.empty()) {
      paths.push_back(fs::path(input).replace_extension(ext));
    } else if (as_dir) {
      fs::create_directories(output);
      paths.push_back(fs::path(output) / input.filename().replace_extension(ext));
    } else if (formats.size() == 1) {
      paths.emplace_back(output);
    } else {
      paths.push_back(fs::path(output).replace_extension(ext));
    }
  }
  for (const fs::path& p : paths) {
    if (fs::equivalent(p, input, ec)) {
      throw std::invalid_argument("output " + p.string() + " would overwrite the input file");
    }
  }
  return paths;
}

pipeline::ModelFileInfo HashedFile(const fs::path& path) {
  pipeline::ModelFileInfo info;
  info.path = fs::absolute(path).string();
  info.size = fs::file_size(path);
  const bool tty = ::isatty(STDERR_FILENO) == 1;
  if (tty) std::fprintf(stderr, "hashing %s (cached after the first run)...", path.filename().c_str());
  info.sha256 = pipeline::CachedSha256File(path, pipeline::DefaultCacheDir());
  if (tty) std::fprintf(stderr, "\r\033[K");
  return info;
}

struct ModelHashes {
  pipeline::ModelFileInfo model, mmproj;
};

// Transcribes one file; returns false when cancelled (outputs still written).
bool TranscribeFile(const std::shared_ptr<const engine::Model>& model,
                    const pipeline::PipelineOptions& options, const ModelHashes& hashes,
                    const fs::path& input, const std::vector<fs::path>& outputs,
                    const std::vector<pipeline::OutputFormat>& formats) {
  audio::FileSource source(input);
  const int64_t total_ms = source.expected_samples().value_or(0) / (audio::kOutputRate / 1000);
  ProgressBar progress(input.filename().string(), total_ms);
  pipeline::Pipeline pipe(model, options, &progress);
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
    if (g_cancel.load()) {
      complete = false;
      break;
    }
    if (!source.Next(chunk)) {
      segmenter.Finish(clips);
      run();
      break;
    }
    segmenter.Push(chunk, clips);
    run();
    if (complete) pipe.Advance(chunk.end());
  }
  progress.Done();
  pipeline::Transcript t = pipe.Finish(complete);
  t.source = input.string();
  for (size_t i = 0; i < formats.size(); ++i) {
    pipeline::WriteFileAtomically(outputs[i], pipeline::Render(t, formats[i]));
    if (::isatty(STDERR_FILENO) == 1) std::fprintf(stderr, "wrote %s\n", outputs[i].c_str());
  }
  return complete;
}

int RunTranscribe(const TranscribeOptions& o) try {
  const auto formats = pipeline::ParseOutputFormats(o.formats);
  pipeline::PipelineOptions options;
  options.language = o.language;
  options.translate_to = o.translate_to;
  options.translation_path = pipeline::ParseTranslationPath(o.translation_path);
  options.mode = pipeline::ParseFormatMode(o.mode);
  options.threads = o.threads;
  options.guards.max_tokens_per_second = o.max_tokens_per_second;
  options.cancel = &g_cancel;
  std::vector<std::vector<fs::path>> outputs;
  for (const std::string& f : o.files) {
    if (!fs::is_regular_file(f)) throw std::invalid_argument(f + ": no such file");
    outputs.push_back(OutputPaths(f, o.output, o.files.size(), formats));
  }
  const pipeline::ModelFiles files = ResolveModelFiles({o.model, o.mmproj, o.backend.backend, o.backend.gpu_device});
  if (files.mmproj.empty()) {
    throw std::invalid_argument("model " + files.model.string() + " (from " + files.source +
                                ") has no audio projector: pass --mmproj FILE.gguf");
  }
  auto model = engine::Model::Load(files.model, files.mmproj, BackendLoadOptions(o.backend));
  // The pipeline knows the rest of the provenance; hashing needs the files.
  const ModelHashes hashes{HashedFile(files.model), HashedFile(files.mmproj)};

  InterruptScope interrupt;
  for (size_t i = 0; i < o.files.size(); ++i) {
    if (!TranscribeFile(model, options, hashes, o.files[i], outputs[i], formats)) {
      std::fprintf(stderr, "scribe: interrupted; wrote the segments finished so far (marked incomplete)\n");
      return 130;
    }
  }
  return 0;
} catch (const std::exception& e) {
  return ReportError(e);
}

}  // namespace

void AddTranscribeCommands(CLI::App& app) {
  auto o = std::make_shared<TranscribeOptions>();
  CLI::App* cmd = app.add_subcommand(
      "transcribe", "Transcribe (and optionally translate) audio or video files into txt/srt/vtt/json");
  cmd->add_option("files", o->files, "audio or video files")->required();
  cmd->add_option("--model", o->model,
                  "text model GGUF; default: SCRIBE_MODEL, ~/.config/scribed/config.toml, Ollama, LM Studio");
  cmd->add_option("--mmproj", o->mmproj, "projector GGUF with the audio encoder; env SCRIBE_MMPROJ");
  AddBackendOptions(*cmd, o->backend);
  cmd->add_option("--language", o->language, "spoken language (name or ISO 639-1 code); default auto");
  cmd->add_option("--translate-to", o->translate_to, "also translate into this language (name or code)");
  cmd->add_option("--translation-path", o->translation_path,
                  "text: translate the formatted transcript (default); speech: one pass from the audio")
      ->check(CLI::IsMember({"text", "speech"}));
  cmd->add_option("--format", o->formats, "output formats, comma-separated: txt,srt,vtt,json (default txt)");
  cmd->add_option("-o,--output", o->output, "output file or directory (default: beside each input)");
  cmd->add_option("--mode", o->mode, "clean (default: punctuation, no fillers, paragraphs) or verbatim")
      ->check(CLI::IsMember({"clean", "verbatim"}));
  cmd->add_option("--threads", o->threads, "worker threads (default: physical cores)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--max-tokens-per-second", o->max_tokens_per_second,
                  "token budget per second of audio before a segment is cut and flagged truncated")
      ->check(CLI::PositiveNumber);
  cmd->callback([o] { SetExitCode(RunTranscribe(*o)); });
}

}  // namespace scribed::cli
