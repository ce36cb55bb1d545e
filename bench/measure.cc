#include "bench/measure.h"

#include <cstring>

namespace scribed::bench {
namespace {

constexpr size_t kCopyBytes = size_t{1} << 30;

}  // namespace

Buffer::Buffer(size_t n, engine::ThreadPool& pool) : data(new uint8_t[n]), size(n) {
  constexpr int64_t kChunk = 1 << 22;
  const int64_t chunks = static_cast<int64_t>((n + kChunk - 1) / kChunk);
  uint8_t* p = data.get();
  pool.ParallelFor(chunks, [&](int64_t c, int) {
    const size_t begin = static_cast<size_t>(c * kChunk);
    std::memset(p + begin, 0, std::min<size_t>(kChunk, n - begin));
  });
}

// The source gets random bytes: pages of zeros may be shared copies of one
// physical page (kernel same-page merging), which would read from cache.
CopyBandwidth::CopyBandwidth(engine::ThreadPool& pool)
    : pool_(pool), src_(kCopyBytes, pool), dst_(kCopyBytes, pool) {
  constexpr int64_t kChunk = 1 << 22;
  pool.ParallelFor(static_cast<int64_t>(kCopyBytes / kChunk), [&](int64_t c, int) {
    uint64_t s = 0x9E3779B97F4A7C15ULL * static_cast<uint64_t>(c + 1);
    uint8_t* p = src_.data.get() + c * kChunk;
    for (int64_t i = 0; i < kChunk; i += 8) {
      s ^= s << 13;
      s ^= s >> 7;
      s ^= s << 17;
      std::memcpy(p + i, &s, 8);
    }
  });
}

double CopyBandwidth::Measure(double min_seconds) {
  const int64_t parts = pool_.size() * 16;
  const size_t part = kCopyBytes / static_cast<size_t>(parts);
  auto copy = [&] {
    pool_.ParallelFor(parts, [&](int64_t i, int) {
      std::memcpy(dst_.data.get() + i * part, src_.data.get() + i * part, part);
    });
  };
  copy();  // warm-up
  return 2.0 * static_cast<double>(kCopyBytes) / MedianSeconds(5, min_seconds, copy) / 1e9;
}

}  // namespace scribed::bench
