#include "adapters/modem/at_parser.h"

#include <array>
#include <charconv>
#include <span>

#include "core/text_util.h"

namespace pesan::modem {
namespace {

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// "<err>" of +CME/+CMS ERROR: a number with AT+CMEE=1, text with AT+CMEE=2.
int ParseErrorNumber(std::string_view rest) {
  rest = TrimLeft(rest, kBlanks);
  int v = -1;
  auto [p, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), v);
  if (ec != std::errc() || p != rest.data() + rest.size() || v < 0) return -1;
  return v;
}

FinalResult Final(FinalResult::Code code, int error = -1) {
  FinalResult r;
  r.code = code;
  r.error = error;
  return r;
}

FinalResult ParseError(FinalResult::Code code, std::string_view rest);

bool IsHexLine(std::string_view s) {
  if (s.size() < 2) return false;
  for (char c : s) {
    bool hex = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
    // Some modems append ",0" after the PDU (PROTOCOLS.md §3.7); tolerate it here.
    if (!hex && c != ',') return false;
  }
  return true;
}

// Codes that are unsolicited whatever command is in flight: 27.005 §3.4.1 (+CMTI, +CMT, +CBM,
// +CDS, +CDSI), 27.007 §6.11 (RING/+CRING), §7.2 (+CREG), §7.18 (+CLIP), §7.15 (+CUSD),
// §10.1.20 (+CGREG), §8.10 (+CIEV), and vendor start-up and status noise.
constexpr std::array<std::string_view, 27> kUnsolicitedPrefixes = {
    "+CMTI:", "+CMT:",  "+CDSI:",   "+CDS:",     "+CBM:",      "+CBMI:",  "+CRING:",
    "+CLIP:", "+CCWA:", "+CREG:",   "+CGREG:",   "+CEREG:",    "+CUSD:",  "+CIEV:",
    "+CPIN:", "+CFUN:", "+PACSP",   "+QIND:",    "+CUSATP:",   "+STIN:",  "+CGEV:",
    "^",      "*EMRDY", "SMS DONE", "SMS Ready", "Call Ready", "PB DONE",
};
constexpr std::array<std::string_view, 3> kTwoLinePrefixes = {"+CMT:", "+CDS:", "+CBM:"};

}  // namespace

std::optional<FinalResult> ParseFinalResult(std::string_view line) {
  line = Trim(line, kBlanks);
  using C = FinalResult::Code;
  if (line == "OK" || line == "0") return Final(C::kOk);
  if (line == "ERROR" || line == "4") return Final(C::kError);
  if (StartsWith(line, "+CME ERROR:")) return ParseError(C::kCmeError, line.substr(11));
  if (StartsWith(line, "+CMS ERROR:")) return ParseError(C::kCmsError, line.substr(11));
  if (line == "NO CARRIER") return Final(C::kNoCarrier);
  if (line == "BUSY") return Final(C::kBusy);
  if (line == "NO ANSWER") return Final(C::kNoAnswer);
  if (line == "NO DIALTONE") return Final(C::kNoDialtone);
  if (line == "CONNECT" || StartsWith(line, "CONNECT ")) return Final(C::kConnect);
  // Vendor error forms seen in the wild (PROTOCOLS.md §3.1): all plain errors.
  if (line == "COMMAND NOT SUPPORT" || line == "TOO MANY PARAMETERS") return Final(C::kError);
  if (StartsWith(line, "MODEM ERROR:")) return Final(C::kError, ParseErrorNumber(line.substr(12)));
  return std::nullopt;
}

bool IsUnsolicited(std::string_view line) {
  if (line == "RING" || line == "RDY") return true;
  for (auto p : kUnsolicitedPrefixes)
    if (StartsWith(line, p)) return true;
  return false;
}

bool IsTwoLineUnsolicited(std::string_view line) {
  for (auto p : kTwoLinePrefixes)
    if (StartsWith(line, p)) return true;
  return false;
}

