#include "clients/scribe/interrupt.h"

#include <csignal>

namespace scribed::cli {
namespace {

std::atomic<bool> g_interrupted{false};
static_assert(std::atomic<bool>::is_always_lock_free);  // safe in a signal handler

extern "C" void OnInterrupt(int) {
  g_interrupted.store(true);
  std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C ends the process at once
}

}  // namespace

const std::atomic<bool>& InterruptFlag() { return g_interrupted; }

InterruptScope::InterruptScope() : previous_(std::signal(SIGINT, OnInterrupt)) {}

InterruptScope::~InterruptScope() { std::signal(SIGINT, previous_); }

}  // namespace scribed::cli
