// Deterministic text clean-up that needs no model: used on every formatted
// segment and as the fallback when the model's rewrite is rejected.
//
// Thread-safe (pure functions). Text is UTF-8; only ASCII letters change case.
#pragma once

#include <string>
#include <string_view>

namespace scribed::pipeline {

// Collapses runs of whitespace (newlines included) to one space, trims, and
// removes spaces before , . ! ? ; : and doubled punctuation separators (" ,,").
std::string CollapseWhitespace(std::string_view text);

// Removes hesitation fillers (um, umm, uh, uhh, er, erm, hmm, hm, mm) as whole
// words, case-insensitively, with the comma that sets them off, keeping any
// sentence-ending mark the filler carried ("so um." -> "so.").
std::string RemoveFillers(std::string_view text);

// Upper-cases the first letter of the text and of every sentence (after . ! ?
// and a space). Letters other than ASCII are left as they are.
std::string SentenceCase(std::string_view text);

// The whole deterministic pass of the clean mode: fillers, whitespace,
// sentence case and a final full stop when the text ends in a letter or digit.
// For English (`english` true) a lone "i" becomes "I".
std::string TidyText(std::string_view text, bool english);

}  // namespace scribed::pipeline
