// SMS TPDUs as a GSM modem exchanges them in PDU mode (3GPP TS 23.040 §9.2, 3GPP TS 27.005
// §3.1): SMS-DELIVER, SMS-SUBMIT and SMS-STATUS-REPORT, each preceded by the SMSC address.
//
// Pure functions over bytes: decoding accepts any input and reports what is wrong in an
// InvalidInput error; encoding builds the hex strings sent after AT+CMGS. Thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/gsm_text.h"
#include "core/result.h"

namespace pesan::modem {

// ---- Fields ----

// Type of number, bits 6..4 of the Type-of-Address octet (23.040 §9.1.2.5).
enum class TypeOfNumber : uint8_t {
  kUnknown = 0,
  kInternational = 1,
  kNational = 2,
  kNetworkSpecific = 3,
  kSubscriber = 4,
  kAlphanumeric = 5,  // value is GSM 7-bit packed text (23.038 §6.1.2.1.1)
  kAbbreviated = 6,
  kReserved = 7,
};

// An originator, destination, recipient or SMSC address.
struct Address {
  TypeOfNumber ton = TypeOfNumber::kUnknown;
  uint8_t npi = 1;    // numbering plan, bits 3..0 (1 = ISDN/E.164)
  std::string value;  // international: "+" and digits; alphanumeric: UTF-8 text; else digits
                      // (BCD 0xA..0xE read as * # a b c)

  bool operator==(const Address&) const = default;
};

// The address a caller means by `text`: "+6281..." international, "0812..." or "3636"
// unknown-type digits (the network reads them as dialled), anything else alphanumeric
// (at most 11 GSM-7 characters). InvalidInput for empty, too long or non-GSM-7 text.
Result<Address> ParseAddress(std::string_view text);

// TP-SCTS, TP-DT and absolute TP-VP (23.040 §9.2.3.11): local time of the sender and its
// offset from UTC. Fields hold what the octets say; Utc() checks them.
struct SmsTimestamp {
  int year = 2000;  // 2000..2099
  int month = 1;
  int day = 1;
  int hour = 0;
  int minute = 0;
  int second = 0;
  int tz_quarters = 0;  // offset from UTC in quarter hours, -79..79

