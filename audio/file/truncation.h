// Telling a stream that ended early from one that ended where its header said.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

namespace scribed::audio::file {

// The reason to report when `decoded` frames fall clearly short of the
// `announced` length: more than half a second and more than 1 % (encoder
// delay and padding account for a few thousand frames, never for that).
inline std::optional<std::string> ShortfallReason(int64_t decoded, int64_t announced, int rate) {
  if (announced <= 0 || rate <= 0) return std::nullopt;
  const int64_t tolerance = std::max<int64_t>(rate / 2, announced / 100);
  if (announced - decoded <= tolerance) return std::nullopt;
  char text[128];
  std::snprintf(text, sizeof text, "the stream ends at %.1f s of the %.1f s its header announces",
                static_cast<double>(decoded) / rate, static_cast<double>(announced) / rate);
  return std::string(text);
}

}  // namespace scribed::audio::file
