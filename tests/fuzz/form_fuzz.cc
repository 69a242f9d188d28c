// ParseForm on arbitrary bytes: never crashes, and the fields it decodes, encoded again with
// UrlEncode, decode to the same fields.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/form.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto fields = pesan::ParseForm(body);
  if (!fields.ok()) {
    if (fields.error().message.empty()) std::abort();
    return 0;
  }
  std::string encoded;
  for (const auto& [name, value] : *fields) {
    if (!encoded.empty()) encoded += '&';
    encoded += pesan::UrlEncode(name) + "=" + pesan::UrlEncode(value);
  }
  auto again = pesan::ParseForm(encoded);
  if (!again.ok() || *again != *fields) std::abort();
  return 0;
}
