#include "adapters/modem/pdu.h"

#include <algorithm>
#include <cstdlib>

namespace pesan::modem {
namespace {

using namespace std::chrono;

// Sequential reader over the PDU octets; every read is bounds-checked.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}

  size_t remaining() const { return bytes_.size() - pos_; }
  size_t offset() const { return pos_; }

  // Reads one octet for `field`; an error names the field and the offset.
  Result<uint8_t> Octet(std::string_view field) {
    if (remaining() < 1) return Truncated(field, 1);
    return static_cast<uint8_t>(bytes_[pos_++]);
  }
  Result<std::string_view> Take(size_t n, std::string_view field) {
    if (remaining() < n) return Truncated(field, n);
    std::string_view out = bytes_.substr(pos_, n);
    pos_ += n;
    return out;
  }

 private:
  Error Truncated(std::string_view field, size_t n) const {
    return InvalidInput("truncated PDU: " + std::string(field) + " needs " + std::to_string(n) +
                        " octet(s) at offset " + std::to_string(pos_) + ", " +
                        std::to_string(remaining()) + " left");
  }

  std::string_view bytes_;
  size_t pos_ = 0;
};

// Propagates an error from a Result-returning expression; binds the value otherwise.
#define PESAN_ASSIGN(var, expr)                        \
  auto var##_result = (expr);                          \
  if (!var##_result.ok()) return var##_result.error(); \
  auto var = std::move(var##_result.value())

constexpr char kBcdDigits[] = "0123456789*#abc";

// BCD digits, low nibble first (23.040 §9.1.2.3); stops at the F filler.
std::string DecodeBcd(std::string_view octets, size_t digits) {
  std::string out;
  for (size_t i = 0; i < digits && i / 2 < octets.size(); ++i) {
    const auto b = static_cast<uint8_t>(octets[i / 2]);
    const int nibble = i % 2 == 0 ? (b & 0x0F) : (b >> 4);
    if (nibble == 0x0F) break;
    out.push_back(kBcdDigits[nibble]);
  }
  return out;
}

std::string EncodeBcd(std::string_view digits) {
  std::string out((digits.size() + 1) / 2, '\xFF');
  for (size_t i = 0; i < digits.size(); ++i) {
    const int v = static_cast<int>(std::string_view(kBcdDigits).find(digits[i]));
    uint8_t& b = reinterpret_cast<uint8_t&>(out[i / 2]);
    b = i % 2 == 0 ? static_cast<uint8_t>((b & 0xF0) | v)
                   : static_cast<uint8_t>((b & 0x0F) | (v << 4));
  }
  return out;
}

Address AddressFromValue(uint8_t toa, std::string_view value, size_t semi_octets) {
  Address a;
  a.ton = static_cast<TypeOfNumber>((toa >> 4) & 0x07);
  a.npi = toa & 0x0F;
  if (a.ton == TypeOfNumber::kAlphanumeric) {
    // 23.040 §9.1.2.5: GSM 7-bit packed; the length counts the semi-octets used.
    a.value = Gsm7ToUtf8(UnpackSeptets(value, semi_octets * 4 / 7));
  } else {
    a.value = DecodeBcd(value, semi_octets);
    if (a.ton == TypeOfNumber::kInternational && !a.value.empty()) a.value.insert(0, "+");
  }
  return a;
}

// TP-OA / TP-DA / TP-RA: length in semi-octets (digits), type, value (23.040 §9.1.2.5).
Result<Address> ReadAddress(Reader& r, std::string_view field) {
  PESAN_ASSIGN(len, r.Octet(field));
  if (len > 20) {
    return InvalidInput("bad length: " + std::string(field) + " of " + std::to_string(len) +
                        " semi-octets (at most 20)");
  }
  PESAN_ASSIGN(toa, r.Octet(field));
  PESAN_ASSIGN(value, r.Take((len + 1) / 2, field));
  return AddressFromValue(toa, value, len);
}

// The SMSC part of a PDU in AT mode: length in octets including the type (27.005 §3.1,
// 24.011 §8.2.5.1).
Result<std::optional<Address>> ReadSmsc(Reader& r) {
  PESAN_ASSIGN(len, r.Octet("SMSC address"));
  if (len == 0) return std::optional<Address>();
  if (len > 11) {
    return InvalidInput("bad length: SMSC address of " + std::to_string(len) +
                        " octets (at most 11)");
  }
  PESAN_ASSIGN(toa, r.Octet("SMSC address"));
  PESAN_ASSIGN(value, r.Take(len - 1u, "SMSC address"));
  Address a = AddressFromValue(toa, value, value.size() * 2);
  if (a.value.empty()) return std::optional<Address>();
  return std::optional<Address>(std::move(a));
}

int Bcd(uint8_t b) { return (b & 0x0F) * 10 + (b >> 4); }

// 23.040 §9.2.3.11: seven swapped-BCD octets; the time zone's bit 3 is the sign.
Result<SmsTimestamp> ReadTimestamp(Reader& r, std::string_view field) {
  PESAN_ASSIGN(o, r.Take(7, field));
  auto b = [&](int i) { return static_cast<uint8_t>(o[i]); };
  SmsTimestamp t;
  t.year = 2000 + Bcd(b(0));
  t.month = Bcd(b(1));
  t.day = Bcd(b(2));
  t.hour = Bcd(b(3));
  t.minute = Bcd(b(4));
  t.second = Bcd(b(5));
  const int q = (b(6) & 0x07) * 10 + (b(6) >> 4);
  t.tz_quarters = (b(6) & 0x08) ? -q : q;
  return t;
}

uint8_t ToBcd(int v) {
  v = std::clamp(v, 0, 99);
  return static_cast<uint8_t>((v / 10) | ((v % 10) << 4));
}

void AppendTimestamp(const SmsTimestamp& t, std::string& out) {
  out.push_back(static_cast<char>(ToBcd(t.year % 100)));
  out.push_back(static_cast<char>(ToBcd(t.month)));
  out.push_back(static_cast<char>(ToBcd(t.day)));
  out.push_back(static_cast<char>(ToBcd(t.hour)));
  out.push_back(static_cast<char>(ToBcd(t.minute)));
  out.push_back(static_cast<char>(ToBcd(t.second)));
  const int q = std::min(std::abs(t.tz_quarters), 79);
  out.push_back(static_cast<char>((q / 10) | (t.tz_quarters < 0 ? 0x08 : 0) | ((q % 10) << 4)));
}

// TP-UDH (23.040 §9.2.3.24): UDHL, then IEI / IEDL / data triples.
Result<UserDataHeader> ParseUdh(std::string_view ies) {
  UserDataHeader h;
  size_t i = 0;
  while (i < ies.size()) {
    if (ies.size() - i < 2) return InvalidInput("bad UDH: information element header truncated");
    const auto iei = static_cast<uint8_t>(ies[i]);
    const auto len = static_cast<uint8_t>(ies[i + 1]);
    if (ies.size() - i - 2 < len) {
      return InvalidInput("bad UDH: information element " + std::to_string(iei) + " claims " +
                          std::to_string(len) + " octets, " + std::to_string(ies.size() - i - 2) +
                          " left");
    }
    const std::string_view d = ies.substr(i + 2, len);
    i += 2 + len;
    auto u = [&](size_t k) { return static_cast<uint8_t>(d[k]); };
    std::optional<Concatenation> c;
    if (iei == 0x00 && len == 3) {  // §9.2.3.24.1
      c = Concatenation{u(0), u(1), u(2), false};
    } else if (iei == 0x08 && len == 4) {  // §9.2.3.24.8
      c = Concatenation{static_cast<uint16_t>((u(0) << 8) | u(1)), u(2), u(3), true};
    }
    // A receiver ignores a concatenation IE with total 0 or a sequence outside 1..total.
    if (c && !h.concat && c->total >= 1 && c->seq >= 1 && c->seq <= c->total) {
      h.concat = c;
    } else {
      h.others.push_back({iei, std::string(d)});
    }
  }
  return h;
}

// TP-UDL and TP-UD (23.040 §9.2.3.16, §9.2.3.24) into `pdu`.
Status ReadUserData(Reader& r, bool udhi, SmsPdu& pdu) {
  PESAN_ASSIGN(udl, r.Octet("TP-UDL"));
  const bool septets = pdu.dcs.alphabet == Alphabet::kGsm7 && !pdu.dcs.compressed;
  if (septets ? udl > 160 : udl > 140) {
    return InvalidInput("bad length: TP-UDL " + std::to_string(udl) +
                        (septets ? " septets (at most 160)" : " octets (at most 140)"));
  }
  const size_t octets = septets ? (udl * 7u + 7) / 8 : udl;
  PESAN_ASSIGN(ud, r.Take(octets, "TP-UD"));
  size_t header_octets = 0;
  if (udhi && !ud.empty()) {
    const auto udhl = static_cast<uint8_t>(ud[0]);
    if (udhl + 1u > ud.size()) {
      return InvalidInput("bad UDH: UDHL " + std::to_string(udhl) + " exceeds the " +
                          std::to_string(ud.size()) + " octets of user data");
    }
    PESAN_ASSIGN(h, ParseUdh(ud.substr(1, udhl)));
    pdu.udh = std::move(h);
    header_octets = udhl + 1u;
  } else if (udhi && udl != 0) {
    return InvalidInput("bad UDH: TP-UDHI set without user data");
  }
  const std::string_view body = ud.substr(header_octets);
  if (septets) {
    // The text starts on the septet boundary after the header (fill bits, §9.2.3.24).
    const size_t header_septets = (header_octets * 8 + 6) / 7;
    if (udl < header_septets) {
      return InvalidInput("bad length: TP-UDL " + std::to_string(udl) +
                          " septets is shorter than the UDH");
    }
    const int fill = static_cast<int>(header_septets * 7 - header_octets * 8);
    pdu.text = Gsm7ToUtf8(UnpackSeptets(body, udl - header_septets, fill));
  } else if (pdu.dcs.alphabet == Alphabet::kUcs2 && !pdu.dcs.compressed) {
    pdu.text = Utf16BeToUtf8(body);
  } else {
    pdu.data = std::string(body);
  }
  return Ok{};
}

Result<SmsPdu> DecodeTpdu(std::string_view tpdu, std::optional<Address> smsc) {
  Reader r(tpdu);
  SmsPdu pdu;
  pdu.smsc = std::move(smsc);
  PESAN_ASSIGN(first, r.Octet("first octet"));
  pdu.first_octet = first;
  const bool udhi = first & 0x40;
  switch (first & 0x03) {  // TP-MTI, 23.040 §9.2.3.1
    case 0x00: {           // SMS-DELIVER, §9.2.2.1
      pdu.type = PduType::kDeliver;
      pdu.more_messages = !(first & 0x04);
      pdu.status_report = first & 0x20;
      pdu.reply_path = first & 0x80;
      PESAN_ASSIGN(oa, ReadAddress(r, "TP-OA"));
      pdu.address = std::move(oa);
      PESAN_ASSIGN(pid, r.Octet("TP-PID"));
      pdu.pid = pid;
      PESAN_ASSIGN(dcs, r.Octet("TP-DCS"));
      pdu.dcs = DecodeDataCoding(dcs);
      PESAN_ASSIGN(scts, ReadTimestamp(r, "TP-SCTS"));
      pdu.timestamp = scts;
      if (Status s = ReadUserData(r, udhi, pdu); !s.ok()) return s.error();
      return pdu;
    }
    case 0x01: {  // SMS-SUBMIT, §9.2.2.2
      pdu.type = PduType::kSubmit;
      pdu.reject_duplicates = first & 0x04;
      pdu.status_report = first & 0x20;
      pdu.reply_path = first & 0x80;
      PESAN_ASSIGN(mr, r.Octet("TP-MR"));
      pdu.message_reference = mr;
      PESAN_ASSIGN(da, ReadAddress(r, "TP-DA"));
      pdu.address = std::move(da);
      PESAN_ASSIGN(pid, r.Octet("TP-PID"));
      pdu.pid = pid;
      PESAN_ASSIGN(dcs, r.Octet("TP-DCS"));
      pdu.dcs = DecodeDataCoding(dcs);
      pdu.validity.format = static_cast<ValidityFormat>((first >> 3) & 0x03);  // §9.2.3.3
      switch (pdu.validity.format) {
        case ValidityFormat::kNone:
          break;
        case ValidityFormat::kRelative: {
          PESAN_ASSIGN(vp, r.Octet("TP-VP"));
          pdu.validity.relative = vp;
          break;
        }
        case ValidityFormat::kAbsolute: {
          PESAN_ASSIGN(vp, ReadTimestamp(r, "TP-VP"));
          pdu.validity.absolute = vp;
          break;
        }
        case ValidityFormat::kEnhanced: {
          PESAN_ASSIGN(vp, r.Take(7, "TP-VP"));
          pdu.validity.enhanced = std::string(vp);
          break;
        }
      }
      if (Status s = ReadUserData(r, udhi, pdu); !s.ok()) return s.error();
      return pdu;
    }
    case 0x02: {  // SMS-STATUS-REPORT, §9.2.2.3
      pdu.type = PduType::kStatusReport;
      pdu.more_messages = !(first & 0x04);
      pdu.status_report = first & 0x20;
      PESAN_ASSIGN(mr, r.Octet("TP-MR"));
      pdu.message_reference = mr;
      PESAN_ASSIGN(ra, ReadAddress(r, "TP-RA"));
      pdu.address = std::move(ra);
      PESAN_ASSIGN(scts, ReadTimestamp(r, "TP-SCTS"));
      pdu.timestamp = scts;
      PESAN_ASSIGN(dt, ReadTimestamp(r, "TP-DT"));
      pdu.discharge_time = dt;
      PESAN_ASSIGN(st, r.Octet("TP-ST"));
      pdu.status = st;
      // Optional TP-PI and what it announces (§9.2.3.27). Some phones pad with FF here;
      // a report whose optional part is damaged still reports its status.
      if (r.remaining() == 0) return pdu;
      const auto pi = r.Octet("TP-PI").value();
      if (pi == 0xFF) return pdu;
      if (pi & 0x01) {
        auto pid = r.Octet("TP-PID");
        if (!pid.ok()) return pdu;
        pdu.pid = *pid;
      }
      if (pi & 0x02) {
        auto dcs = r.Octet("TP-DCS");
        if (!dcs.ok()) return pdu;
        pdu.dcs = DecodeDataCoding(*dcs);
      }
      if (pi & 0x04) {
        SmsPdu with_ud = pdu;
        if (ReadUserData(r, udhi, with_ud).ok()) pdu = std::move(with_ud);
      }
      return pdu;
    }
    default:
      return InvalidInput("bad PDU: reserved TP-MTI 11 in first octet " + ToHex(tpdu.substr(0, 1)));
  }
}

// The coding a text is sent with.
SmsCoding ChooseCoding(std::string_view text, std::optional<SmsCoding> forced) {
  if (forced) return *forced;
  return IsGsm7(text) ? SmsCoding::kGsm7 : SmsCoding::kUcs2;
}

// Septets of `text`; characters outside GSM-7 become '?'.
std::string SeptetsOf(std::string_view text) {
  std::string out;
  for (char32_t cp : DecodeUtf8(text)) {
    const std::string one = EncodeUtf8(std::u32string(1, cp));
    out += Utf8ToGsm7(one).value_or("?");
  }
  return out;
}

uint8_t DcsFor(SmsCoding coding, std::optional<int> message_class) {
  uint8_t dcs = coding == SmsCoding::kUcs2 ? 0x08 : 0x00;  // 23.038 §4, general group
  if (message_class) dcs |= 0x10 | (*message_class & 0x03);
  return dcs;
}

// TP-DA / TP-OA / TP-RA octets.
void AppendAddress(const Address& a, std::string& out) {
  const uint8_t toa = 0x80 | (static_cast<uint8_t>(a.ton) << 4) | (a.npi & 0x0F);
  if (a.ton == TypeOfNumber::kAlphanumeric) {
    const std::string septets = SeptetsOf(a.value);
    out.push_back(static_cast<char>((septets.size() * 7 + 3) / 4));  // semi-octets used
    out.push_back(static_cast<char>(toa));
    out += PackSeptets(septets);
    return;
  }
  std::string_view digits = a.value;
  if (!digits.empty() && digits[0] == '+') digits.remove_prefix(1);
  out.push_back(static_cast<char>(digits.size()));
  out.push_back(static_cast<char>(toa));
  out += EncodeBcd(digits);
}

std::string SmscOctets(const std::optional<Address>& smsc) {
  if (!smsc || smsc->value.empty()) return std::string(1, '\0');
  std::string body;
  AppendAddress(*smsc, body);
  body[0] = static_cast<char>(body.size() - 1);  // octets (type included), not digits
  return body;
}

// TP-UDL and TP-UD of one part.
void AppendUserData(std::string_view part, SmsCoding coding,
                    const std::optional<Concatenation>& concat, std::string& out) {
  std::string header;
  if (concat) {
    if (concat->ref16) {  // §9.2.3.24.8
      header = {0x06,
                0x08,
                0x04,
                static_cast<char>(concat->ref >> 8),
                static_cast<char>(concat->ref & 0xFF),
                static_cast<char>(concat->total),
                static_cast<char>(concat->seq)};
    } else {  // §9.2.3.24.1
      header = {0x05,
                0x00,
                0x03,
                static_cast<char>(concat->ref & 0xFF),
                static_cast<char>(concat->total),
                static_cast<char>(concat->seq)};
    }
  }
  if (coding == SmsCoding::kGsm7) {
    const std::string septets = SeptetsOf(part);
    const size_t header_septets = (header.size() * 8 + 6) / 7;
    const int fill = static_cast<int>(header_septets * 7 - header.size() * 8);
    out.push_back(static_cast<char>(header_septets + septets.size()));
    out += header;
    out += PackSeptets(septets, fill);
  } else {
    const std::string ucs2 = Utf8ToUtf16Be(part);
    out.push_back(static_cast<char>(header.size() + ucs2.size()));
    out += header;
    out += ucs2;
  }
}

// Cuts `text` into parts for `coding` with the header size given by `ref16`.
Result<std::vector<std::string>> Parts(std::string_view text, SmsCoding coding, bool ref16) {
  const bool gsm = coding == SmsCoding::kGsm7;
  // 23.040 §9.2.3.24.1: 140 octets less the UDH (6 or 7 octets) and the fill bits.
  const size_t part_units = gsm ? (ref16 ? 152 : 153) : (ref16 ? 66 : 67);
  std::vector<std::string> parts = SplitSmsUnits(text, coding, gsm ? 160 : 70, part_units);
  if (parts.size() > 255) {
    return InvalidInput("text too long: " + std::to_string(parts.size()) + " parts (at most 255)");
  }
  return parts;
}

std::optional<Concatenation> ConcatFor(size_t count, size_t index, uint16_t ref, bool ref16) {
  if (count <= 1) return std::nullopt;
  return Concatenation{static_cast<uint16_t>(ref16 ? ref : (ref & 0xFF)),
                       static_cast<uint8_t>(count), static_cast<uint8_t>(index + 1), ref16};
}

EncodedPdu Finish(const std::optional<Address>& smsc, const std::string& tpdu) {
  return {ToHex(SmscOctets(smsc) + tpdu), tpdu.size()};
}

bool IsDialString(std::string_view s) {
  return !s.empty() && s.size() <= 20 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || c == '*' || c == '#';
  });
}

}  // namespace

