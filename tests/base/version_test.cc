#include "scribed/base/version.h"

#include <gtest/gtest.h>

#include <regex>
#include <string>

namespace scribed::base {
namespace {

TEST(Version, IsTheProjectVersion) {
  EXPECT_TRUE(std::regex_match(std::string(kVersion), std::regex(R"(\d+\.\d+\.\d+)"))) << kVersion;
}

}  // namespace
}  // namespace scribed::base
