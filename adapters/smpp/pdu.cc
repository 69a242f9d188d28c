#include "adapters/smpp/pdu.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <utility>

#include "core/text_util.h"

namespace pesan::smpp {
namespace {

uint32_t Get32(std::string_view b, size_t at) {
  return (uint32_t{static_cast<uint8_t>(b[at])} << 24) |
         (uint32_t{static_cast<uint8_t>(b[at + 1])} << 16) |
         (uint32_t{static_cast<uint8_t>(b[at + 2])} << 8) |
         uint32_t{static_cast<uint8_t>(b[at + 3])};
}

void Put32(std::string& out, uint32_t v) {
  out.push_back(static_cast<char>(v >> 24));
  out.push_back(static_cast<char>(v >> 16));
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v));
}

void Put16(std::string& out, uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v));
}

std::string Hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08X", v);
  return buf;
}

// Reads the mandatory fields of a body in order; the first failure sticks.
class Reader {
 public:
  explicit Reader(std::string_view body) : b_(body) {}

  uint8_t Byte(const char* field) {
    if (!error_.empty()) return 0;
    if (pos_ >= b_.size()) {
      Fail(std::string("body ends before ") + field, kRinvCmdLen);
      return 0;
    }
    return static_cast<uint8_t>(b_[pos_++]);
  }

  // C-Octet String of at most `max` octets including the NUL (SMPP34 §3.1, §5.2).
  std::string CString(const char* field, size_t max) {
    if (!error_.empty()) return {};
    size_t end = b_.find('\0', pos_);
    if (end == std::string_view::npos) {
      Fail(std::string(field) + ": C-Octet string without its terminating NUL", kRinvCmdLen);
      return {};
    }
    size_t len = end - pos_;
    if (len + 1 > max) {
      Fail(std::string(field) + ": " + std::to_string(len + 1) + " octets with the NUL, at most " +
               std::to_string(max) + " allowed (SMPP 3.4 §5.2)",
           kRinvMsgLen);
      return {};
    }
    std::string s(b_.substr(pos_, len));
    pos_ = end + 1;
    return s;
  }

  std::string Octets(const char* field, size_t n) {
    if (!error_.empty()) return {};
    if (b_.size() - pos_ < n) {
      Fail(std::string(field) + ": length " + std::to_string(n) + " runs past the PDU end",
           kRinvMsgLen);
      return {};
    }
    std::string s(b_.substr(pos_, n));
    pos_ += n;
    return s;
  }

  // TLVs until the end, SMPP34 §3.2.4 (tag 2, length 2, value).
  Tlvs ReadTlvs() {
    Tlvs tlvs;
    while (error_.empty() && pos_ < b_.size()) {
      if (b_.size() - pos_ < 4) {
        Fail("truncated TLV header (" + std::to_string(b_.size() - pos_) + " octets left)",
             kRinvOptParStream);
        break;
      }
      uint16_t tag = static_cast<uint16_t>((static_cast<uint8_t>(b_[pos_]) << 8) |
                                           static_cast<uint8_t>(b_[pos_ + 1]));
      size_t len = (static_cast<uint8_t>(b_[pos_ + 2]) << 8) | static_cast<uint8_t>(b_[pos_ + 3]);
      pos_ += 4;
      if (b_.size() - pos_ < len) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "%04X", tag);
        Fail(std::string("TLV 0x") + buf + ": length " + std::to_string(len) +
                 " runs past the PDU end",
             kRinvOptParStream);
        break;
      }
      tlvs.push_back({tag, std::string(b_.substr(pos_, len))});
      pos_ += len;
    }
    return tlvs;
  }

  void Fail(std::string m, uint32_t status) {
    if (error_.empty()) {
      error_ = std::move(m);
      nack_status_ = status;
    }
  }
  bool AtEnd() const { return pos_ >= b_.size(); }
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  uint32_t nack_status() const { return nack_status_; }

 private:
  std::string_view b_;
  size_t pos_ = 0;
  std::string error_;
  uint32_t nack_status_ = kRok;
};

