// The Vulkan backend: weights in device-local buffers (uploaded once through
// a staging buffer), activations and the KV cache on the device, and the ops
// as compute shaders. A Context records every op of a forward pass into one
// command buffer and submits it when the host needs a result (Read), so a
// decode step is one submission; only the last position's logits come back.
#pragma once

#include <memory>
#include <vector>

#include "engine/backends/backend.h"
#include "scribed/engine/engine.h"

namespace scribed::engine::backend {

// Usable Vulkan devices (compute queue, push descriptors), discrete first.
std::vector<GpuInfo> ListVulkanDevices();

// Device `index` of ListVulkanDevices(). Throws ModelError.
std::unique_ptr<Backend> NewVulkanBackend(int index);

}  // namespace scribed::engine::backend
