// Hubtel-style USSD callback (PROTOCOLS.md §5.5): a JSON POST per hop carrying only the latest
// input; the gateway keeps the session's path itself. Pure functions over the body bytes.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace pesan::hubtel {

enum class HopType { kInitiation, kResponse, kRelease, kTimeout };

struct UssdRequest {
  HopType type = HopType::kInitiation;
  std::string session_id;
  std::string mobile;  // in E.164 form when it is a number ("233..." gets its '+')
  std::string service_code;
  std::string input;  // the latest input; on initiation, what the dial string carried after the
                      // service code ("*123*1*2#" -> "1*2")
  long long sequence = 0;
};

// InvalidInput (with a short reason) for a body that is not a JSON object, lacks SessionId,
// Mobile or Type, has an unknown Type, or fields that are too long or not UTF-8.
Result<UssdRequest> ParseUssdRequest(std::string_view body);

// {"Type":"Response"|"Release","Message":...,"Label":...,"DataType":"input","FieldType":"text"}
std::string FormatUssdAnswer(std::string_view screen, bool end);

// "*123*1*2#" -> "1*2"; "*123#" -> "".
std::string InputsOfDialString(std::string_view dial);

}  // namespace pesan::hubtel
