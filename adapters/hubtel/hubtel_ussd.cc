#include "adapters/hubtel/hubtel_ussd.h"

#include <nlohmann/json.hpp>

#include "core/gsm_text.h"

namespace pesan::hubtel {
namespace {

constexpr size_t kMaxField = 256;

// A string field, or a number written as one ("Sequence": 2 or "2").
Result<std::string> Field(const nlohmann::json& j, const char* name, bool required) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) {
    if (required) return InvalidInput(std::string("missing field ") + name);
    return std::string();
  }
  std::string v;
  if (it->is_string()) {
    v = it->get<std::string>();
  } else if (it->is_number_integer()) {
    v = std::to_string(it->get<long long>());
  } else {
    return InvalidInput(std::string("field ") + name + " must be a string");
  }
  if (v.size() > kMaxField) return InvalidInput(std::string("field ") + name + " too long");
  if (!IsValidUtf8(v)) return InvalidInput(std::string("field ") + name + " is not UTF-8");
  if (required && v.empty()) return InvalidInput(std::string("empty field ") + name);
  return v;
}

}  // namespace

std::string InputsOfDialString(std::string_view dial) {
  while (!dial.empty() && (dial.front() == '*' || dial.front() == ' ')) dial.remove_prefix(1);
  while (!dial.empty() && (dial.back() == '#' || dial.back() == ' ')) dial.remove_suffix(1);
  auto star = dial.find('*');
  return star == std::string_view::npos ? std::string() : std::string(dial.substr(star + 1));
}

Result<UssdRequest> ParseUssdRequest(std::string_view body) {
  auto j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return InvalidInput("body is not a JSON object");
  UssdRequest r;
  auto type = Field(j, "Type", true);
  if (!type) return type.error();
  if (*type == "Initiation") {
    r.type = HopType::kInitiation;
  } else if (*type == "Response") {
    r.type = HopType::kResponse;
  } else if (*type == "Release") {
    r.type = HopType::kRelease;
  } else if (*type == "Timeout") {
    r.type = HopType::kTimeout;
  } else {
    return InvalidInput("unknown Type '" + *type + "'");
  }
  auto session = Field(j, "SessionId", true);
  if (!session) return session.error();
  r.session_id = *session;
  auto mobile = Field(j, "Mobile", true);
  if (!mobile) return mobile.error();
  r.mobile = *mobile;
  if (!r.mobile.empty() && r.mobile[0] != '+' && r.mobile[0] != '0') r.mobile = "+" + r.mobile;
  auto code = Field(j, "ServiceCode", false);
  if (!code) return code.error();
  r.service_code = *code;
  auto message = Field(j, "Message", false);
  if (!message) return message.error();
  r.input = r.type == HopType::kInitiation ? InputsOfDialString(*message) : *message;
  auto seq = Field(j, "Sequence", false);
  if (!seq) return seq.error();
  if (!seq->empty()) {
    char* end = nullptr;
    r.sequence = std::strtoll(seq->c_str(), &end, 10);
    if (*end != '\0') return InvalidInput("Sequence must be a number");
  }
  return r;
}

std::string FormatUssdAnswer(std::string_view screen, bool end) {
  nlohmann::json j{{"Type", end ? "Release" : "Response"},
                   {"Message", screen},
                   {"Label", "Pesan"},
                   {"ClientState", ""},
                   {"DataType", "input"},
                   {"FieldType", "text"}};
  return j.dump();
}

}  // namespace pesan::hubtel
