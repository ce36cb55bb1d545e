#include "engine/tokenizer/tokenizer.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <queue>
#include <stdexcept>
#include <string>

#include "engine/tokenizer/tokenizer_views.h"
#include "engine/tokenizer/utf8.h"

namespace scribed::engine::tokenizer {
namespace {

constexpr std::string_view kSpaceMark = "\xE2\x96\x81";  // U+2581, SentencePiece's space

// "<0xAB>" -> 0xAB; -1 when the piece has another form.
int ParseBytePiece(std::string_view piece) noexcept {
  if (piece.size() != 6 || piece.substr(0, 3) != "<0x" || piece[5] != '>') return -1;
  int value = 0;
  for (char c : piece.substr(3, 2)) {
    int digit;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'A' && c <= 'F') {
      digit = c - 'A' + 10;
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else {
      return -1;
    }
    value = value * 16 + digit;
  }
  return value;
}

// Shortens a piece for error messages.
std::string Quote(std::string_view s) {
  constexpr size_t kMax = 40;
  std::string out = "'";
  out.append(s.substr(0, kMax));
  if (s.size() > kMax) out.append("...");
  out.append("'");
  return out;
}

bool IsMarkerType(TokenType t) noexcept {
  return t == TokenType::kControl || t == TokenType::kUserDefined || t == TokenType::kUnknown;
}

}  // namespace

Tokenizer::Tokenizer(const TokenizerData& data) {
  const std::vector<std::string_view> tokens(data.tokens.begin(), data.tokens.end());
  const std::vector<std::string_view> merges(data.merges.begin(), data.merges.end());
  Init({data.source, tokens, data.scores, data.types, merges, data.bos_id, data.eos_id, data.unk_id,
        data.pad_id, data.extra_eog_ids, data.suppress_tokens, data.add_bos});
}

void Tokenizer::Init(const Views& v) {
  add_bos_ = v.add_bos;
  const std::string src(v.source);
  auto fail = [&](const std::string& msg) { throw TokenizerError(src + ": " + msg); };

  const size_t n = v.tokens.size();
  if (n == 0) fail("empty vocabulary (tokens)");
  if (n > static_cast<size_t>(INT32_MAX)) fail("vocabulary too large");
  if (!v.scores.empty() && v.scores.size() != n) {
    fail("scores has " + std::to_string(v.scores.size()) + " entries, tokens " + std::to_string(n));
  }
  if (!v.types.empty() && v.types.size() != n) {
    fail("token_type has " + std::to_string(v.types.size()) + " entries, tokens " +
         std::to_string(n));
  }
  pieces_ = PieceTable(v.tokens);
  scores_.assign(v.scores.begin(), v.scores.end());
  if (v.types.empty()) {
    types_.assign(n, TokenType::kNormal);
  } else {
    types_.assign(v.types.begin(), v.types.end());
  }

  const auto vocab = static_cast<int32_t>(n);
  auto check_id = [&](int32_t id, const char* what, bool optional) {
    if ((optional && id == -1) || (id >= 0 && id < vocab)) return;
    fail(std::string(what) + " id " + std::to_string(id) + " outside vocabulary of " +
         std::to_string(vocab));
  };
  check_id(v.bos_id, "bos", true);
  check_id(v.eos_id, "eos", true);
  check_id(v.unk_id, "unknown", true);
  check_id(v.pad_id, "padding", true);
  bos_id_ = v.bos_id;
  eos_id_ = v.eos_id;
  unk_id_ = v.unk_id;
  pad_id_ = v.pad_id;
  if (eos_id_ >= 0) eog_ids_.push_back(eos_id_);
  for (int32_t id : v.extra_eog_ids) {
    check_id(id, "end-of-generation", false);
    if (std::find(eog_ids_.begin(), eog_ids_.end(), id) == eog_ids_.end()) eog_ids_.push_back(id);
  }
  for (int32_t id : v.suppress_tokens) check_id(id, "suppress_tokens", false);
  suppress_tokens_.assign(v.suppress_tokens.begin(), v.suppress_tokens.end());

  std::fill(std::begin(byte_ids_), std::end(byte_ids_), -1);
  for (int32_t id = 0; id < vocab; ++id) {
    const auto t = static_cast<int32_t>(types_[id]);
    if (t < 0 || t > static_cast<int32_t>(TokenType::kByte)) {
      fail("token_type of token " + std::to_string(id) + " is " + std::to_string(t) +
           ", expected 0..6");
    }
    if (types_[id] == TokenType::kByte) {
      const int b = ParseBytePiece(pieces_.Get(id));
      if (b < 0) {
        fail("byte token " + std::to_string(id) + " " + Quote(pieces_.Get(id)) +
             " is not of the form <0xXX>");
      }
      if (byte_ids_[b] < 0) byte_ids_[b] = id;
    } else if (IsMarkerType(types_[id]) && !pieces_.Get(id).empty()) {
      special_ids_.push_back(id);
    }
  }
  for (int c = 0; c < 128; ++c) ascii_ids_[c] = pieces_.Find(std::string(1, static_cast<char>(c)));
  for (int b = 0; b < 256; ++b) {
    if (byte_ids_[b] >= 0) continue;
    if (unk_id_ < 0) {
      fail("no byte token for byte " + std::to_string(b) + " and no unknown token to fall back to");
    }
    byte_ids_[b] = unk_id_;
  }
  // Longest first, so that a marker containing another one wins (as llama.cpp does).
  std::stable_sort(special_ids_.begin(), special_ids_.end(), [&](int32_t a, int32_t b) {
    return pieces_.Get(a).size() > pieces_.Get(b).size();
  });

  merges_ = MergeTable(v.merges.size());
  std::string joined;
  for (size_t rank = 0; rank < v.merges.size(); ++rank) {
    const std::string_view m = v.merges[rank];
    auto merge_fail = [&](const std::string& msg) {
      fail("merge " + std::to_string(rank) + " (" + Quote(m) + "): " + msg);
    };
    // Split at the first space after the first character: pieces hold no
    // plain space (U+2581 stands for it) except possibly a lone " " piece.
    const size_t sep = m.size() < 2 ? std::string_view::npos : m.find(' ', 1);
    if (sep == std::string_view::npos || sep + 1 >= m.size()) merge_fail("not 'left right'");
    const std::string_view left = m.substr(0, sep);
    const std::string_view right = m.substr(sep + 1);
    const int32_t l = pieces_.Find(left);
    if (l < 0) merge_fail("unknown left piece " + Quote(left));
    const int32_t r = pieces_.Find(right);
    if (r < 0) merge_fail("unknown right piece " + Quote(right));
    joined.assign(left).append(right);
    const int32_t result = pieces_.Find(joined);
    if (result < 0) merge_fail("merged piece " + Quote(joined) + " is not in the vocabulary");
    merges_.Add(l, r, {static_cast<int32_t>(rank), result});
  }
}

std::vector<int32_t> Tokenizer::Encode(std::string_view text, bool parse_special) const {
  // Cut out marker tokens: each marker in turn (longest first) splits the
  // text fragments that are still plain.
  struct Fragment {
    size_t begin, end;
    int32_t id;  // >= 0: a marker token
  };
  std::vector<Fragment> frags{{0, text.size(), -1}};
  std::vector<Fragment> next;
  for (int32_t sid : special_ids_) {
    if (!parse_special && types_[sid] != TokenType::kUserDefined) continue;
    const std::string_view marker = pieces_.Get(sid);
    if (text.find(marker) == std::string_view::npos) continue;
    next.clear();
    for (const Fragment& f : frags) {
      if (f.id >= 0) {
        next.push_back(f);
        continue;
      }
      const std::string_view region = text.substr(0, f.end);
      size_t pos = f.begin;
      for (size_t hit; (hit = region.find(marker, pos)) != std::string_view::npos;) {
        if (hit > pos) next.push_back({pos, hit, -1});
        next.push_back({hit, hit + marker.size(), sid});
        pos = hit + marker.size();
      }
      if (pos < f.end) next.push_back({pos, f.end, -1});
    }
    frags.swap(next);
  }

  std::vector<int32_t> out;
  out.reserve(text.size() / 3 + 4);
  for (const Fragment& f : frags) {
    if (f.id >= 0) {
      out.push_back(f.id);
    } else {
      EncodeText(text.substr(f.begin, f.end - f.begin), out);
    }
  }
  return out;
}

void Tokenizer::EncodeText(std::string_view text, std::vector<int32_t>& out) const {
  std::string run;
  size_t pos = 0;
  while (pos < text.size()) {
    const bool newline = text[pos] == '\n';
    size_t end = pos;
    while (end < text.size() && (text[end] == '\n') == newline) ++end;
    const std::string_view chunk = text.substr(pos, end - pos);
    pos = end;
    if (newline) {
      const int32_t id = pieces_.Find(chunk);
      if (id >= 0) {
        out.push_back(id);
      } else {
        EncodeRun(chunk, out);
      }
      continue;
    }
    run.clear();
    for (char c : chunk) {
      if (c == ' ') {
        run.append(kSpaceMark);
      } else {
        run.push_back(c);
      }
    }
    EncodeRun(run, out);
  }
}

void Tokenizer::EncodeRun(std::string_view run, std::vector<int32_t>& out) const {
  // Symbols form a linked list over the run's characters; merging keeps the
  // left symbol and unlinks the right one.
  struct Symbol {
    uint32_t begin, len;
    int32_t id;  // -1: a character outside the vocabulary
    int32_t prev, next;
  };
  if (run.size() > static_cast<size_t>(INT32_MAX)) {
    throw std::length_error("text run of " + std::to_string(run.size()) +
                            " bytes is too long to tokenize");
  }
  std::vector<Symbol> sym;
  sym.reserve(run.size());
  for (size_t pos = 0; pos < run.size();) {
    size_t len = Utf8SequenceLength(run, pos);
    if (len == 0) len = 1;  // an invalid byte is a character of its own
    const auto index = static_cast<int32_t>(sym.size());
    const auto lead = static_cast<unsigned char>(run[pos]);
    const int32_t id =
        len == 1 && lead < 0x80 ? ascii_ids_[lead] : pieces_.Find(run.substr(pos, len));
    sym.push_back(
        {static_cast<uint32_t>(pos), static_cast<uint32_t>(len), id, index - 1, index + 1});
    pos += len;
  }
  if (sym.empty()) return;
  sym.back().next = -1;

  // Candidates are (rank << 32 | left symbol), smallest first: lowest rank,
  // then leftmost. Ranks are unique per pair, so a queued entry is still
  // valid exactly when the pair now at `left` has the same rank.
  auto merge_at = [&](int32_t left) -> const MergeTable::Merge* {
    if (left < 0 || sym[left].len == 0) return nullptr;
    const int32_t right = sym[left].next;
    if (right < 0 || sym[left].id < 0 || sym[right].id < 0) return nullptr;
    return merges_.Find(sym[left].id, sym[right].id);
  };
  auto key = [](int32_t rank, int32_t left) {
    return (uint64_t{static_cast<uint32_t>(rank)} << 32) | static_cast<uint32_t>(left);
  };
  std::vector<uint64_t> initial;
  initial.reserve(sym.size());
  for (int32_t i = 0; i + 1 < static_cast<int32_t>(sym.size()); ++i) {
    if (const MergeTable::Merge* m = merge_at(i)) initial.push_back(key(m->rank, i));
  }
  std::priority_queue<uint64_t, std::vector<uint64_t>, std::greater<>> queue(std::greater<>{},
                                                                             std::move(initial));
  while (!queue.empty()) {
    const uint64_t top = queue.top();
    queue.pop();
    const auto at = static_cast<int32_t>(top & 0xFFFFFFFFu);
    const MergeTable::Merge* m = merge_at(at);
    if (m == nullptr || m->rank != static_cast<int32_t>(top >> 32)) continue;  // stale
    Symbol& left = sym[at];
    Symbol& right = sym[left.next];
    left.id = m->result;
    left.len += right.len;
    right.len = 0;
    left.next = right.next;
    if (right.next >= 0) sym[right.next].prev = at;
    for (int32_t i : {left.prev, at}) {
      if (const MergeTable::Merge* next = merge_at(i)) queue.push(key(next->rank, i));
    }
  }

  for (int32_t i = 0; i >= 0; i = sym[i].next) {
    if (sym[i].id >= 0) {
      out.push_back(sym[i].id);
    } else {
      EmitBytes(run.substr(sym[i].begin, sym[i].len), out);
    }
  }
}

void Tokenizer::EmitBytes(std::string_view bytes, std::vector<int32_t>& out) const {
  for (unsigned char b : bytes) out.push_back(byte_ids_[b]);
}

void Tokenizer::AppendTokenText(int32_t id, bool render_control, std::string& out) const {
  const std::string_view piece = Piece(id);
  switch (types_[id]) {
    case TokenType::kByte:
      out.push_back(static_cast<char>(ParseBytePiece(piece)));
      return;
    case TokenType::kControl:
      if (!render_control) return;
      out.append(piece);
      return;
    default:
      break;
  }
  for (size_t pos = 0; pos < piece.size();) {
    const size_t hit = piece.find(kSpaceMark, pos);
    if (hit == std::string_view::npos) {
      out.append(piece.substr(pos));
      break;
    }
    out.append(piece.substr(pos, hit - pos));
    out.push_back(' ');
    pos = hit + kSpaceMark.size();
  }
}

std::string Tokenizer::Decode(std::span<const int32_t> ids, bool render_control) const {
  std::string out;
  for (int32_t id : ids) AppendTokenText(id, render_control, out);
  return out;
}

std::string_view Tokenizer::Piece(int32_t id) const {
  if (!IsValid(id)) {
    throw std::out_of_range("token id " + std::to_string(id) + " outside vocabulary of " +
                            std::to_string(vocab_size()));
  }
  return pieces_.Get(id);
}

std::optional<int32_t> Tokenizer::Find(std::string_view piece) const noexcept {
  const int32_t id = pieces_.Find(piece);
  if (id < 0) return std::nullopt;
  return id;
}

TokenType Tokenizer::Type(int32_t id) const noexcept {
  return IsValid(id) ? types_[id] : TokenType::kUndefined;
}

bool Tokenizer::IsEndOfGeneration(int32_t id) const noexcept {
  return std::find(eog_ids_.begin(), eog_ids_.end(), id) != eog_ids_.end();
}

float Tokenizer::Score(int32_t id) const noexcept {
  return IsValid(id) && !scores_.empty() ? scores_[id] : 0.0f;
}

}  // namespace scribed::engine::tokenizer
