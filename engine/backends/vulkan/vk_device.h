// One physical device's logical device and compute queue, and buffers in its
// memory, on the process's Vulkan instance. Devices are ordered discrete, integrated,
// virtual, CPU (lavapipe); an index is a position in that order.
//
// Thread-safe: Submit serialises queue access; everything else is immutable
// after construction or per buffer.
#pragma once

#include <vulkan/vulkan.h>

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "scribed/engine/engine.h"

namespace scribed::engine::backend::vk {

// Throws ModelError naming the call when `r` is not VK_SUCCESS.
void Check(VkResult r, const char* what);

struct DeviceBuffer {
  VkBuffer buffer = VK_NULL_HANDLE;
  VkDeviceMemory memory = VK_NULL_HANDLE;
  VkDeviceSize bytes = 0;
  void* mapped = nullptr;  // set for host-visible buffers
};

class Device {
 public:
  static std::vector<GpuInfo> List();

  explicit Device(int index);
  ~Device();
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;

  const GpuInfo& info() const noexcept { return info_; }
  VkDevice device() const noexcept { return device_; }
  uint32_t queue_family() const noexcept { return queue_family_; }
  VkDeviceSize max_buffer_range() const noexcept { return max_range_; }
  VkDeviceSize offset_alignment() const noexcept { return offset_alignment_; }
  const VkPhysicalDeviceLimits& limits() const noexcept { return limits_; }
  PFN_vkCmdPushDescriptorSetKHR push_descriptor() const noexcept { return push_descriptor_; }
  // Valid bits of the compute queue's timestamps; 0: it has none.
  uint32_t timestamp_bits() const noexcept { return timestamp_bits_; }

  // Storage + transfer buffer of at least `bytes` (rounded up to 16).
  // host_visible: mapped, coherent host memory (staging); otherwise device-local.
  DeviceBuffer Create(VkDeviceSize bytes, bool host_visible) const;
  void Destroy(DeviceBuffer& b) const noexcept;

  // Submits `cb` and waits for it to finish.
  void SubmitAndWait(VkCommandBuffer cb, VkFence fence) const;

 private:
  VkPhysicalDevice physical_ = VK_NULL_HANDLE;
  VkDevice device_ = VK_NULL_HANDLE;
  VkQueue queue_ = VK_NULL_HANDLE;
  uint32_t queue_family_ = 0;
  uint32_t timestamp_bits_ = 0;
  VkPhysicalDeviceMemoryProperties memory_{};
  VkPhysicalDeviceLimits limits_{};
  VkDeviceSize max_range_ = 0;
  VkDeviceSize offset_alignment_ = 256;
  PFN_vkCmdPushDescriptorSetKHR push_descriptor_ = nullptr;
  GpuInfo info_;
  mutable std::mutex queue_mutex_;
};

}  // namespace scribed::engine::backend::vk
