#include "scribed/pipeline/text_tidy.h"

#include <array>
#include <cctype>
#include <vector>

namespace scribed::pipeline {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool IsClosingMark(char c) { return c == ',' || c == '.' || c == '!' || c == '?' || c == ';' || c == ':'; }
bool IsSentenceEnd(char c) { return c == '.' || c == '!' || c == '?'; }
bool IsAsciiAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

char Lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }
char Upper(char c) { return static_cast<char>(std::toupper(static_cast<unsigned char>(c))); }

constexpr std::array<std::string_view, 9> kFillers = {"um", "umm", "uh", "uhh", "er",
                                                       "erm", "hmm", "hm", "mm"};

// The word without its trailing punctuation, lowercased.
bool IsFiller(std::string_view word) {
  std::string lower;
  for (char c : word) {
    if (IsClosingMark(c)) break;
    lower += Lower(c);
  }
  for (std::string_view f : kFillers) {
    if (lower == f) return true;
  }
  return false;
}

std::vector<std::string> SplitWords(std::string_view text) {
  std::vector<std::string> words;
  std::string current;
  for (char c : text) {
    if (IsSpace(c)) {
      if (!current.empty()) words.push_back(std::move(current));
      current.clear();
    } else {
      current += c;
    }
  }
  if (!current.empty()) words.push_back(std::move(current));
  return words;
}

// The trailing run of , . ! ? ; : of `word`.
std::string_view TrailingMarks(std::string_view word) {
  size_t i = word.size();
  while (i > 0 && IsClosingMark(word[i - 1])) --i;
  return word.substr(i);
}

}  // namespace

std::string CollapseWhitespace(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  for (char c : text) {
    if (IsSpace(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (IsClosingMark(c)) {
      // No space before a mark, and one comma or semicolon stands for a run of them.
      if (!out.empty() && (c == ',' || c == ';') && out.back() == c) {
        pending_space = false;
        continue;
      }
      pending_space = false;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += c;
  }
  return out;
}

std::string RemoveFillers(std::string_view text) {
  const std::vector<std::string> words = SplitWords(text);
  std::vector<std::string> kept;
  for (const std::string& w : words) {
    if (!IsFiller(w)) {
      kept.push_back(w);
      continue;
    }
    // Keep a sentence end the filler carried ("so um." -> "so."); drop commas.
    const std::string_view marks = TrailingMarks(w);
    char end = 0;
    for (char m : marks) {
      if (IsSentenceEnd(m)) end = m;
    }
    if (end != 0 && !kept.empty()) {
      std::string& prev = kept.back();
      while (!prev.empty() && (prev.back() == ',' || prev.back() == ';' || prev.back() == ':')) {
        prev.pop_back();
      }
      if (prev.empty()) {
        kept.pop_back();
      } else if (!IsSentenceEnd(prev.back())) {
        prev += end;
      }
    }
  }
  // A comma left dangling at the very end ("yes, um") goes too.
  if (!kept.empty()) {
    std::string& last = kept.back();
    while (!last.empty() && (last.back() == ',' || last.back() == ';')) last.pop_back();
    if (last.empty()) kept.pop_back();
  }
  std::string out;
  for (const std::string& w : kept) {
    if (!out.empty()) out += ' ';
    out += w;
  }
  return out;
}

std::string SentenceCase(std::string_view text) {
  std::string out(text);
  bool start = true;  // the next letter begins a sentence
  for (size_t i = 0; i < out.size(); ++i) {
    const char c = out[i];
    if (start && std::isalpha(static_cast<unsigned char>(c))) {
      out[i] = Upper(c);
      start = false;
    } else if (IsSentenceEnd(c)) {
      // "3.5" and "e.g" do not end a sentence: a mark must be followed by a space.
      start = i + 1 < out.size() && IsSpace(out[i + 1]);
    } else if (!IsSpace(c) && c != '"' && c != '\'' && c != '(' && start) {
      // A sentence starting with a digit or a non-ASCII letter keeps its case.
      start = false;
    }
  }
  return out;
}

std::string TidyText(std::string_view text, bool english) {
  std::string s = CollapseWhitespace(RemoveFillers(text));
  if (english) {
    std::vector<std::string> words = SplitWords(s);
    s.clear();
    for (std::string& w : words) {
      // "i", "i'm", "i'll", "i," ...: the pronoun followed by nothing alphanumeric.
      if (!w.empty() && w[0] == 'i' && (w.size() == 1 || !IsAsciiAlnum(w[1]))) w[0] = 'I';
      if (!s.empty()) s += ' ';
      s += w;
    }
  }
  s = SentenceCase(s);
  if (!s.empty()) {
    const char last = s.back();
    // Scripts with their own full stop (e.g. CJK) are left unterminated.
    if (IsAsciiAlnum(last)) {
      s += '.';
    } else if (last == ',' || last == ';' || last == ':') {
      s.back() = '.';
    }
  }
  return s;
}

}  // namespace scribed::pipeline
