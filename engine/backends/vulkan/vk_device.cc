#include "engine/backends/vulkan/vk_device.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>

#include "scribed/engine/errors.h"

namespace scribed::engine::backend::vk {
namespace {

int TypeRank(VkPhysicalDeviceType t) {
  switch (t) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return 0;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return 1;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return 2;
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return 3;
    default: return 4;
  }
}

const char* KindName(VkPhysicalDeviceType t) {
  switch (t) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return "discrete";
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return "integrated";
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return "virtual";
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return "cpu";
    default: return "other";
  }
}

// The process's one instance, made on first use and never destroyed: every
// Device and listing shares it (the drivers load once), and the drivers stay
// loaded until exit -- destroying the last instance unloads them, after which
// LeakSanitizer can no longer name a driver's module in its reports, so its
// own allocations could not be told from ours (tests/sanitizers/lsan.supp).
// VK_NULL_HANDLE without a loader or driver.
VkInstance Instance() {
  static const VkInstance instance = [] {
    VkApplicationInfo app{VK_STRUCTURE_TYPE_APPLICATION_INFO};
    app.pApplicationName = "scribed";
    app.apiVersion = VK_API_VERSION_1_1;
    VkInstanceCreateInfo ci{VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
    ci.pApplicationInfo = &app;
    VkInstance created = VK_NULL_HANDLE;
    if (vkCreateInstance(&ci, nullptr, &created) != VK_SUCCESS) return VkInstance{VK_NULL_HANDLE};
    return created;
  }();
  return instance;
}

bool HasExtension(VkPhysicalDevice d, const char* name) {
  uint32_t n = 0;
  vkEnumerateDeviceExtensionProperties(d, nullptr, &n, nullptr);
  std::vector<VkExtensionProperties> ext(n);
  vkEnumerateDeviceExtensionProperties(d, nullptr, &n, ext.data());
  return std::any_of(ext.begin(), ext.end(),
                     [&](const VkExtensionProperties& e) { return std::strcmp(e.extensionName, name) == 0; });
}

std::vector<VkQueueFamilyProperties> QueueFamilies(VkPhysicalDevice d) {
  uint32_t n = 0;
  vkGetPhysicalDeviceQueueFamilyProperties(d, &n, nullptr);
  std::vector<VkQueueFamilyProperties> q(n);
  vkGetPhysicalDeviceQueueFamilyProperties(d, &n, q.data());
  return q;
}

std::optional<uint32_t> ComputeQueue(VkPhysicalDevice d) {
  const std::vector<VkQueueFamilyProperties> q = QueueFamilies(d);
  for (uint32_t i = 0; i < q.size(); ++i) {
    if (q[i].queueFlags & VK_QUEUE_COMPUTE_BIT) return i;
  }
  return std::nullopt;
}

// Usable devices (a compute queue and push descriptors) in ranking order.
std::vector<VkPhysicalDevice> Ranked(VkInstance instance) {
  uint32_t n = 0;
  vkEnumeratePhysicalDevices(instance, &n, nullptr);
  std::vector<VkPhysicalDevice> all(n);
  vkEnumeratePhysicalDevices(instance, &n, all.data());
  std::vector<VkPhysicalDevice> usable;
  for (VkPhysicalDevice d : all) {
    if (ComputeQueue(d) && HasExtension(d, VK_KHR_PUSH_DESCRIPTOR_EXTENSION_NAME)) usable.push_back(d);
  }
  std::stable_sort(usable.begin(), usable.end(), [](VkPhysicalDevice a, VkPhysicalDevice b) {
    VkPhysicalDeviceProperties pa, pb;
    vkGetPhysicalDeviceProperties(a, &pa);
    vkGetPhysicalDeviceProperties(b, &pb);
    return TypeRank(pa.deviceType) < TypeRank(pb.deviceType);
  });
  return usable;
}

GpuInfo Describe(VkPhysicalDevice d, int index) {
  VkPhysicalDeviceProperties p;
  vkGetPhysicalDeviceProperties(d, &p);
  VkPhysicalDeviceMemoryProperties m;
  vkGetPhysicalDeviceMemoryProperties(d, &m);
  GpuInfo g;
  g.index = index;
  g.name = p.deviceName;
  g.kind = KindName(p.deviceType);
  for (uint32_t i = 0; i < m.memoryHeapCount; ++i) {
    if (m.memoryHeaps[i].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT) g.memory_bytes += m.memoryHeaps[i].size;
  }
  return g;
}

}  // namespace

void Check(VkResult r, const char* what) {
  if (r != VK_SUCCESS) {
    throw ModelError(std::string("Vulkan: ") + what + " failed (VkResult " + std::to_string(r) +
                     (r == VK_ERROR_OUT_OF_DEVICE_MEMORY ? ", out of device memory" : "") + ")");
  }
}

std::vector<GpuInfo> Device::List() {
  const VkInstance instance = Instance();
  if (instance == VK_NULL_HANDLE) return {};
  std::vector<GpuInfo> out;
  int index = 0;
  for (VkPhysicalDevice d : Ranked(instance)) out.push_back(Describe(d, index++));
  return out;
}

