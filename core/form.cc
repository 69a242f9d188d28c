#include "core/form.h"

namespace pesan {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes one component in place of `out`; false on a malformed escape.
bool DecodeComponent(std::string_view in, std::string& out) {
  out.clear();
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%') {
      if (i + 2 >= in.size()) return false;
      int hi = HexValue(in[i + 1]), lo = HexValue(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return true;
}

}  // namespace

Status VisitForm(std::string_view body,
                 const std::function<void(std::string_view name, std::string_view value)>& field) {
  std::string name, value;
  while (!body.empty()) {
    size_t amp = body.find('&');
    std::string_view pair = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    if (!DecodeComponent(pair.substr(0, eq), name)) {
      return InvalidInput("malformed percent-escape in a field name");
    }
    value.clear();
    if (eq != std::string_view::npos && !DecodeComponent(pair.substr(eq + 1), value)) {
      return InvalidInput("malformed percent-escape in field '" + name + "'");
    }
    field(name, value);
  }
  return Ok{};
}

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
