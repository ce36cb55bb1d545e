#include "pipeline/stages/prefix_session.h"

namespace scribed::pipeline::stages {

PrefixSession::PrefixSession(std::shared_ptr<const engine::Model> model,
                             const engine::SessionOptions& options, std::string prefix_text)
    : model_(std::move(model)), options_(options), prefix_(std::move(prefix_text)) {
  Rebuild();
  rebuilds_ = 0;
}

void PrefixSession::Rebuild() {
  session_ = std::make_unique<engine::Session>(model_, options_);
  session_->Append(engine::Prompt().Bos().Text(prefix_));
  prefix_len_ = session_->n_past();
  fresh_ = true;
  ++rebuilds_;
}

void PrefixSession::Start(const engine::Prompt& rest) {
  if (!fresh_) {
    if (session_->Rewind(prefix_len_)) {
      ++reuses_;
    } else {
      Rebuild();
    }
  }
  fresh_ = false;
  session_->Append(rest);
}

}  // namespace scribed::pipeline::stages
