#include "core/phone.h"

namespace pesan {

namespace {

// "+" and 8 to 15 digits, the first not 0: already E.164, as the rules below would leave it.
bool IsE164(std::string_view raw) {
  if (raw.size() < 9 || raw.size() > 16 || raw[0] != '+' || raw[1] == '0') return false;
  for (char c : raw.substr(1)) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

Result<std::string> NormalizePhone(std::string_view raw, std::string_view country_code) {
  if (IsE164(raw)) return std::string(raw);
  std::string digits;
  bool plus = false;
  for (char c : raw) {
    if (c >= '0' && c <= '9') {
      digits.push_back(c);
    } else if (c == '+' && digits.empty() && !plus) {
      plus = true;
    } else if (c == ' ' || c == '-' || c == '.' || c == '(' || c == ')') {
      continue;
    } else {
      return InvalidInput("not a phone number: " + std::string(raw));
    }
  }
  if (!plus && digits.starts_with("00")) {  // international call prefix
    digits.erase(0, 2);
    plus = true;
  }
  std::string e164;
  if (plus) {
    e164 = digits;
  } else if (digits.starts_with("0")) {
    e164 = std::string(country_code) + digits.substr(1);
  } else if (digits.starts_with(country_code)) {
    e164 = digits;
  } else {
    return InvalidInput("not a phone number: " + std::string(raw));
  }
  // E.164: at most 15 digits; a mobile subscriber number has at least 8 (ITU-T E.164 §6).
  if (e164.size() < 8 || e164.size() > 15 || e164[0] == '0') {
    return InvalidInput("not a phone number: " + std::string(raw));
  }
  return "+" + e164;
}

std::string NationalPhone(std::string_view e164, std::string_view country_code) {
  std::string_view s = e164;
  if (s.starts_with("+")) s.remove_prefix(1);
  if (s.starts_with(country_code) && s.size() > country_code.size()) {
    return "0" + std::string(s.substr(country_code.size()));
  }
  return std::string(e164);
}

std::string MaskPhone(std::string_view number) {
  if (number.size() < 8) return std::string(number.substr(0, 2)) + "***";
  std::string out(number);
  for (size_t i = 6; i + 3 < out.size(); ++i) out[i] = '*';
  return out;
}

}  // namespace pesan
