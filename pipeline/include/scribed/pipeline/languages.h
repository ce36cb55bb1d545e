// ISO 639-1 language codes and English language names, both ways.
//
//   FindLanguage("de")->name == "German";  FindLanguage("german")->code == "de"
//
// Thread-safe (a constant table).
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace scribed::pipeline {

struct Language {
  std::string_view code;  // ISO 639-1, lowercase
  std::string_view name;  // English name as the prompts use it
};

// Looks up a code ("de", "DE", "pt-BR" uses "pt") or an English name ("German",
// case-insensitive; a few common alternative names too). nullopt if unknown.
std::optional<Language> FindLanguage(std::string_view code_or_name);

// Every language in the table, in code order.
std::span<const Language> AllLanguages();

}  // namespace scribed::pipeline
