#include "scribed/base/version.h"

#include <gtest/gtest.h>

#include <cctype>
#include <string>
#include <vector>

namespace scribed::base {
namespace {

// "MAJOR.MINOR.PATCH", each a run of digits. (No std::regex: GCC 12 warns
// inside <regex> at -O1 with the sanitizers, and the build uses -Werror.)
TEST(Version, IsTheProjectVersion) {
  const std::string version(kVersion);
  std::vector<std::string> parts(1);
  for (char c : version) {
    if (c == '.') {
      parts.emplace_back();
    } else {
      ASSERT_TRUE(std::isdigit(static_cast<unsigned char>(c))) << version;
      parts.back() += c;
    }
  }
  ASSERT_EQ(parts.size(), 3u) << version;
  for (const std::string& p : parts) EXPECT_FALSE(p.empty()) << version;
}

}  // namespace
}  // namespace scribed::base
