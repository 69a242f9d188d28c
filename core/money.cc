#include "core/money.h"

#include <cctype>

#include "core/text_util.h"

namespace pesan {

std::string FormatRupiah(Rupiah amount) {
  std::string digits = std::to_string(amount < 0 ? -amount : amount);
  std::string out = amount < 0 ? "-Rp" : "Rp";
  const size_t lead = digits.size() % 3 == 0 ? 3 : digits.size() % 3;
  out.append(digits, 0, lead);
  for (size_t i = lead; i < digits.size(); i += 3) {
    out.push_back('.');
    out.append(digits, i, 3);
  }
  return out;
}

Result<Rupiah> ParseRupiah(std::string_view text) {
  std::string_view s = text;
  auto trim = [&s] { s = Trim(s); };
  trim();
  if (s.size() >= 2 && (s[0] == 'R' || s[0] == 'r') && (s[1] == 'P' || s[1] == 'p')) {
    s.remove_prefix(2);
    if (!s.empty() && s.front() == '.') s.remove_prefix(1);  // "Rp. 65.000"
    trim();
  }
  if (s.ends_with(",-") || s.ends_with(".-")) s.remove_suffix(2);  // "65.000,-"
  if (s.ends_with(",00")) s.remove_suffix(3);                      // "65.000,00"
  if (s.empty()) return InvalidInput("no amount given");

  // Digits, with '.' or ',' as thousands separators in groups of three.
  Rupiah value = 0;
  int digits = 0;
  int group = -1;  // digits since the last separator; -1 before any separator
  for (char c : s) {
    if (c >= '0' && c <= '9') {
      if (++digits > 12) return InvalidInput("amount too large: " + std::string(text));
      value = value * 10 + (c - '0');
      if (group >= 0) ++group;
    } else if ((c == '.' || c == ',') && digits > 0 && (group == -1 || group == 3)) {
      if (group == -1 && digits > 3)
        return InvalidInput("not a whole rupiah amount: " + std::string(text));
      group = 0;
    } else {
      return InvalidInput("not a whole rupiah amount: " + std::string(text));
    }
  }
  if (group != -1 && group != 3)
    return InvalidInput("not a whole rupiah amount: " + std::string(text));
  return value;
}

}  // namespace pesan
