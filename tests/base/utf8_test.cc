#include "scribed/base/utf8.h"

#include <gtest/gtest.h>

namespace scribed::base {
namespace {

TEST(Utf8, AcceptsWellFormedText) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8e\xa4"));  // é € 🎤
  EXPECT_TRUE(IsValidUtf8("\xf4\x8f\xbf\xbf"));                          // U+10FFFF
}

TEST(Utf8, RejectsWhatJsonCannotCarry) {
  EXPECT_FALSE(IsValidUtf8("caf\xe9.wav"));      // Latin-1 é
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));         // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xe0\x80\xaf"));     // overlong, three bytes
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));     // surrogate U+D800
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xe2\x82"));         // cut short
  EXPECT_FALSE(IsValidUtf8("\x80"));             // lone continuation byte
  EXPECT_FALSE(IsValidUtf8("\xff"));
}

TEST(Utf8, ReplacesEachBadByte) {
  EXPECT_EQ(ToValidUtf8("caf\xe9.wav"), "caf\xef\xbf\xbd.wav");
  EXPECT_EQ(ToValidUtf8("\xe2\x82x"), "\xef\xbf\xbd\xef\xbf\xbdx");
  EXPECT_EQ(ToValidUtf8("caf\xc3\xa9"), "caf\xc3\xa9");  // valid text unchanged
  EXPECT_TRUE(IsValidUtf8(ToValidUtf8("\xff\xfe\xc0\xaf\xed\xa0\x80")));
}

}  // namespace
}  // namespace scribed::base
