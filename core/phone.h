// Phone numbers are stored in E.164 ("+6281234567890"). Indonesian habits: "0812…" is
// national, "62812…" and "+62812…" international; all three name the same subscriber.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace pesan {

// Normalises a number to E.164 with `country_code` (digits, e.g. "62") for national forms.
// Spaces, dashes, dots and parentheses are ignored. Short codes and alphanumeric senders
// ("TELKOMSEL", "3636") are not phone numbers: InvalidInput.
Result<std::string> NormalizePhone(std::string_view raw, std::string_view country_code = "62");

// The national form the shop's staff dial: "+6285766660001" -> "085766660001". Numbers of
// another country stay international.
std::string NationalPhone(std::string_view e164, std::string_view country_code = "62");

// For logs: a number with its middle hidden ("+62812*****890"); customers' numbers are
// personal data. Short or odd senders keep only their first characters.
std::string MaskPhone(std::string_view number);

}  // namespace pesan
