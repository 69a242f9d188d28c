#include "core/form.h"

namespace pesan {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

namespace form_detail {

bool Decode(std::string_view in, std::string& scratch, std::string_view& out) {
  size_t i = 0;
  while (i < in.size() && in[i] != '+' && in[i] != '%') ++i;
  if (i == in.size()) {
    out = in;
    return true;
  }
  // Plain runs are copied whole, escapes one by one.
  scratch.clear();
  scratch.reserve(in.size());
  size_t run = 0;
  while (true) {
    scratch.append(in.data() + run, i - run);
    if (i == in.size()) break;
    if (in[i] == '+') {
      scratch.push_back(' ');
      ++i;
    } else {
      if (i + 2 >= in.size()) return false;
      const int hi = HexValue(in[i + 1]), lo = HexValue(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      scratch.push_back(static_cast<char>(hi * 16 + lo));
      i += 3;
    }
    run = i;
    while (i < in.size() && in[i] != '+' && in[i] != '%') ++i;
  }
  out = scratch;
  return true;
}

Error MalformedName() { return InvalidInput("malformed percent-escape in a field name"); }

Error MalformedValue(std::string_view name) {
  return InvalidInput("malformed percent-escape in field '" + std::string(name) + "'");
}

}  // namespace form_detail

Result<FormFields> ParseForm(std::string_view body) {
  FormFields fields;
  auto st = VisitForm(body, [&fields](std::string_view name, std::string_view value) {
    fields.emplace_back(std::string(name), std::string(value));
  });
  if (!st) return st.error();
  return fields;
}

const std::string* FindField(const FormFields& fields, std::string_view name) {
  for (const auto& [k, v] : fields) {
    if (k == name) return &v;
  }
  return nullptr;
}

std::string UrlEncode(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(bytes.size() * 3);
  for (unsigned char c : bytes) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace pesan
