// An engine session that keeps the KV cache of a fixed prompt prefix (BOS +
// the instruction up to the variable part) and rewinds to it for every
// request, so the prefix is evaluated once instead of once per clip.
#pragma once

#include <memory>
#include <string>

#include "scribed/engine/engine.h"

namespace scribed::pipeline::stages {

// Thread-compatible.
class PrefixSession {
 public:
  PrefixSession(std::shared_ptr<const engine::Model> model, const engine::SessionOptions& options,
                std::string prefix_text);

  // Returns to the prefix and evaluates `rest` after it. When the cache can no
  // longer rewind (a sliding-window ring overwritten by a long request), the
  // session is rebuilt and the prefix evaluated again. Throws what
  // Session::Append throws.
  void Start(const engine::Prompt& rest);

  engine::Session& session() noexcept { return *session_; }
  int64_t prefix_tokens() const noexcept { return prefix_len_; }
  int reuses() const noexcept { return reuses_; }
  int rebuilds() const noexcept { return rebuilds_; }

 private:
  void Rebuild();

  std::shared_ptr<const engine::Model> model_;
  engine::SessionOptions options_;
  std::string prefix_;
  std::unique_ptr<engine::Session> session_;
  int64_t prefix_len_ = 0;
  bool fresh_ = false;  // the session holds exactly the prefix
  int reuses_ = 0;
  int rebuilds_ = 0;
};

}  // namespace scribed::pipeline::stages
