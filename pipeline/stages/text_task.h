// A text-only instruction applied to many inputs (formatting, translation):
// the fixed instruction is a cached prompt prefix and each input is appended
// as plain tokens, so text from the model can never inject control tokens.
#pragma once

#include <memory>
#include <string>

#include "pipeline/stages/guards.h"
#include "pipeline/stages/prefix_session.h"

namespace scribed::pipeline::stages {

// Thread-compatible.
class TextTask {
 public:
  // `instruction` ends where the input text goes (e.g. "...\n\nText:").
  TextTask(std::shared_ptr<const engine::Model> model, const std::string& instruction, int threads);

  // Runs the instruction on `input` and returns the model's answer under the
  // guards, with at most `max_tokens` tokens.
  GuardedText Run(const std::string& input, int max_tokens, const engine::SamplingParams& sampling,
                  const GuardOptions& guards, const std::atomic<bool>* cancel);

  int InputTokens(const std::string& input) const;

 private:
  std::shared_ptr<const engine::Model> model_;
  std::string suffix_;  // the rest of the prompt after the input
  std::unique_ptr<PrefixSession> session_;
};

}  // namespace scribed::pipeline::stages
