#include "scribed/base/strings.h"

#include <gtest/gtest.h>

namespace scribed::base {
namespace {

TEST(Strings, Trim) {
  EXPECT_EQ(Trim("  a b \t\n"), "a b");
  EXPECT_EQ(Trim(" \r\f\v "), "");
  EXPECT_EQ(Trim(""), "");
  EXPECT_EQ(TrimLeft("\n x "), "x ");
}

TEST(Strings, AsciiLowerLeavesOtherBytes) {
  EXPECT_EQ(AsciiLower("Gemma-4 12B"), "gemma-4 12b");
  EXPECT_EQ(AsciiLower("\xc3\x84Z"), "\xc3\x84z");  // "ÄZ": only the ASCII letter changes
}

}  // namespace
}  // namespace scribed::base
