// SMPP 3.4 PDU codec: pure functions over bytes. A framer that cuts a byte stream into PDUs, a
// decoder and encoder for every PDU an ESME sends or receives, and the delivery receipt parser.
//
// Layouts follow "Short Message Peer to Peer Protocol Specification v3.4" (SMPP34): the header
// in §3.2, the PDU bodies in §4, the field types and maximum sizes in §5.2, the TLVs in §5.3 and
// the receipt text in Appendix B.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/channel.h"
#include "core/result.h"

namespace pesan::smpp {

// Command ids, SMPP34 §5.1.2.1. A response is the request's id | kResponseBit.
inline constexpr uint32_t kResponseBit = 0x80000000;
enum CommandId : uint32_t {
  kGenericNack = 0x80000000,
  kBindReceiver = 0x00000001,
  kBindTransmitter = 0x00000002,
  kSubmitSm = 0x00000004,
  kSubmitSmResp = 0x80000004,
  kDeliverSm = 0x00000005,
  kDeliverSmResp = 0x80000005,
  kUnbind = 0x00000006,
  kUnbindResp = 0x80000006,
  kBindTransceiver = 0x00000009,
  kBindTransceiverResp = 0x80000009,
  kOutbind = 0x0000000B,
  kEnquireLink = 0x00000015,
  kEnquireLinkResp = 0x80000015,
  kAlertNotification = 0x00000102,
  kDataSm = 0x00000103,
  kDataSmResp = 0x80000103,
};

// command_status values used here, SMPP34 §5.1.3.
enum Status : uint32_t {
  kRok = 0x00,
  kRinvMsgLen = 0x01,
  kRinvCmdLen = 0x02,
  kRinvCmdId = 0x03,
  kRinvBndSts = 0x04,
  kRalyBnd = 0x05,
  kRsysErr = 0x08,
  kRinvSrcAdr = 0x0A,
  kRinvDstAdr = 0x0B,
  kRbindFail = 0x0D,
  kRinvPaswd = 0x0E,
  kRinvSysId = 0x0F,
  kRmsgQFul = 0x14,
  kRthrottled = 0x58,
  kRxTAppn = 0x64,
  kRxPAppn = 0x65,
  kRxRAppn = 0x66,
  kRinvOptParStream = 0xC0,
  kRunknownErr = 0xFF,
};

// "ESME_RTHROTTLED (0x58)" style name for logs; unknown codes print as hex.
std::string StatusName(uint32_t status);
// "submit_sm" style name; unknown ids print as hex.
std::string CommandName(uint32_t command_id);

// TLV tags, SMPP34 §5.3.2.
enum TlvTag : uint16_t {
  kTagAdditionalStatusInfoText = 0x001D,
  kTagReceiptedMessageId = 0x001E,
  kTagUserMessageReference = 0x0204,
  kTagSarMsgRefNum = 0x020C,
  kTagSarTotalSegments = 0x020E,
  kTagSarSegmentSeqnum = 0x020F,
  kTagScInterfaceVersion = 0x0210,
  kTagNetworkErrorCode = 0x0423,
  kTagMessagePayload = 0x0424,
  kTagMessageState = 0x0427,
  kTagUssdServiceOp = 0x0501,
  kTagItsReplyType = 0x1380,
  kTagItsSessionInfo = 0x1383,
};

// esm_class bits, SMPP34 §5.2.12.
inline constexpr uint8_t kEsmReceipt = 0x04;   // bits 5..2 = 0001: SMSC delivery receipt
inline constexpr uint8_t kEsmTypeMask = 0x3C;  // bits 5..2: message type
inline constexpr uint8_t kEsmUdhi = 0x40;      // bit 6: short_message starts with a UDH
inline constexpr uint8_t kInterfaceVersion34 = 0x34;

inline constexpr size_t kHeaderLength = 16;
// The framer refuses a command_length above this before buffering it (SMPP34 does not set a
// maximum; message_payload alone may reach 64 KiB).
inline constexpr size_t kDefaultMaxPduLength = 70 * 1024;

struct Tlv {
  uint16_t tag = 0;
  std::string value;  // raw octets
  bool operator==(const Tlv&) const = default;
};
// In wire order; unknown tags are kept so that encoding gives back the same bytes.
using Tlvs = std::vector<Tlv>;

const Tlv* FindTlv(const Tlvs& tlvs, uint16_t tag);
// The first octet of a 1-octet TLV (ussd_service_op, message_state, ...), if present and 1 long.
std::optional<uint8_t> TlvByte(const Tlvs& tlvs, uint16_t tag);
// The value of a C-Octet string TLV without its terminating NUL (tolerates a missing NUL).
std::optional<std::string> TlvCString(const Tlvs& tlvs, uint16_t tag);
// Adds or replaces a TLV.
void SetTlv(Tlvs& tlvs, uint16_t tag, std::string value);

// bind_transmitter / bind_receiver / bind_transceiver, SMPP34 §4.1.1.
struct BindBody {
  std::string system_id;    // C 16
  std::string password;     // C 9
  std::string system_type;  // C 13
  uint8_t interface_version = kInterfaceVersion34;
  uint8_t addr_ton = 0;
  uint8_t addr_npi = 0;
  std::string address_range;  // C 41
  bool operator==(const BindBody&) const = default;
};

// bind_*_resp, SMPP34 §4.1.2.
struct BindRespBody {
  std::string system_id;  // C 16
  bool operator==(const BindRespBody&) const = default;
};

// submit_sm (SMPP34 §4.4.1) and deliver_sm (§4.6.1): the same mandatory layout.
struct ShortMessageBody {
  std::string service_type;  // C 6
  uint8_t source_addr_ton = 0;
  uint8_t source_addr_npi = 0;
  std::string source_addr;  // C 21
  uint8_t dest_addr_ton = 0;
  uint8_t dest_addr_npi = 0;
  std::string destination_addr;  // C 21
  uint8_t esm_class = 0;
  uint8_t protocol_id = 0;
  uint8_t priority_flag = 0;
  std::string schedule_delivery_time;  // C 17
  std::string validity_period;         // C 17
  uint8_t registered_delivery = 0;
  uint8_t replace_if_present_flag = 0;
  uint8_t data_coding = 0;
  uint8_t sm_default_msg_id = 0;
  std::string short_message;  // 0..254 octets, sm_length on the wire
  bool operator==(const ShortMessageBody&) const = default;
};

// data_sm, SMPP34 §4.7.1: addresses of 65 octets, the text only in message_payload.
struct DataSmBody {
  std::string service_type;  // C 6
  uint8_t source_addr_ton = 0;
  uint8_t source_addr_npi = 0;
  std::string source_addr;  // C 65
  uint8_t dest_addr_ton = 0;
  uint8_t dest_addr_npi = 0;
  std::string destination_addr;  // C 65
  uint8_t esm_class = 0;
  uint8_t registered_delivery = 0;
  uint8_t data_coding = 0;
  bool operator==(const DataSmBody&) const = default;
};

// submit_sm_resp / deliver_sm_resp / data_sm_resp: message_id (C 65), SMPP34 §4.4.2, §4.6.2,
// §4.7.2.
struct MessageIdBody {
  std::string message_id;
  bool operator==(const MessageIdBody&) const = default;
};

// outbind, SMPP34 §4.1.7.
struct OutbindBody {
  std::string system_id;  // C 16
  std::string password;   // C 9
  bool operator==(const OutbindBody&) const = default;
};

// alert_notification, SMPP34 §4.12.1.
struct AlertNotificationBody {
  uint8_t source_addr_ton = 0;
  uint8_t source_addr_npi = 0;
  std::string source_addr;  // C 65
  uint8_t esme_addr_ton = 0;
  uint8_t esme_addr_npi = 0;
  std::string esme_addr;  // C 65
  bool operator==(const AlertNotificationBody&) const = default;
};

// std::monostate: no mandatory body (unbind, enquire_link, their responses, generic_nack, and
// any response with a non-zero status sent without a body, SMPP34 §4.4.2 "not returned").
using Body = std::variant<std::monostate, BindBody, BindRespBody, ShortMessageBody, DataSmBody,
                          MessageIdBody, OutbindBody, AlertNotificationBody>;

struct Pdu {
  uint32_t command_id = 0;
  uint32_t command_status = 0;
  uint32_t sequence_number = 0;
  Body body;
  Tlvs tlvs;  // the optional parameters after the mandatory body
  bool operator==(const Pdu&) const = default;

