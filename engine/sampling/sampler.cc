#include "engine/sampling/sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace scribed::engine::sampling {

int32_t Argmax(std::span<const float> values) noexcept {
  int32_t best = -1;
  float best_value = -std::numeric_limits<float>::infinity();
  for (size_t i = 0; i < values.size(); ++i) {
    if (best < 0 || values[i] > best_value) {
      best = static_cast<int32_t>(i);
      best_value = values[i];
    }
  }
  return best;
}

Sampler::Sampler(const SamplingParams& params, std::vector<int32_t> suppressed)
    : params_(params), suppressed_(std::move(suppressed)), rng_(params.seed) {}

int32_t Sampler::Sample(std::span<const float> logits, std::span<const int32_t> recent) {
  const auto n = static_cast<int64_t>(logits.size());
  work_.assign(logits.begin(), logits.end());
  constexpr float kNegInf = -std::numeric_limits<float>::infinity();
  for (int32_t id : suppressed_) {
    if (id >= 0 && id < n) work_[id] = kNegInf;
  }
  if (params_.repetition_penalty != 1.0f && params_.repetition_window > 0) {
    const size_t window = std::min<size_t>(recent.size(), params_.repetition_window);
    std::vector<int32_t> seen(recent.end() - static_cast<ptrdiff_t>(window), recent.end());
    std::sort(seen.begin(), seen.end());
    seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
    for (int32_t id : seen) {
      if (id < 0 || id >= n) continue;
      float& l = work_[id];
      l = l > 0 ? l / params_.repetition_penalty : l * params_.repetition_penalty;
    }
  }
  if (params_.temperature <= 0.0f) return Argmax(work_);

  // Candidates sorted by logit, cut to top-k.
  candidates_.resize(static_cast<size_t>(n));
  std::iota(candidates_.begin(), candidates_.end(), 0);
  const auto by_logit = [&](int32_t a, int32_t b) {
    return work_[a] != work_[b] ? work_[a] > work_[b] : a < b;
  };
  size_t k = candidates_.size();
  if (params_.top_k > 0 && static_cast<size_t>(params_.top_k) < k) {
    k = static_cast<size_t>(params_.top_k);
    std::partial_sort(candidates_.begin(), candidates_.begin() + static_cast<ptrdiff_t>(k),
                      candidates_.end(), by_logit);
  } else {
    std::sort(candidates_.begin(), candidates_.end(), by_logit);
  }
  candidates_.resize(k);
  if (work_[candidates_[0]] == kNegInf) return candidates_[0];

  // Softmax at temperature over the candidates (they are sorted, so [0] is the max).
  std::vector<double> probs(k);
  const double top = work_[candidates_[0]];
  double sum = 0;
  for (size_t i = 0; i < k; ++i) {
    probs[i] = std::exp((work_[candidates_[i]] - top) / params_.temperature);
    sum += probs[i];
  }
  size_t keep = k;
  double cumulative = 0;
  for (size_t i = 0; i < k; ++i) {
    probs[i] /= sum;
    if (params_.min_p > 0 && probs[i] < params_.min_p * probs[0]) {
      keep = std::max<size_t>(1, i);
      break;
    }
    cumulative += probs[i];
    if (cumulative >= params_.top_p) {
      keep = i + 1;
      break;
    }
  }
  std::discrete_distribution<size_t> pick(probs.begin(), probs.begin() + static_cast<ptrdiff_t>(keep));
  return candidates_[pick(rng_)];
}

}  // namespace scribed::engine::sampling
