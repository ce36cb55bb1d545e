// Turns generated token ids into UTF-8 text as they arrive. A character
// spelled by several byte-fallback tokens (e.g. an emoji as <0xF0><0x9F>...)
// is held back until its last byte arrives, so every returned string is
// complete, valid UTF-8 on its own.
#pragma once

#include <cstdint>
#include <string>

#include "engine/tokenizer/tokenizer.h"

namespace scribed::engine::tokenizer {

// Thread-compatible. Borrows the Tokenizer, which must outlive it.
class StreamDecoder {
 public:
  struct Options {
    // CONTROL tokens (<|turn>, <eos>, ...) render as their piece text instead
    // of nothing. USER_DEFINED tokens such as <|channel> always render.
    bool render_control = false;
  };

  explicit StreamDecoder(const Tokenizer& tokenizer) : StreamDecoder(tokenizer, Options{}) {}
  StreamDecoder(const Tokenizer& tokenizer, Options options)
      : tokenizer_(&tokenizer), options_(options) {}

  // Text that became complete with `id` (possibly empty). Bytes that can
  // never form valid UTF-8 come out as U+FFFD, one per byte. Throws
  // std::out_of_range for an id outside the vocabulary.
  std::string Push(int32_t id);
  // Ends the stream: a held incomplete sequence comes out as U+FFFD per
  // byte; the decoder is then empty and can be reused.
  std::string Flush();
  // Drops held bytes.
  void Reset() noexcept { pending_.clear(); }
  size_t pending_bytes() const noexcept { return pending_.size(); }

 private:
  const Tokenizer* tokenizer_;
  Options options_;
  std::string pending_;  // bytes of an incomplete trailing UTF-8 sequence
};

}  // namespace scribed::engine::tokenizer
