#include "pipeline/stages/text_task.h"

#include <algorithm>

#include "scribed/engine/prompt_text.h"

namespace scribed::pipeline::stages {
namespace {

// Stands for the input while the prompt is rendered; never tokenized.
constexpr std::string_view kInputSlot = "\x01input\x01";

// Most input + answer tokens one request may hold.
constexpr int64_t kTextContext = 2048;

}  // namespace

TextTask::TextTask(std::shared_ptr<const engine::Model> model, const std::string& instruction,
                   int threads)
    : model_(std::move(model)) {
  const std::string rendered =
      engine::RenderTextPrompt(instruction + "\n" + std::string(kInputSlot));
  const size_t slot = rendered.find(kInputSlot);
  const std::string prefix = rendered.substr(0, slot);
  suffix_ = rendered.substr(slot + kInputSlot.size());
  engine::SessionOptions options;
  options.threads = threads;
  options.n_ctx = std::min<int64_t>(model_->info().context_length,
                                    static_cast<int64_t>(model_->Tokenize(prefix).size()) +
                                        kTextContext);
  session_ = std::make_unique<PrefixSession>(model_, options, prefix);
}

int TextTask::InputTokens(const std::string& input) const {
  return static_cast<int>(model_->Tokenize(input, /*parse_special=*/false).size());
}

GuardedText TextTask::Run(const std::string& input, int max_tokens,
                          const engine::SamplingParams& sampling, const GuardOptions& guards,
                          const std::atomic<bool>* cancel) {
  std::vector<int32_t> tokens = model_->Tokenize(input, /*parse_special=*/false);
  // Inputs come from one clip's transcript, so this only trims pathological text.
  const int64_t room = session_->session().n_ctx() - session_->prefix_tokens() - 32;
  const int64_t budget = std::max<int64_t>(1, room / 3);
  if (static_cast<int64_t>(tokens.size()) > budget) tokens.resize(static_cast<size_t>(budget));
  session_->Start(engine::Prompt().Tokens(std::move(tokens)).Text(suffix_));
  const int64_t left = session_->session().n_ctx() - session_->session().n_past();
  return GenerateGuarded(session_->session(), *model_,
                         static_cast<int>(std::min<int64_t>(max_tokens, left)), sampling, guards,
                         cancel);
}

}  // namespace scribed::pipeline::stages
