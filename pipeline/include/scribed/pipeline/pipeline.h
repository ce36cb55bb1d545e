// Transcription, formatting and translation of 16 kHz mono clips with one
// loaded model.
//
//   Pipeline pipeline(model, options, &sink);
//   for (each clip cut by audio::Segmenter)
//     pipeline.Process(Clip{segment.start, segment.samples});
//   pipeline.Advance(total_samples);
//   Transcript t = pipeline.Finish(/*complete=*/true);
//
// Clips arrive in stream order, each at most 30 s (Gemma 4's limit). Only the
// text of finished segments is kept, so memory does not grow with the audio.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "scribed/engine/engine.h"
#include "scribed/pipeline/result_sink.h"
#include "scribed/pipeline/transcript.h"

namespace scribed::pipeline {

enum class FormatMode { kVerbatim, kClean };
// Where a translation comes from: the model's speech translation prompt (one
// pass over the audio) or the formatted transcript (a second, text-only pass).
enum class TranslationPath { kText, kSpeech };

struct GuardOptions {
  // A clip is silent, and skipped, when fewer than `min_active_ms` of its
  // 20 ms frames reach `active_frame_dbfs` (frame RMS, dB full scale).
  double active_frame_dbfs = -45.0;
  int min_active_ms = 100;
  // Token budget per clip: base + per_second * clip seconds.
  double max_tokens_per_second = 10.0;
  int max_tokens_base = 16;
  // Token budget of a formatting or translation answer: base + factor * input tokens.
  double text_tokens_factor = 2.0;
  int text_tokens_base = 16;
  // A repeating cycle of up to `max_period` tokens is a loop once it has
  // repeated `min_repeats` times and spans at least `min_loop_tokens` tokens.
  int max_period = 40;
  int min_repeats = 3;
  int min_loop_tokens = 16;
  // A model rewrite whose length (bytes) is outside [min, max] times the
  // tidied verbatim length is rejected.
  double min_format_ratio = 0.5;
  double max_format_ratio = 1.6;
  // A gap of at least this much between clips starts a paragraph.
  int paragraph_pause_ms = 2000;
  // A detected language less probable than this is flagged language_uncertain
  // and does not lock an automatic language.
  double min_language_prob = 0.5;
};

struct PipelineOptions {
  // English name or code; "auto": the model identifies the language after
  // the audio of each segment until a detection reaches
  // guards.min_language_prob, which locks it for the rest of the stream (the
  // transcription prompt then names it).
  std::string language = "auto";
  // With "auto": identify the language of every segment instead of locking
  // (the prompt keeps asking for the original language).
  bool redetect_language = false;
  FormatMode mode = FormatMode::kClean;
  std::string translate_to;       // code or English name; empty: no translation
  TranslationPath translation_path = TranslationPath::kText;
  engine::SamplingParams sampling;  // greedy by default
  GuardOptions guards;
  int threads = 0;  // engine threads; 0: one per physical core
  // Cancels work in progress when it becomes true (e.g. set from SIGINT).
  const std::atomic<bool>* cancel = nullptr;
};

// The largest clip Process accepts.
inline constexpr int64_t kMaxClipSamples = 30 * engine::kAudioSampleRate;

struct Clip {
  int64_t start_sample = 0;  // stream position of samples[0] (16 kHz)
  std::span<const float> samples;
};

class LiveTranscriber;

// Thread-compatible. Holds two engine sessions (audio and text prompts).
class Pipeline {
 public:
  // Throws std::invalid_argument for an unknown language or a model without
  // audio support. `sink` may be null; it must outlive the pipeline.
  Pipeline(std::shared_ptr<const engine::Model> model, const PipelineOptions& options,
           ResultSink* sink);
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  // Transcribes one clip. Returns false when it was cancelled (nothing is
  // emitted for it) and true otherwise, including for a skipped silent clip.
  // Throws std::invalid_argument for a clip over kMaxClipSamples or one that
  // starts before the previous clip, std::logic_error while a LiveTranscriber
  // of this pipeline has a segment open.
  bool Process(const Clip& clip);

  // Reports that the stream has been consumed up to `sample` (progress
  // through silence that produced no clip).
  void Advance(int64_t sample);

  // Continues a run that an earlier process began: the segments it finished
  // (numbered from 0) and its clip counts. Later segments are numbered and
  // paragraphed after them, and Finish includes them. Call before Process.
  void Restore(std::vector<Segment> segments, int skipped_silent_clips, int empty_clips);

  // The transcript so far (without provenance), by reference: reading it per
  // clip costs nothing.
  const Transcript& transcript() const noexcept;

  // Drops the segments kept so far (they keep their numbers: later segments
  // go on counting). A live session that runs for days hands every segment
  // on as it is final and keeps none of them.
  void ForgetSegments();
  // The index the next segment will get.
  int next_segment_index() const noexcept;

  // A copy of the transcript with its provenance; `complete` false marks a
  // cancelled or cut-short run.
  Transcript Finish(bool complete);

  // The provenance fields the pipeline knows (model hashes are the caller's).
  const Provenance& provenance() const noexcept;
  Provenance& mutable_provenance() noexcept;

 private:
  friend class LiveTranscriber;  // streams segments through the same stages
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// "verbatim" | "clean"; throws std::invalid_argument naming the value.
FormatMode ParseFormatMode(const std::string& text);
// "text" | "speech"; throws std::invalid_argument naming the value.
TranslationPath ParseTranslationPath(const std::string& text);

}  // namespace scribed::pipeline
