// The compute pipelines of the Vulkan backend, built once per device from the
// SPIR-V embedded at build time (shaders/*.comp). All share one layout: up to
// kMaxBindings storage buffers set with push descriptors, and push constants.
//
// Thread-safe (immutable after construction).
#pragma once

#include <vulkan/vulkan.h>

#include <array>
#include <cstdint>
#include <optional>

#include "engine/backends/vulkan/vk_device.h"
#include "scribed/engine/tensor_type.h"

namespace scribed::engine::backend::vk {

enum class Kernel {
  kMatMulF32, kMatMulF16, kMatMulBF16, kMatMulQ8_0, kMatMulQ4_0, kMatMulQ4_K, kMatMulQ5_K,
  kMatMulQ6_K,
  kEmbedF32, kEmbedF16, kEmbedBF16, kEmbedQ8_0, kEmbedQ4_0, kEmbedQ4_K, kEmbedQ5_K, kEmbedQ6_K,
  kRmsNorm, kAddNormed, kGeluMul, kSoftcap, kAttention, kQkNormRopeStore,
  kAttentionF16, kQkNormRopeStoreF16,  // over a cache of IEEE halves
  kCopy,                               // the bandwidth probe (vk_bandwidth.h)
  kCount
};

inline constexpr uint32_t kMaxBindings = 8;
inline constexpr uint32_t kPushConstantBytes = 64;

// The matmul / embedding kernel of a weight type; nullopt for types the
// shaders do not decode (Q4_1, Q5_0, Q5_1, Q2_K, Q3_K).
std::optional<Kernel> MatMulKernel(TensorType type) noexcept;
std::optional<Kernel> EmbedKernel(TensorType type) noexcept;

class Kernels {
 public:
  explicit Kernels(const Device& device);
  ~Kernels();
  Kernels(const Kernels&) = delete;
  Kernels& operator=(const Kernels&) = delete;

  VkPipeline pipeline(Kernel k) const noexcept { return pipelines_[static_cast<size_t>(k)]; }
  VkPipelineLayout layout() const noexcept { return layout_; }

 private:
  const Device& device_;
  VkDescriptorSetLayout set_layout_ = VK_NULL_HANDLE;
  VkPipelineLayout layout_ = VK_NULL_HANDLE;
  std::array<VkPipeline, static_cast<size_t>(Kernel::kCount)> pipelines_{};
};

}  // namespace scribed::engine::backend::vk
