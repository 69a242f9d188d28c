#include "adapters/africastalking/at_ussd.h"

#include "core/form.h"
#include "core/gsm_text.h"

namespace pesan::africastalking {

Result<UssdRequest> ParseUssdRequest(std::string_view body, const RequestLimits& limits) {
  auto fields = ParseForm(body);
  if (!fields) return fields.error();
  UssdRequest r;
  struct Field {
    const char* name;
    std::string* out;
    bool required;
    std::size_t max;
  };
  const Field wanted[] = {
      {"sessionId", &r.session_id, true, limits.max_session_id},
      {"phoneNumber", &r.phone, true, 32},
      {"serviceCode", &r.service_code, false, 32},
      {"networkCode", &r.network_code, false, 16},
      {"text", &r.text, false, limits.max_text},
  };
  for (const auto& f : wanted) {
    const std::string* v = FindField(*fields, f.name);
    if (!v || (f.required && v->empty())) {
      if (f.required) return InvalidInput(std::string("missing field ") + f.name);
      continue;
    }
    if (v->size() > f.max) return InvalidInput(std::string("field ") + f.name + " too long");
    if (!IsValidUtf8(*v)) return InvalidInput(std::string("field ") + f.name + " is not UTF-8");
    *f.out = *v;
  }
  return r;
}

std::string FormatUssdAnswer(std::string_view screen, bool end) {
  std::string out(end ? "END " : "CON ");
  out.append(screen);
  return out;
}

}  // namespace pesan::africastalking
