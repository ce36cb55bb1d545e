// Handmade vocabularies for tokenizer tests: fixed marker tokens, the 256
// byte tokens and whatever pieces and merges a test adds.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/tokenizer/tokenizer.h"

namespace scribed::engine::tokenizer::testing {

inline constexpr int32_t kPad = 0, kEos = 1, kBos = 2, kUnk = 3;
inline constexpr int32_t kTurnOpen = 4;      // "<|turn>", control
inline constexpr int32_t kTurnClose = 5;     // "<turn|>", control
inline constexpr int32_t kChannelOpen = 6;   // "<|channel>", user-defined
inline constexpr int32_t kChannelClose = 7;  // "<channel|>", user-defined
inline constexpr int32_t kFirstByte = 8;     // <0x00> .. <0xFF>
inline constexpr int32_t kFirstPiece = kFirstByte + 256;

inline int32_t ByteId(unsigned char b) { return kFirstByte + b; }

// Pieces get ids kFirstPiece, kFirstPiece + 1, ... in order.
inline TokenizerData MakeVocab(const std::vector<std::string>& pieces,
                               const std::vector<std::string>& merges) {
  TokenizerData d;
  d.tokens = {"<pad>", "<eos>", "<bos>", "<unk>", "<|turn>", "<turn|>", "<|channel>", "<channel|>"};
  d.types = {TokenType::kControl,     TokenType::kControl,    TokenType::kControl,
             TokenType::kControl,     TokenType::kControl,    TokenType::kControl,
             TokenType::kUserDefined, TokenType::kUserDefined};
  static const char kHex[] = "0123456789ABCDEF";
  for (int b = 0; b < 256; ++b) {
    d.tokens.push_back(std::string("<0x") + kHex[b >> 4] + kHex[b & 15] + ">");
    d.types.push_back(TokenType::kByte);
  }
  for (const std::string& p : pieces) {
    d.tokens.push_back(p);
    d.types.push_back(TokenType::kNormal);
  }
  d.scores.assign(d.tokens.size(), 0.0f);
  d.merges = merges;
  d.pad_id = kPad;
  d.eos_id = kEos;
  d.bos_id = kBos;
  d.unk_id = kUnk;
  d.extra_eog_ids = {kTurnClose};
  d.source = "test vocab";
  return d;
}

}  // namespace scribed::engine::tokenizer::testing
