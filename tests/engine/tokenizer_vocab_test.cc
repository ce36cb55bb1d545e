// The real Gemma 4 vocabulary (tests/data/golden/gemma4-vocab.gguf) against
// token ids recorded from llama.cpp in the golden references and the ids
// listed in docs (gemma4-unified.md §4).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "scribed/base/json.h"
#include "scribed/engine/prompt_text.h"
#include "engine/tokenizer/stream_decoder.h"
#include "engine/tokenizer/tokenizer.h"
#include "scribed/engine/gguf.h"

namespace scribed::engine::tokenizer {
namespace {

using ::testing::ElementsAre;

const std::string kGolden = std::string(SCRIBED_TEST_DATA_DIR) + "/golden/";

// Loaded once per test binary (every suite here shares it).
const Tokenizer& Gemma() {
  static const Tokenizer* tok = [] {
    const auto file = gguf::File::Open(kGolden + "gemma4-vocab.gguf");
    const auto start = std::chrono::steady_clock::now();
    auto* t = new Tokenizer(Tokenizer::FromGguf(file));
    const std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - start;
    std::cout << "[ info ] FromGguf: " << took.count() << " ms\n";  // reported, not asserted
    return t;
  }();
  return *tok;
}

class GemmaVocabTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { tok_ = &Gemma(); }
  static std::vector<int32_t> Enc(std::string_view s) { return tok_->Encode(s, true); }

