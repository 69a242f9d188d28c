#include "adapters/africastalking/at_ussd.h"

#include <array>

#include "core/form.h"
#include "core/gsm_text.h"
#include "core/text_util.h"

namespace pesan::africastalking {
namespace {

constexpr std::string_view kSpace = " \t\r\n";

// The media type as it may be shown: printable ASCII, at most 64 characters.
std::string Shown(std::string_view type) {
  std::string out;
  for (char c : type.substr(0, 64)) out.push_back(c >= 0x20 && c < 0x7F ? c : '?');
  if (type.size() > 64) out += "...";
  return out;
}

}  // namespace

Status CheckContentType(std::string_view content_type) {
  // RFC 9110 §8.3.1: type/subtype, then parameters after ';'; names are case-insensitive.
  // What aggregators send, at once.
  if (content_type.empty() || content_type == "application/x-www-form-urlencoded") return Ok{};
  const std::string_view media = Trim(content_type.substr(0, content_type.find(';')), kSpace);
  if (media.empty() || EqualsIgnoreCase(media, "application/x-www-form-urlencoded")) {
    return Ok{};
  }
  return InvalidInput("Content-Type " + Shown(media) + " is not read: " + std::string(kFormHint));
}

Result<UssdRequest> ParseUssdRequest(std::string_view body, const RequestLimits& limits) {
  UssdRequest r;
  struct Field {
    std::string_view name;
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
  // A JSON body read as a form is one field named after all of it (or a "malformed escape"
  // at its first '%'): say what was sent instead of "missing field sessionId". '{' and '['
  // begin no field name an aggregator sends.
  if (const size_t start = body.find_first_not_of(kSpace);
      !wanted[0].seen && start != std::string_view::npos &&
      (body[start] == '{' || body[start] == '[')) {
    return InvalidInput("the body is JSON: " + std::string(kFormHint));
  }
  if (!st) return st.error();
  for (size_t i = 0; i < std::size(wanted); ++i) {
    const Field& f = wanted[i];
    if (!f.seen) {
      if (f.required) return InvalidInput("missing field " + std::string(f.name));
      continue;
    }
    if (f.required && !too_long[i] && f.out->empty()) {
      return InvalidInput(std::string(f.name) + " is empty");
    }
    if (too_long[i]) return InvalidInput("field " + std::string(f.name) + " too long");
    if (!IsValidUtf8(*f.out)) return InvalidInput("field " + std::string(f.name) + " is not UTF-8");
  }
  return r;
}

std::string FormatUssdAnswer(std::string_view screen, bool end) {
  std::string out(end ? "END " : "CON ");
  out.append(screen);
  return out;
}

}  // namespace pesan::africastalking
