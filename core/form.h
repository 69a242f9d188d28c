// application/x-www-form-urlencoded bodies and URL query strings (WHATWG URL §5; RFC 3986
// §2.1 percent-encoding). Pure functions over bytes.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace pesan {

using FormFields = std::vector<std::pair<std::string, std::string>>;

// Decodes "a=1&b=x+y%21": '+' is a space, %XX a byte. A malformed escape ("%4", "%zz") is
// InvalidInput naming the field. Empty pairs ("a=1&&b=2") are skipped; a name without '='
// has an empty value. Values are bytes: the caller checks UTF-8 where it needs it.
Result<FormFields> ParseForm(std::string_view body);

namespace form_detail {
// `in` decoded: `in` itself when it has neither '+' nor '%', else decoded into `scratch`.
// False on a malformed escape.
bool Decode(std::string_view in, std::string& scratch, std::string_view& out);
Error MalformedName();
Error MalformedValue(std::string_view name);
}  // namespace form_detail

// The same decoding without building FormFields: `field(name, value)` for each pair in order
// (the views last until it returns; a component without escapes is a view into `body`). The
// first malformed escape stops it with InvalidInput.
template <typename Field>
Status VisitForm(std::string_view body, Field&& field) {
  std::string name_buf, value_buf;
  while (!body.empty()) {
    const size_t amp = body.find('&');
    const std::string_view pair = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    std::string_view name, value;
    if (!form_detail::Decode(pair.substr(0, eq), name_buf, name)) {
      return form_detail::MalformedName();
    }
    if (eq != std::string_view::npos &&
        !form_detail::Decode(pair.substr(eq + 1), value_buf, value)) {
      return form_detail::MalformedValue(name);
    }
    field(name, value);
  }
  return Ok{};
}

// The first value of `name`, or nullptr.
const std::string* FindField(const FormFields& fields, std::string_view name);

// Percent-encodes for a query value or a form field (unreserved characters stay, space is %20).
std::string UrlEncode(std::string_view bytes);

}  // namespace pesan
