#include "scribed/pipeline/pipeline.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <stdexcept>

#include "pipeline/prompts/task_prompts.h"
#include "pipeline/stages/guards.h"
#include "pipeline/stages/text_task.h"
#include "pipeline/stages/transcriber.h"
#include "scribed/base/version.h"
#include "scribed/engine/prompt_text.h"
#include "scribed/pipeline/languages.h"
#include "scribed/pipeline/text_tidy.h"


namespace scribed::pipeline {

bool Segment::HasFlag(const std::string& flag) const {
  return std::find(flags.begin(), flags.end(), flag) != flags.end();
}

FormatMode ParseFormatMode(const std::string& text) {
  if (text == "verbatim") return FormatMode::kVerbatim;
  if (text == "clean") return FormatMode::kClean;
  throw std::invalid_argument("unknown mode '" + text + "' (expected verbatim or clean)");
}

TranslationPath ParseTranslationPath(const std::string& text) {
  if (text == "text") return TranslationPath::kText;
  if (text == "speech") return TranslationPath::kSpeech;
  throw std::invalid_argument("unknown translation path '" + text + "' (expected text or speech)");
}

namespace {

constexpr int64_t kSamplesPerMs = engine::kAudioSampleRate / 1000;


}  // namespace

struct Pipeline::Impl {
  std::shared_ptr<const engine::Model> model;
  PipelineOptions options;
  ResultSink* sink = nullptr;
  std::optional<Language> source;  // nullopt: automatic
  std::optional<Language> target;  // nullopt: no translation
  std::unique_ptr<stages::Transcriber> asr;
  std::unique_ptr<stages::TextTask> formatter;   // clean mode only
  std::unique_ptr<stages::TextTask> translator;  // text path, or the speech path's fallback
  Transcript transcript;
  Provenance provenance;
  int64_t last_start = -1;
  int64_t prev_end_ms = -1;
  int64_t done_samples = 0;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();

  bool English() const { return source && source->code == "en"; }
  bool Cancelled() const { return options.cancel != nullptr && options.cancel->load(); }

  stages::TextTask& Translator() {
    if (!translator) {
      translator = std::make_unique<stages::TextTask>(
          model, prompts::TextTranslationInstruction(source ? source->name : "", target->name), options.threads);
    }
    return *translator;
  }

  int TextBudget(const stages::TextTask& task, const std::string& input) const {
    return options.guards.text_tokens_base +
           static_cast<int>(options.guards.text_tokens_factor * task.InputTokens(input));
  }

  // The formatted text for `verbatim`; sets the fallback flag on a rejected rewrite.
  std::optional<std::string> Format(const std::string& verbatim, Segment& seg) {
    if (options.mode == FormatMode::kVerbatim) return verbatim;
    const std::string tidy = TidyText(verbatim, English());
    if (tidy.empty()) return tidy;
    stages::GuardedText out = formatter->Run(verbatim, TextBudget(*formatter, verbatim),
                                             options.sampling, options.guards, options.cancel);
    if (out.aborted) return std::nullopt;
    const std::string cleaned = TidyText(out.text, English());
    const double ratio = static_cast<double>(cleaned.size()) / static_cast<double>(tidy.size());
    if (cleaned.empty() || out.repetition || out.truncated ||
        ratio < options.guards.min_format_ratio || ratio > options.guards.max_format_ratio) {
      seg.flags.push_back(kFlagFormatFallback);
      return tidy;
    }
    return cleaned;
  }

  // Fills seg.translation from `text`; false when cancelled.
  bool TranslateText(const std::string& text, Segment& seg) {
    if (text.empty()) return true;
    stages::TextTask& t = Translator();
    stages::GuardedText out =
        t.Run(text, TextBudget(t, text), options.sampling, options.guards, options.cancel);
    if (out.aborted) return false;
    if (out.repetition) seg.flags.push_back(kFlagTranslationRepetition);
    if (out.truncated) seg.flags.push_back(kFlagTranslationTruncated);
    seg.translation = out.text;
    return true;
  }