// ---- Fields ----

Result<Address> ParseAddress(std::string_view text) {
  if (text.empty()) return InvalidInput("bad address: empty");
  if (text[0] == '+') {
    if (!IsDialString(text.substr(1)) || text.find_first_of("*#") != std::string_view::npos) {
      return InvalidInput("bad address: '" + std::string(text) + "' is not + and 1 to 20 digits");
    }
    return Address{TypeOfNumber::kInternational, 1, std::string(text)};
  }
  if (IsDialString(text)) return Address{TypeOfNumber::kUnknown, 1, std::string(text)};
  const std::optional<std::string> septets = Utf8ToGsm7(text);
  if (!septets) return InvalidInput("bad address: '" + std::string(text) + "' is not GSM 7-bit");
  if (septets->size() > 11) {
    return InvalidInput("bad address: alphanumeric '" + std::string(text) +
                        "' is longer than 11 septets");
  }
  return Address{TypeOfNumber::kAlphanumeric, 0, std::string(text)};
}

std::optional<SystemTime> SmsTimestamp::Utc() const {
  const year_month_day ymd{std::chrono::year(year),
                           std::chrono::month(static_cast<unsigned>(month)),
                           std::chrono::day(static_cast<unsigned>(day))};
  if (!ymd.ok() || hour > 23 || minute > 59 || second > 59 || tz_quarters < -79 ||
      tz_quarters > 79) {
    return std::nullopt;
  }
  return sys_days(ymd) + hours(hour) + std::chrono::minutes(minute) + seconds(second) -
         std::chrono::minutes(15 * tz_quarters);
}

