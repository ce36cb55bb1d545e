// Ctrl-C for long-running commands: the first SIGINT raises a flag that the
// work checks between clips (so what is finished can still be written), a
// second one ends the process at once.
#pragma once

#include <atomic>

namespace scribed::cli {

// Raised by SIGINT while an InterruptScope exists.
const std::atomic<bool>& InterruptFlag();

// Installs the SIGINT handler for its lifetime.
class InterruptScope {
 public:
  InterruptScope();
  ~InterruptScope();
  InterruptScope(const InterruptScope&) = delete;
  InterruptScope& operator=(const InterruptScope&) = delete;

 private:
  void (*previous_)(int);
};

}  // namespace scribed::cli
