#include "engine/backends/vulkan/vk_bandwidth.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <vector>

#include "engine/backends/vulkan/vk_recorder.h"
#include "scribed/engine/errors.h"

namespace scribed::engine::backend::vk {
namespace {

// Twice the largest last-level caches of current GPUs (96-128 MiB), so the
// copy streams from memory; devices with less memory or a smaller buffer
// range (lavapipe's is 128 MiB) get less.
constexpr VkDeviceSize kMostBytes = 256ull << 20;
constexpr VkDeviceSize kLeastBytes = 1ull << 20;
constexpr int kCopies = 5;
constexpr uint32_t kGroupSize = 256;  // copy.comp
constexpr uint32_t kMaxGroups = 65535;

// A device buffer released with its scope.
struct Owned {
  const Device& device;
  DeviceBuffer b;
  ~Owned() { device.Destroy(b); }
};

void RecordCopy(const Device& device, const Kernels& kernels, VkCommandBuffer cb,
                const DeviceBuffer& src, const DeviceBuffer& dst) {
  const uint32_t count = static_cast<uint32_t>(src.bytes / 16);
  VkDescriptorBufferInfo infos[2] = {{src.buffer, 0, VK_WHOLE_SIZE}, {dst.buffer, 0, VK_WHOLE_SIZE}};
  VkWriteDescriptorSet writes[2];
  for (uint32_t i = 0; i < 2; ++i) {
    writes[i] = VkWriteDescriptorSet{VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
    writes[i].dstBinding = i;
    writes[i].descriptorCount = 1;
    writes[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
    writes[i].pBufferInfo = &infos[i];
  }
  vkCmdBindPipeline(cb, VK_PIPELINE_BIND_POINT_COMPUTE, kernels.pipeline(Kernel::kCopy));
  device.push_descriptor()(cb, VK_PIPELINE_BIND_POINT_COMPUTE, kernels.layout(), 0, 2, writes);
  vkCmdPushConstants(cb, kernels.layout(), VK_SHADER_STAGE_COMPUTE_BIT, 0, sizeof count, &count);
  vkCmdDispatch(cb, std::min(kMaxGroups, (count + kGroupSize - 1) / kGroupSize), 1, 1);
}

// Gives the source real pages of its own: on a device whose memory is host
// memory (lavapipe), untouched pages all map the one zero page, which would be
// read from the cache.
void RecordFill(Recorder& recorder, const DeviceBuffer& src) {
  vkCmdFillBuffer(recorder.Begin(), src.buffer, 0, VK_WHOLE_SIZE, 0x9E3779B9u);
  recorder.Barrier();
}

// Seconds of each copy from timestamps written on the device around it.
std::vector<double> TimeOnDevice(const Device& device, const Kernels& kernels, Recorder& recorder,
                                 const DeviceBuffer& src, const DeviceBuffer& dst) {
  VkQueryPoolCreateInfo qi{VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO};
  qi.queryType = VK_QUERY_TYPE_TIMESTAMP;
  qi.queryCount = 2 * kCopies;
  VkQueryPool pool = VK_NULL_HANDLE;
  Check(vkCreateQueryPool(device.device(), &qi, nullptr, &pool), "vkCreateQueryPool");
  struct PoolGuard {
    const Device& device;
    VkQueryPool pool;
    ~PoolGuard() { vkDestroyQueryPool(device.device(), pool, nullptr); }
  } guard{device, pool};

  const VkCommandBuffer cb = recorder.Begin();
  vkCmdResetQueryPool(cb, pool, 0, 2 * kCopies);
  RecordFill(recorder, src);
  RecordCopy(device, kernels, cb, src, dst);  // warm-up: first touch of the pages, clocks up
  recorder.Barrier();
  for (uint32_t i = 0; i < kCopies; ++i) {
    // Bottom of pipe for both: each is written once everything before it is
    // done, so a copy's interval holds that copy and nothing else.
    vkCmdWriteTimestamp(cb, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, pool, 2 * i);
    RecordCopy(device, kernels, cb, src, dst);
    vkCmdWriteTimestamp(cb, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, pool, 2 * i + 1);
    recorder.Barrier();
  }
  recorder.Flush();

  std::vector<uint64_t> ticks(2 * kCopies);
  Check(vkGetQueryPoolResults(device.device(), pool, 0, 2 * kCopies, ticks.size() * sizeof(uint64_t),
                              ticks.data(), sizeof(uint64_t),
                              VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT),
        "vkGetQueryPoolResults");
  const uint32_t bits = device.timestamp_bits();
  const uint64_t mask = bits >= 64 ? ~0ull : (1ull << bits) - 1;  // counters wrap at `bits`
  const double ns_per_tick = device.limits().timestampPeriod;
  std::vector<double> seconds;
  for (int i = 0; i < kCopies; ++i) {
    const uint64_t elapsed = (ticks[2 * i + 1] - ticks[2 * i]) & mask;
    seconds.push_back(static_cast<double>(elapsed) * ns_per_tick * 1e-9);
  }
  return seconds;
}

// Seconds of each copy, one submission each, timed on the host.
std::vector<double> TimeOnHost(const Device& device, const Kernels& kernels, Recorder& recorder,
                               const DeviceBuffer& src, const DeviceBuffer& dst) {
  using Clock = std::chrono::steady_clock;
  std::vector<double> seconds;
  RecordFill(recorder, src);
  for (int i = -1; i < kCopies; ++i) {  // i = -1: the warm-up copy
    RecordCopy(device, kernels, recorder.Begin(), src, dst);
    const auto t0 = Clock::now();
    recorder.Flush();
    const std::chrono::duration<double> took = Clock::now() - t0;
    if (i >= 0) seconds.push_back(took.count());
  }
  return seconds;
}

}  // namespace

double MeasureCopyBandwidth(const Device& device, const Kernels& kernels) {
  const VkDeviceSize bytes =
      std::min({kMostBytes, device.max_buffer_range(), device.info().memory_bytes / 8}) / 16 * 16;
  if (bytes < kLeastBytes) throw ModelError("Vulkan: too little device memory to measure its bandwidth");
  Owned src{device, device.Create(bytes, false)};
  Owned dst{device, device.Create(bytes, false)};
  Recorder recorder(device);
  std::vector<double> seconds = device.timestamp_bits() > 0
                                    ? TimeOnDevice(device, kernels, recorder, src.b, dst.b)
                                    : TimeOnHost(device, kernels, recorder, src.b, dst.b);
  std::sort(seconds.begin(), seconds.end());
  const double median = seconds[seconds.size() / 2];
  if (!(median > 0)) throw ModelError("Vulkan: the bandwidth probe's copies took no time");
  return 2.0 * static_cast<double>(src.b.bytes) / median;
}

}  // namespace scribed::engine::backend::vk
