// BPE merge ranks keyed by the pair of token ids, in an open-addressing hash
// table (one flat array; half a million merges load without per-entry
// allocations). Thread-safe after construction (read-only).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace scribed::engine::tokenizer {

class MergeTable {
 public:
  struct Merge {
    int32_t rank;    // lower merges first
    int32_t result;  // id of the merged piece
  };

  MergeTable() = default;
  explicit MergeTable(size_t expected_count);

  // Keeps the first (lowest-rank) entry when a pair is added twice.
  void Add(int32_t left, int32_t right, Merge merge);
  // nullptr when the pair never merges.
  const Merge* Find(int32_t left, int32_t right) const noexcept;
  size_t size() const noexcept { return count_; }

 private:
  static constexpr uint64_t kEmpty = ~uint64_t{0};
  struct Slot {
    uint64_t key = kEmpty;
    Merge merge{};
  };
  static uint64_t Key(int32_t left, int32_t right) noexcept {
    return (uint64_t{static_cast<uint32_t>(left)} << 32) | static_cast<uint32_t>(right);
  }
  size_t Home(uint64_t key) const noexcept {
    // Fibonacci hashing: the high bits of the product are well mixed.
    return static_cast<size_t>((key * 0x9E3779B97F4A7C15ULL) >> shift_);
  }
  void Grow();

  std::vector<Slot> slots_;
  size_t count_ = 0;
  int shift_ = 64;
};

}  // namespace scribed::engine::tokenizer
