// An audio file held in memory, read through a position like a file, for the
// decoders' custom I/O callbacks (libsndfile's virtual I/O, FFmpeg's
// AVIOContext).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

namespace scribed::audio::file {

struct MemoryFile {
  std::string bytes;
  int64_t pos = 0;

  int64_t size() const noexcept { return static_cast<int64_t>(bytes.size()); }

  // Copies up to `n` bytes from the position; 0 at the end.
  int64_t Read(void* dst, int64_t n) noexcept {
    const int64_t got = pos >= size() || n <= 0 ? 0 : std::min(n, size() - pos);
    if (got > 0) std::memcpy(dst, bytes.data() + pos, static_cast<size_t>(got));
    pos += got;
    return got;
  }

  // fseek semantics (SEEK_SET, SEEK_CUR, SEEK_END); the new position, or -1
  // for a position before the start. Past the end is allowed and reads 0.
  int64_t Seek(int64_t offset, int whence) noexcept {
    int64_t base = 0;
    if (whence == SEEK_CUR) {
      base = pos;
    } else if (whence == SEEK_END) {
      base = size();
    } else if (whence != SEEK_SET) {
      return -1;
    }
    // Offsets from a damaged header can be anything: no signed overflow.
    if ((offset > 0 && base > INT64_MAX - offset) || base + offset < 0) return -1;
    pos = base + offset;
    return pos;
  }
};

}  // namespace scribed::audio::file