SmsTimestamp TimestampAt(SystemTime t, int tz_quarters) {
  const auto local = floor<seconds>(t) + std::chrono::minutes(15 * tz_quarters);
  const auto day = floor<days>(local);
  const year_month_day ymd(day);
  const hh_mm_ss hms(local - day);
  SmsTimestamp ts;
  ts.year = static_cast<int>(ymd.year());
  ts.month = static_cast<int>(static_cast<unsigned>(ymd.month()));
  ts.day = static_cast<int>(static_cast<unsigned>(ymd.day()));
  ts.hour = static_cast<int>(hms.hours().count());
  ts.minute = static_cast<int>(hms.minutes().count());
  ts.second = static_cast<int>(hms.seconds().count());
  ts.tz_quarters = tz_quarters;
  return ts;
}

DataCoding DecodeDataCoding(uint8_t dcs) {
  DataCoding d;
  d.raw = dcs;
  switch (dcs >> 4) {
    case 0x0:
    case 0x1:
    case 0x2:
    case 0x3:
    case 0x4:
    case 0x5:
    case 0x6:
    case 0x7:  // general data coding (23.038 §4, 00xx and 01xx)
      d.compressed = dcs & 0x20;
      d.auto_delete = dcs & 0x40;
      if (dcs & 0x10) d.message_class = dcs & 0x03;
      switch ((dcs >> 2) & 0x03) {
        case 1:
          d.alphabet = Alphabet::k8Bit;
          break;
        case 2:
          d.alphabet = Alphabet::kUcs2;
          break;
        default:  // 00 GSM 7-bit, 11 reserved: read as GSM 7-bit
          d.alphabet = Alphabet::kGsm7;
      }
      break;
    case 0xC:  // message waiting, discard
    case 0xD:  // message waiting, store, GSM 7-bit
      d.waiting_indication = true;
      break;
    case 0xE:  // message waiting, store, UCS-2
      d.waiting_indication = true;
      d.alphabet = Alphabet::kUcs2;
      break;
    case 0xF:  // data coding / message class
      d.alphabet = (dcs & 0x04) ? Alphabet::k8Bit : Alphabet::kGsm7;
      d.message_class = dcs & 0x03;
      break;
    default:  // 1000..1011 reserved: GSM 7-bit
      break;
  }
  return d;
}

