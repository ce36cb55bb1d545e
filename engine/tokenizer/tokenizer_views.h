// Internal: the fields of TokenizerData as non-owning views, so that the GGUF
// loader can hand over strings that live in the file mapping without copying.
#pragma once

#include <span>
#include <string_view>

#include "engine/tokenizer/tokenizer.h"

namespace scribed::engine::tokenizer {

struct Tokenizer::Views {
  std::string_view source;
  std::span<const std::string_view> tokens;
  std::span<const float> scores;
  std::span<const TokenType> types;
  std::span<const std::string_view> merges;
  int32_t bos_id, eos_id, unk_id, pad_id;
  std::span<const int32_t> extra_eog_ids;
  std::span<const int32_t> suppress_tokens;
  bool add_bos;
};

}  // namespace scribed::engine::tokenizer