  static const Tokenizer* tok_;
};
const Tokenizer* GemmaVocabTest::tok_ = nullptr;

// One binary process per test under ctest, each loading the vocabulary: few,
// broad tests keep the suite fast.
TEST_F(GemmaVocabTest, MetadataAndSpecialTokens) {
  EXPECT_EQ(tok_->vocab_size(), 262144);
  EXPECT_EQ(tok_->merge_count(), 514906u);
  EXPECT_EQ(tok_->bos(), 2);
  EXPECT_EQ(tok_->eos(), 1);
  EXPECT_EQ(tok_->unk(), 3);
  EXPECT_EQ(tok_->pad(), 0);
  EXPECT_TRUE(tok_->add_bos());
  // The file predates the suppress key: the Gemma 4 default applies.
  EXPECT_THAT(tok_->suppress_tokens(), ElementsAre(258882, 258883));

  const std::pair<const char*, int32_t> expected[] = {
      {"<pad>", 0},
      {"<eos>", 1},
      {"<bos>", 2},
      {"<unk>", 3},
      {"<mask>", 4},
      {"<|tool>", 46},
      {"<tool|>", 47},
      {"<|tool_call>", 48},
      {"<tool_call|>", 49},
      {"<|tool_response>", 50},
      {"<tool_response|>", 51},
      {"<|\"|>", 52},
      {"<|think|>", 98},
      {"<|channel>", 100},
      {"<channel|>", 101},
      {"<|turn>", 105},
      {"<turn|>", 106},
      {"\n", 107},
      {"<|image>", 255999},
      {"<|audio>", 256000},
      {"<|image|>", 258880},
      {"<|audio|>", 258881},
      {"<image|>", 258882},
      {"<audio|>", 258883},
      {"<|video|>", 258884},
  };
  for (const auto& [piece, id] : expected) {
    EXPECT_EQ(tok_->Find(piece), id) << piece;
    EXPECT_THAT(Enc(piece), ElementsAre(id)) << piece;
  }
  for (int32_t id : {1, 106, 50}) EXPECT_TRUE(tok_->IsEndOfGeneration(id)) << id;
  for (int32_t id : {0, 2, 105, 107, 100}) EXPECT_FALSE(tok_->IsEndOfGeneration(id)) << id;
  EXPECT_TRUE(tok_->IsControl(105));
  EXPECT_TRUE(tok_->IsControl(256000));
  EXPECT_FALSE(tok_->IsControl(100));  // <|channel> is user-defined: rendered in output
}

TEST_F(GemmaVocabTest, KnownEncodings) {
  EXPECT_THAT(tok_->Encode("Hello world", false), ElementsAre(9259, 1902));
  EXPECT_EQ(tok_->Decode(std::vector<int32_t>{9259, 1902}), "Hello world");
  // §5.2: <|channel> "thought" "\n" <channel|> after "<|turn>model\n".
  EXPECT_THAT(Enc(RenderModelTurnOpener(true)), ElementsAre(105, 4368, 107, 100, 45518, 107, 101));
}

// The golden cases: prompt text -> prompt_tokens as llama.cpp produced them.
std::vector<int32_t> GoldenPromptTokens(const Tokenizer& tok, const nlohmann::json& j) {
  auto enc = [&](std::string_view s) { return tok.Encode(s, true); };
  const std::string prompt = j.at("prompt").get<std::string>();
  std::vector<int32_t> got = {tok.bos()};
  const size_t media = prompt.find(kMediaMarker);
  if (media == std::string::npos) {
    const auto ids = enc(prompt);
    got.insert(got.end(), ids.begin(), ids.end());
  } else {
    const auto before = enc(prompt.substr(0, media));
    const auto after = enc(prompt.substr(media + kMediaMarker.size()));
    const int64_t samples = j.at("audio_n_samples").get<int64_t>();
    const auto frames = static_cast<size_t>((samples + 639) / 640);
    EXPECT_EQ(frames, j.at("n_audio_tokens").get<size_t>());
    got.insert(got.end(), before.begin(), before.end());
    got.push_back(*tok.Find("<|audio>"));
    got.insert(got.end(), frames, -1);
    got.push_back(*tok.Find("<audio|>"));
    got.insert(got.end(), after.begin(), after.end());
  }
  return got;
}

TEST_F(GemmaVocabTest, GoldenPromptTokens) {
  for (const char* name : {"text", "long", "audio"}) {
    std::ifstream in(kGolden + "case-a-" + name + ".json");
    ASSERT_TRUE(in) << name;
    const nlohmann::json j = nlohmann::json::parse(in);
    EXPECT_EQ(GoldenPromptTokens(*tok_, j), j.at("prompt_tokens").get<std::vector<int32_t>>())
        << name;
  }
}

TEST_F(GemmaVocabTest, RoundTripsAndStreams) {
  const char* texts[] = {
      "Grüße aus Köln — ça va? ¿Qué tal?",
      "東京は日本の首都です。",
      "Ελληνικά και русский текст",
      "emoji \xF0\x9F\xA6\x9C\xF0\x9F\x8F\xB3\xEF\xB8\x8F\xE2\x80\x8D\xF0\x9F\x8C\x88 mixed",
      "  leading spaces\n\n\ttabs\r\nand CRLF\n\n\n\n",
      "e\xCC\x81 combining, invalid \xFF\xC3 bytes",
      "<|turn>user\nMarkers <|channel>inside<channel|> text<turn|>\n",
  };
  for (const char* text : texts) {
    for (bool special : {false, true}) {
      EXPECT_EQ(tok_->Decode(tok_->Encode(text, special)), text) << text;
    }
  }
  const std::string text = "Ünïcödé \xF0\x9F\xA6\x9C text 東京 <|channel>x<channel|>";
  const auto ids = tok_->Encode(text, true);
  StreamDecoder d(*tok_);
  std::string streamed;
  for (int32_t id : ids) streamed += d.Push(id);
  streamed += d.Flush();
  EXPECT_EQ(streamed, text);
}

TEST_F(GemmaVocabTest, LongTextEncodes) {
  // About 300 KB, one line: a sanity check that long inputs stay fast.
  std::string text;
  for (int i = 0; i < 4000; ++i) {
    text += "The quick brown fox jumps over the lazy dog; Zwölf Boxkämpfer jagen Viktor. ";
  }
  const auto start = std::chrono::steady_clock::now();
  const auto ids = tok_->Encode(text, false);
  const std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - start;
  std::cout << "[ info ] Encode " << text.size() << " bytes -> " << ids.size()
            << " ids: " << took.count() << " ms\n";
  EXPECT_GT(ids.size(), 4000u);
  EXPECT_EQ(tok_->Decode(ids), text);
}

}  // namespace
}  // namespace scribed::engine::tokenizer