uint8_t RelativeValidityCode(std::chrono::minutes period) {
  const long m = period.count();
  auto ceil_div = [](long a, long b) { return (a + b - 1) / b; };
  if (m <= 5) return 0;
  if (m <= 12 * 60) return static_cast<uint8_t>(ceil_div(m, 5) - 1);
  if (m <= 24 * 60) return static_cast<uint8_t>(143 + ceil_div(m - 12 * 60, 30));
  if (m <= 30 * 24 * 60) return static_cast<uint8_t>(166 + std::max(2L, ceil_div(m, 24 * 60)));
  if (m <= 63 * 7 * 24 * 60)
    return static_cast<uint8_t>(192 + std::max(5L, ceil_div(m, 7 * 24 * 60)));
  return 255;
}

std::chrono::minutes RelativeValidityPeriod(uint8_t code) {
  if (code <= 143) return std::chrono::minutes((code + 1) * 5);
  if (code <= 167) return std::chrono::minutes(12 * 60 + (code - 143) * 30);
  if (code <= 196) return std::chrono::minutes((code - 166) * 24 * 60);
  return std::chrono::minutes((code - 192) * 7 * 24 * 60);
}

DeliveryState ClassifyStatus(uint8_t st) {
  if (st & 0x40) return DeliveryState::kFailed;
  if (st & 0x20) return DeliveryState::kPending;
  return DeliveryState::kDelivered;
}

