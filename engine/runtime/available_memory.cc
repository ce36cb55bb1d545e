#include "engine/runtime/available_memory.h"

#include <algorithm>
#include <fstream>
#include <string>

namespace scribed::engine {
namespace {

std::optional<uint64_t> ReadNumber(const std::string& path) {
  std::ifstream in(path);
  uint64_t value = 0;
  if (!(in >> value)) return std::nullopt;  // also "max": no limit
  return value;
}

// Room under the memory limit of this process's cgroup (v2 only), if any.
std::optional<uint64_t> CgroupRoom() {
  std::ifstream self("/proc/self/cgroup");
  std::string line;
  while (std::getline(self, line)) {
    if (line.rfind("0::", 0) != 0) continue;
    const std::string dir = "/sys/fs/cgroup" + line.substr(3);
    const auto limit = ReadNumber(dir + "/memory.max");
    const auto used = ReadNumber(dir + "/memory.current");
    if (!limit || !used) return std::nullopt;
    return *limit > *used ? *limit - *used : 0;
  }
  return std::nullopt;
}

}  // namespace

std::optional<uint64_t> AvailableMemoryBytes() {
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  uint64_t kib = 0;
  std::string unit;
  std::optional<uint64_t> available;
  while (meminfo >> key >> kib) {
    std::getline(meminfo, unit);
    if (key == "MemAvailable:") {
      available = kib * 1024;
      break;
    }
  }
  if (!available) return std::nullopt;
  if (const auto room = CgroupRoom()) return std::min(*available, *room);
  return available;
}

}  // namespace scribed::engine
