#include "engine/backends/vulkan/vk_recorder.h"

namespace scribed::engine::backend::vk {

Recorder::Recorder(const Device& d) : device_(d) {
  VkCommandPoolCreateInfo pi{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
  pi.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
  pi.queueFamilyIndex = d.queue_family();
  Check(vkCreateCommandPool(d.device(), &pi, nullptr, &pool_), "vkCreateCommandPool");
  VkCommandBufferAllocateInfo ai{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
  ai.commandPool = pool_;
  ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  ai.commandBufferCount = 1;
  VkFenceCreateInfo fi{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
  try {
    Check(vkAllocateCommandBuffers(d.device(), &ai, &cb_), "vkAllocateCommandBuffers");
    Check(vkCreateFence(d.device(), &fi, nullptr, &fence_), "vkCreateFence");
  } catch (...) {
    vkDestroyCommandPool(d.device(), pool_, nullptr);
    throw;
  }
}

Recorder::~Recorder() {
  vkDestroyFence(device_.device(), fence_, nullptr);
  vkDestroyCommandPool(device_.device(), pool_, nullptr);
}

VkCommandBuffer Recorder::Begin() {
  if (!recording_) {
    VkCommandBufferBeginInfo bi{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
    bi.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
    Check(vkBeginCommandBuffer(cb_, &bi), "vkBeginCommandBuffer");
    recording_ = true;
  }
  return cb_;
}

void Recorder::Flush() {
  if (!recording_) return;
  recording_ = false;
  Check(vkEndCommandBuffer(cb_), "vkEndCommandBuffer");
  device_.SubmitAndWait(cb_, fence_);
  Check(vkResetCommandBuffer(cb_, 0), "vkResetCommandBuffer");
}

void Recorder::Barrier() {
  VkMemoryBarrier mb{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
  mb.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
  mb.dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT |
                     VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT |
                     VK_ACCESS_HOST_READ_BIT;
  const VkPipelineStageFlags stages =
      VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT;
  vkCmdPipelineBarrier(cb_, stages, stages | VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &mb, 0, nullptr, 0,
                       nullptr);
}

}  // namespace scribed::engine::backend::vk
