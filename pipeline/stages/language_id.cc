#include "pipeline/stages/language_id.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <span>
#include <stdexcept>
#include <string>

#include "scribed/engine/prompt_text.h"

namespace scribed::pipeline::stages {

size_t LanguageScores::best() const noexcept {
  return static_cast<size_t>(std::max_element(probs.begin(), probs.end()) - probs.begin());
}

LanguageIdentifier::LanguageIdentifier(const engine::Model& model) {
  const std::vector<int32_t> end = model.Tokenize(engine::kTurnClose);
  for (const Language& language : AllLanguages()) {
    std::vector<int32_t> seq = model.Tokenize(language.name, /*parse_special=*/false);
    seq.insert(seq.end(), end.begin(), end.end());
    sequences_.push_back(std::move(seq));
  }
  order_.resize(sequences_.size());
  std::iota(order_.begin(), order_.end(), size_t{0});
  std::sort(order_.begin(), order_.end(),
            [&](size_t a, size_t b) { return sequences_[a] < sequences_[b]; });
}

// A depth-first walk of the trie over the sorted sequences: order_[lo, hi)
// share their first `depth` tokens.
struct LanguageIdentifier::Walk {
  const LanguageIdentifier& id;
  engine::Session& session;
  int64_t base;
  std::vector<float> base_logits;
  LanguageScores& out;

  void Node(size_t lo, size_t hi, size_t depth, double log_p) {
    const auto& seqs = id.sequences_;
    const auto& order = id.order_;
    if (hi - lo == 1 || seqs[order[lo]].size() == depth) {
      // One name left (its remaining tokens are forced), or identical sequences.
      for (size_t i = lo; i < hi; ++i) out.probs[order[i]] = std::exp(log_p) / double(hi - lo);
      return;
    }
    // Children: runs of equal tokens at `depth` (sorted, so runs are contiguous).
    std::vector<size_t> starts;
    for (size_t i = lo; i < hi; ++i) {
      if (i == lo || seqs[order[i]][depth] != seqs[order[i - 1]][depth]) starts.push_back(i);
    }
    starts.push_back(hi);
    if (starts.size() == 2) return Node(lo, hi, depth + 1, log_p);  // no choice here
    std::vector<float> evaluated;
    std::span<const float> logits = base_logits;
    if (depth > 0) {
      const auto& prefix = seqs[order[lo]];
      if (!session.Rewind(base)) throw std::logic_error("language scoring: cannot rewind");
      session.Append(engine::Prompt().Tokens(std::vector<int32_t>(prefix.begin(),
                                                                   prefix.begin() + depth)));
      evaluated.assign(session.logits().begin(), session.logits().end());
      logits = evaluated;
      ++out.evaluations;
    }
    double max = -INFINITY;
    for (size_t c = 0; c + 1 < starts.size(); ++c) {
      max = std::max(max, double{logits[seqs[order[starts[c]]][depth]]});
    }
    double sum = 0;
    for (size_t c = 0; c + 1 < starts.size(); ++c) {
      sum += std::exp(double{logits[seqs[order[starts[c]]][depth]]} - max);
    }
    const double log_z = max + std::log(sum);
    for (size_t c = 0; c + 1 < starts.size(); ++c) {
      const double l = double{logits[seqs[order[starts[c]]][depth]]} - log_z;
      Node(starts[c], starts[c + 1], depth + 1, log_p + l);
    }
  }
};

LanguageScores LanguageIdentifier::Score(engine::Session& session) const {
  const auto started = std::chrono::steady_clock::now();
  if (session.logits().empty()) throw std::logic_error("language scoring needs logits");
  LanguageScores out;
  out.probs.assign(sequences_.size(), 0.0);
  Walk walk{*this, session, session.n_past(),
            std::vector<float>(session.logits().begin(), session.logits().end()), out};
  walk.Node(0, order_.size(), 0, 0.0);
  // The branch probabilities multiply to a distribution; renormalise the rounding.
  const double total = std::accumulate(out.probs.begin(), out.probs.end(), 0.0);
  for (double& p : out.probs) p /= total;
  out.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
               .count();
  return out;
}

}  // namespace scribed::pipeline::stages
