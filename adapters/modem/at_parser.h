// The AT line framer and classifier: bytes from the modem in, events out. Pure (no I/O, no
// clock); the engine tells it what the command in flight expects through AtContext.
//
// Line model (ITU-T V.250 §5.7.1, 3GPP TS 27.007 §4.1): with ATV1 every response is framed
// <CR><LF>text<CR><LF>; we split on CR or LF and skip empty lines, which also copes with echo
// (the command comes back ended by CR) and with stray CRs before an OK. Unsolicited result codes
// may arrive at any moment, also between the information lines of a response
// (PROTOCOLS.md §3.1); the two-line codes +CMT, +CDS and +CBM carry their PDU on the next line
// (3GPP TS 27.005 §3.4.1). The +CMGS/+CMGW prompt "> " has no line ending (27.005 §3.5.1).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pesan::modem {

// A final result code: the end of a command's response.
struct FinalResult {
  enum class Code {
    kOk,
    kError,     // ERROR, and vendor forms (COMMAND NOT SUPPORT, MODEM ERROR: n)
    kCmeError,  // +CME ERROR: <err> (27.007 §9.2)
    kCmsError,  // +CMS ERROR: <err> (27.005 §3.2.5)
    kNoCarrier,
    kBusy,
    kNoAnswer,
    kNoDialtone,
    kConnect,
  };
  Code code = Code::kOk;
  int error = -1;    // <err> of +CME/+CMS ERROR: its number (AT+CMEE=1, or a known verbose text)
  std::string text;  // <err> as verbose text (AT+CMEE=2) that names no known code, else empty
  bool ok() const { return code == Code::kOk; }
};

struct AtEvent {
  enum class Kind {
    kFinal,        // `final` is set; `line` is the raw line
    kInfo,         // an information line of the command in flight (echo included)
    kUnsolicited,  // an unsolicited result code; `pdu` holds the second line of +CMT/+CDS/+CBM
    kPrompt,       // the "> " prompt of +CMGS/+CMGW
  };
  Kind kind = Kind::kInfo;
  std::string line;
  std::string pdu;
  FinalResult final;
};

// What the command in flight expects. Without a command in flight every line is unsolicited.
struct AtContext {
  bool command_pending = false;
  // Information lines of the command start with this (e.g. "+CREG:"), so a line with that
  // prefix is the answer even when the same code can also arrive unsolicited.
  std::string response_prefix;
  // AT+CMGS=<n> was sent: a '>' at the start of a line is the prompt.
  bool expect_prompt = false;
};

class AtParser {
 public:
  // Longest line kept; the rest of a longer line is dropped (a PDU line is at most ~360 chars).
  static constexpr size_t kMaxLine = 2048;

  // Feeds bytes; appends the events they complete to `out`. `ctx` applies to the lines completed
  // in this call.
  void Feed(std::string_view bytes, const AtContext& ctx, std::vector<AtEvent>* out);
  // Forgets any partial line (after the device was reopened).
  void Reset();

 private:
  void OnLine(std::string_view line, const AtContext& ctx, std::vector<AtEvent>* out);

  std::string partial_;
  bool overflow_ = false;
  // A +CMT/+CDS/+CBM header waiting for its PDU line.
  std::optional<std::string> pending_two_line_;
};

// Parses a final result code line ("OK", "+CMS ERROR: 500", "0" in V0 form ...); nullopt if the
// line is not one.
std::optional<FinalResult> ParseFinalResult(std::string_view line);
// True for lines that are unsolicited result codes whatever the command in flight.
bool IsUnsolicited(std::string_view line);
// True for the URCs whose PDU follows on the next line (+CMT, +CDS, +CBM).
bool IsTwoLineUnsolicited(std::string_view line);
// What a +CMS ERROR <err> means (3GPP TS 27.005 §3.2.5, PROTOCOLS.md §3.4): the ME/TA codes
// 300..500 of 27.005, the common RP causes 0..127 of the network (TS 24.011 §E.2) and TP-FCS
// values 128..255 of the service centre (TS 23.040 §9.2.3.22), each in a few words; a general
// phrase for the rest of those ranges and for the manufacturer codes >= 512; empty for codes
// 27.005 leaves unassigned.
std::string_view CmsErrorMeaning(int code);
// "+CMS ERROR 331 (no network service)": the code with its meaning, for logs and for the
// outbox's last error.
std::string DescribeCmsError(int code);
// What a +CME ERROR <err> means (3GPP TS 27.007 §9.2.1, PROTOCOLS.md §3.4: the SIM, memory and
// network errors a modem answers AT+CPIN, +CMGS or +CUSD with), in a few words; empty for a code
// not listed there.
std::string_view CmeErrorMeaning(int code);
// "+CME ERROR 10 (SIM not inserted)": the code with its meaning, for logs and for the outbox's
// last error.
std::string DescribeCmeError(int code);
// "OK", "ERROR", "+CME ERROR 16 (incorrect password)", "+CMS ERROR 322 (memory full)" for logs
// and errors.
std::string Describe(const FinalResult& r);

}  // namespace pesan::modem
