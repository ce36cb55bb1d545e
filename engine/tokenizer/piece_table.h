// Token pieces stored in one buffer, with an open-addressing hash index from
// piece text to id. Holds no pointers into itself, so it copies and moves
// freely. Thread-safe after construction (read-only).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace scribed::engine::tokenizer {

class PieceTable {
 public:
  PieceTable() = default;
  // Id i is pieces[i]. When a piece occurs twice the lower id wins the index.
  explicit PieceTable(std::span<const std::string_view> pieces);

  size_t size() const noexcept { return offsets_.empty() ? 0 : offsets_.size() - 1; }
  // `id` must be in [0, size()).
  std::string_view Get(int32_t id) const noexcept {
    return {blob_.data() + offsets_[id], offsets_[id + 1] - offsets_[id]};
  }
  // -1 when absent.
  int32_t Find(std::string_view piece) const noexcept;

 private:
  static int32_t SlotId(uint64_t slot) noexcept {
    return static_cast<int32_t>(slot & 0xFFFFFFFFu) - 1;
  }

  std::vector<char> blob_;
  std::vector<uint32_t> offsets_;  // size() + 1 entries
  // Each slot: the hash's high 32 bits << 32 | (id + 1); 0 = empty. The hash
  // bits skip most piece comparisons (and their cache misses) on collisions.
  std::vector<uint64_t> slots_;  // size is a power of two
};

}  // namespace scribed::engine::tokenizer
