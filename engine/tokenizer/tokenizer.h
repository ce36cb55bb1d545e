// The Gemma 4 tokenizer ("gemma4" in GGUF): SentencePiece-style BPE over UTF-8
// characters with merge ranks, byte fallback to <0xXX> pieces, spaces written
// as U+2581 and no prefix space.
//
//   Tokenizer tok = Tokenizer::FromGguf(file);
//   std::vector<int32_t> ids = tok.Encode("<|turn>user\nHi<turn|>\n", /*parse_special=*/true);
//   ids.insert(ids.begin(), tok.bos());  // the caller adds BOS
//
// Encoding: marker tokens written in the text become single ids (see
// Encode), the rest is cut into maximal runs of '\n' and of other characters;
// a newline run that is itself a piece is emitted directly, every other run
// goes through lowest-rank-first BPE, and pieces outside the vocabulary fall
// back to one byte token per UTF-8 byte. Decoding reverses this, so
// Decode(Encode(x)) == x for any byte string x that holds no literal U+2581
// (which encodes like a space and so decodes as one).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "engine/tokenizer/merge_table.h"
#include "engine/tokenizer/piece_table.h"

namespace scribed::engine::gguf {
class File;
}

namespace scribed::engine::tokenizer {

// Token types as numbered in GGUF's tokenizer.ggml.token_type.
enum class TokenType : int32_t {
  kUndefined = 0,
  kNormal = 1,
  kUnknown = 2,
  kControl = 3,
  kUserDefined = 4,
  kUnused = 5,
  kByte = 6,
};

// Invalid tokenizer data; what() names the source and the offending field.
class TokenizerError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Everything a Tokenizer is built from; plain data so tests can write
// vocabularies by hand. Optional ids are -1 when absent.
struct TokenizerData {
  std::vector<std::string> tokens;  // piece text; id = index
  std::vector<float> scores;        // empty, or one per token (kept, unused by BPE)
  std::vector<TokenType> types;     // empty (all kNormal), or one per token
  std::vector<std::string> merges;  // "left right", rank = index
  int32_t bos_id = -1;
  int32_t eos_id = -1;
  int32_t unk_id = -1;
  int32_t pad_id = -1;
  // End-of-generation ids besides eos (e.g. <turn|>, <|tool_response>).
  std::vector<int32_t> extra_eog_ids;
  std::vector<int32_t> suppress_tokens;  // ids masked before sampling
  bool add_bos = true;
  std::string source = "tokenizer data";  // names the origin in error messages
};

// Immutable after construction. Thread-safe.
class Tokenizer {
 public:
  // Validates `data`; throws TokenizerError (empty vocabulary, sizes that
  // disagree, ids out of range, malformed <0xXX> byte pieces, a merge naming
  // an unknown piece: "merge 17 ('a b'): unknown right piece 'b'").
  explicit Tokenizer(const TokenizerData& data);

  // Reads the tokenizer.ggml.* keys of a GGUF file (model "gemma4").
  // Throws TokenizerError naming the file and key, or gguf::KeyError.
  static Tokenizer FromGguf(const gguf::File& file);

  // Token ids of `text`, without BOS. USER_DEFINED pieces written in the text
  // (e.g. "<|channel>") always become their single id, as in llama.cpp;
  // CONTROL and UNKNOWN pieces (e.g. "<|turn>", "<|audio>") only when
  // `parse_special`, otherwise they are encoded as ordinary text. Any byte
  // string is accepted (invalid UTF-8 becomes byte tokens); std::length_error
  // for a single line of 2 GiB or more.
  std::vector<int32_t> Encode(std::string_view text, bool parse_special) const;

  // Concatenated text of `ids` (byte tokens as raw bytes, U+2581 as space).
  // Control tokens are rendered as their piece text unless `render_control`
  // is false. Throws std::out_of_range for an id outside the vocabulary.
  std::string Decode(std::span<const int32_t> ids, bool render_control = true) const;
  // Appends the text of one token to `out` (same rules as Decode).
  void AppendTokenText(int32_t id, bool render_control, std::string& out) const;

  // Raw piece text as stored in the vocabulary. Throws std::out_of_range.
  std::string_view Piece(int32_t id) const;
  // Id of the exact piece, if any.
  std::optional<int32_t> Find(std::string_view piece) const noexcept;

  // Type of `id`; kUndefined for ids outside the vocabulary.
  TokenType Type(int32_t id) const noexcept;
  bool IsControl(int32_t id) const noexcept { return Type(id) == TokenType::kControl; }
  bool IsEndOfGeneration(int32_t id) const noexcept;
  bool IsValid(int32_t id) const noexcept { return id >= 0 && id < vocab_size(); }

  int32_t vocab_size() const noexcept { return static_cast<int32_t>(pieces_.size()); }
  int32_t bos() const noexcept { return bos_id_; }
  int32_t eos() const noexcept { return eos_id_; }
  int32_t unk() const noexcept { return unk_id_; }
  int32_t pad() const noexcept { return pad_id_; }
  bool add_bos() const noexcept { return add_bos_; }
  float Score(int32_t id) const noexcept;  // 0 when absent
  std::span<const int32_t> eog_ids() const noexcept { return eog_ids_; }
  std::span<const int32_t> suppress_tokens() const noexcept { return suppress_tokens_; }
  size_t merge_count() const noexcept { return merges_.size(); }

 private:
  struct Views;  // TokenizerData as views (tokenizer_views.h), shared by both loaders
  Tokenizer() = default;
  void Init(const Views& data);

  // Encodes a run of text with no marker tokens in it.
  void EncodeText(std::string_view text, std::vector<int32_t>& out) const;
  void EncodeRun(std::string_view run, std::vector<int32_t>& out) const;
  void EmitBytes(std::string_view bytes, std::vector<int32_t>& out) const;

  PieceTable pieces_;
  MergeTable merges_;
  std::vector<TokenType> types_;
  std::vector<float> scores_;
  std::vector<int32_t> special_ids_;  // CONTROL/USER_DEFINED/UNKNOWN, longest piece first
  int32_t byte_ids_[256] = {};        // <0xXX> token per byte, or unk_id_
  int32_t ascii_ids_[128] = {};       // piece id of each ASCII character, or -1
  int32_t bos_id_ = -1, eos_id_ = -1, unk_id_ = -1, pad_id_ = -1;
  bool add_bos_ = true;
  std::vector<int32_t> eog_ids_;
  std::vector<int32_t> suppress_tokens_;
};

}  // namespace scribed::engine::tokenizer