  void ReportProgress() {
    if (sink == nullptr) return;
    Progress p;
    p.done_ms = done_samples / kSamplesPerMs;
    p.elapsed_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    p.real_time_factor = p.done_ms > 0 ? p.elapsed_s * 1000.0 / static_cast<double>(p.done_ms) : 0;
    sink->OnProgress(p);
  }
};

Pipeline::Pipeline(std::shared_ptr<const engine::Model> model, const PipelineOptions& options,
                   ResultSink* sink)
    : impl_(std::make_unique<Impl>()) {
  Impl& s = *impl_;
  if (!model) throw std::invalid_argument("pipeline: no model");
  if (!model->info().has_audio) {
    throw std::invalid_argument("the model has no audio projector: pass the mmproj GGUF (--mmproj)");
  }
  s.model = std::move(model);
  s.options = options;
  s.sink = sink;
  if (!prompts::IsAutoLanguage(options.language)) {
    s.source = FindLanguage(options.language);
    if (!s.source) throw std::invalid_argument("unknown language '" + options.language + "'");
  }
  if (!options.translate_to.empty()) {
    s.target = FindLanguage(options.translate_to);
    if (!s.target) throw std::invalid_argument("unknown language '" + options.translate_to + "'");
  }
  const std::string source_name = s.source ? std::string(s.source->name) : std::string();
  const bool speech_translation = s.target && options.translation_path == TranslationPath::kSpeech;
  const std::string instruction = speech_translation
                                      ? prompts::AstInstruction(source_name, s.target->name)
                                      : prompts::AsrInstruction(source_name);
  // The speech path writes transcript and translation: twice the budget.
  const double factor = speech_translation ? 2.0 : 1.0;
  s.asr = std::make_unique<stages::Transcriber>(
      s.model, instruction, options.guards.max_tokens_per_second * factor,
      static_cast<int>(options.guards.max_tokens_base * factor), options.threads);
  if (options.mode == FormatMode::kClean) {
    s.formatter = std::make_unique<stages::TextTask>(s.model, prompts::FormatInstruction(), options.threads);
  }
  if (s.target && !speech_translation) s.Translator();

  Provenance& p = s.provenance;
  p.scribed_version = base::kVersion;
  p.model.path = s.model->info().model_path.string();
  p.mmproj.path = s.model->info().mmproj_path.string();
  p.quant = s.model->info().weight_type;
  p.temperature = options.sampling.temperature;
  p.top_k = options.sampling.top_k;
  p.top_p = options.sampling.top_p;
  p.seed = options.sampling.seed;
  p.max_tokens_per_second = options.guards.max_tokens_per_second;
  p.mode = options.mode == FormatMode::kClean ? "clean" : "verbatim";
  p.language = s.source ? std::string(s.source->name) : "auto";
  if (s.target) {
    p.translate_to = s.target->name;
    p.translation_path = speech_translation ? "speech" : "text";
  }
  s.transcript.language = s.source ? std::string(s.source->code) : "auto";
  if (s.target) s.transcript.translation_language = s.target->code;
}

Pipeline::~Pipeline() = default;

bool Pipeline::Process(const Clip& clip) {
  Impl& s = *impl_;
  if (static_cast<int64_t>(clip.samples.size()) > kMaxClipSamples) {
    throw std::invalid_argument("clip at sample " + std::to_string(clip.start_sample) + " is " +
                                std::to_string(clip.samples.size()) +
                                " samples long; the model takes at most 30 s (480000 samples)");
  }
  if (clip.start_sample < s.last_start || clip.start_sample < 0) {
    throw std::invalid_argument("clip at sample " + std::to_string(clip.start_sample) +
                                " starts before the previous clip");
  }
  if (s.Cancelled()) return false;
  s.last_start = clip.start_sample;
  const int64_t clip_end = clip.start_sample + static_cast<int64_t>(clip.samples.size());

  if (clip.samples.empty() || stages::IsSilent(clip.samples, s.options.guards)) {
    ++s.transcript.skipped_silent_clips;
    Advance(clip_end);
    return true;
  }

  Segment seg;
  seg.index = static_cast<int>(s.transcript.segments.size());
  const int64_t start_ms = clip.start_sample / kSamplesPerMs;
  // Clips cut at the 30 s cap share a little audio; cues must not overlap.
  seg.start_ms = std::max(start_ms, s.prev_end_ms);
  seg.end_ms = std::max(seg.start_ms + 1, clip_end / kSamplesPerMs);
  seg.paragraph = s.prev_end_ms < 0 || start_ms - s.prev_end_ms >= s.options.guards.paragraph_pause_ms;

  stages::GuardedText asr =
      s.asr->Transcribe(clip.samples, s.options.sampling, s.options.guards, s.options.cancel);
  if (asr.aborted) return false;
  if (asr.repetition) seg.flags.push_back(kFlagRepetition);
  if (asr.truncated) seg.flags.push_back(kFlagTruncated);
  if (asr.thought) seg.flags.push_back(kFlagThought);

  bool translated = false;
  if (s.target && s.options.translation_path == TranslationPath::kSpeech) {
    prompts::TranslationParts parts = prompts::SplitTranslation(asr.text, s.target->name);
    seg.verbatim = parts.transcript;
    if (parts.complete && !parts.translation.empty()) {
      seg.translation = parts.translation;
      translated = true;
    } else {
      seg.flags.push_back(kFlagTranslationFallback);
    }
  } else {
    seg.verbatim = asr.text;
  }
  if (seg.verbatim.empty()) {  // nothing heard: no segment, but counted
    ++s.transcript.empty_clips;
    Advance(clip_end);
    return true;
  }
  std::optional<std::string> text = s.Format(seg.verbatim, seg);
  if (!text) return false;
  seg.text = std::move(*text);
  if (s.target && !translated && !s.TranslateText(seg.text, seg)) return false;

  s.prev_end_ms = seg.end_ms;
  s.transcript.segments.push_back(seg);
  if (s.sink != nullptr) s.sink->OnSegment(s.transcript.segments.back());
  Advance(clip_end);
  return true;
}

void Pipeline::Advance(int64_t sample) {
  Impl& s = *impl_;
  s.done_samples = std::max(s.done_samples, sample);
  s.transcript.duration_ms = s.done_samples / kSamplesPerMs;
  s.ReportProgress();
}

void Pipeline::Restore(std::vector<Segment> segments, int skipped_silent_clips, int empty_clips) {
  Impl& s = *impl_;
  s.transcript.segments = std::move(segments);
  s.transcript.skipped_silent_clips = skipped_silent_clips;
  s.transcript.empty_clips = empty_clips;
  if (!s.transcript.segments.empty()) s.prev_end_ms = s.transcript.segments.back().end_ms;
}

const Transcript& Pipeline::transcript() const noexcept { return impl_->transcript; }

Transcript Pipeline::Finish(bool complete) {
  Impl& s = *impl_;
  Transcript t = s.transcript;
  t.complete = complete;
  t.provenance = s.provenance;
  return t;
}

const Provenance& Pipeline::provenance() const noexcept { return impl_->provenance; }
Provenance& Pipeline::mutable_provenance() noexcept { return impl_->provenance; }

}  // namespace scribed::pipeline
