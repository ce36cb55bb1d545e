#include "scribed/pipeline/languages.h"

#include <array>
#include <cctype>
#include <string>

#include "scribed/base/strings.h"

namespace scribed::pipeline {
namespace {

// ISO 639-1 codes with the English names the prompts use, sorted by code.
constexpr auto kLanguages = std::to_array<Language>({
    {"af", "Afrikaans"},  {"am", "Amharic"},     {"ar", "Arabic"},      {"as", "Assamese"},
    {"az", "Azerbaijani"}, {"ba", "Bashkir"},    {"be", "Belarusian"},  {"bg", "Bulgarian"},
    {"bn", "Bengali"},    {"bo", "Tibetan"},     {"br", "Breton"},      {"bs", "Bosnian"},
    {"ca", "Catalan"},    {"cs", "Czech"},       {"cy", "Welsh"},       {"da", "Danish"},
    {"de", "German"},     {"el", "Greek"},       {"en", "English"},     {"eo", "Esperanto"},
    {"es", "Spanish"},    {"et", "Estonian"},    {"eu", "Basque"},      {"fa", "Persian"},
    {"fi", "Finnish"},    {"fil", "Filipino"},   {"fo", "Faroese"},     {"fr", "French"},
    {"fy", "Western Frisian"}, {"ga", "Irish"},  {"gd", "Scottish Gaelic"}, {"gl", "Galician"},
    {"gu", "Gujarati"},   {"ha", "Hausa"},       {"he", "Hebrew"},      {"hi", "Hindi"},
    {"hr", "Croatian"},   {"ht", "Haitian Creole"}, {"hu", "Hungarian"}, {"hy", "Armenian"},
    {"id", "Indonesian"}, {"ig", "Igbo"},        {"is", "Icelandic"},   {"it", "Italian"},
    {"ja", "Japanese"},   {"jv", "Javanese"},    {"ka", "Georgian"},    {"kk", "Kazakh"},
    {"km", "Khmer"},      {"kn", "Kannada"},     {"ko", "Korean"},      {"ku", "Kurdish"},
    {"ky", "Kyrgyz"},     {"la", "Latin"},       {"lb", "Luxembourgish"}, {"ln", "Lingala"},
    {"lo", "Lao"},        {"lt", "Lithuanian"},  {"lv", "Latvian"},     {"mg", "Malagasy"},
    {"mi", "Maori"},      {"mk", "Macedonian"},  {"ml", "Malayalam"},   {"mn", "Mongolian"},
    {"mr", "Marathi"},    {"ms", "Malay"},       {"mt", "Maltese"},     {"my", "Burmese"},
    {"ne", "Nepali"},     {"nl", "Dutch"},       {"nn", "Norwegian Nynorsk"}, {"no", "Norwegian"},
    {"ny", "Chichewa"},   {"oc", "Occitan"},     {"om", "Oromo"},       {"or", "Odia"},
    {"pa", "Punjabi"},    {"pl", "Polish"},      {"ps", "Pashto"},      {"pt", "Portuguese"},
    {"ro", "Romanian"},   {"ru", "Russian"},     {"rw", "Kinyarwanda"}, {"sa", "Sanskrit"},
    {"sd", "Sindhi"},     {"si", "Sinhala"},     {"sk", "Slovak"},      {"sl", "Slovenian"},
    {"sn", "Shona"},      {"so", "Somali"},      {"sq", "Albanian"},    {"sr", "Serbian"},
    {"st", "Sesotho"},    {"su", "Sundanese"},   {"sv", "Swedish"},     {"sw", "Swahili"},
    {"ta", "Tamil"},      {"te", "Telugu"},      {"tg", "Tajik"},       {"th", "Thai"},
    {"tk", "Turkmen"},    {"tl", "Tagalog"},     {"tr", "Turkish"},     {"tt", "Tatar"},
    {"ug", "Uyghur"},     {"uk", "Ukrainian"},   {"ur", "Urdu"},        {"uz", "Uzbek"},
    {"vi", "Vietnamese"}, {"xh", "Xhosa"},       {"yi", "Yiddish"},     {"yo", "Yoruba"},
    {"zh", "Chinese"},    {"zu", "Zulu"},
});

// Other English names people use for a language in the table.
struct Alias {
  std::string_view name;
  std::string_view code;
};
constexpr auto kAliases = std::to_array<Alias>({
    {"farsi", "fa"},          {"mandarin", "zh"},       {"castilian", "es"},
    {"flemish", "nl"},        {"moldavian", "ro"},      {"panjabi", "pa"},
    {"pushto", "ps"},         {"sinhalese", "si"},      {"gaelic", "gd"},
    {"haitian", "ht"},        {"myanmar", "my"},        {"oriya", "or"},
    {"norwegian bokmal", "no"}, {"bokmal", "no"},
});

std::optional<Language> ByCode(std::string_view code) {
  for (const Language& l : kLanguages) {
    if (l.code == code) return l;
  }
  return std::nullopt;
}

}  // namespace

std::optional<Language> FindLanguage(std::string_view code_or_name) {
  std::string key = base::AsciiLower(base::Trim(code_or_name));
  if (key.empty()) return std::nullopt;
  // Region subtags ("pt-br", "zh_TW") select the base language.
  if (const size_t cut = key.find_first_of("-_"); cut != std::string::npos && cut <= 3) {
    key.resize(cut);
  }
  if (auto l = ByCode(key)) return l;
  for (const Language& l : kLanguages) {
    if (base::AsciiLower(l.name) == key) return l;
  }
  for (const Alias& a : kAliases) {
    if (a.name == key) return ByCode(a.code);
  }
  return std::nullopt;
}

std::span<const Language> AllLanguages() { return kLanguages; }

}  // namespace scribed::pipeline
