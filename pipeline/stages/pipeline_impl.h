// What a Pipeline holds, shared by Pipeline::Process (whole clips) and
// LiveTranscriber (segments prefilled as they are spoken). Internal.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "pipeline/stages/guards.h"
#include "pipeline/stages/text_task.h"
#include "pipeline/stages/transcriber.h"
#include "scribed/pipeline/languages.h"
#include "scribed/pipeline/live_transcriber.h"
#include "scribed/pipeline/pipeline.h"

namespace scribed::pipeline {

struct Pipeline::Impl {
  std::shared_ptr<const engine::Model> model;
  PipelineOptions options;
  ResultSink* sink = nullptr;
  std::optional<Language> source;  // configured, or locked by detection; nullopt: automatic
  bool auto_language = false;      // options.language was "auto"
  double locked_prob = 0;          // the probability of the detection that locked `source`
  std::optional<Language> target;  // nullopt: no translation
  std::unique_ptr<stages::Transcriber> asr;
  std::unique_ptr<stages::TextTask> formatter;   // clean mode only
  std::unique_ptr<stages::TextTask> translator;  // text path, or the speech path's fallback
  Transcript transcript;
  Provenance provenance;
  int64_t last_start = -1;
  int64_t prev_end_ms = -1;
  int forgotten_segments = 0;  // dropped by ForgetSegments, still counted in indexes
  int64_t done_samples = 0;
  bool live_open = false;  // a LiveTranscriber segment holds the ASR session
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();

  bool English() const { return source && source->code == "en"; }
  bool Cancelled() const { return options.cancel != nullptr && options.cancel->load(); }
  bool SpeechTranslation() const {
    return target && options.translation_path == TranslationPath::kSpeech;
  }
  // Whether the next segment's language is to be identified by the model.
  bool Detecting() const { return auto_language && (options.redetect_language || !source); }

  // The transcription stage for the current language (rebuilt when it locks).
  void BuildTranscriber();
  stages::TextTask& Translator();
  int TextBudget(const stages::TextTask& task, const std::string& input) const;
  std::optional<std::string> Format(const std::string& verbatim, Segment& seg);
  bool TranslateText(const std::string& text, Segment& seg);
  void ReportProgress();
  void Advance(int64_t sample);

  // Throws std::invalid_argument for a clip Process rejects.
  void CheckClip(int64_t start_sample, int64_t n_samples) const;
  // The ASR session holds the clip's whole frames in an open audio span:
  // identifies the language when needed, decodes and emits the segment (or
  // skips a silent or empty clip). False when cancelled. Adds to `cost`.
  bool Complete(int64_t start_sample, std::span<const float> clip, LiveCost& cost);
};

}  // namespace scribed::pipeline
