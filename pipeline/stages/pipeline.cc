#include "scribed/pipeline/pipeline.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <stdexcept>

#include "pipeline/prompts/task_prompts.h"
#include "pipeline/stages/pipeline_impl.h"
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

void Pipeline::Impl::BuildTranscriber() {
  const std::string source_name = source ? std::string(source->name) : std::string();
  const std::string instruction = SpeechTranslation()
                                      ? prompts::AstInstruction(source_name, target->name)
                                      : prompts::AsrInstruction(source_name);
  // The speech path writes transcript and translation: twice the budget.
  const double factor = SpeechTranslation() ? 2.0 : 1.0;
  asr = std::make_unique<stages::Transcriber>(
      model, instruction, options.guards.max_tokens_per_second * factor,
      static_cast<int>(options.guards.max_tokens_base * factor), options.threads);
}

stages::TextTask& Pipeline::Impl::Translator() {
  if (!translator) {
    translator = std::make_unique<stages::TextTask>(
        model, prompts::TextTranslationInstruction(source ? source->name : "", target->name),
        options.threads);
  }
  return *translator;
}

int Pipeline::Impl::TextBudget(const stages::TextTask& task, const std::string& input) const {
  return options.guards.text_tokens_base +
         static_cast<int>(options.guards.text_tokens_factor * task.InputTokens(input));
}

// The formatted text for `verbatim`; sets the fallback flag on a rejected rewrite.
std::optional<std::string> Pipeline::Impl::Format(const std::string& verbatim, Segment& seg) {
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
bool Pipeline::Impl::TranslateText(const std::string& text, Segment& seg) {
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

void Pipeline::Impl::ReportProgress() {
  if (sink == nullptr) return;
  Progress p;
  p.done_ms = done_samples / kSamplesPerMs;
  p.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  p.real_time_factor = p.done_ms > 0 ? p.elapsed_s * 1000.0 / static_cast<double>(p.done_ms) : 0;
  sink->OnProgress(p);
}

void Pipeline::Impl::Advance(int64_t sample) {
  done_samples = std::max(done_samples, sample);
  transcript.duration_ms = done_samples / kSamplesPerMs;
  ReportProgress();
}

void Pipeline::Impl::CheckClip(int64_t start_sample, int64_t n_samples) const {
  if (n_samples > kMaxClipSamples) {
    throw std::invalid_argument("clip at sample " + std::to_string(start_sample) + " is " +
                                std::to_string(n_samples) +
                                " samples long; the model takes at most 30 s (480000 samples)");
  }
  if (start_sample < last_start || start_sample < 0) {
    throw std::invalid_argument("clip at sample " + std::to_string(start_sample) +
                                " starts before the previous clip");
  }
}

bool Pipeline::Impl::Complete(int64_t start_sample, std::span<const float> clip, LiveCost& cost) {
  using Clock = std::chrono::steady_clock;
  auto ms_since = [](Clock::time_point t) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
  };
  last_start = start_sample;
  const int64_t clip_end = start_sample + static_cast<int64_t>(clip.size());
  if (clip.empty() || stages::IsSilent(clip, options.guards)) {
    ++transcript.skipped_silent_clips;
    Advance(clip_end);
    return true;
  }
  const size_t whole = clip.size() / engine::kAudioFrameSamples * engine::kAudioFrameSamples;
  const std::span<const float> frames = clip.first(whole), tail = clip.subspan(whole);

  Segment seg;
  seg.index = forgotten_segments + static_cast<int>(transcript.segments.size());
  const int64_t start_ms = start_sample / kSamplesPerMs;
  // Clips cut at the 30 s cap share a little audio; cues must not overlap.
  seg.start_ms = std::max(start_ms, prev_end_ms);
  seg.end_ms = std::max(seg.start_ms + 1, clip_end / kSamplesPerMs);
  seg.paragraph = prev_end_ms < 0 || start_ms - prev_end_ms >= options.guards.paragraph_pause_ms;

  // The language: asked after the audio, then back into the open span.
  bool lock = false;
  std::optional<Language> detected;
  if (Detecting()) {
    const auto t0 = Clock::now();
    const stages::LanguageScores scores = asr->ProbeLanguage(tail);
    asr->Reopen(frames);
    cost.language_ms += ms_since(t0);
    detected = AllLanguages()[scores.best()];
    seg.language = std::string(detected->code);
    seg.lang_prob = scores.probs[scores.best()];
    if (seg.lang_prob < options.guards.min_language_prob) {
      seg.flags.push_back(kFlagLanguageUncertain);
    } else if (transcript.detected_language.empty()) {
      lock = true;
    }
  } else {
    seg.language = source ? std::string(source->code) : std::string();
    seg.lang_prob = auto_language ? locked_prob : 1.0;
  }

  stages::GuardedText asr_text =
      asr->Decode(tail, static_cast<int64_t>(clip.size()), options.sampling, options.guards,
                  options.cancel);
  cost.prefill_ms += asr_text.prefill_ms;
  cost.decode_ms += asr_text.decode_ms;
  cost.tokens += asr_text.tokens;
  if (asr_text.aborted) return false;
  if (asr_text.repetition) seg.flags.push_back(kFlagRepetition);
  if (asr_text.truncated) seg.flags.push_back(kFlagTruncated);
  if (asr_text.thought) seg.flags.push_back(kFlagThought);

  if (lock) {
    // Later segments are transcribed with the language named, and no longer probed.
    transcript.detected_language = seg.language;
    transcript.lang_prob = seg.lang_prob;
    if (!options.redetect_language) {
      source = detected;
      locked_prob = seg.lang_prob;
      translator.reset();  // its prompt names the source language
      BuildTranscriber();
    }
  }

  const auto post = Clock::now();
  bool translated = false;
  if (SpeechTranslation()) {
    prompts::TranslationParts parts = prompts::SplitTranslation(asr_text.text, target->name);
    seg.verbatim = parts.transcript;
    if (parts.complete && !parts.translation.empty()) {
      seg.translation = parts.translation;
      translated = true;
    } else {
      seg.flags.push_back(kFlagTranslationFallback);
    }
  } else {
    seg.verbatim = asr_text.text;
  }
  if (seg.verbatim.empty()) {  // nothing heard: no segment, but counted
    ++transcript.empty_clips;
    Advance(clip_end);
    return true;
  }
  std::optional<std::string> text = Format(seg.verbatim, seg);
  if (!text) return false;
  seg.text = std::move(*text);
  if (target && !translated && !TranslateText(seg.text, seg)) return false;
  cost.post_ms += ms_since(post);

  prev_end_ms = seg.end_ms;
  transcript.segments.push_back(seg);
  if (sink != nullptr) sink->OnSegment(transcript.segments.back());
  Advance(clip_end);
  return true;
}

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
  } else {
    s.auto_language = true;
  }
  if (!options.translate_to.empty()) {
    s.target = FindLanguage(options.translate_to);
    if (!s.target) throw std::invalid_argument("unknown language '" + options.translate_to + "'");
  }
  const bool speech_translation = s.SpeechTranslation();
  s.BuildTranscriber();
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
  if (s.live_open) throw std::logic_error("Process while a live segment is open");
  s.CheckClip(clip.start_sample, static_cast<int64_t>(clip.samples.size()));
  if (s.Cancelled()) return false;
  if (!clip.samples.empty() && !stages::IsSilent(clip.samples, s.options.guards)) {
    const size_t whole =
        clip.samples.size() / engine::kAudioFrameSamples * engine::kAudioFrameSamples;
    s.asr->Begin();
    s.asr->Feed(clip.samples.first(whole));
  }
  LiveCost cost;
  return s.Complete(clip.start_sample, clip.samples, cost);
}