// ---- Decoding ----

Result<SmsPdu> DecodePduBytes(std::span<const uint8_t> bytes, const DecodeOptions& options) {
  const std::string_view all(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  bool has_smsc = options.has_smsc;
  if (options.tpdu_length) {
    const size_t n = *options.tpdu_length;
    has_smsc = all.size() != n;
    if (has_smsc) {
      const size_t smsc_octets = all.empty() ? 0 : static_cast<uint8_t>(all[0]) + 1u;
      if (all.size() != smsc_octets + n) {
        return InvalidInput(
            "bad length: PDU of " + std::to_string(all.size()) + " octets for a TPDU length of " +
            std::to_string(n) +
            (all.empty() ? std::string() : " and an SMSC part of " + std::to_string(smsc_octets)));
      }
    }
  }
  Reader r(all);
  std::optional<Address> smsc;
  if (has_smsc) {
    PESAN_ASSIGN(s, ReadSmsc(r));
    smsc = std::move(s);
  }
  return DecodeTpdu(all.substr(r.offset()), std::move(smsc));
}

Result<SmsPdu> DecodePdu(std::string_view hex, const DecodeOptions& options) {
  PESAN_ASSIGN(bytes, FromHex(hex));
  return DecodePduBytes(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()),
      options);
}

// ---- Encoding ----

