// CRC-32C (Castagnoli), the checksum of journal records.
#pragma once

#include <cstdint>
#include <string_view>

namespace scribed::daemon {

// Extends `crc` (0 to start) over `data`. Thread-safe.
uint32_t Crc32c(std::string_view data, uint32_t crc = 0) noexcept;

}  // namespace scribed::daemon
