#include "adapters/africastalking/at_ussd.h"

#include <array>

#include "core/form.h"
#include "core/gsm_text.h"

namespace pesan::africastalking {

Result<UssdRequest> ParseUssdRequest(std::string_view body, const RequestLimits& limits) {
  UssdRequest r;
  struct Field {
    const char* name;
    std::string* out;
    bool required;
    std::size_t max;
    bool seen = false;  // the first of a repeated field counts
  };
  Field wanted[] = {
      {"sessionId", &r.session_id, true, limits.max_session_id},
      {"phoneNumber", &r.phone, true, 32},
      {"serviceCode", &r.service_code, false, 32},
      {"networkCode", &r.network_code, false, 16},
      {"text", &r.text, false, limits.max_text},
  };
  // Only the wanted fields are copied, and none past its limit.
  std::array<bool, std::size(wanted)> too_long{};
  auto st = VisitForm(body, [&](std::string_view name, std::string_view value) {
    for (size_t i = 0; i < std::size(wanted); ++i) {
      Field& f = wanted[i];
      if (f.seen || name != f.name) continue;
      f.seen = true;
      too_long[i] = value.size() > f.max;
      if (!too_long[i]) f.out->assign(value);
      return;
    }
  });
  if (!st) return st.error();
  for (size_t i = 0; i < std::size(wanted); ++i) {
    const Field& f = wanted[i];
    if (!f.seen || (f.required && !too_long[i] && f.out->empty())) {
      if (f.required) return InvalidInput(std::string("missing field ") + f.name);
      continue;
    }
    if (too_long[i]) return InvalidInput(std::string("field ") + f.name + " too long");
    if (!IsValidUtf8(*f.out)) return InvalidInput(std::string("field ") + f.name + " is not UTF-8");
  }
  return r;
}

std::string FormatUssdAnswer(std::string_view screen, bool end) {
  std::string out(end ? "END " : "CON ");
  out.append(screen);
  return out;
}

}  // namespace pesan::africastalking
