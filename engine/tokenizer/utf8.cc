#include "engine/tokenizer/utf8.h"

#include <cstdint>

namespace scribed::engine::tokenizer {
namespace {

// Expected sequence length from the lead byte; 0 for bytes that cannot lead.
size_t LeadLength(uint8_t b) noexcept {
  if (b < 0x80) return 1;
  if (b >= 0xC2 && b <= 0xDF) return 2;
  if (b >= 0xE0 && b <= 0xEF) return 3;
  if (b >= 0xF0 && b <= 0xF4) return 4;
  return 0;  // continuation bytes, C0/C1 (overlong), F5..FF
}

// Allowed range of the second byte; the lead byte decides it so that
// overlongs, surrogates and values above U+10FFFF are rejected.
bool SecondByteOk(uint8_t lead, uint8_t b) noexcept {
  switch (lead) {
    case 0xE0:
      return b >= 0xA0 && b <= 0xBF;
    case 0xED:
      return b >= 0x80 && b <= 0x9F;
    case 0xF0:
      return b >= 0x90 && b <= 0xBF;
    case 0xF4:
      return b >= 0x80 && b <= 0x8F;
    default:
      return b >= 0x80 && b <= 0xBF;
  }
}

bool ContinuationOk(uint8_t b) noexcept { return b >= 0x80 && b <= 0xBF; }

// Number of bytes at s[pos..] (at most the expected length) that are
// consistent with a valid sequence.
size_t ValidPrefix(std::string_view s, size_t pos, size_t expected) noexcept {
  const auto lead = static_cast<uint8_t>(s[pos]);
  size_t n = 1;
  while (n < expected && pos + n < s.size()) {
    const auto b = static_cast<uint8_t>(s[pos + n]);
    if (!(n == 1 ? SecondByteOk(lead, b) : ContinuationOk(b))) break;
    ++n;
  }
  return n;
}

}  // namespace

size_t Utf8SequenceLength(std::string_view s, size_t pos) noexcept {
  if (pos >= s.size()) return 0;
  const size_t expected = LeadLength(static_cast<uint8_t>(s[pos]));
  if (expected == 0) return 0;
  return ValidPrefix(s, pos, expected) == expected ? expected : 0;
}

bool Utf8IsIncompletePrefix(std::string_view s, size_t pos) noexcept {
  if (pos >= s.size()) return false;
  const size_t expected = LeadLength(static_cast<uint8_t>(s[pos]));
  if (expected <= 1) return false;
  const size_t n = ValidPrefix(s, pos, expected);
  return n < expected && pos + n == s.size();
}

void AppendReplacementChar(std::string& out) { out.append("\xEF\xBF\xBD"); }

}  // namespace scribed::engine::tokenizer
