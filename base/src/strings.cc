#include "scribed/base/strings.h"

namespace scribed::base {
namespace {

constexpr std::string_view kWhitespace = " \t\n\r\f\v";

}  // namespace

std::string_view Trim(std::string_view s) noexcept {
  const size_t b = s.find_first_not_of(kWhitespace);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(kWhitespace) - b + 1);
}

std::string_view TrimLeft(std::string_view s) noexcept {
  const size_t b = s.find_first_not_of(kWhitespace);
  return b == std::string_view::npos ? std::string_view{} : s.substr(b);
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace scribed::base
