#include "engine/backends/select.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <stdexcept>

#include "engine/backends/cpu/cpu_backend.h"
#include "scribed/engine/errors.h"
#ifdef SCRIBED_HAVE_VULKAN
#include "engine/backends/vulkan/vulkan_backend.h"
#endif

namespace scribed::engine {
namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string GiB(uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f GiB", static_cast<double>(bytes) / (1ull << 30));
  return buf;
}

// Activations, the KV cache of a few thousand positions and the driver's own
// allocations need room beside the weights.
uint64_t NeededBytes(uint64_t weight_bytes) { return weight_bytes + weight_bytes / 10 + (512ull << 20); }

const GpuInfo* Find(const std::vector<GpuInfo>& gpus, const std::string& want) {
  if (want.empty()) return gpus.empty() ? nullptr : &gpus.front();
  int index = -1;
  const auto [end, ec] = std::from_chars(want.data(), want.data() + want.size(), index);
  if (ec == std::errc() && end == want.data() + want.size()) {
    for (const GpuInfo& g : gpus) {
      if (g.index == index) return &g;
    }
    return nullptr;
  }
  for (const GpuInfo& g : gpus) {
    if (Lower(g.name).find(Lower(want)) != std::string::npos) return &g;
  }
  return nullptr;
}

// What kAuto picks: the first GPU (discrete ones come first) that is not a
// CPU implementation of Vulkan and holds the weights with room to spare.
const GpuInfo* AutoGpu(const std::vector<GpuInfo>& gpus, uint64_t weight_bytes) {
  for (const GpuInfo& g : gpus) {
    if (g.kind != "cpu" && g.memory_bytes >= NeededBytes(weight_bytes)) return &g;
  }
  return nullptr;
}

}  // namespace

BackendChoice ParseBackendChoice(std::string_view name) {
  if (name == "cpu") return BackendChoice::kCpu;
  if (name == "vulkan") return BackendChoice::kVulkan;
  if (name == "auto") return BackendChoice::kAuto;
  throw std::invalid_argument("unknown backend \"" + std::string(name) +
                              "\"; choose cpu, vulkan or auto");
}

bool VulkanBuilt() noexcept {
#ifdef SCRIBED_HAVE_VULKAN
  return true;
#else
  return false;
#endif
}

std::vector<GpuInfo> ListGpus() {
#ifdef SCRIBED_HAVE_VULKAN
  return backend::ListVulkanDevices();
#else
  return {};
#endif
}

namespace backend {

bool RunsOnCpu(BackendChoice choice, uint64_t weight_bytes) {
  if (choice != BackendChoice::kAuto) return choice == BackendChoice::kCpu;
  return !VulkanBuilt() || AutoGpu(ListGpus(), weight_bytes) == nullptr;
}

std::unique_ptr<Backend> CreateBackend(BackendChoice choice, const std::string& gpu_device,
                                       uint64_t weight_bytes) {
  if (choice == BackendChoice::kCpu) return NewCpuBackend();
  if (!VulkanBuilt()) {
    if (choice == BackendChoice::kAuto) return NewCpuBackend();
    throw ModelError("this build of scribed has no Vulkan backend (it needs the Vulkan headers "
                     "and glslc at build time); use --backend cpu");
  }
  const std::vector<GpuInfo> gpus = ListGpus();
  if (choice == BackendChoice::kAuto) {
#ifdef SCRIBED_HAVE_VULKAN
    if (const GpuInfo* g = AutoGpu(gpus, weight_bytes)) return NewVulkanBackend(g->index);
#endif
    return NewCpuBackend();
  }
  if (gpus.empty()) {
    throw ModelError("no Vulkan device found (is a Vulkan driver installed? `scribe devices "
                     "--gpu` lists what is visible); use --backend cpu");
  }
  const GpuInfo* g = Find(gpus, gpu_device);
  if (g == nullptr) {
    throw ModelError("no Vulkan device matches \"" + gpu_device +
                     "\"; `scribe devices --gpu` lists them");
  }
  if (g->memory_bytes < NeededBytes(weight_bytes)) {
    throw ModelError("the model does not fit on " + g->name + ": it needs about " +
                     GiB(NeededBytes(weight_bytes)) + " of device memory, the device has " +
                     GiB(g->memory_bytes) + "; use a smaller quantization or --backend cpu");
  }
#ifdef SCRIBED_HAVE_VULKAN
  return NewVulkanBackend(g->index);
#else
  return NewCpuBackend();
#endif
}

}  // namespace backend
}  // namespace scribed::engine
