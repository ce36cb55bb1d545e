#include "engine/tokenizer/piece_table.h"

#include <bit>
#include <functional>
#include <limits>
#include <stdexcept>

namespace scribed::engine::tokenizer {

PieceTable::PieceTable(std::span<const std::string_view> pieces) {
  size_t total = 0;
  for (std::string_view p : pieces) total += p.size();
  if (total > std::numeric_limits<uint32_t>::max()) {
    throw std::length_error("token pieces exceed 4 GiB in total");
  }
  blob_.reserve(total);
  offsets_.reserve(pieces.size() + 1);
  offsets_.push_back(0);
  for (std::string_view p : pieces) {
    blob_.insert(blob_.end(), p.begin(), p.end());
    offsets_.push_back(static_cast<uint32_t>(blob_.size()));
  }
  // Load factor at most 1/2 keeps probe sequences short.
  slots_.assign(std::bit_ceil(std::max<size_t>(2 * pieces.size(), 16)), 0);
  const size_t mask = slots_.size() - 1;
  for (size_t id = 0; id < pieces.size(); ++id) {
    const uint64_t h = std::hash<std::string_view>{}(pieces[id]);
    const uint64_t tag = h & 0xFFFFFFFF00000000ULL;
    size_t i = h & mask;
    bool duplicate = false;
    for (; slots_[i] != 0; i = (i + 1) & mask) {
      if ((slots_[i] & 0xFFFFFFFF00000000ULL) == tag && Get(SlotId(slots_[i])) == pieces[id]) {
        duplicate = true;
        break;
      }
    }
    if (!duplicate) slots_[i] = tag | (id + 1);
  }
}

int32_t PieceTable::Find(std::string_view piece) const noexcept {
  if (slots_.empty()) return -1;
  const uint64_t h = std::hash<std::string_view>{}(piece);
  const uint64_t tag = h & 0xFFFFFFFF00000000ULL;
  const size_t mask = slots_.size() - 1;
  for (size_t i = h & mask; slots_[i] != 0; i = (i + 1) & mask) {
    if ((slots_[i] & 0xFFFFFFFF00000000ULL) == tag && Get(SlotId(slots_[i])) == piece) {
      return SlotId(slots_[i]);
    }
  }
  return -1;
}

}  // namespace scribed::engine::tokenizer
