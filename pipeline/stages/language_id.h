// Spoken language identification with the transcription model itself: after
// the audio the model is asked which language it heard, and its answer is
// constrained to the English names of the languages the pipeline knows
// (languages.h), each followed by the end of the turn. The names form a
// token trie; at every branch the model's logits are renormalised over the
// branch's tokens, so a name's probability is the product of its branch
// choices and the probabilities of all names sum to 1. Only branch points
// after the first token cost a forward pass (a few tokens each, from a rewind
// to the answer's start); the first branch uses the logits already there.
#pragma once

#include <cstdint>
#include <vector>

#include "scribed/engine/engine.h"
#include "scribed/pipeline/languages.h"

namespace scribed::pipeline::stages {

struct LanguageScores {
  std::vector<double> probs;  // one per AllLanguages() entry, summing to 1
  int evaluations = 0;        // forward passes spent (branch points past the first token)
  double ms = 0;              // wall time of the scoring (not the question's prefill)

  // The most probable language's index into AllLanguages().
  size_t best() const noexcept;
};

// Thread-compatible (holds only token sequences).
class LanguageIdentifier {
 public:
  explicit LanguageIdentifier(const engine::Model& model);

  // Scores from the session's current logits, which must be those of the
  // position before the answer. Leaves the session at that position plus
  // some candidate tokens and without logits: the caller rewinds.
  LanguageScores Score(engine::Session& session) const;

  size_t candidates() const noexcept { return sequences_.size(); }

 private:
  struct Walk;
  std::vector<std::vector<int32_t>> sequences_;  // name tokens + end of turn, per language
  std::vector<size_t> order_;                    // indices sorted by sequence
};

}  // namespace scribed::pipeline::stages