void Pipeline::Advance(int64_t sample) { impl_->Advance(sample); }

void Pipeline::Restore(std::vector<Segment> segments, int skipped_silent_clips, int empty_clips) {
  Impl& s = *impl_;
  s.transcript.segments = std::move(segments);
  s.transcript.skipped_silent_clips = skipped_silent_clips;
  s.transcript.empty_clips = empty_clips;
  if (!s.transcript.segments.empty()) s.prev_end_ms = s.transcript.segments.back().end_ms;
  if (!s.auto_language) return;
  // An automatic language that locked before the restart stays locked, so the
  // rest is transcribed as an uninterrupted run would: with it named.
  for (const Segment& seg : s.transcript.segments) {
    if (seg.language.empty() || seg.HasFlag(kFlagLanguageUncertain) ||
        seg.lang_prob < s.options.guards.min_language_prob) {
      continue;
    }
    const std::optional<Language> locked = FindLanguage(seg.language);
    if (!locked) continue;
    s.transcript.detected_language = seg.language;
    s.transcript.lang_prob = seg.lang_prob;
    if (!s.options.redetect_language) {
      s.source = locked;
      s.locked_prob = seg.lang_prob;
      s.translator.reset();
      s.BuildTranscriber();
    }
    break;
  }
}

const Transcript& Pipeline::transcript() const noexcept { return impl_->transcript; }

int Pipeline::next_segment_index() const noexcept {
  return impl_->forgotten_segments + static_cast<int>(impl_->transcript.segments.size());
}

void Pipeline::ForgetSegments() {
  Impl& s = *impl_;
  s.forgotten_segments += static_cast<int>(s.transcript.segments.size());
  s.transcript.segments.clear();
}

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