Device::Device(int index) {
  const VkInstance instance = Instance();
  if (instance == VK_NULL_HANDLE) throw ModelError("Vulkan: no Vulkan loader or driver");
  const std::vector<VkPhysicalDevice> ranked = Ranked(instance);
  if (index < 0 || index >= static_cast<int>(ranked.size())) {
    throw ModelError("Vulkan: no device " + std::to_string(index));
  }
  physical_ = ranked[index];
  info_ = Describe(physical_, index);
  VkPhysicalDeviceProperties props;
  vkGetPhysicalDeviceProperties(physical_, &props);
  limits_ = props.limits;
  max_range_ = props.limits.maxStorageBufferRange;
  offset_alignment_ = std::max<VkDeviceSize>(props.limits.minStorageBufferOffsetAlignment, 16);
  vkGetPhysicalDeviceMemoryProperties(physical_, &memory_);
  queue_family_ = *ComputeQueue(physical_);
  timestamp_bits_ = QueueFamilies(physical_)[queue_family_].timestampValidBits;

  const float priority = 1.0f;
  VkDeviceQueueCreateInfo qi{VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
  qi.queueFamilyIndex = queue_family_;
  qi.queueCount = 1;
  qi.pQueuePriorities = &priority;
  const char* extensions[] = {VK_KHR_PUSH_DESCRIPTOR_EXTENSION_NAME};
  VkDeviceCreateInfo di{VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO};
  di.queueCreateInfoCount = 1;
  di.pQueueCreateInfos = &qi;
  di.enabledExtensionCount = 1;
  di.ppEnabledExtensionNames = extensions;
  Check(vkCreateDevice(physical_, &di, nullptr, &device_), "vkCreateDevice");
  vkGetDeviceQueue(device_, queue_family_, 0, &queue_);
  push_descriptor_ = reinterpret_cast<PFN_vkCmdPushDescriptorSetKHR>(
      vkGetDeviceProcAddr(device_, "vkCmdPushDescriptorSetKHR"));
}

Device::~Device() { vkDestroyDevice(device_, nullptr); }

DeviceBuffer Device::Create(VkDeviceSize bytes, bool host_visible) const {
  DeviceBuffer b;
  b.bytes = std::max<VkDeviceSize>(16, (bytes + 15) / 16 * 16);
  VkBufferCreateInfo bi{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
  bi.size = b.bytes;
  bi.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
             VK_BUFFER_USAGE_TRANSFER_DST_BIT;
  bi.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  Check(vkCreateBuffer(device_, &bi, nullptr, &b.buffer), "vkCreateBuffer");
  VkMemoryRequirements req;
  vkGetBufferMemoryRequirements(device_, b.buffer, &req);
  const VkMemoryPropertyFlags want =
      host_visible ? VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT
                   : VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT;
  uint32_t type = UINT32_MAX;
  for (uint32_t i = 0; i < memory_.memoryTypeCount; ++i) {
    if ((req.memoryTypeBits & (1u << i)) && (memory_.memoryTypes[i].propertyFlags & want) == want) {
      type = i;
      break;
    }
  }
  if (type == UINT32_MAX) {
    vkDestroyBuffer(device_, b.buffer, nullptr);
    throw ModelError("Vulkan: no suitable memory type");
  }
  VkMemoryAllocateInfo ai{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
  ai.allocationSize = req.size;
  ai.memoryTypeIndex = type;
  const VkResult r = vkAllocateMemory(device_, &ai, nullptr, &b.memory);
  if (r != VK_SUCCESS) {
    vkDestroyBuffer(device_, b.buffer, nullptr);
    Check(r, "vkAllocateMemory");
  }
  vkBindBufferMemory(device_, b.buffer, b.memory, 0);
  if (host_visible) Check(vkMapMemory(device_, b.memory, 0, VK_WHOLE_SIZE, 0, &b.mapped), "vkMapMemory");
  return b;
}

void Device::Destroy(DeviceBuffer& b) const noexcept {
  if (b.buffer != VK_NULL_HANDLE) vkDestroyBuffer(device_, b.buffer, nullptr);
  if (b.memory != VK_NULL_HANDLE) vkFreeMemory(device_, b.memory, nullptr);
  b = DeviceBuffer{};
}

void Device::SubmitAndWait(VkCommandBuffer cb, VkFence fence) const {
  VkSubmitInfo si{VK_STRUCTURE_TYPE_SUBMIT_INFO};
  si.commandBufferCount = 1;
  si.pCommandBuffers = &cb;
  {
    std::lock_guard lock(queue_mutex_);
    Check(vkQueueSubmit(queue_, 1, &si, fence), "vkQueueSubmit");
  }
  Check(vkWaitForFences(device_, 1, &fence, VK_TRUE, UINT64_MAX), "vkWaitForFences");
  Check(vkResetFences(device_, 1, &fence), "vkResetFences");
}

}  // namespace scribed::engine::backend::vk