namespace {

// One SMS-SUBMIT TPDU (23.040 §9.2.2.2).
std::string SubmitTpdu(const Address& da, std::string_view part, SmsCoding coding,
                       const std::optional<Concatenation>& concat, const SubmitOptions& o) {
  uint8_t first = 0x01;                    // TP-MTI SMS-SUBMIT (§9.2.3.1)
  if (o.reject_duplicates) first |= 0x04;  // TP-RD
  if (o.validity) first |= 0x10;           // TP-VPF relative (§9.2.3.3)
  if (o.status_report) first |= 0x20;      // TP-SRR
  if (concat) first |= 0x40;               // TP-UDHI
  std::string tpdu = {static_cast<char>(first), static_cast<char>(o.message_reference)};
  AppendAddress(da, tpdu);
  tpdu.push_back(static_cast<char>(o.pid));
  tpdu.push_back(static_cast<char>(DcsFor(coding, o.message_class)));
  if (o.validity) tpdu.push_back(static_cast<char>(RelativeValidityCode(*o.validity)));
  AppendUserData(part, coding, concat, tpdu);
  return tpdu;
}

}  // namespace

Result<std::vector<EncodedPdu>> EncodeSubmit(std::string_view destination, std::string_view text,
                                             const SubmitOptions& o) {
  PESAN_ASSIGN(da, ParseAddress(destination));
  const SmsCoding coding = ChooseCoding(text, o.coding);
  PESAN_ASSIGN(parts, Parts(text, coding, o.ref16));
  std::vector<EncodedPdu> out;
  for (size_t i = 0; i < parts.size(); ++i) {
    const auto concat = ConcatFor(parts.size(), i, o.concat_ref, o.ref16);
    out.push_back(Finish(o.smsc, SubmitTpdu(da, parts[i], coding, concat, o)));
  }
  return out;
}

