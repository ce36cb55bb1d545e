// Command pool, command buffer and fence: the unit of recording and submission
// on a Device. Begin opens a recording (or continues the open one), Flush
// submits it and waits.
//
// Thread-compatible.
#pragma once

#include <vulkan/vulkan.h>

#include "engine/backends/vulkan/vk_device.h"

namespace scribed::engine::backend::vk {

class Recorder {
 public:
  explicit Recorder(const Device& d);
  ~Recorder();
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  VkCommandBuffer Begin();
  bool recording() const noexcept { return recording_; }
  void Flush();
  // Makes every earlier transfer and shader write visible to later commands.
  void Barrier();

 private:
  const Device& device_;
  VkCommandPool pool_ = VK_NULL_HANDLE;
  VkCommandBuffer cb_ = VK_NULL_HANDLE;
  VkFence fence_ = VK_NULL_HANDLE;
  bool recording_ = false;
};

}  // namespace scribed::engine::backend::vk