class Writer {
 public:
  void Byte(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void CString(const char* field, const std::string& s, size_t max) {
    if (s.find('\0') != std::string::npos) {
      Fail(std::string(field) + ": contains a NUL");
    } else if (s.size() + 1 > max) {
      Fail(std::string(field) + ": " + std::to_string(s.size()) + " characters, at most " +
           std::to_string(max - 1) + " allowed (SMPP 3.4 §5.2)");
    }
    out_ += s;
    out_.push_back('\0');
  }
  void Octets(const std::string& s) { out_ += s; }
  void Fail(std::string m) {
    if (error_.empty()) error_ = std::move(m);
  }
  std::string& out() { return out_; }
  const std::string& error() const { return error_; }

 private:
  std::string out_;
  std::string error_;
};

// Field sizes, SMPP34 §5.2.
constexpr size_t kSystemIdMax = 16, kPasswordMax = 9, kSystemTypeMax = 13, kAddressRangeMax = 41,
                 kServiceTypeMax = 6, kAddr21 = 21, kAddr65 = 65, kTimeMax = 17, kMessageIdMax = 65,
                 kShortMessageMax = 254;

BindBody ReadBind(Reader& r) {
  BindBody b;
  b.system_id = r.CString("system_id", kSystemIdMax);
  b.password = r.CString("password", kPasswordMax);
  b.system_type = r.CString("system_type", kSystemTypeMax);
  b.interface_version = r.Byte("interface_version");
  b.addr_ton = r.Byte("addr_ton");
  b.addr_npi = r.Byte("addr_npi");
  b.address_range = r.CString("address_range", kAddressRangeMax);
  return b;
}

ShortMessageBody ReadShortMessage(Reader& r) {
  ShortMessageBody b;
  b.service_type = r.CString("service_type", kServiceTypeMax);
  b.source_addr_ton = r.Byte("source_addr_ton");
  b.source_addr_npi = r.Byte("source_addr_npi");
  b.source_addr = r.CString("source_addr", kAddr21);
  b.dest_addr_ton = r.Byte("dest_addr_ton");
  b.dest_addr_npi = r.Byte("dest_addr_npi");
  b.destination_addr = r.CString("destination_addr", kAddr21);
  b.esm_class = r.Byte("esm_class");
  b.protocol_id = r.Byte("protocol_id");
  b.priority_flag = r.Byte("priority_flag");
  b.schedule_delivery_time = r.CString("schedule_delivery_time", kTimeMax);
  b.validity_period = r.CString("validity_period", kTimeMax);
  b.registered_delivery = r.Byte("registered_delivery");
  b.replace_if_present_flag = r.Byte("replace_if_present_flag");
  b.data_coding = r.Byte("data_coding");
  b.sm_default_msg_id = r.Byte("sm_default_msg_id");
  uint8_t sm_length = r.Byte("sm_length");
  if (sm_length > kShortMessageMax) {
    r.Fail("sm_length 255: at most 254 octets (SMPP 3.4 §5.2.22)", kRinvMsgLen);
  }
  b.short_message = r.Octets("short_message", sm_length);
  return b;
}

DataSmBody ReadDataSm(Reader& r) {
  DataSmBody b;
  b.service_type = r.CString("service_type", kServiceTypeMax);
  b.source_addr_ton = r.Byte("source_addr_ton");
  b.source_addr_npi = r.Byte("source_addr_npi");
  b.source_addr = r.CString("source_addr", kAddr65);
  b.dest_addr_ton = r.Byte("dest_addr_ton");
  b.dest_addr_npi = r.Byte("dest_addr_npi");
  b.destination_addr = r.CString("destination_addr", kAddr65);
  b.esm_class = r.Byte("esm_class");
  b.registered_delivery = r.Byte("registered_delivery");
  b.data_coding = r.Byte("data_coding");
  return b;
}

AlertNotificationBody ReadAlert(Reader& r) {
  AlertNotificationBody b;
  b.source_addr_ton = r.Byte("source_addr_ton");
  b.source_addr_npi = r.Byte("source_addr_npi");
  b.source_addr = r.CString("source_addr", kAddr65);
  b.esme_addr_ton = r.Byte("esme_addr_ton");
  b.esme_addr_npi = r.Byte("esme_addr_npi");
  b.esme_addr = r.CString("esme_addr", kAddr65);
  return b;
}

// Which body a command carries.
enum class Shape { kNone, kBind, kBindResp, kShortMessage, kDataSm, kMessageId, kOutbind, kAlert };

std::optional<Shape> ShapeOf(uint32_t id) {
  switch (id) {
    case kBindReceiver:
    case kBindTransmitter:
    case kBindTransceiver:
      return Shape::kBind;
    case kBindReceiver | kResponseBit:
    case kBindTransmitter | kResponseBit:
    case kBindTransceiverResp:
      return Shape::kBindResp;
    case kSubmitSm:
    case kDeliverSm:
      return Shape::kShortMessage;
    case kDataSm:
      return Shape::kDataSm;
    case kSubmitSmResp:
    case kDeliverSmResp:
    case kDataSmResp:
      return Shape::kMessageId;
    case kOutbind:
      return Shape::kOutbind;
    case kAlertNotification:
      return Shape::kAlert;
    case kGenericNack:
    case kUnbind:
    case kUnbindResp:
    case kEnquireLink:
    case kEnquireLinkResp:
      return Shape::kNone;
    default:
      return std::nullopt;
  }
}

bool BodyFits(Shape shape, const Body& body) {
  switch (shape) {
    case Shape::kNone:
      return std::holds_alternative<std::monostate>(body);
    case Shape::kBind:
      return std::holds_alternative<BindBody>(body);
    case Shape::kBindResp:
      return std::holds_alternative<BindRespBody>(body) ||
             std::holds_alternative<std::monostate>(body);
    case Shape::kShortMessage:
      return std::holds_alternative<ShortMessageBody>(body);
    case Shape::kDataSm:
      return std::holds_alternative<DataSmBody>(body);
    case Shape::kMessageId:
      return std::holds_alternative<MessageIdBody>(body) ||
             std::holds_alternative<std::monostate>(body);
    case Shape::kOutbind:
      return std::holds_alternative<OutbindBody>(body);
    case Shape::kAlert:
      return std::holds_alternative<AlertNotificationBody>(body);
  }
  return false;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string StatusName(uint32_t status) {
  const char* name = nullptr;
  switch (status) {
    case kRok:
      name = "ESME_ROK";
      break;
    case kRinvMsgLen:
      name = "ESME_RINVMSGLEN";
      break;
    case kRinvCmdLen:
      name = "ESME_RINVCMDLEN";
      break;
    case kRinvCmdId:
      name = "ESME_RINVCMDID";
      break;
    case kRinvBndSts:
      name = "ESME_RINVBNDSTS";
      break;
    case kRalyBnd:
      name = "ESME_RALYBND";
      break;
    case kRsysErr:
      name = "ESME_RSYSERR";
      break;
    case kRinvSrcAdr:
      name = "ESME_RINVSRCADR";
      break;
    case kRinvDstAdr:
      name = "ESME_RINVDSTADR";
      break;
    case kRbindFail:
      name = "ESME_RBINDFAIL";
      break;
    case kRinvPaswd:
      name = "ESME_RINVPASWD";
      break;
    case kRinvSysId:
      name = "ESME_RINVSYSID";
      break;
    case kRmsgQFul:
      name = "ESME_RMSGQFUL";
      break;
    case kRthrottled:
      name = "ESME_RTHROTTLED";
      break;
    case kRxTAppn:
      name = "ESME_RX_T_APPN";
      break;
    case kRxPAppn:
      name = "ESME_RX_P_APPN";
      break;
    case kRxRAppn:
      name = "ESME_RX_R_APPN";
      break;
    case kRinvOptParStream:
      name = "ESME_RINVOPTPARSTREAM";
      break;
    case kRunknownErr:
      name = "ESME_RUNKNOWNERR";
      break;
    default:
      break;
  }
  if (name == nullptr) return Hex32(status);
  return std::string(name) + " (" + Hex32(status) + ")";
}

std::string CommandName(uint32_t id) {
  switch (id) {
    case kGenericNack:
      return "generic_nack";
    case kBindReceiver:
      return "bind_receiver";
    case kBindReceiver | kResponseBit:
      return "bind_receiver_resp";
    case kBindTransmitter:
      return "bind_transmitter";
    case kBindTransmitter | kResponseBit:
      return "bind_transmitter_resp";
    case kSubmitSm:
      return "submit_sm";
    case kSubmitSmResp:
      return "submit_sm_resp";
    case kDeliverSm:
      return "deliver_sm";
    case kDeliverSmResp:
      return "deliver_sm_resp";
    case kUnbind:
      return "unbind";
    case kUnbindResp:
      return "unbind_resp";
    case kBindTransceiver:
      return "bind_transceiver";
    case kBindTransceiverResp:
      return "bind_transceiver_resp";
    case kOutbind:
      return "outbind";
    case kEnquireLink:
      return "enquire_link";
    case kEnquireLinkResp:
      return "enquire_link_resp";
    case kAlertNotification:
      return "alert_notification";
    case kDataSm:
      return "data_sm";
    case kDataSmResp:
      return "data_sm_resp";
    default:
      return "command " + Hex32(id);
  }
}

const Tlv* FindTlv(const Tlvs& tlvs, uint16_t tag) {
  for (const Tlv& t : tlvs) {
    if (t.tag == tag) return &t;
  }
  return nullptr;
}

std::optional<uint8_t> TlvByte(const Tlvs& tlvs, uint16_t tag) {
  const Tlv* t = FindTlv(tlvs, tag);
  if (t == nullptr || t->value.size() != 1) return std::nullopt;
  return static_cast<uint8_t>(t->value[0]);
}

std::optional<std::string> TlvCString(const Tlvs& tlvs, uint16_t tag) {
  const Tlv* t = FindTlv(tlvs, tag);
  if (t == nullptr) return std::nullopt;
  std::string_view v = t->value;
  size_t nul = v.find('\0');
  if (nul != std::string_view::npos) v = v.substr(0, nul);
  return std::string(v);
}

void SetTlv(Tlvs& tlvs, uint16_t tag, std::string value) {
  for (Tlv& t : tlvs) {
    if (t.tag == tag) {
      t.value = std::move(value);
      return;
    }
  }
  tlvs.push_back({tag, std::move(value)});
}

Frame NextFrame(std::string_view buffer, size_t max_length) {
  Frame f;
  if (buffer.size() < 4) return f;
  uint32_t len = Get32(buffer, 0);
  if (len < kHeaderLength) {
    f.kind = Frame::Kind::kBad;
    f.error = "command_length " + std::to_string(len) + " is shorter than the 16-octet header";
    return f;
  }
  if (len > max_length) {
    f.kind = Frame::Kind::kBad;
    f.error = "command_length " + std::to_string(len) + " is over the limit of " +
              std::to_string(max_length);
    return f;
  }
  if (buffer.size() < len) return f;
  f.kind = Frame::Kind::kPdu;
  f.pdu = buffer.substr(0, len);
  return f;
}

std::optional<Header> PeekHeader(std::string_view bytes) {
  if (bytes.size() < kHeaderLength) return std::nullopt;
  return Header{Get32(bytes, 0), Get32(bytes, 4), Get32(bytes, 8), Get32(bytes, 12)};
}

Result<Pdu> DecodePdu(std::string_view bytes, DecodeError* error) {
  auto fail = [&](uint32_t status, std::string m) -> Result<Pdu> {
    if (error != nullptr) *error = {status, m};
    return InvalidInput("smpp: " + m);
  };
  auto h = PeekHeader(bytes);
  if (!h) return fail(kRinvCmdLen, "PDU shorter than the 16-octet header");
  if (h->command_length != bytes.size()) {
    return fail(kRinvCmdLen, "command_length " + std::to_string(h->command_length) + " but " +
                                 std::to_string(bytes.size()) + " octets given");
  }
  auto shape = ShapeOf(h->command_id);
  if (!shape) return fail(kRinvCmdId, "unknown command_id " + Hex32(h->command_id));

  Pdu pdu;
  pdu.command_id = h->command_id;
  pdu.command_status = h->command_status;
  pdu.sequence_number = h->sequence_number;
  std::string_view body = bytes.substr(kHeaderLength);
  Reader r(body);
  // A response may come without a body (SMPP34 §4.4.2: "the message_id is not returned if the
  // command_status is non-zero"; many SMSCs do the same for bind_*_resp).
  bool bodiless_resp = body.empty() && (*shape == Shape::kMessageId || *shape == Shape::kBindResp);
  if (!bodiless_resp) {
    switch (*shape) {
      case Shape::kNone:
        break;
      case Shape::kBind:
        pdu.body = ReadBind(r);
        break;
      case Shape::kBindResp:
        pdu.body = BindRespBody{r.CString("system_id", kSystemIdMax)};
        break;
      case Shape::kShortMessage:
        pdu.body = ReadShortMessage(r);
        break;
      case Shape::kDataSm:
        pdu.body = ReadDataSm(r);
        break;
      case Shape::kMessageId:
        pdu.body = MessageIdBody{r.CString("message_id", kMessageIdMax)};
        break;
      case Shape::kOutbind: {
        OutbindBody o;
        o.system_id = r.CString("system_id", kSystemIdMax);
        o.password = r.CString("password", kPasswordMax);
        pdu.body = std::move(o);
        break;
      }
      case Shape::kAlert:
        pdu.body = ReadAlert(r);
        break;
    }
    pdu.tlvs = r.ReadTlvs();
  }
  if (!r.ok()) {
    return fail(r.nack_status(), CommandName(h->command_id) + ": " + r.error());
  }
  return pdu;
}

Result<std::string> EncodePdu(const Pdu& pdu) {
  auto shape = ShapeOf(pdu.command_id);
  if (!shape)
    return InvalidInput("smpp: cannot encode unknown command_id " + Hex32(pdu.command_id));
  if (!BodyFits(*shape, pdu.body)) {
    return InvalidInput("smpp: the body does not fit " + CommandName(pdu.command_id));
  }
  Writer w;
  std::string& out = w.out();
  Put32(out, 0);  // command_length, set below
  Put32(out, pdu.command_id);
  Put32(out, pdu.command_status);
  Put32(out, pdu.sequence_number);
  std::visit(
      [&](const auto& b) {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, BindBody>) {
          w.CString("system_id", b.system_id, kSystemIdMax);
          w.CString("password", b.password, kPasswordMax);
          w.CString("system_type", b.system_type, kSystemTypeMax);
          w.Byte(b.interface_version);
          w.Byte(b.addr_ton);
          w.Byte(b.addr_npi);
          w.CString("address_range", b.address_range, kAddressRangeMax);
        } else if constexpr (std::is_same_v<T, BindRespBody>) {
          w.CString("system_id", b.system_id, kSystemIdMax);
        } else if constexpr (std::is_same_v<T, ShortMessageBody>) {
          w.CString("service_type", b.service_type, kServiceTypeMax);
          w.Byte(b.source_addr_ton);
          w.Byte(b.source_addr_npi);
          w.CString("source_addr", b.source_addr, kAddr21);
          w.Byte(b.dest_addr_ton);
          w.Byte(b.dest_addr_npi);
          w.CString("destination_addr", b.destination_addr, kAddr21);
          w.Byte(b.esm_class);
          w.Byte(b.protocol_id);
          w.Byte(b.priority_flag);
          w.CString("schedule_delivery_time", b.schedule_delivery_time, kTimeMax);
          w.CString("validity_period", b.validity_period, kTimeMax);
          w.Byte(b.registered_delivery);
          w.Byte(b.replace_if_present_flag);
          w.Byte(b.data_coding);
          w.Byte(b.sm_default_msg_id);
          if (b.short_message.size() > kShortMessageMax) {
            w.Fail("short_message: " + std::to_string(b.short_message.size()) +
                   " octets, at most 254 (SMPP 3.4 §5.2.22); use message_payload");
          }
          w.Byte(static_cast<uint8_t>(b.short_message.size()));
          w.Octets(b.short_message);
        } else if constexpr (std::is_same_v<T, DataSmBody>) {
          w.CString("service_type", b.service_type, kServiceTypeMax);
          w.Byte(b.source_addr_ton);
          w.Byte(b.source_addr_npi);
          w.CString("source_addr", b.source_addr, kAddr65);
          w.Byte(b.dest_addr_ton);
          w.Byte(b.dest_addr_npi);
          w.CString("destination_addr", b.destination_addr, kAddr65);
          w.Byte(b.esm_class);
          w.Byte(b.registered_delivery);
          w.Byte(b.data_coding);
        } else if constexpr (std::is_same_v<T, MessageIdBody>) {
          w.CString("message_id", b.message_id, kMessageIdMax);
        } else if constexpr (std::is_same_v<T, OutbindBody>) {
          w.CString("system_id", b.system_id, kSystemIdMax);
          w.CString("password", b.password, kPasswordMax);
        } else if constexpr (std::is_same_v<T, AlertNotificationBody>) {
          w.Byte(b.source_addr_ton);
          w.Byte(b.source_addr_npi);
          w.CString("source_addr", b.source_addr, kAddr65);
          w.Byte(b.esme_addr_ton);
          w.Byte(b.esme_addr_npi);
          w.CString("esme_addr", b.esme_addr, kAddr65);
        }
      },
      pdu.body);
  for (const Tlv& t : pdu.tlvs) {
    if (t.value.size() > 0xFFFF) {
      w.Fail("TLV value of " + std::to_string(t.value.size()) + " octets, at most 65535");
    }
    Put16(out, t.tag);
    Put16(out, static_cast<uint16_t>(t.value.size()));
    out += t.value;
  }
  if (!w.error().empty())
    return InvalidInput("smpp: " + CommandName(pdu.command_id) + ": " + w.error());
  uint32_t len = static_cast<uint32_t>(out.size());
  out[0] = static_cast<char>(len >> 24);
  out[1] = static_cast<char>(len >> 16);
  out[2] = static_cast<char>(len >> 8);
  out[3] = static_cast<char>(len);
  return std::move(out);
}

Pdu MakeBindTransceiver(uint32_t seq, BindBody body) {
  Pdu p;
  p.command_id = kBindTransceiver;
  p.sequence_number = seq;
  p.body = std::move(body);
  return p;
}

Pdu MakeEnquireLink(uint32_t seq) {
  Pdu p;
  p.command_id = kEnquireLink;
  p.sequence_number = seq;
  return p;
}

Pdu MakeUnbind(uint32_t seq) {
  Pdu p;
  p.command_id = kUnbind;
  p.sequence_number = seq;
  return p;
}

Pdu MakeGenericNack(uint32_t seq, uint32_t status) {
  Pdu p;
  p.command_id = kGenericNack;
  p.command_status = status;
  p.sequence_number = seq;
  return p;
}

Pdu MakeResponse(const Pdu& request, uint32_t status) {
  Pdu p;
  p.command_id = request.command_id | kResponseBit;
  p.command_status = status;
  p.sequence_number = request.sequence_number;
  if (p.command_id == kDeliverSmResp || p.command_id == kDataSmResp ||
      p.command_id == kSubmitSmResp) {
    p.body = MessageIdBody{};  // message_id unused: a single NUL (SMPP34 §4.6.2)
  }
  return p;
}

Result<ReceiptText> ParseReceiptText(std::string_view sm) {
  // Key:value scan. Keys are the known words; a value runs to the next known key. "text:" takes
  // the rest of the message (it may contain anything).
  static constexpr std::string_view kKeys[] = {
      "id:", "sub:", "dlvrd:", "submit date:", "done date:", "stat:", "err:", "text:"};
  std::string lower = Lower(sm);
  struct Hit {
    size_t key_pos;
    size_t value_pos;
    int key;
  };
  std::vector<Hit> hits;
  for (int k = 0; k < 8; ++k) {
    size_t from = 0;
    while (true) {
      size_t at = lower.find(kKeys[k], from);
      if (at == std::string::npos) break;
      // A key starts the text or follows a space; "id:" must not match inside "...Xid:".
      if (at == 0 || std::isspace(static_cast<unsigned char>(lower[at - 1]))) {
        hits.push_back({at, at + kKeys[k].size(), k});
        break;
      }
      from = at + 1;
    }
  }
  std::sort(hits.begin(), hits.end(),
            [](const Hit& a, const Hit& b) { return a.key_pos < b.key_pos; });
  // Everything after text: belongs to the text, even key-looking words.
  size_t text_at = std::string::npos;
  for (const Hit& h : hits) {
    if (h.key == 7) text_at = h.key_pos;
  }
  ReceiptText r;
  bool have_id = false;
  for (size_t i = 0; i < hits.size(); ++i) {
    const Hit& h = hits[i];
    if (text_at != std::string::npos && h.key_pos > text_at) continue;
    size_t end = sm.size();
    if (h.key != 7) {
      for (size_t j = i + 1; j < hits.size(); ++j) {
        if (hits[j].key_pos > h.key_pos) {
          end = hits[j].key_pos;
          break;
        }
      }
    }
    std::string_view raw = sm.substr(h.value_pos, end - h.value_pos);
    std::string value(h.key == 7 ? raw : Trim(raw));
    switch (h.key) {
      case 0:
        r.id = value;
        have_id = true;
        break;
      case 1:
        r.sub = value;
        break;
      case 2:
        r.dlvrd = value;
        break;
      case 3:
        r.submit_date = value;
        break;
      case 4:
        r.done_date = value;
        break;
      case 5:
        r.stat = value;
        break;
      case 6:
        r.err = value;
        break;
      case 7:
        r.text = value;
        break;
    }
  }
  if (!have_id || r.id.empty()) return InvalidInput("smpp: receipt text without an id: field");
  return r;
}

DeliveryState StateFromStat(std::string_view stat) {
  std::string s = Lower(Trim(stat));
  if (s == "delivrd" || s == "delivered") return DeliveryState::kDelivered;
  if (s == "enroute" || s == "accepted" || s == "acceptd" || s == "buffred" || s == "buffered" ||
      s == "acked" || s == "scheduled") {
    return DeliveryState::kPending;
  }
  // UNDELIV, EXPIRED, DELETED, REJECTD, UNKNOWN and anything else final-sounding.
  return DeliveryState::kFailed;
}

DeliveryState StateFromMessageState(uint8_t v) {
  switch (v) {
    case 2:
      return DeliveryState::kDelivered;  // DELIVERED
    case 0:                              // SCHEDULED (v5.0)
    case 1:                              // ENROUTE
    case 6:
      return DeliveryState::kPending;  // ACCEPTED
    default:
      return DeliveryState::kFailed;  // 3 EXPIRED 4 DELETED 5 UNDELIVERABLE 7 UNKNOWN 8 REJECTED 9
                                      // SKIPPED
  }
}

std::string MessageStateName(uint8_t v) {
  static constexpr const char* kNames[] = {"SCHEDULED", "ENROUTE",       "DELIVERED", "EXPIRED",
                                           "DELETED",   "UNDELIVERABLE", "ACCEPTED",  "UNKNOWN",
                                           "REJECTED",  "SKIPPED"};
  if (v < 10) return kNames[v];
  return "STATE_" + std::to_string(v);
}

Result<DeliveryReport> ReportFromReceipt(const ShortMessageBody& body, const Tlvs& tlvs) {
  DeliveryReport rep;
  auto tlv_id = TlvCString(tlvs, kTagReceiptedMessageId);
  auto tlv_state = TlvByte(tlvs, kTagMessageState);
  std::optional<ReceiptText> text;
  std::string_view sm = body.short_message;
  if (sm.empty()) {
    if (const Tlv* p = FindTlv(tlvs, kTagMessagePayload)) sm = p->value;
  }
  if (auto t = ParseReceiptText(sm); t.ok()) text = std::move(t.value());

  if (tlv_id && !tlv_id->empty()) {
    rep.provider_id = *tlv_id;
  } else if (text) {
    rep.provider_id = text->id;
  } else {
    return InvalidInput("smpp: receipt without receipted_message_id and without an id: field");
  }
  if (tlv_state) {
    rep.state = StateFromMessageState(*tlv_state);
    rep.detail = "message_state:" + MessageStateName(*tlv_state);
    if (text && !text->stat.empty()) rep.detail += " stat:" + text->stat;
  } else if (text && !text->stat.empty()) {
    rep.state = StateFromStat(text->stat);
    rep.detail = "stat:" + text->stat;
  } else {
    return InvalidInput("smpp: receipt without message_state and without a stat: field");
  }
  if (text && !text->err.empty()) rep.detail += " err:" + text->err;
  if (const Tlv* nec = FindTlv(tlvs, kTagNetworkErrorCode); nec && nec->value.size() == 3) {
    rep.detail += " network_error:" + ToHex(nec->value);
  }
  return rep;
}

std::string ToHex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(bytes.size() * 3);
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i) out.push_back(' ');
    auto c = static_cast<uint8_t>(bytes[i]);
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

std::string FromHex(std::string_view hex) {
  std::string out;
  int hi = -1;
  for (char c : hex) {
    int v;
    if (c >= '0' && c <= '9')
      v = c - '0';
    else if (c >= 'a' && c <= 'f')
      v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      v = c - 'A' + 10;
    else
      continue;
    if (hi < 0) {
      hi = v;
    } else {
      out.push_back(static_cast<char>(hi * 16 + v));
      hi = -1;
    }
  }
  return out;
}

}  // namespace pesan::smpp