Result<EncodedPdu> EncodeSubmitPart(std::string_view destination, std::string_view part,
                                    const std::optional<Concatenation>& concat,
                                    const SubmitOptions& o) {
  PESAN_ASSIGN(da, ParseAddress(destination));
  const SmsCoding coding = ChooseCoding(part, o.coding);
  const size_t header = concat ? (concat->ref16 ? 7 : 6) : 0;
  const bool fits = coding == SmsCoding::kGsm7
                        ? (header * 8 + 6) / 7 + SeptetsOf(part).size() <= 160
                        : header + Utf16Units(part) * 2 <= 140;
  if (!fits) return InvalidInput("part too long: it does not fit in the 140 octets of TP-UD");
  return Finish(o.smsc, SubmitTpdu(da, part, coding, concat, o));
}

Result<std::vector<EncodedPdu>> EncodeDeliver(std::string_view originator, std::string_view text,
                                              const DeliverOptions& o) {
  PESAN_ASSIGN(oa, ParseAddress(originator));
  const SmsCoding coding = ChooseCoding(text, o.coding);
  PESAN_ASSIGN(parts, Parts(text, coding, o.ref16));
  std::vector<EncodedPdu> out;
  for (size_t i = 0; i < parts.size(); ++i) {
    const auto concat = ConcatFor(parts.size(), i, o.concat_ref, o.ref16);
    uint8_t first = 0x00;                 // TP-MTI SMS-DELIVER
    if (!o.more_messages) first |= 0x04;  // TP-MMS: no more messages waiting
    if (o.status_report) first |= 0x20;   // TP-SRI
    if (concat) first |= 0x40;            // TP-UDHI
    std::string tpdu(1, static_cast<char>(first));
    AppendAddress(oa, tpdu);
    tpdu.push_back(static_cast<char>(o.pid));
    tpdu.push_back(static_cast<char>(DcsFor(coding, o.message_class)));
    AppendTimestamp(o.timestamp, tpdu);
    AppendUserData(parts[i], coding, concat, tpdu);
    out.push_back(Finish(o.smsc, tpdu));
  }
  return out;
}

