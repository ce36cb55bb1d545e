// How much memory this process can still take without pushing the machine
// into swap or its cgroup into the OOM killer.
#pragma once

#include <cstdint>
#include <optional>

namespace scribed::engine {

// The smaller of the kernel's MemAvailable estimate and, inside a cgroup v2
// with a memory limit (systemd's MemoryMax=, a container), the room left
// under that limit. nullopt when /proc/meminfo cannot be read.
std::optional<uint64_t> AvailableMemoryBytes();

}  // namespace scribed::engine
