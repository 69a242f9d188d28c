// Africa's Talking USSD callback (PROTOCOLS.md §5.1): a form POST per hop with sessionId,
// serviceCode, phoneNumber, networkCode and text (every input of the session joined by '*';
// empty on the first hop); the answer is text/plain "CON <screen>" or "END <screen>".
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace pesan::africastalking {

struct UssdRequest {
  std::string session_id;
  std::string service_code;
  std::string phone;  // as sent; the caller normalises it
  std::string network_code;
  std::string text;
};

struct RequestLimits {
  std::size_t max_session_id = 128;
  std::size_t max_text = 4096;  // longer paths are refused with 400
};

// What the callback takes, for answers to requests in another shape.
inline constexpr std::string_view kFormHint =
    "this endpoint takes form fields (Content-Type: application/x-www-form-urlencoded): "
    "sessionId, phoneNumber, text, serviceCode, networkCode";

// Whether a request's Content-Type header is one the callback reads: the form's
// (application/x-www-form-urlencoded, with any parameters) or none (the body is read as a
// form). Anything else, JSON included, is InvalidInput naming the type and kFormHint.
Status CheckContentType(std::string_view content_type);

// Parses the form body. A missing sessionId or phoneNumber, one sent empty ("sessionId="), a
// JSON body, a malformed body, an overlong field or text that is not UTF-8 is InvalidInput
// with a short reason.
Result<UssdRequest> ParseUssdRequest(std::string_view body, const RequestLimits& limits = {});

// "CON <screen>" or "END <screen>".
std::string FormatUssdAnswer(std::string_view screen, bool end);

}  // namespace pesan::africastalking