Result<EncodedPdu> EncodeStatusReport(std::string_view recipient, const StatusReportOptions& o) {
  PESAN_ASSIGN(ra, ParseAddress(recipient));
  std::string tpdu = {0x06, static_cast<char>(o.message_reference)};  // MTI 10, MMS = 1
  AppendAddress(ra, tpdu);
  AppendTimestamp(o.timestamp, tpdu);
  AppendTimestamp(o.discharge_time, tpdu);
  tpdu.push_back(static_cast<char>(o.status));
  return Finish(o.smsc, tpdu);
}

// ---- Hex ----

std::string ToHex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0x0F]);
  }
  return out;
}

Result<std::string> FromHex(std::string_view hex) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!hex.empty() && space(hex.front())) hex.remove_prefix(1);
  while (!hex.empty() && space(hex.back())) hex.remove_suffix(1);
  if (hex.size() % 2 != 0) {
    return InvalidInput("bad hex: odd number of digits (" + std::to_string(hex.size()) + ")");
  }
  auto value = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int hi = value(hex[i]), lo = value(hex[i + 1]);
    if (hi < 0 || lo < 0) {
      return InvalidInput("bad hex: '" + std::string(1, hi < 0 ? hex[i] : hex[i + 1]) +
                          "' at position " + std::to_string(hi < 0 ? i : i + 1));
    }
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

#undef PESAN_ASSIGN

}  // namespace pesan::modem
