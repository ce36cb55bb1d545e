#include <gtest/gtest.h>

#include <set>
#include <string>

#include "scribed/pipeline/languages.h"

namespace scribed::pipeline {
namespace {

TEST(Languages, TableCoversTheCommonLanguagesUniquely) {
  const auto all = AllLanguages();
  EXPECT_GE(all.size(), 100u);
  std::set<std::string_view> codes, names;
  for (const Language& l : all) {
    EXPECT_TRUE(codes.insert(l.code).second) << l.code;
    EXPECT_TRUE(names.insert(l.name).second) << l.name;
    EXPECT_GE(l.code.size(), 2u);
    EXPECT_LE(l.code.size(), 3u);
  }
  for (const char* code : {"en", "de", "fr", "es", "it", "pt", "nl", "pl", "ru", "uk", "tr", "ar",
                           "he", "fa", "hi", "bn", "ur", "zh", "ja", "ko", "vi", "th", "id", "sw"}) {
    EXPECT_EQ(codes.count(code), 1u) << code;
  }
}

TEST(Languages, EveryEntryRoundTripsByCodeAndByName) {
  for (const Language& l : AllLanguages()) {
    auto by_code = FindLanguage(l.code);
    ASSERT_TRUE(by_code) << l.code;
    EXPECT_EQ(by_code->name, l.name);
    auto by_name = FindLanguage(l.name);
    ASSERT_TRUE(by_name) << l.name;
    EXPECT_EQ(by_name->code, l.code);
  }
}

TEST(Languages, CaseRegionsAndAliases) {
  EXPECT_EQ(FindLanguage("DE")->name, "German");
  EXPECT_EQ(FindLanguage(" german ")->code, "de");
  EXPECT_EQ(FindLanguage("pt-BR")->name, "Portuguese");
  EXPECT_EQ(FindLanguage("zh_TW")->name, "Chinese");
  EXPECT_EQ(FindLanguage("Farsi")->code, "fa");
  EXPECT_EQ(FindLanguage("mandarin")->code, "zh");
  EXPECT_EQ(FindLanguage("haitian creole")->code, "ht");
}

TEST(Languages, UnknownIsNullopt) {
  EXPECT_FALSE(FindLanguage(""));
  EXPECT_FALSE(FindLanguage("xx"));
  EXPECT_FALSE(FindLanguage("Klingon"));
  EXPECT_FALSE(FindLanguage("auto"));
  EXPECT_FALSE(FindLanguage("-"));
}

}  // namespace
}  // namespace scribed::pipeline
