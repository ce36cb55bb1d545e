#include "engine/tokenizer/stream_decoder.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "tests/engine/tokenizer_test_vocab.h"

namespace scribed::engine::tokenizer {
namespace {

using namespace testing;  // NOLINT: the vocab helpers

const std::string kReplacement = "\xEF\xBF\xBD";

Tokenizer SmallTokenizer() {
  return Tokenizer(MakeVocab({"a",
                              "\xE2\x96\x81"
                              "b"},
                             {}));
}

TEST(StreamDecoderTest, HoldsSplitCharacterUntilComplete) {
  const Tokenizer t = SmallTokenizer();
  StreamDecoder d(t);
  EXPECT_EQ(d.Push(*t.Find("a")), "a");
  EXPECT_EQ(d.Push(ByteId(0xF0)), "");
  EXPECT_EQ(d.Push(ByteId(0x9F)), "");
  EXPECT_EQ(d.Push(ByteId(0x98)), "");
  EXPECT_EQ(d.pending_bytes(), 3u);
  EXPECT_EQ(d.Push(ByteId(0x80)), "\xF0\x9F\x98\x80");
  EXPECT_EQ(d.pending_bytes(), 0u);
  EXPECT_EQ(d.Push(*t.Find("\xE2\x96\x81"
                           "b")),
            " b");
}

TEST(StreamDecoderTest, InvalidBytesBecomeReplacementCharacters) {
  const Tokenizer t = SmallTokenizer();
  StreamDecoder d(t);
  EXPECT_EQ(d.Push(ByteId(0xFF)), kReplacement);
  // A lead byte followed by a non-continuation: the lead is replaced, the
  // character after it survives.
  EXPECT_EQ(d.Push(ByteId(0xC3)), "");
  EXPECT_EQ(d.Push(*t.Find("a")), kReplacement + "a");
  // Overlong lead E0 80 can never complete.
  EXPECT_EQ(d.Push(ByteId(0xE0)), "");
  EXPECT_EQ(d.Push(ByteId(0x80)), kReplacement + kReplacement);
}

TEST(StreamDecoderTest, FlushReplacesAnUnfinishedCharacter) {
  const Tokenizer t = SmallTokenizer();
  StreamDecoder d(t);
  EXPECT_EQ(d.Push(ByteId(0xE2)), "");
  EXPECT_EQ(d.Push(ByteId(0x96)), "");
  EXPECT_EQ(d.Flush(), kReplacement + kReplacement);
  EXPECT_EQ(d.Flush(), "");
  EXPECT_EQ(d.Push(*t.Find("a")), "a");
}

TEST(StreamDecoderTest, ControlTokensRenderAsNothingByDefault) {
  const Tokenizer t = SmallTokenizer();
  StreamDecoder quiet(t);
  EXPECT_EQ(quiet.Push(kTurnClose), "");
  EXPECT_EQ(quiet.Push(kChannelOpen), "<|channel>");  // user-defined: always text
  StreamDecoder loud(t, {.render_control = true});
  EXPECT_EQ(loud.Push(kTurnClose), "<turn|>");
  EXPECT_THROW(loud.Push(-1), std::out_of_range);
}

TEST(StreamDecoderTest, ConcatenationEqualsDecodeForValidText) {
  // Token streams of valid UTF-8 text (mostly byte tokens, so characters are
  // split across pushes): the pieces joined must equal Decode of all ids.
  const Tokenizer t = SmallTokenizer();
  std::mt19937 rng(3);
  const std::vector<std::string> atoms = {
      "a", " b", "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "\n", "<|turn>"};
  for (int n = 0; n < 200; ++n) {
    std::string text;
    for (int i = 0, len = static_cast<int>(rng() % 40); i < len; ++i) {
      text += atoms[rng() % atoms.size()];
    }
    const std::vector<int32_t> ids = t.Encode(text, true);
    StreamDecoder d(t);
    std::string streamed;
    for (int32_t id : ids) {
      const std::string part = d.Push(id);
      // Every part is whole characters on its own.
      for (size_t i = 0; i < part.size();) {
        const auto b = static_cast<unsigned char>(part[i]);
        const size_t len = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
        ASSERT_LE(i + len, part.size());
        i += len;
      }
      streamed += part;
    }
    streamed += d.Flush();
    EXPECT_EQ(streamed, t.Decode(ids, /*render_control=*/false));
  }
}

}  // namespace
}  // namespace scribed::engine::tokenizer