  bool operator==(const SmsTimestamp&) const = default;
  // The instant, or nullopt if a field is out of range (not a date).
  std::optional<SystemTime> Utc() const;
};
// The timestamp of `t` seen from a zone `tz_quarters` quarter hours east of UTC.
SmsTimestamp TimestampAt(SystemTime t, int tz_quarters = 0);

enum class Alphabet { kGsm7, k8Bit, kUcs2 };

// TP-DCS (23.038 §4).
struct DataCoding {
  uint8_t raw = 0;
  Alphabet alphabet = Alphabet::kGsm7;
  std::optional<int> message_class;  // 0 flash, 1 ME, 2 SIM, 3 TE
  bool compressed = false;           // text not decodable; user data kept as bytes
  bool auto_delete = false;          // group 01xx
  bool waiting_indication = false;   // message-waiting groups 1100..1110
};
DataCoding DecodeDataCoding(uint8_t dcs);

// IEI 0x00 / 0x08 (23.040 §9.2.3.24.1, §9.2.3.24.8).
struct Concatenation {
  uint16_t ref = 0;
  uint8_t total = 0;  // >= 1
  uint8_t seq = 0;    // 1..total
  bool ref16 = false;
};

struct InformationElement {
  uint8_t iei = 0;
  std::string data;
};

// TP-UDH (23.040 §9.2.3.24).
struct UserDataHeader {
  std::optional<Concatenation> concat;     // the first valid concatenation IE
  std::vector<InformationElement> others;  // every other IE, raw, in order
};

// Validity period of an SMS-SUBMIT (23.040 §9.2.3.12).
enum class ValidityFormat : uint8_t { kNone = 0, kEnhanced = 1, kRelative = 2, kAbsolute = 3 };
struct Validity {
  ValidityFormat format = ValidityFormat::kNone;
  uint8_t relative = 0;                  // kRelative
  std::optional<SmsTimestamp> absolute;  // kAbsolute
  std::string enhanced;                  // kEnhanced, 7 raw octets
};
// Relative TP-VP (§9.2.3.12.1): the smallest code whose period is >= `period` (capped at 63
// weeks, at least 5 minutes), and the period a code stands for.
uint8_t RelativeValidityCode(std::chrono::minutes period);
std::chrono::minutes RelativeValidityPeriod(uint8_t code);

enum class PduType { kDeliver, kSubmit, kStatusReport };

// TP-ST classes (23.040 §9.2.3.15): bit 6 set is a failure, else bit 5 is "still trying".
enum class DeliveryState { kDelivered, kPending, kFailed };
DeliveryState ClassifyStatus(uint8_t tp_st);

// One decoded TPDU. Fields not carried by `type` keep their defaults.
struct SmsPdu {
  std::optional<Address> smsc;  // nullopt when absent or empty ("00")
  PduType type = PduType::kDeliver;
  uint8_t first_octet = 0;
  bool more_messages = false;      // DELIVER, STATUS-REPORT: TP-MMS clear
  bool status_report = false;      // DELIVER: SRI; SUBMIT: SRR; STATUS-REPORT: SRQ
  bool reply_path = false;         // DELIVER, SUBMIT
  bool reject_duplicates = false;  // SUBMIT
  uint8_t message_reference = 0;   // SUBMIT, STATUS-REPORT
  Address address;  // DELIVER: originator; SUBMIT: destination; STATUS-REPORT: recipient
  uint8_t pid = 0;
  DataCoding dcs;
  Validity validity;                           // SUBMIT
  std::optional<SmsTimestamp> timestamp;       // DELIVER, STATUS-REPORT: TP-SCTS
  std::optional<SmsTimestamp> discharge_time;  // STATUS-REPORT: TP-DT
  uint8_t status = 0;                          // STATUS-REPORT: TP-ST
  std::optional<UserDataHeader> udh;
  std::string text;  // UTF-8, for GSM 7-bit and UCS-2 user data
  std::string data;  // the octets after the UDH, for 8-bit and compressed user data
};

// How the PDU is framed.
struct DecodeOptions {
  // The <length> of +CMGR/+CMGL/+CMT/+CDS: TPDU octets, the SMSC part excluded. When given,
  // the SMSC prefix is taken to be present exactly when the PDU is longer than this.
  std::optional<size_t> tpdu_length;
  // Without tpdu_length: whether the PDU starts with the SMSC address (27.005 §3.1). Some
  // modems neither send nor accept it.
  bool has_smsc = true;
};

// Decodes a PDU as hex (either case, surrounding whitespace ignored) or as octets. MTI 00 is an
// SMS-DELIVER, 01 an SMS-SUBMIT (sent messages read back from storage), 10 an
// SMS-STATUS-REPORT. Octets after the TPDU's last field are ignored.
Result<SmsPdu> DecodePdu(std::string_view hex, const DecodeOptions& options = {});
Result<SmsPdu> DecodePduBytes(std::span<const uint8_t> bytes, const DecodeOptions& options = {});

// ---- Encoding ----

struct EncodedPdu {
  std::string hex;     // SMSC part + TPDU, uppercase, as written after AT+CMGS=<n>
  size_t tpdu_length;  // <n>: octets of the TPDU (the SMSC part excluded)
};

struct SubmitOptions {
  std::optional<Address> smsc;                   // nullopt: "00", the modem's +CSCA
  bool status_report = false;                    // TP-SRR, on every part
  std::optional<std::chrono::minutes> validity;  // relative TP-VP; nullopt: none (SMSC default)
  bool ref16 = false;                            // 16-bit concatenation reference (UDH of 7 octets)
  uint16_t concat_ref = 0;  // kept per destination by the caller; 8-bit refs use the low octet
  uint8_t message_reference = 0;  // TP-MR; modems replace it
  uint8_t pid = 0;
  std::optional<int> message_class;  // 0..3; 0 = flash
  std::optional<SmsCoding> coding;   // nullopt: GSM 7-bit when the text allows, else UCS-2
  bool reject_duplicates = false;
};

// Builds the SMS-SUBMIT PDUs of `text` (UTF-8) for `destination` (see ParseAddress): one PDU,
// or a concatenated series cut by SplitSmsUnits, GSM 7-bit with fill bits after the UDH
// (23.040 §9.2.3.24) or UCS-2 (UTF-16BE). Characters outside GSM-7 in a text forced to kGsm7
// are sent as '?'. InvalidInput for a bad destination or more than 255 parts.
Result<std::vector<EncodedPdu>> EncodeSubmit(std::string_view destination, std::string_view text,
                                             const SubmitOptions& options = {});

// One SMS-SUBMIT carrying `part` as it is (no splitting), with `concat` in a UDH when set:
// for resending a single part of a series. InvalidInput for a bad destination or a part that
// does not fit in the 140 octets of TP-UD.
Result<EncodedPdu> EncodeSubmitPart(std::string_view destination, std::string_view part,
                                    const std::optional<Concatenation>& concat,
                                    const SubmitOptions& options = {});

struct DeliverOptions {
  std::optional<Address> smsc;
  SmsTimestamp timestamp;
  bool more_messages = false;
  bool status_report = false;  // TP-SRI
  bool ref16 = false;
  uint16_t concat_ref = 0;
  uint8_t pid = 0;
  std::optional<int> message_class;
  std::optional<SmsCoding> coding;
};

// Builds the SMS-DELIVER PDUs a network would deliver for `text` from `originator` (see
// ParseAddress; alphanumeric senders allowed).
Result<std::vector<EncodedPdu>> EncodeDeliver(std::string_view originator, std::string_view text,
                                              const DeliverOptions& options = {});

struct StatusReportOptions {
  std::optional<Address> smsc;
  uint8_t message_reference = 0;
  SmsTimestamp timestamp;       // TP-SCTS of the reported SUBMIT
  SmsTimestamp discharge_time;  // TP-DT
  uint8_t status = 0;           // TP-ST
};

// Builds the SMS-STATUS-REPORT for a message to `recipient` (no optional parameters).
Result<EncodedPdu> EncodeStatusReport(std::string_view recipient,
                                      const StatusReportOptions& options);

// ---- Hex ----

std::string ToHex(std::string_view bytes);          // uppercase
Result<std::string> FromHex(std::string_view hex);  // whitespace around is ignored

}  // namespace pesan::modem
