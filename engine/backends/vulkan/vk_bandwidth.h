// The bandwidth of a Vulkan device's own memory: what a decode step on it is
// bound by, as the host's copy bandwidth bounds a decode step on the CPU
// (`scribe bench model` divides it by the bytes of weights per token).
#pragma once

#include "engine/backends/vulkan/vk_device.h"
#include "engine/backends/vulkan/vk_kernels.h"

namespace scribed::engine::backend::vk {

// Bytes per second, read + written, of a shader copying one device-local
// buffer into another, both larger than a GPU's last-level cache: the median
// of a few copies after a warm-up one. Timed on the device (timestamp
// queries) where the queue has timestamps, else around each submission.
// Throws ModelError.
double MeasureCopyBandwidth(const Device& device, const Kernels& kernels);

}  // namespace scribed::engine::backend::vk
