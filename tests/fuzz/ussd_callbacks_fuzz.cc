// The two USSD callbacks' parsers on arbitrary bodies: never crash; what parses is valid UTF-8
// within the limits, and an answer built from it is well-formed.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "adapters/africastalking/at_ussd.h"
#include "adapters/hubtel/hubtel_ussd.h"
#include "core/gsm_text.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto at = pesan::africastalking::ParseUssdRequest(body);
  if (at.ok()) {
    if (at->session_id.empty() || !pesan::IsValidUtf8(at->text)) std::abort();
    if (pesan::africastalking::FormatUssdAnswer(at->text, false).rfind("CON ", 0) != 0)
      std::abort();
  } else if (at.error().message.empty()) {
    std::abort();
  }
  auto hub = pesan::hubtel::ParseUssdRequest(body);
  if (hub.ok()) {
    if (hub->session_id.empty() || !pesan::IsValidUtf8(hub->input)) std::abort();
    auto again = pesan::hubtel::FormatUssdAnswer(hub->input, true);
    if (again.empty() || again.front() != '{') std::abort();
  } else if (hub.error().message.empty()) {
    std::abort();
  }
  return 0;
}
