// Picks and creates the backend a model runs on (LoadOptions::backend).
#pragma once

#include <memory>
#include <string>

#include "engine/backends/backend.h"
#include "scribed/engine/engine.h"

namespace scribed::engine::backend {

// weight_bytes: what the model's matrices and tensors take on a device.
// Throws ModelError when kVulkan finds no device, no device matching
// `gpu_device`, or one too small for the model.
// Whether CreateBackend(choice, …, weight_bytes) makes the CPU backend: always
// for kCpu, never for kVulkan, and for kAuto when no GPU holds the weights.
bool RunsOnCpu(BackendChoice choice, uint64_t weight_bytes);

std::unique_ptr<Backend> CreateBackend(BackendChoice choice, const std::string& gpu_device,
                                       uint64_t weight_bytes);

}  // namespace scribed::engine::backend
