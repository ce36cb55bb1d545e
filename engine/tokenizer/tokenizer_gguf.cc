// Tokenizer::FromGguf: reads the tokenizer.ggml.* keys written by llama.cpp's
// Gemma 4 converter. Pieces and merges are read as views into the file
// mapping and copied once, into the tokenizer's own storage.
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "engine/tokenizer/tokenizer.h"
#include "engine/tokenizer/tokenizer_views.h"
#include "scribed/engine/gguf.h"

namespace scribed::engine::tokenizer {
namespace {

constexpr std::string_view kModelKey = "tokenizer.ggml.model";
constexpr std::string_view kTokensKey = "tokenizer.ggml.tokens";
constexpr std::string_view kScoresKey = "tokenizer.ggml.scores";
constexpr std::string_view kTypesKey = "tokenizer.ggml.token_type";
constexpr std::string_view kMergesKey = "tokenizer.ggml.merges";
constexpr std::string_view kSuppressKey = "tokenizer.ggml.suppress_tokens";

int32_t OptionalId(const gguf::File& file, std::string_view key) {
  const std::optional<uint32_t> v = file.FindU32(key);
  if (!v) return -1;
  if (*v > static_cast<uint32_t>(std::numeric_limits<int32_t>::max())) {
    throw TokenizerError(file.path().string() + ": " + std::string(key) + " " + std::to_string(*v) +
                         " is out of range");
  }
  return static_cast<int32_t>(*v);
}

std::vector<int32_t> IdArray(const gguf::File& file, std::string_view key) {
  std::vector<int32_t> out;
  for (int64_t v : file.GetIntArray(key)) {
    if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max()) {
      throw TokenizerError(file.path().string() + ": " + std::string(key) + " holds " +
                           std::to_string(v) + ", outside the int32 range");
    }
    out.push_back(static_cast<int32_t>(v));
  }
  return out;
}

}  // namespace

Tokenizer Tokenizer::FromGguf(const gguf::File& file) {
  const std::string source = file.path().string();
  const std::optional<std::string_view> model = file.FindString(kModelKey);
  if (!model) throw TokenizerError(source + ": missing key " + std::string(kModelKey));
  if (*model != "gemma4") {
    throw TokenizerError(source + ": " + std::string(kModelKey) + " is '" + std::string(*model) +
                         "', expected 'gemma4'");
  }

  const std::vector<std::string_view> tokens = file.GetStringArray(kTokensKey);
  if (file.Find(kMergesKey) == nullptr) {
    throw TokenizerError(source + ": missing key " + std::string(kMergesKey));
  }
  const std::vector<std::string_view> merges = file.GetStringArray(kMergesKey);
  std::vector<float> scores;
  if (file.Find(kScoresKey) != nullptr) scores = file.GetF32Array(kScoresKey);
  std::vector<TokenType> types;
  if (file.Find(kTypesKey) != nullptr) {
    const std::vector<int32_t> raw = IdArray(file, kTypesKey);
    types.reserve(raw.size());
    for (int32_t t : raw) types.push_back(static_cast<TokenType>(t));  // Init checks the range
  }

  // The GGUF carries eos only; Gemma 4 also ends a generation on these
  // (the instruction model's eos_token_id = [1, 106, 50]).
  std::vector<int32_t> extra_eog;
  for (const char* key : {"tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id"}) {
    if (const int32_t id = OptionalId(file, key); id >= 0) extra_eog.push_back(id);
  }
  std::vector<int32_t> suppress;
  if (file.Find(kSuppressKey) != nullptr) suppress = IdArray(file, kSuppressKey);

  // Ids looked up by text need the piece index, so finish with a second pass.
  Tokenizer tok;
  tok.Init({source, tokens, scores, types, merges, OptionalId(file, "tokenizer.ggml.bos_token_id"),
            OptionalId(file, "tokenizer.ggml.eos_token_id"),
            OptionalId(file, "tokenizer.ggml.unknown_token_id"),
            OptionalId(file, "tokenizer.ggml.padding_token_id"), extra_eog, suppress,
            file.FindBool("tokenizer.ggml.add_bos_token").value_or(true)});
  for (std::string_view piece : {"<turn|>", "<|tool_response>"}) {
    if (const auto id = tok.Find(piece); id && !tok.IsEndOfGeneration(*id)) {
      tok.eog_ids_.push_back(*id);
    }
  }
  // Converters before the suppress key existed: mask <image|> and <audio|>
  // anyway, whose logits the projector-folded rows inflate.
  if (file.Find(kSuppressKey) == nullptr) {
    for (std::string_view piece : {"<image|>", "<audio|>"}) {
      if (const auto id = tok.Find(piece)) tok.suppress_tokens_.push_back(*id);
    }
  }
  return tok;
}

}  // namespace scribed::engine::tokenizer
