// The CPU backend: the Highway kernels of engine/kernels/ on host memory,
// parallelised over a per-session ThreadPool. Weights are used in place from
// the model's mapping (no copy); the KV cache is model::KvCache.
#pragma once

#include <memory>

#include "engine/backends/backend.h"

namespace scribed::engine::backend {

std::unique_ptr<Backend> NewCpuBackend();

}  // namespace scribed::engine::backend