  bool IsResponse() const { return (command_id & kResponseBit) != 0; }
};

// The framer. Looks at the start of `buffer` only; never copies.
struct Frame {
  enum class Kind { kNeedMore, kPdu, kBad };
  Kind kind = Kind::kNeedMore;
  std::string_view pdu;  // kPdu: the whole PDU, header included; consume pdu.size() bytes
  std::string error;     // kBad: why (the stream cannot be resynchronised: close it)
};
Frame NextFrame(std::string_view buffer, size_t max_length = kDefaultMaxPduLength);

// The 16-octet header alone (for a generic_nack that needs the sequence of a PDU the decoder
// refused). Needs at least 16 bytes.
struct Header {
  uint32_t command_length = 0;
  uint32_t command_id = 0;
  uint32_t command_status = 0;
  uint32_t sequence_number = 0;
};
std::optional<Header> PeekHeader(std::string_view bytes);

// The decoder's refusal, with the command_status to put in the generic_nack (SMPP34 §4.3):
// ESME_RINVCMDID for an unknown command, ESME_RINVCMDLEN / ESME_RINVMSGLEN / ESME_RINVOPTPARSTREAM
// for bad lengths.
struct DecodeError {
  uint32_t nack_status = kRinvCmdLen;
  std::string message;
};

// Decodes exactly one PDU (as cut by NextFrame). Encode(Decode(b)) == b for every accepted b.
Result<Pdu> DecodePdu(std::string_view bytes, DecodeError* error = nullptr);
// Encodes a PDU; command_length is computed. Fails when a field is longer than SMPP34 §5.2
// allows or the body does not fit the command.
Result<std::string> EncodePdu(const Pdu& pdu);

// Builders for the PDUs the client sends.
Pdu MakeBindTransceiver(uint32_t seq, BindBody body);
Pdu MakeEnquireLink(uint32_t seq);
Pdu MakeUnbind(uint32_t seq);
Pdu MakeGenericNack(uint32_t seq, uint32_t status);
// The response to `request` (unbind_resp, enquire_link_resp, deliver_sm_resp with message_id "",
// data_sm_resp), with `status`.
Pdu MakeResponse(const Pdu& request, uint32_t status);

// Delivery receipts, SMPP34 Appendix B (informative): "id:IIII sub:SSS dlvrd:DDD submit
// date:YYMMDDhhmm done date:YYMMDDhhmm stat:DDDDDDD err:E text:...". Keys are matched without
// regard to case, fields may be missing or out of order; text runs to the end.
struct ReceiptText {
  std::string id;
  std::string sub;
  std::string dlvrd;
  std::string submit_date;
  std::string done_date;
  std::string stat;
  std::string err;
  std::string text;
};
// Fails when there is no id: field (then it is not a receipt).
Result<ReceiptText> ParseReceiptText(std::string_view short_message);

// stat word (DELIVRD, UNDELIV, ...) and message_state TLV (SMPP34 §5.2.28) to the normalised
// state (PROTOCOLS.md §7). Unknown words and values are kPending for transient-looking ones and
// kFailed otherwise, see the .cc.
DeliveryState StateFromStat(std::string_view stat);
DeliveryState StateFromMessageState(uint8_t message_state);
std::string MessageStateName(uint8_t message_state);

// A deliver_sm (or data_sm) with esm_class receipt bits -> DeliveryReport. The TLVs
// receipted_message_id and message_state win over the text when present. provider_id is the id as
// the SMSC wrote it; `detail` holds "stat:... err:..." for the outbox row.
Result<DeliveryReport> ReportFromReceipt(const ShortMessageBody& body, const Tlvs& tlvs);

// Hex dump helpers for logs and tests ("00 00 00 10 ..." parsing tolerates spaces).
std::string ToHex(std::string_view bytes);
std::string FromHex(std::string_view hex);

}  // namespace pesan::smpp
