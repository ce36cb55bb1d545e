#include "scribed/engine/prompt_text.h"

#include "scribed/base/strings.h"

namespace scribed::engine {
namespace {

using base::Trim;
using base::TrimLeft;

std::string Turn(std::string_view role, std::string_view body) {
  std::string out(kTurnOpen);
  out.append(role).append("\n").append(body).append(kTurnClose).append("\n");
  return out;
}

}  // namespace

std::string RenderUserTurn(std::string_view text, AudioPlacement audio) {
  std::string body;
  if (audio == AudioPlacement::kBeforeText) body.append(kMediaMarker);
  body.append(Trim(text));
  if (audio == AudioPlacement::kAfterText) body.append(kMediaMarker);
  return Turn("user", body);
}

std::string RenderModelTurnOpener(bool empty_thought_block) {
  std::string out(kTurnOpen);
  out.append("model\n");
  if (empty_thought_block) out.append(kChannelOpen).append("thought\n").append(kChannelClose);
  return out;
}

std::string RenderPrompt(const PromptSpec& spec) {
  std::string out;
  if (!Trim(spec.system).empty()) out = Turn("system", Trim(spec.system));
  out.append(RenderUserTurn(spec.instruction, spec.audio));
  out.append(RenderModelTurnOpener(spec.empty_thought_block));
  return out;
}

std::string RenderTextPrompt(std::string_view instruction) {
  PromptSpec spec;
  spec.instruction = std::string(instruction);
  return RenderPrompt(spec);
}

std::string StripThought(std::string_view text) {
  std::string out;
  // A close marker before any opener: the opener was in the prompt.
  const size_t first_open = text.find(kChannelOpen);
  const size_t first_close = text.find(kChannelClose);
  if (first_close != std::string_view::npos &&
      (first_open == std::string_view::npos || first_close < first_open)) {
    text = TrimLeft(text.substr(first_close + kChannelClose.size()));
  }
  while (!text.empty()) {
    const size_t open = text.find(kChannelOpen);
    if (open == std::string_view::npos) {
      out.append(text);
      break;
    }
    out.append(text.substr(0, open));
    const size_t close = text.find(kChannelClose, open + kChannelOpen.size());
    if (close == std::string_view::npos) break;  // unfinished thought: drop the rest
    text = TrimLeft(text.substr(close + kChannelClose.size()));
  }
  return out;
}

}  // namespace scribed::engine
