#include "engine/tokenizer/merge_table.h"

#include <algorithm>
#include <bit>

namespace scribed::engine::tokenizer {

MergeTable::MergeTable(size_t expected_count) {
  const size_t capacity = std::bit_ceil(std::max<size_t>(2 * expected_count, 16));
  slots_.assign(capacity, Slot{});
  shift_ = 64 - std::countr_zero(capacity);
}

void MergeTable::Grow() {
  std::vector<Slot> old = std::move(slots_);
  const size_t capacity = std::max<size_t>(old.size() * 2, 16);
  slots_.assign(capacity, Slot{});
  shift_ = 64 - std::countr_zero(capacity);
  count_ = 0;
  for (const Slot& s : old) {
    if (s.key != kEmpty) {
      Add(static_cast<int32_t>(s.key >> 32), static_cast<int32_t>(s.key & 0xFFFFFFFFu), s.merge);
    }
  }
}

void MergeTable::Add(int32_t left, int32_t right, Merge merge) {
  if (2 * (count_ + 1) > slots_.size()) Grow();
  const uint64_t key = Key(left, right);
  const size_t mask = slots_.size() - 1;
  for (size_t i = Home(key);; i = (i + 1) & mask) {
    if (slots_[i].key == key) return;
    if (slots_[i].key == kEmpty) {
      slots_[i] = Slot{key, merge};
      ++count_;
      return;
    }
  }
}

const MergeTable::Merge* MergeTable::Find(int32_t left, int32_t right) const noexcept {
  if (slots_.empty()) return nullptr;
  const uint64_t key = Key(left, right);
  const size_t mask = slots_.size() - 1;
  for (size_t i = Home(key); slots_[i].key != kEmpty; i = (i + 1) & mask) {
    if (slots_[i].key == key) return &slots_[i].merge;
  }
  return nullptr;
}

}  // namespace scribed::engine::tokenizer
