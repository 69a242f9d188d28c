// application/x-www-form-urlencoded bodies and URL query strings (WHATWG URL §5; RFC 3986
// §2.1 percent-encoding). Pure functions over bytes.
#pragma once

#include <functional>
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

// The same decoding without building FormFields: `field(name, value)` for each pair in order
// (the views last until it returns). The first malformed escape stops it with InvalidInput.
Status VisitForm(std::string_view body,
                 const std::function<void(std::string_view name, std::string_view value)>& field);

// The first value of `name`, or nullptr.
const std::string* FindField(const FormFields& fields, std::string_view name);

// Percent-encodes for a query value or a form field (unreserved characters stay, space is %20).
std::string UrlEncode(std::string_view bytes);

}  // namespace pesan
