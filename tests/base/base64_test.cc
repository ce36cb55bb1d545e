#include "scribed/base/base64.h"

#include <gtest/gtest.h>

#include <string>

namespace scribed::base {
namespace {

TEST(Base64, Rfc4648Vectors) {
  const std::pair<std::string, std::string> vectors[] = {
      {"", ""},         {"f", "Zg=="},     {"fo", "Zm8="},         {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(Base64Encode(plain), encoded);
    EXPECT_EQ(Base64Decode(encoded), plain);
  }
}

TEST(Base64, RoundTripsEveryByte) {
  std::string all;
  for (int b = 0; b < 256; ++b) all += static_cast<char>(b);
  for (size_t n = 0; n <= all.size(); n += 37) {
    EXPECT_EQ(Base64Decode(Base64Encode(all.substr(0, n))), all.substr(0, n));
  }
  EXPECT_EQ(Base64Encode("/tmp/caf\xe9.wav"), "L3RtcC9jYWbpLndhdg==");
}

TEST(Base64, RejectsWhatIsNotCanonical) {
  for (const char* bad : {"Zg", "Zg=", "Z===", "Zg==Zg==", "Zh==", "Zm9v!A==", "Zm=v", " Zm9v"}) {
    EXPECT_FALSE(Base64Decode(bad)) << bad;
  }
}

}  // namespace
}  // namespace scribed::base
