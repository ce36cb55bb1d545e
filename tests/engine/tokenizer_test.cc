// Tokenizer behaviour on handmade vocabularies, checked against hand-worked
// expectations and a naive quadratic BPE written independently below.
#include "engine/tokenizer/tokenizer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "tests/engine/tokenizer_test_vocab.h"

namespace scribed::engine::tokenizer {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using namespace testing;  // NOLINT: the vocab helpers

const std::string kSp = "\xE2\x96\x81";  // U+2581

std::vector<int32_t> Enc(const Tokenizer& t, std::string_view s, bool special = false) {
  return t.Encode(s, special);
}

int32_t Id(const Tokenizer& t, std::string_view piece) {
  const auto id = t.Find(piece);
  EXPECT_TRUE(id.has_value()) << piece;
  return id.value_or(-100);
}

TEST(TokenizerTest, MergesApplyLowestRankFirst) {
  // "abc": with "b c" ranked first, bc forms before ab could; then "a bc".
  const Tokenizer t1(MakeVocab({"a", "b", "c", "ab", "bc", "abc"}, {"b c", "a b", "a bc"}));
  EXPECT_THAT(Enc(t1, "abc"), ElementsAre(Id(t1, "abc")));
  // With "a b" first the result is ab + c, since no merge joins "ab c".
  const Tokenizer t2(MakeVocab({"a", "b", "c", "ab", "bc", "abc"}, {"a b", "b c", "a bc"}));
  EXPECT_THAT(Enc(t2, "abc"), ElementsAre(Id(t2, "ab"), Id(t2, "c")));
}

TEST(TokenizerTest, EqualRanksMergeLeftmostFirst) {
  const Tokenizer t(MakeVocab({"a", "aa"}, {"a a"}));
  EXPECT_THAT(Enc(t, "aaa"), ElementsAre(Id(t, "aa"), Id(t, "a")));
  EXPECT_THAT(Enc(t, "aaaa"), ElementsAre(Id(t, "aa"), Id(t, "aa")));
}

TEST(TokenizerTest, SpacesBecomeU2581WithoutPrefixSpace) {
  const Tokenizer t(MakeVocab({"a", "b", kSp, kSp + "b"}, {kSp + " b"}));
  EXPECT_THAT(Enc(t, "a b"), ElementsAre(Id(t, "a"), Id(t, kSp + "b")));
  EXPECT_THAT(Enc(t, "b"), ElementsAre(Id(t, "b")));  // no prefix space inserted
  EXPECT_THAT(Enc(t, " a"), ElementsAre(Id(t, kSp), Id(t, "a")));
  EXPECT_EQ(t.Decode(Enc(t, " a b  ")), " a b  ");
}

TEST(TokenizerTest, ByteFallbackForUnknownCharacters) {
  const Tokenizer t(MakeVocab({"a"}, {}));
  // U+00E9 is C3 A9; a space is U+2581 (E2 96 81), not in this vocabulary either.
  EXPECT_THAT(Enc(t, "a\xC3\xA9 "), ElementsAre(Id(t, "a"), ByteId(0xC3), ByteId(0xA9),
                                                ByteId(0xE2), ByteId(0x96), ByteId(0x81)));
  EXPECT_EQ(t.Decode(Enc(t, "a\xC3\xA9")), "a\xC3\xA9");
}

TEST(TokenizerTest, MissingByteTokensFallBackToUnknown) {
  TokenizerData d = MakeVocab({"a"}, {});
  d.types[ByteId(0xC3)] = TokenType::kNormal;  // no longer a byte token
  const Tokenizer t(d);
  EXPECT_THAT(Enc(t, "\xC3\xA9"), ElementsAre(kUnk, ByteId(0xA9)));
}

TEST(TokenizerTest, NewlineRunsAreSeparateChunks) {
  // "a \n" would merge, but the newline starts a chunk of its own.
  const Tokenizer t(MakeVocab({"a", "\n", "\n\n", "a\n"}, {"a \n", "\n \n"}));
  EXPECT_THAT(Enc(t, "a\n"), ElementsAre(Id(t, "a"), Id(t, "\n")));
  EXPECT_THAT(Enc(t, "a\n\na"), ElementsAre(Id(t, "a"), Id(t, "\n\n"), Id(t, "a")));
  // A run with no piece of its own goes through BPE: \n\n + \n.
  EXPECT_THAT(Enc(t, "\n\n\n"), ElementsAre(Id(t, "\n\n"), Id(t, "\n")));
}

TEST(TokenizerTest, NewlineRunInVocabularyIsEmittedWithoutMerges) {
  // No merge builds "\n\n\n", but as a piece the whole run maps to it directly.
  const Tokenizer t(MakeVocab({"\n", "\n\n\n"}, {}));
  EXPECT_THAT(Enc(t, "\n\n\n"), ElementsAre(Id(t, "\n\n\n")));
  EXPECT_THAT(Enc(t, "\n\n"), ElementsAre(Id(t, "\n"), Id(t, "\n")));
}

TEST(TokenizerTest, SpecialTokensParsedOnlyWhenAsked) {
  const Tokenizer t(MakeVocab({"u", "<", "|", "t"}, {}));
  EXPECT_THAT(Enc(t, "<|turn>u<turn|>", true), ElementsAre(kTurnOpen, Id(t, "u"), kTurnClose));
  const auto plain = Enc(t, "<|turn>u", false);
  EXPECT_THAT(plain, ::testing::Not(::testing::Contains(kTurnOpen)));
  EXPECT_EQ(plain.front(), Id(t, "<"));
  EXPECT_EQ(t.Decode(plain), "<|turn>u");
  // USER_DEFINED markers are recognised either way (llama.cpp does the same).
  EXPECT_THAT(Enc(t, "u<|channel>u<channel|>", false),
              ElementsAre(Id(t, "u"), kChannelOpen, Id(t, "u"), kChannelClose));
  EXPECT_THAT(Enc(t, "<bos><eos>", true), ElementsAre(kBos, kEos));
}

TEST(TokenizerTest, LongerMarkerWinsOverContainedOne) {
  TokenizerData d = MakeVocab({"x"}, {});
  d.tokens.push_back("<m>");
  d.types.push_back(TokenType::kControl);
  d.tokens.push_back("<m>x");
  d.types.push_back(TokenType::kControl);
  d.scores.resize(d.tokens.size());
  const Tokenizer t(d);
  const int32_t m = Id(t, "<m>"), mx = Id(t, "<m>x");
  EXPECT_THAT(Enc(t, "<m><m>xx", true), ElementsAre(m, mx, Id(t, "x")));
}

TEST(TokenizerTest, FourByteEmojiIsOneCharacter) {
  const std::string smile = "\xF0\x9F\x98\x80";  // U+1F600
  const Tokenizer t(MakeVocab({"a", smile}, {}));
  EXPECT_THAT(Enc(t, "a" + smile), ElementsAre(Id(t, "a"), Id(t, smile)));
  const Tokenizer no_emoji(MakeVocab({"a"}, {}));
  EXPECT_THAT(Enc(no_emoji, smile),
              ElementsAre(ByteId(0xF0), ByteId(0x9F), ByteId(0x98), ByteId(0x80)));
}

TEST(TokenizerTest, InvalidUtf8BytesStandAlone) {
  // A truncated lead byte must not swallow the following ASCII character, and
  // a stray continuation byte must not break the merge that follows it.
  const Tokenizer t(MakeVocab({"a", "b", "ab"}, {"a b"}));
  EXPECT_THAT(Enc(t,
                  "\xC3"
                  "ab"),
              ElementsAre(ByteId(0xC3), Id(t, "ab")));
  EXPECT_THAT(Enc(t, "ab\x80"), ElementsAre(Id(t, "ab"), ByteId(0x80)));
  EXPECT_THAT(Enc(t,
                  "a\xFF"
                  "b"),
              ElementsAre(Id(t, "a"), ByteId(0xFF), Id(t, "b")));
  // Overlong "/" (C0 AF) and a UTF-16 surrogate (ED A0 80) are invalid too.
  EXPECT_THAT(Enc(t, "\xC0\xAF"), ElementsAre(ByteId(0xC0), ByteId(0xAF)));
  EXPECT_THAT(Enc(t, "\xED\xA0\x80"), ElementsAre(ByteId(0xED), ByteId(0xA0), ByteId(0x80)));
}

TEST(TokenizerTest, CombiningCharacterIsItsOwnCharacter) {
  const std::string acute = "\xCC\x81";  // U+0301 COMBINING ACUTE ACCENT
  const Tokenizer t(MakeVocab({"e", acute, "e" + acute}, {"e " + acute}));
  EXPECT_THAT(Enc(t, "e" + acute), ElementsAre(Id(t, "e" + acute)));
  EXPECT_THAT(Enc(t, acute + "e"), ElementsAre(Id(t, acute), Id(t, "e")));
}

TEST(TokenizerTest, EmptyInputGivesNoTokens) {
  const Tokenizer t(MakeVocab({"a"}, {}));
  EXPECT_TRUE(Enc(t, "").empty());
  EXPECT_EQ(t.Decode({}), "");
}

TEST(TokenizerTest, DecodeHidesControlTokensOnRequest) {
  const Tokenizer t(MakeVocab({"a"}, {}));
  const std::vector<int32_t> ids = {kTurnOpen, Id(t, "a"), kChannelOpen, kTurnClose};
  EXPECT_EQ(t.Decode(ids), "<|turn>a<|channel><turn|>");
  EXPECT_EQ(t.Decode(ids, /*render_control=*/false), "a<|channel>");
  EXPECT_THROW(t.Decode(std::vector<int32_t>{-1}), std::out_of_range);
  EXPECT_THROW(t.Piece(t.vocab_size()), std::out_of_range);
}

TEST(TokenizerTest, AccessorsReportTheData) {
  TokenizerData d = MakeVocab({"a"}, {});
  d.suppress_tokens = {kChannelOpen};
  d.scores[kFirstPiece] = -2.5f;
  const Tokenizer t(d);
  EXPECT_EQ(t.vocab_size(), kFirstPiece + 1);
  EXPECT_EQ(t.bos(), kBos);
  EXPECT_EQ(t.eos(), kEos);
  EXPECT_TRUE(t.add_bos());
  EXPECT_TRUE(t.IsEndOfGeneration(kEos));
  EXPECT_TRUE(t.IsEndOfGeneration(kTurnClose));
  EXPECT_FALSE(t.IsEndOfGeneration(kTurnOpen));
  EXPECT_TRUE(t.IsControl(kTurnOpen));
  EXPECT_FALSE(t.IsControl(kChannelOpen));
  EXPECT_EQ(t.Type(ByteId(7)), TokenType::kByte);
  EXPECT_EQ(t.Type(-5), TokenType::kUndefined);
  EXPECT_THAT(t.suppress_tokens(), ElementsAre(kChannelOpen));
  EXPECT_FLOAT_EQ(t.Score(kFirstPiece), -2.5f);
  EXPECT_EQ(t.Piece(kFirstPiece), "a");
  EXPECT_FALSE(t.Find("zz").has_value());
}

// --- validation -------------------------------------------------------------

std::string ErrorOf(const TokenizerData& d) {
  try {
    Tokenizer t(d);
  } catch (const TokenizerError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(TokenizerValidationTest, RejectsBadData) {
  EXPECT_THAT(ErrorOf(TokenizerData{}), HasSubstr("empty vocabulary"));
  EXPECT_THAT(ErrorOf(MakeVocab({"a", "b", "ab"}, {"a b", "a c"})),
              HasSubstr("test vocab: merge 1 ('a c'): unknown right piece 'c'"));
  EXPECT_THAT(ErrorOf(MakeVocab({"a", "b"}, {"x b"})), HasSubstr("merge 0 ('x b'): unknown left"));
  EXPECT_THAT(ErrorOf(MakeVocab({"a", "b"}, {"a b"})), HasSubstr("merged piece 'ab'"));
  EXPECT_THAT(ErrorOf(MakeVocab({"a"}, {"a"})), HasSubstr("merge 0 ('a'): not 'left right'"));

  TokenizerData d = MakeVocab({"a"}, {});
  d.bos_id = d.tokens.size();
  EXPECT_THAT(ErrorOf(d), HasSubstr("bos id"));
  d = MakeVocab({"a"}, {});
  d.suppress_tokens = {-3};
  EXPECT_THAT(ErrorOf(d), HasSubstr("suppress_tokens id -3"));
  d = MakeVocab({"a"}, {});
  d.scores.pop_back();
  EXPECT_THAT(ErrorOf(d), HasSubstr("scores has"));
  d = MakeVocab({"a"}, {});
  d.types.push_back(TokenType::kNormal);
  EXPECT_THAT(ErrorOf(d), HasSubstr("token_type has"));
  d = MakeVocab({"a"}, {});
  d.types[kFirstPiece] = static_cast<TokenType>(9);
  EXPECT_THAT(ErrorOf(d), HasSubstr("token_type of token"));
  d = MakeVocab({"a"}, {});
  d.types[kFirstPiece] = TokenType::kByte;
  EXPECT_THAT(ErrorOf(d), HasSubstr("not of the form <0xXX>"));
  d = MakeVocab({"a"}, {});
  d.types[ByteId(0x41)] = TokenType::kNormal;
  d.unk_id = -1;
  EXPECT_THAT(ErrorOf(d), HasSubstr("no byte token for byte 65"));
}

// --- agreement with a naive BPE on random vocabularies and inputs ----------

// Textbook BPE: repeatedly merge the adjacent pair of lowest rank (leftmost
// on ties), rescanning everything each time.
std::vector<int32_t> NaiveEncodeChunk(
    const Tokenizer& t, const std::vector<std::string>& chars,
    const std::map<std::pair<std::string, std::string>, int>& rank) {
  std::vector<std::string> sym = chars;
  for (;;) {
    int best = -1;
    size_t at = 0;
    for (size_t i = 0; i + 1 < sym.size(); ++i) {
      auto it = rank.find({sym[i], sym[i + 1]});
      if (it != rank.end() && (best < 0 || it->second < best)) {
        best = it->second;
        at = i;
      }
    }
    if (best < 0) break;
    sym[at] += sym[at + 1];
    sym.erase(sym.begin() + at + 1);
  }
  std::vector<int32_t> out;
  for (const std::string& s : sym) {
    if (auto id = t.Find(s)) {
      out.push_back(*id);
    } else {
      for (unsigned char b : s) out.push_back(ByteId(b));
    }
  }
  return out;
}

TEST(TokenizerTest, AgreesWithNaiveBpeOnRandomVocabularies) {
  std::mt19937 rng(7);
  const std::vector<std::string> alphabet = {"a", "b", "c", kSp, "\xC3\xA9", "\xF0\x9F\x98\x80"};
  for (int trial = 0; trial < 20; ++trial) {
    // Grow a vocabulary by merging random existing pieces, like BPE training.
    std::vector<std::string> pieces(alphabet.begin(), alphabet.end() - (trial % 2));
    std::vector<std::string> merges;
    std::map<std::pair<std::string, std::string>, int> rank;
    for (int k = 0; k < 40; ++k) {
      const std::string& l = pieces[rng() % pieces.size()];
      const std::string& r = pieces[rng() % pieces.size()];
      if (l.size() + r.size() > 12 || rank.count({l, r})) continue;
      const std::string lr = l + r;
      rank[{l, r}] = static_cast<int>(merges.size());
      merges.push_back(l + " " + r);
      if (std::find(pieces.begin(), pieces.end(), lr) == pieces.end()) pieces.push_back(lr);
    }
    const Tokenizer t(MakeVocab(pieces, merges));
    for (int n = 0; n < 30; ++n) {
      std::vector<std::string> chars;
      std::string text;
      const int len = static_cast<int>(rng() % 200);
      for (int i = 0; i < len; ++i) {
        chars.push_back(alphabet[rng() % alphabet.size()]);
        text += chars.back() == kSp ? " " : chars.back();
      }
      ASSERT_EQ(t.Encode(text, false), NaiveEncodeChunk(t, chars, rank)) << "trial " << trial;
      ASSERT_EQ(t.Decode(t.Encode(text, false)), text);
    }
  }
}

// Literal U+2581 is left out: it encodes like a space, so it decodes as one.
TEST(TokenizerTest, RoundTripsArbitraryBytes) {
  const Tokenizer t(MakeVocab({"a", "b", "ab", kSp, kSp + "a", "\n", "\n\n", "\xC3\xA9"},
                              {"a b", kSp + " a", "\n \n"}));
  std::mt19937 rng(11);
  const std::vector<std::string> atoms = {
      "a", "b", " ", "\n", "\xC3\xA9", "\xF0\x9F\x98\x80", "<|turn>", "<channel|>", "<0x41>"};
  for (int n = 0; n < 300; ++n) {
    std::string text;
    const int len = static_cast<int>(rng() % 60);
    for (int i = 0; i < len; ++i) {
      if (rng() % 5 == 0) {
        text.push_back(static_cast<char>(rng() & 0xFF));  // any byte, valid or not
      } else {
        text += atoms[rng() % atoms.size()];
      }
    }
    for (bool special : {false, true}) {
      ASSERT_EQ(t.Decode(t.Encode(text, special)), text) << "special " << special;
    }
  }
}

TEST(TokenizerTest, LongInputsEncode) {
  // Most of a megabyte with no newline form one BPE chunk; the queue-based
  // merge keeps this linearithmic (a quadratic rescan would take minutes).
  const Tokenizer t(
      MakeVocab({"a", "b", "ab", "abab", kSp, kSp + "ab"}, {"a b", "ab ab", kSp + " ab"}));
  std::string text;
  for (int i = 0; i < 100000; ++i) text += "abab ab ";
  const auto ids = t.Encode(text, false);
  ASSERT_EQ(ids.size(), 3u * 100000u);
  EXPECT_EQ(ids[0], Id(t, "abab"));
  EXPECT_EQ(ids[1], Id(t, kSp + "ab"));
  EXPECT_EQ(ids[2], Id(t, kSp));
  EXPECT_EQ(t.Decode(ids), text);
}

}  // namespace
}  // namespace scribed::engine::tokenizer
