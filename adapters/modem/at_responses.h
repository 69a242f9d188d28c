// Parsers for the information lines the modem adapter reads (3GPP TS 27.005, 27.007). Pure
// functions over the text of one line or of a command's information lines; nullopt when the
// text does not have the expected form.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pesan::modem {

// The parameters after "<prefix>:" split at commas outside double quotes, quotes removed and
// blanks trimmed: `+CMGL: 3,1,"",23` -> {"3", "1", "", "23"}. nullopt if `line` lacks `prefix`.
std::optional<std::vector<std::string>> SplitParams(std::string_view line, std::string_view prefix);

// One message read from storage: AT+CMGL / AT+CMGR in PDU mode (27.005 §3.4.2, §3.4.3).
struct StoredPdu {
  int index = -1;   // storage index (-1 for +CMGR, which names it in the command)
  int stat = -1;    // 0 received unread, 1 received read, 2 stored unsent, 3 stored sent
  int length = 0;   // TPDU length in octets (the SMSC prefix excluded)
  std::string pdu;  // hex, as sent by the modem
};

// "+CMGL: <index>,<stat>,[<alpha>],<length>" then the PDU line, repeated.
// Lines that do not belong to a listing (noise) are skipped.
std::vector<StoredPdu> ParseCmgl(const std::vector<std::string>& lines);
// "+CMGR: <stat>,[<alpha>],<length>" then the PDU line.
std::optional<StoredPdu> ParseCmgr(const std::vector<std::string>& lines);

// "+CMTI: <mem>,<index>" and "+CDSI: <mem>,<index>" (27.005 §3.4.1).
struct StorageIndication {
  std::string mem;
  int index = -1;
};
std::optional<StorageIndication> ParseStorageIndication(std::string_view line);

// "+CMGS: <mr>[,<ackpdu>]" (27.005 §3.5.1): the TP-Message-Reference.
std::optional<int> ParseCmgs(std::string_view line);

// "+CSQ: <rssi>,<ber>" (27.007 §8.5).
struct SignalQuality {
  int rssi = 99;  // 0..31, 99 unknown
  int ber = 99;
};
std::optional<SignalQuality> ParseCsq(std::string_view line);
// dBm for rssi 0..31 (-113 + 2*rssi); nullopt for 99 / out of range.
std::optional<int> RssiToDbm(int rssi);
// 0..5 bars; -1 when unknown.
int RssiToBars(int rssi);

// "+CREG: <n>,<stat>[,<lac>,<ci>[,<AcT>]]" answering AT+CREG? (27.007 §7.2); also +CGREG.
// Returns <stat>.
std::optional<int> ParseCregResponse(std::string_view line);

// "+CSCA: <sca>,<tosca>" (27.005 §3.3.1): the service centre number.
std::optional<std::string> ParseCsca(std::string_view line);

// "+CPMS: <mem1>,<used1>,<total1>,..." answering AT+CPMS? (27.005 §3.2.2), or the set form's
// "+CPMS: <used1>,<total1>,...". The first storage's counters.
struct StorageUse {
  std::string mem;  // empty for the set form
  int used = 0;
  int total = 0;
};
std::optional<StorageUse> ParseCpms(std::string_view line);

// "+CPIN: <code>" (27.007 §8.3): READY, SIM PIN, SIM PUK, ...
std::optional<std::string> ParseCpin(std::string_view line);

}  // namespace pesan::modem
