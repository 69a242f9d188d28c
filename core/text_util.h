// Small helpers over text that the parsers of several channels share.
#pragma once

#include <string_view>

namespace pesan {

// White space as std::isspace has it in the "C" locale (the gateway sets no other).
inline constexpr std::string_view kWhiteSpace = " \t\n\v\f\r";
// Blanks within a line: what AT responses and typed USSD input are padded with.
inline constexpr std::string_view kBlanks = " \t";

// `s` without the characters of `chars` at its start.
constexpr std::string_view TrimLeft(std::string_view s, std::string_view chars = kWhiteSpace) {
  const size_t first = s.find_first_not_of(chars);
  return first == std::string_view::npos ? std::string_view() : s.substr(first);
}

// `s` without the characters of `chars` at its end.
constexpr std::string_view TrimRight(std::string_view s, std::string_view chars = kWhiteSpace) {
  const size_t last = s.find_last_not_of(chars);
  return last == std::string_view::npos ? std::string_view() : s.substr(0, last + 1);
}

// `s` without the characters of `chars` at either end.
constexpr std::string_view Trim(std::string_view s, std::string_view chars = kWhiteSpace) {
  return TrimRight(TrimLeft(s, chars), chars);
}

// Whether `a` and `b` are the same but for the letter case of ASCII letters.
constexpr bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

}  // namespace pesan