namespace {

struct ErrorMeaning {
  int code;
  std::string_view meaning;
};
constexpr ErrorMeaning kCmsMeanings[] = {
    // RP causes from the network (3GPP TS 24.011 §E.2, §8.2.5.4).
    {1, "unassigned number"},
    {8, "operator determined barring"},
    {10, "call barred"},
    {21, "short message transfer rejected"},
    {27, "destination out of service"},
    {28, "unidentified subscriber"},
    {29, "facility rejected"},
    {30, "unknown subscriber"},
    {38, "network out of order"},
    {41, "temporary failure"},
    {42, "congestion"},
    {47, "resources unavailable"},
    {50, "requested facility not subscribed"},
    {69, "requested facility not implemented"},
    {81, "invalid short message reference"},
    {95, "invalid message"},
    {96, "invalid mandatory information"},
    {97, "message type non-existent"},
    {98, "message not compatible with the protocol state"},
    {99, "information element non-existent"},
    {111, "protocol error"},
    {127, "interworking error"},
    // TP-FCS from the service centre (3GPP TS 23.040 §9.2.3.22).
    {128, "telematic interworking not supported"},
    {129, "short message type 0 not supported"},
    {130, "cannot replace short message"},
    {143, "TP-PID error"},
    {144, "data coding scheme not supported"},
    {145, "message class not supported"},
    {159, "TP-DCS error"},
    {160, "command cannot be acted on"},
    {161, "command unsupported"},
    {175, "TP-Command error"},
    {176, "TPDU not supported"},
    {192, "SC busy"},
    {193, "no SC subscription"},
    {194, "SC system failure"},
    {195, "invalid SME address"},
    {196, "destination SME barred"},
    {197, "duplicate message rejected"},
    {198, "TP-VPF not supported"},
    {199, "TP-VP not supported"},
    {208, "SIM SMS storage full"},
    {209, "no SMS storage on the SIM"},
    {210, "error in MS"},
    {211, "memory capacity exceeded"},
    {212, "SIM application toolkit busy"},
    {213, "SIM data download error"},
    {255, "unspecified error"},
    // ME/TA errors (3GPP TS 27.005 §3.2.5).
    {300, "ME failure"},
    {301, "SMS service of ME reserved"},
    {302, "operation not allowed"},
    {303, "operation not supported"},
    {304, "invalid PDU mode parameter"},
    {305, "invalid text mode parameter"},
    {310, "SIM not inserted"},
    {311, "SIM PIN required"},
    {312, "PH-SIM PIN required"},
    {313, "SIM failure"},
    {314, "SIM busy"},
    {315, "SIM wrong"},
    {316, "SIM PUK required"},
    {317, "SIM PIN2 required"},
    {318, "SIM PUK2 required"},
    {320, "memory failure"},
    {321, "invalid memory index"},
    {322, "memory full"},
    {330, "SMSC address unknown"},
    {331, "no network service"},
    {332, "network timeout"},
    {340, "no +CNMA acknowledgement expected"},
    {500, "unknown error"},
};

// The general +CME ERROR codes of 3GPP TS 27.007 §9.2.1 (PROTOCOLS.md §3.4).
constexpr ErrorMeaning kCmeMeanings[] = {
    {0, "phone failure"},
    {1, "no connection to phone"},
    {2, "phone-adaptor link reserved"},
    {3, "operation not allowed"},
    {4, "operation not supported"},
    {5, "PH-SIM PIN required"},
    {10, "SIM not inserted"},
    {11, "SIM PIN required"},
    {12, "SIM PUK required"},
    {13, "SIM failure"},
    {14, "SIM busy"},
    {15, "SIM wrong"},
    {16, "incorrect password"},
    {17, "SIM PIN2 required"},
    {18, "SIM PUK2 required"},
    {20, "memory full"},
    {21, "invalid index"},
    {22, "not found"},
    {23, "memory failure"},
    {24, "text string too long"},
    {25, "invalid characters in text string"},
    {26, "dial string too long"},
    {27, "invalid characters in dial string"},
    {30, "no network service"},
    {31, "network timeout"},
    {32, "network not allowed, emergency calls only"},
    {40, "network personalisation PIN required"},
    {41, "network personalisation PUK required"},
    {42, "network subset personalisation PIN required"},
    {43, "network subset personalisation PUK required"},
    {44, "service provider personalisation PIN required"},
    {45, "service provider personalisation PUK required"},
    {46, "corporate personalisation PIN required"},
    {47, "corporate personalisation PUK required"},
    {100, "unknown"},
};

std::string_view Find(std::span<const ErrorMeaning> meanings, int code) {
  for (const auto& m : meanings) {
    if (m.code == code) return m.meaning;
  }
  return {};
}

// `name`, then `detail` in brackets when there is one: "+CMS ERROR 331 (no network service)",
// "+CME ERROR (SIM busy)" (an error given as text that names no known code).
std::string WithDetail(std::string name, std::string_view detail) {
  if (!detail.empty()) name.append(" (").append(detail).append(")");
  return name;
}

std::string DescribeError(std::string_view name, int code, std::string_view meaning) {
  return WithDetail(std::string(name) + " " + std::to_string(code), meaning);
}

constexpr size_t kMaxErrorText = 60;  // of a verbose <err> kept for the log

// A +CME/+CMS ERROR's <err>. Verbose text (AT+CMEE=2, which some modems use whatever they are
// told) that is one of 27.007 §9.2.1's texts counts as its number, so that what is decided on
// a code (a wrong PIN, no SIM) holds for those modems too; other text is kept, printable and
// cut short, to be logged.
FinalResult ParseError(FinalResult::Code code, std::string_view rest) {
  FinalResult r = Final(code, ParseErrorNumber(rest));
  rest = Trim(rest, kBlanks);
  if (r.error >= 0 || rest.empty()) return r;
  if (code == FinalResult::Code::kCmeError) {
    for (const auto& m : kCmeMeanings) {
      if (EqualsIgnoreCase(rest, m.meaning)) {
        r.error = m.code;
        return r;
      }
    }
  }
  for (char c : rest.substr(0, kMaxErrorText)) r.text += c >= 0x20 && c < 0x7F ? c : '?';
  if (rest.size() > kMaxErrorText) r.text += "...";
  return r;
}

}  // namespace

