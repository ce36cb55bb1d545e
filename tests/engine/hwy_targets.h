// Runs a test body once per SIMD target compiled into the engine that this CPU
// supports, so every dispatch path gets the same checks.
#pragma once

#include <gtest/gtest.h>
#include <hwy/targets.h>

namespace scribed::engine::testing {

template <class F>
void ForEachTarget(const F& body) {
  for (const int64_t target : hwy::SupportedAndGeneratedTargets()) {
    hwy::SetSupportedTargetsForTest(target);
    SCOPED_TRACE(hwy::TargetName(target));
    body(target);
  }
  hwy::SetSupportedTargetsForTest(0);
}

}  // namespace scribed::engine::testing
