// Tokenizer::FromGguf on small GGUF files written by the test.
#include <unistd.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "engine/tokenizer/tokenizer.h"
#include "scribed/engine/gguf.h"
#include "tests/engine/tokenizer_test_vocab.h"

namespace scribed::engine::tokenizer {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using namespace testing;  // NOLINT: the vocab helpers

std::filesystem::path TempPath(const std::string& name) {
  return std::filesystem::path(::testing::TempDir()) / ("tokenizer_gguf_test_" + name + "-" + std::to_string(::getpid()) + ".gguf");
}

// Keys that tests change; everything else comes from the TokenizerData.
struct Overrides {
  std::string model = "gemma4";
  std::optional<uint32_t> eos;
  std::optional<std::vector<int32_t>> types;
  std::optional<std::vector<int32_t>> suppress;
  bool merges = true;
};

// Writes `d` the way llama.cpp's converter does.
std::filesystem::path WriteGguf(const std::string& name, const TokenizerData& d,
                                const Overrides& o = {}) {
  gguf::Writer w;
  w.SetString("general.architecture", "gemma4");
  w.SetString("tokenizer.ggml.model", o.model);
  w.SetStringArray("tokenizer.ggml.tokens", d.tokens);
  w.SetF32Array("tokenizer.ggml.scores", d.scores);
  std::vector<int32_t> types;
  for (TokenType t : d.types) types.push_back(static_cast<int32_t>(t));
  w.SetI32Array("tokenizer.ggml.token_type", o.types.value_or(types));
  if (o.merges) w.SetStringArray("tokenizer.ggml.merges", d.merges);
  w.SetU32("tokenizer.ggml.bos_token_id", static_cast<uint32_t>(d.bos_id));
  w.SetU32("tokenizer.ggml.eos_token_id", o.eos.value_or(static_cast<uint32_t>(d.eos_id)));
  w.SetU32("tokenizer.ggml.unknown_token_id", static_cast<uint32_t>(d.unk_id));
  w.SetU32("tokenizer.ggml.padding_token_id", static_cast<uint32_t>(d.pad_id));
  w.SetBool("tokenizer.ggml.add_bos_token", d.add_bos);
  if (o.suppress) w.SetI32Array("tokenizer.ggml.suppress_tokens", *o.suppress);
  const auto path = TempPath(name);
  w.Write(path);
  return path;
}

std::string LoadError(const std::filesystem::path& path) {
  try {
    Tokenizer::FromGguf(gguf::File::Open(path));
  } catch (const TokenizerError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(TokenizerGgufTest, LoadsWhatWasWritten) {
  TokenizerData d = MakeVocab({"a", "b", "ab", "<|tool_response>", "<image|>"}, {"a b"});
  d.add_bos = false;
  const auto path = WriteGguf("basic", d);
  const Tokenizer t = Tokenizer::FromGguf(gguf::File::Open(path));
  EXPECT_EQ(t.vocab_size(), static_cast<int32_t>(d.tokens.size()));
  EXPECT_EQ(t.merge_count(), 1u);
  EXPECT_EQ(t.bos(), kBos);
  EXPECT_EQ(t.eos(), kEos);
  EXPECT_FALSE(t.add_bos());
  EXPECT_THAT(t.Encode("ab<|turn>", true), ElementsAre(*t.Find("ab"), kTurnOpen));
  // End of generation: eos plus <turn|> and <|tool_response> found by text.
  EXPECT_THAT(t.eog_ids(), ElementsAre(kEos, kTurnClose, *t.Find("<|tool_response>")));
  // No suppress key: the Gemma 4 default, limited to pieces that exist.
  EXPECT_THAT(t.suppress_tokens(), ElementsAre(*t.Find("<image|>")));
  std::filesystem::remove(path);
}

TEST(TokenizerGgufTest, SuppressKeyOverridesDefault) {
  const TokenizerData d = MakeVocab({"a", "<image|>"}, {});
  Overrides o;
  o.suppress = std::vector<int32_t>{kPad, kUnk};
  const auto path = WriteGguf("suppress", d, o);
  EXPECT_THAT(Tokenizer::FromGguf(gguf::File::Open(path)).suppress_tokens(),
              ElementsAre(kPad, kUnk));
  std::filesystem::remove(path);
}

TEST(TokenizerGgufTest, ErrorsNameFileAndField) {
  const TokenizerData good = MakeVocab({"a", "b", "ab"}, {"a b"});
  Overrides o;
  o.model = "llama";
  auto path = WriteGguf("wrong_model", good, o);
  EXPECT_THAT(LoadError(path), HasSubstr(path.string() + ": tokenizer.ggml.model is 'llama'"));
  std::filesystem::remove(path);

  path = WriteGguf("bad_merge", MakeVocab({"a", "b", "ab"}, {"a b", "b q"}));
  EXPECT_THAT(LoadError(path), HasSubstr(path.string() + ": merge 1 ('b q'): unknown right"));
  std::filesystem::remove(path);

  o = Overrides{};
  o.eos = 1000000;
  path = WriteGguf("bad_eos", good, o);
  EXPECT_THAT(LoadError(path), HasSubstr("eos id 1000000 outside vocabulary"));
  std::filesystem::remove(path);

  o = Overrides{};
  o.types = std::vector<int32_t>(good.tokens.size(), 1);
  (*o.types)[0] = 77;
  path = WriteGguf("bad_type", good, o);
  EXPECT_THAT(LoadError(path), HasSubstr("token_type of token 0 is 77"));
  std::filesystem::remove(path);

  o = Overrides{};
  o.merges = false;
  path = WriteGguf("no_merges", good, o);
  EXPECT_THAT(LoadError(path), HasSubstr("missing key tokenizer.ggml.merges"));
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace scribed::engine::tokenizer