std::string_view CmsErrorMeaning(int code) {
  if (auto meaning = Find(kCmsMeanings, code); !meaning.empty()) return meaning;
  if (code >= 0 && code <= 127) return "refused by the network";
  if (code >= 128 && code <= 255) return "refused by the service centre";
  if (code >= 512) return "manufacturer-specific error";
  return {};
}

std::string DescribeCmsError(int code) {
  return DescribeError("+CMS ERROR", code, CmsErrorMeaning(code));
}

std::string_view CmeErrorMeaning(int code) { return Find(kCmeMeanings, code); }

std::string DescribeCmeError(int code) {
  return DescribeError("+CME ERROR", code, CmeErrorMeaning(code));
}

std::string Describe(const FinalResult& r) {
  using C = FinalResult::Code;
  auto num = [&](const char* name) {
    return std::string(name) + (r.error >= 0 ? ": " + std::to_string(r.error) : "");
  };
  switch (r.code) {
    case C::kOk:
      return "OK";
    case C::kError:
      return num("ERROR");
    case C::kCmeError:
      return r.error >= 0 ? DescribeCmeError(r.error) : WithDetail("+CME ERROR", r.text);
    case C::kCmsError:
      return r.error >= 0 ? DescribeCmsError(r.error) : WithDetail("+CMS ERROR", r.text);
    case C::kNoCarrier:
      return "NO CARRIER";
    case C::kBusy:
      return "BUSY";
    case C::kNoAnswer:
      return "NO ANSWER";
    case C::kNoDialtone:
      return "NO DIALTONE";
    case C::kConnect:
      return "CONNECT";
  }
  return "?";
}

void AtParser::Reset() {
  partial_.clear();
  overflow_ = false;
  pending_two_line_.reset();
}

void AtParser::Feed(std::string_view bytes, const AtContext& ctx, std::vector<AtEvent>* out) {
  for (char c : bytes) {
    if (c == '\r' || c == '\n') {
      if (!partial_.empty() && !overflow_) OnLine(partial_, ctx, out);
      partial_.clear();
      overflow_ = false;
      continue;
    }
    if (overflow_) continue;
    // The prompt "> " (27.005 §3.5.1) ends no line: recognise the '>' at a line start
    // (PROTOCOLS.md §3.1: match on '>', some modems send "\r\n> ", others "> " alone).
    if (c == '>' && partial_.empty() && ctx.expect_prompt && !pending_two_line_) {
      out->push_back(AtEvent{AtEvent::Kind::kPrompt, ">", {}, {}});
      continue;
    }
    if (c == ' ' && partial_.empty()) continue;  // the space after '>', or leading blanks
    partial_.push_back(c);
    if (partial_.size() > kMaxLine) {
      overflow_ = true;
      partial_.clear();
    }
  }
}

void AtParser::OnLine(std::string_view line, const AtContext& ctx, std::vector<AtEvent>* out) {
  line = TrimRight(line);
  if (line.empty()) return;
  if (pending_two_line_) {
    std::string header = std::move(*pending_two_line_);
    pending_two_line_.reset();
    if (IsHexLine(line)) {
      out->push_back(
          AtEvent{AtEvent::Kind::kUnsolicited, std::move(header), std::string(line), {}});
      return;
    }
    // No PDU after the header: report it bare and read this line on its own.
    out->push_back(AtEvent{AtEvent::Kind::kUnsolicited, std::move(header), {}, {}});
  }
  if (auto final = ParseFinalResult(line)) {
    out->push_back(AtEvent{AtEvent::Kind::kFinal, std::string(line), {}, *final});
    return;
  }
  if (ctx.command_pending && !ctx.response_prefix.empty() &&
      StartsWith(line, ctx.response_prefix)) {
    out->push_back(AtEvent{AtEvent::Kind::kInfo, std::string(line), {}, {}});
    return;
  }
  if (IsTwoLineUnsolicited(line)) {
    pending_two_line_ = std::string(line);
    return;
  }
  if (IsUnsolicited(line) || !ctx.command_pending) {
    out->push_back(AtEvent{AtEvent::Kind::kUnsolicited, std::string(line), {}, {}});
    return;
  }
  out->push_back(AtEvent{AtEvent::Kind::kInfo, std::string(line), {}, {}});
}

}  // namespace pesan::modem
