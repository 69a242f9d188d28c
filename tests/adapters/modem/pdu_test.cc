// SMS PDU codec against the worked examples of PROTOCOLS.md §2.8 (3GPP TS 23.040) and the
// field rules of the spec.
#include "adapters/modem/pdu.h"

#include <gtest/gtest.h>

#include <string>

namespace pesan::modem {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

std::string Repeat(std::string_view s, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

SmsPdu MustDecode(std::string_view hex, const DecodeOptions& options = {}) {
  auto r = DecodePdu(hex, options);
  EXPECT_TRUE(r.ok()) << hex << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : SmsPdu{};
}

SubmitOptions FourDays() {
  SubmitOptions o;
  o.validity = hours(24 * 4);
  return o;
}

// ---- §2.8 A: SMS-SUBMIT "Hello" ----

TEST(Pdu, EncodesExampleA) {
  auto r = EncodeSubmit("+254712345678", "Hello", FourDays());
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].hex, "0011000C915274214365870000AA05C8329BFD06");
  EXPECT_EQ((*r)[0].tpdu_length, 19u);
}

TEST(Pdu, DecodesExampleAAsStoredSubmit) {
  SmsPdu p = MustDecode("0011000C915274214365870000AA05C8329BFD06");
  EXPECT_EQ(p.type, PduType::kSubmit);
  EXPECT_FALSE(p.smsc.has_value());
  EXPECT_EQ(p.address.value, "+254712345678");
  EXPECT_EQ(p.address.ton, TypeOfNumber::kInternational);
  EXPECT_EQ(p.validity.format, ValidityFormat::kRelative);
  EXPECT_EQ(p.validity.relative, 0xAA);
  EXPECT_EQ(RelativeValidityPeriod(p.validity.relative), hours(96));
  EXPECT_EQ(p.text, "Hello");
  EXPECT_FALSE(p.udh.has_value());
}

// ---- §2.8 B: part 2 of a 2-part GSM-7 message, fill bit after the UDH ----

TEST(Pdu, EncodesExampleBWithFillBit) {
  auto r = EncodeSubmitPart("+254712345678", "world", Concatenation{0x2A, 2, 2, false}, FourDays());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->hex, "0051000C915274214365870000AA0C0500032A0202EE6F399B0C");
  EXPECT_EQ(r->tpdu_length, 25u);
  // Part 1 of a series: UDL 160 = 7 (UDH and fill) + 153.
  SubmitOptions o = FourDays();
  o.concat_ref = 0x2A;
  auto parts = EncodeSubmit("+254712345678", Repeat("x", 153) + "world, hello", o);
  ASSERT_TRUE(parts.ok());
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ((*parts)[0].hex.substr(28, 2), "A0");
  SmsPdu p1 = MustDecode((*parts)[0].hex);
  EXPECT_EQ(p1.text, Repeat("x", 153));
  ASSERT_TRUE(p1.udh && p1.udh->concat);
  EXPECT_EQ(p1.udh->concat->seq, 1);
  EXPECT_EQ(p1.udh->concat->total, 2);
  EXPECT_EQ(p1.udh->concat->ref, 0x2A);
  EXPECT_EQ(MustDecode((*parts)[1].hex).text, "world, hello");
  // A part that does not fit is refused.
  EXPECT_FALSE(
      EncodeSubmitPart("+254712345678", Repeat("x", 154), Concatenation{1, 2, 1, false}).ok());
  EXPECT_TRUE(
      EncodeSubmitPart("+254712345678", Repeat("x", 153), Concatenation{1, 2, 1, false}).ok());
  EXPECT_FALSE(
      EncodeSubmitPart("+254712345678", Repeat("я", 68), Concatenation{1, 2, 1, false}).ok());
}

TEST(Pdu, DecodesExampleB) {
  SmsPdu p = MustDecode("0051000C915274214365870000AA0C0500032A0202EE6F399B0C");
  EXPECT_EQ(p.type, PduType::kSubmit);
  EXPECT_EQ(p.text, "world");
  ASSERT_TRUE(p.udh.has_value());
  ASSERT_TRUE(p.udh->concat.has_value());
  EXPECT_EQ(p.udh->concat->ref, 0x2A);
  EXPECT_EQ(p.udh->concat->total, 2);
  EXPECT_EQ(p.udh->concat->seq, 2);
  EXPECT_FALSE(p.udh->concat->ref16);
  EXPECT_TRUE(p.udh->others.empty());
}

// ---- §2.8 C: UCS-2 ----

TEST(Pdu, EncodesExampleC) {
  auto r = EncodeSubmit("+254712345678", "Привет", FourDays());
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].hex, "0011000C915274214365870008AA0C041F04400438043204350442");
  EXPECT_EQ((*r)[0].tpdu_length, 26u);
  EXPECT_EQ(MustDecode((*r)[0].hex).text, "Привет");
}

// ---- §2.8 D, E: SMS-DELIVER ----

TEST(Pdu, DecodesExampleD) {
  SmsPdu p = MustDecode("07912143658709F1040B918100551512F20000111010214365000AE8329BFD4697D9EC37");
  EXPECT_EQ(p.type, PduType::kDeliver);
  ASSERT_TRUE(p.smsc.has_value());
  EXPECT_EQ(p.smsc->value, "+12345678901");
  EXPECT_FALSE(p.more_messages);
  EXPECT_EQ(p.address.value, "+18005551212");
  EXPECT_EQ(p.pid, 0);
  EXPECT_EQ(p.dcs.alphabet, Alphabet::kGsm7);
  EXPECT_FALSE(p.dcs.message_class.has_value());
  ASSERT_TRUE(p.timestamp.has_value());
  EXPECT_EQ(*p.timestamp, (SmsTimestamp{2011, 1, 1, 12, 34, 56, 0}));
  EXPECT_EQ(p.text, "hellohello");
}

TEST(Pdu, DecodesExampleEAlphanumericUcs2) {
  SmsPdu p =
      MustDecode("07919730071111F10414D04937BD2C7797E9D3E614000811309291024061080442043504410442");
  EXPECT_EQ(p.smsc->value, "+79037011111");
  EXPECT_EQ(p.address.ton, TypeOfNumber::kAlphanumeric);
  EXPECT_EQ(p.address.value, "InternetSMS");
  EXPECT_EQ(p.dcs.alphabet, Alphabet::kUcs2);
  EXPECT_EQ(*p.timestamp, (SmsTimestamp{2011, 3, 29, 19, 20, 4, 16}));
  EXPECT_EQ(p.text, "тест");
}

// ---- §2.8 F: SMS-STATUS-REPORT ----

constexpr char kExampleF[] = "0791527400000000062B0C91527421436587521090315470215210903195002100";

TEST(Pdu, DecodesExampleF) {
  SmsPdu p = MustDecode(kExampleF, {.tpdu_length = 25});
  EXPECT_EQ(p.type, PduType::kStatusReport);
  EXPECT_EQ(p.smsc->value, "+254700000000");
  EXPECT_EQ(p.message_reference, 43);
  EXPECT_EQ(p.address.value, "+254712345678");
  EXPECT_EQ(*p.timestamp, (SmsTimestamp{2025, 1, 9, 13, 45, 7, 12}));
  EXPECT_EQ(*p.discharge_time, (SmsTimestamp{2025, 1, 9, 13, 59, 0, 12}));
  EXPECT_EQ(p.status, 0);
  EXPECT_EQ(ClassifyStatus(p.status), DeliveryState::kDelivered);
  // 13:59:00 at +03:00 is 10:59:00 UTC.
  const auto utc = p.discharge_time->Utc();
  ASSERT_TRUE(utc.has_value());
  EXPECT_EQ(UnixMillis(*utc), 1736420340000);
}

TEST(Pdu, EncodesExampleF) {
  StatusReportOptions o;
  o.smsc = Address{TypeOfNumber::kInternational, 1, "+254700000000"};
  o.message_reference = 43;
  o.timestamp = {2025, 1, 9, 13, 45, 7, 12};
  o.discharge_time = {2025, 1, 9, 13, 59, 0, 12};
  auto r = EncodeStatusReport("+254712345678", o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->hex, kExampleF);
  EXPECT_EQ(r->tpdu_length, 25u);
}

// ---- Fields ----

TEST(Pdu, TimeZoneSignAndQuarterHours) {
  // §2.5: 21 -> +03:00, 0A -> -05:00, 61 -> +04:00, 80 -> +02:00, 69 -> -04:00.
  const std::pair<const char*, int> zones[] = {{"21", 12}, {"0A", -20}, {"61", 16},
                                               {"80", 8},  {"69", -16}, {"00", 0}};
  for (auto [tz, quarters] : zones) {
    SmsPdu p = MustDecode(std::string("00040B918100551512F2000011101021436") + "5" + tz +
                          "0AE8329BFD4697D9EC37");
    ASSERT_TRUE(p.timestamp.has_value());
    EXPECT_EQ(p.timestamp->tz_quarters, quarters) << tz;
  }
}

TEST(Pdu, TimestampRoundTripsThroughSystemTime) {
  const SystemTime t = FromUnixMillis(1736420340000);  // 2025-01-09 10:59:00 UTC
  const SmsTimestamp wib = TimestampAt(t, 28);         // Jakarta, +07:00
  EXPECT_EQ(wib, (SmsTimestamp{2025, 1, 9, 17, 59, 0, 28}));
  EXPECT_EQ(wib.Utc(), t);
  const SmsTimestamp west = TimestampAt(t, -20);
  EXPECT_EQ(west, (SmsTimestamp{2025, 1, 9, 5, 59, 0, -20}));
  EXPECT_EQ(west.Utc(), t);
  EXPECT_FALSE((SmsTimestamp{2025, 2, 30, 0, 0, 0, 0}).Utc().has_value());
  EXPECT_FALSE((SmsTimestamp{2025, 13, 1, 0, 0, 0, 0}).Utc().has_value());
}

TEST(Pdu, RelativeValidityCodes) {
  // §9.2.3.12.1 and PROTOCOLS.md §2.4.
  EXPECT_EQ(RelativeValidityCode(minutes(5)), 0);
  EXPECT_EQ(RelativeValidityCode(minutes(6)), 1);  // rounds up, never shorter
  EXPECT_EQ(RelativeValidityCode(hours(12)), 143);
  EXPECT_EQ(RelativeValidityCode(hours(13)), 145);
  EXPECT_EQ(RelativeValidityCode(hours(24)), 0xA7);
  EXPECT_EQ(RelativeValidityCode(hours(25)), 168);
  EXPECT_EQ(RelativeValidityCode(hours(24 * 4)), 0xAA);
  EXPECT_EQ(RelativeValidityCode(hours(24 * 30)), 196);
  EXPECT_EQ(RelativeValidityCode(hours(24 * 31)), 197);
  EXPECT_EQ(RelativeValidityCode(hours(24 * 7 * 63)), 255);
  EXPECT_EQ(RelativeValidityCode(hours(24 * 7 * 100)), 255);
  for (int code = 0; code < 256; ++code) {
    const auto c = static_cast<uint8_t>(code);
    EXPECT_EQ(RelativeValidityCode(RelativeValidityPeriod(c)), c) << code;
  }
}

TEST(Pdu, DataCodingGroups) {
  // 23.038 §4 and PROTOCOLS.md §1.6.
  struct Case {
    uint8_t dcs;
    Alphabet alphabet;
    int klass;  // -1: none
  };
  const Case cases[] = {
      {0x00, Alphabet::kGsm7, -1}, {0x08, Alphabet::kUcs2, -1}, {0x04, Alphabet::k8Bit, -1},
      {0x10, Alphabet::kGsm7, 0},  {0x18, Alphabet::kUcs2, 0},  {0xF0, Alphabet::kGsm7, 0},
      {0xF1, Alphabet::kGsm7, 1},  {0xF6, Alphabet::k8Bit, 2},  {0x0C, Alphabet::kGsm7, -1},
      {0x48, Alphabet::kUcs2, -1}, {0xC8, Alphabet::kGsm7, -1}, {0xE0, Alphabet::kUcs2, -1},
      {0x80, Alphabet::kGsm7, -1},
  };
  for (const Case& c : cases) {
    DataCoding d = DecodeDataCoding(c.dcs);
    EXPECT_EQ(d.alphabet, c.alphabet) << int(c.dcs);
    EXPECT_EQ(d.message_class.value_or(-1), c.klass) << int(c.dcs);
  }
  EXPECT_TRUE(DecodeDataCoding(0x48).auto_delete);
  EXPECT_TRUE(DecodeDataCoding(0xD8).waiting_indication);
  EXPECT_TRUE(DecodeDataCoding(0x20).compressed);
}

TEST(Pdu, StatusClasses) {
  EXPECT_EQ(ClassifyStatus(0x00), DeliveryState::kDelivered);
  EXPECT_EQ(ClassifyStatus(0x02), DeliveryState::kDelivered);
  EXPECT_EQ(ClassifyStatus(0x20), DeliveryState::kPending);
  EXPECT_EQ(ClassifyStatus(0x30), DeliveryState::kPending);
  EXPECT_EQ(ClassifyStatus(0x40), DeliveryState::kFailed);
  EXPECT_EQ(ClassifyStatus(0x46), DeliveryState::kFailed);
  EXPECT_EQ(ClassifyStatus(0x62), DeliveryState::kFailed);
}

TEST(Pdu, ParsesAddresses) {
  auto a = ParseAddress("+6281234567890");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->ton, TypeOfNumber::kInternational);
  a = ParseAddress("081234567890");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->ton, TypeOfNumber::kUnknown);
  a = ParseAddress("TOKO_B1");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->ton, TypeOfNumber::kAlphanumeric);
  EXPECT_FALSE(ParseAddress("").ok());
  EXPECT_FALSE(ParseAddress("+").ok());
  EXPECT_FALSE(ParseAddress("+62*812").ok());
  EXPECT_FALSE(ParseAddress("123456789012345678901").ok());  // 21 digits
  EXPECT_FALSE(ParseAddress("TWELVE_CHARS").ok());
  EXPECT_FALSE(ParseAddress("Toko€€€€€€").ok());  // 10 characters but 16 septets
  EXPECT_FALSE(ParseAddress("Tokó").ok());
}

TEST(Pdu, AlphanumericOriginatorUsesSemiOctetsOfSeptets) {
  DeliverOptions o;
  o.timestamp = {2025, 1, 9, 13, 45, 7, 28};
  auto r = EncodeDeliver("TOKO", "Pesanan B1 siap", o);
  ASSERT_TRUE(r.ok());
  // 4 characters = 28 bits = 7 semi-octets (23.040 §9.1.2.5), type D0.
  EXPECT_EQ((*r)[0].hex.substr(0, 8), "000407D0");
  SmsPdu p = MustDecode((*r)[0].hex);
  EXPECT_EQ(p.address.value, "TOKO");
  EXPECT_EQ(p.text, "Pesanan B1 siap");
  EXPECT_EQ(*p.timestamp, o.timestamp);
  // Seven characters: 49 bits in 13 semi-octets, no trailing '@'.
  r = EncodeDeliver("BUMDES1", "x", o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(MustDecode((*r)[0].hex).address.value, "BUMDES1");
}

// ---- Encoding options ----

TEST(Pdu, SubmitOptionsSetTheirBits) {
  SubmitOptions o;
  o.status_report = true;
  o.message_class = 0;
  o.smsc = Address{TypeOfNumber::kInternational, 1, "+6281100000"};
  auto r = EncodeSubmit("081234567890", "Flash", o);
  ASSERT_TRUE(r.ok());
  const EncodedPdu& e = (*r)[0];
  // SMSC part: 6 octets (type + 5 BCD), not counted in the TPDU length.
  EXPECT_EQ(e.hex.substr(0, 14), "06912618010000");
  EXPECT_EQ(e.hex.size() / 2, 7 + e.tpdu_length);
  SmsPdu p = MustDecode(e.hex, {.tpdu_length = e.tpdu_length});
  EXPECT_EQ(p.smsc->value, "+6281100000");
  EXPECT_TRUE(p.status_report);
  EXPECT_EQ(p.validity.format, ValidityFormat::kNone);
  EXPECT_EQ(p.address.ton, TypeOfNumber::kUnknown);
  EXPECT_EQ(p.address.value, "081234567890");
  EXPECT_EQ(p.dcs.raw, 0x10);
  EXPECT_EQ(p.text, "Flash");
}

TEST(Pdu, LongGsmMessageWithSixteenBitReferences) {
  SubmitOptions o;
  o.ref16 = true;
  o.concat_ref = 0xBEEF;
  const std::string text = Repeat("Pesan {B1} ", 40);  // 520 septets, 7-octet UDH: 152 per part
  auto r = EncodeSubmit("+6281234567890", text, o);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 4u);
  std::string joined;
  for (size_t i = 0; i < r->size(); ++i) {
    SmsPdu p = MustDecode((*r)[i].hex);
    ASSERT_TRUE(p.udh && p.udh->concat);
    EXPECT_TRUE(p.udh->concat->ref16);
    EXPECT_EQ(p.udh->concat->ref, 0xBEEF);
    EXPECT_EQ(p.udh->concat->seq, i + 1);
    EXPECT_EQ(p.udh->concat->total, 4);
    EXPECT_LE(Utf8ToGsm7(p.text)->size(), 152u);
    joined += p.text;
  }
  EXPECT_EQ(joined, text);
}

TEST(Pdu, LongUcs2MessageKeepsSurrogatePairs) {
  const std::string text = Repeat("Terima kasih 🙏 ", 12);  // 15 units each
  auto r = EncodeSubmit("+6281234567890", text);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 3u);
  std::string joined;
  for (const EncodedPdu& e : *r) {
    SmsPdu p = MustDecode(e.hex);
    EXPECT_EQ(p.dcs.alphabet, Alphabet::kUcs2);
    EXPECT_TRUE(IsValidUtf8(p.text));
    EXPECT_EQ(p.text.find("\uFFFD"), std::string::npos);
    EXPECT_LE(e.tpdu_length, 14u + 140u);
    joined += p.text;
  }
  EXPECT_EQ(joined, text);
}

TEST(Pdu, ForcedGsmReplacesCharactersOutsideTheAlphabet) {
  SubmitOptions o;
  o.coding = SmsCoding::kGsm7;
  auto r = EncodeSubmit("+6281234567890", "Kopi ☕ enak", o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(MustDecode((*r)[0].hex).text, "Kopi ? enak");
}

TEST(Pdu, RejectsTooManyParts) {
  EXPECT_TRUE(EncodeSubmit("+6281234567890", Repeat("a", 153 * 255)).ok());
  auto r = EncodeSubmit("+6281234567890", Repeat("a", 153 * 255 + 1));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("255"), std::string::npos);
  EXPECT_FALSE(EncodeSubmit("not a number!", "x").ok());
}

TEST(Pdu, EmptyTextIsOneEmptyMessage) {
  auto r = EncodeSubmit("+6281234567890", "");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  SmsPdu p = MustDecode((*r)[0].hex);
  EXPECT_EQ(p.text, "");
}

// ---- Framing and errors ----

TEST(Pdu, DetectsTheSmscPrefixFromTheTpduLength) {
  // Example D without its SMSC part, as "no-smsc" modems give it.
  const std::string tpdu = "040B918100551512F20000111010214365000AE8329BFD4697D9EC37";
  SmsPdu p = MustDecode(tpdu, {.tpdu_length = tpdu.size() / 2});
  EXPECT_FALSE(p.smsc.has_value());
  EXPECT_EQ(p.text, "hellohello");
  p = MustDecode(tpdu, {.has_smsc = false});
  EXPECT_EQ(p.text, "hellohello");
  p = MustDecode("07912143658709F1" + tpdu, {.tpdu_length = tpdu.size() / 2});
  EXPECT_EQ(p.smsc->value, "+12345678901");
  auto bad = DecodePdu("07912143658709F1" + tpdu, {.tpdu_length = tpdu.size() / 2 + 1});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("bad length"), std::string::npos);
}

TEST(Pdu, AcceptsLowercaseAndSurroundingWhitespace) {
  SmsPdu p =
      MustDecode("  07912143658709f1040b918100551512f20000111010214365000ae8329bfd4697d9ec37\r\n");
  EXPECT_EQ(p.text, "hellohello");
}

TEST(Pdu, ReportsWhatIsWrong) {
  struct Case {
    const char* hex;
    const char* message_part;
  };
  const Case cases[] = {
      {"", "truncated"},
      {"0", "odd number"},
      {"0G", "bad hex"},
      {"07912143658709", "truncated"},                          // SMSC cut short
      {"0C912143658709F1040B918100551512F2", "bad length"},     // SMSC of 12 octets
      {"00040B918100551512F2000011101021436500", "truncated"},  // no TP-UDL
      {"00040B918100551512F20000111010214365000AE8329BFD4697D9EC", "truncated"},  // UD short
      {"0004159181005515121212121212F20000111010214365000100", "bad length"},     // 21 digits
      {"00030B918100551512F20000111010214365000100", "reserved TP-MTI"},
      {"00040B918100551512F2000011101021436500A1", "bad length"},       // UDL 161
      {"00040B918100551512F200081110102143650090", "bad length"},       // UCS-2 UDL 144
      {"00440B918100551512F200001110102143650003070003", "bad UDH"},    // UDHL past UD
      {"00440B918100551512F20000111010214365000403050400", "bad UDH"},  // IE past UDHL
      {"00440B918100551512F20000111010214365000605000300010200", "shorter than the UDH"},
  };
  for (const Case& c : cases) {
    auto r = DecodePdu(c.hex);
    ASSERT_FALSE(r.ok()) << c.hex;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidInput);
    EXPECT_NE(r.error().message.find(c.message_part), std::string::npos)
        << c.hex << ": " << r.error().message;
  }
}

TEST(Pdu, KeepsUnknownHeaderElementsRaw) {
  // UDH: port addressing (IEI 05) then 8-bit concatenation; 8-bit data.
  SmsPdu p = MustDecode("00440B918100551512F20004111010214365000E0B05040B8423F00003070201CAFE");
  ASSERT_TRUE(p.udh.has_value());
  ASSERT_EQ(p.udh->others.size(), 1u);
  EXPECT_EQ(p.udh->others[0].iei, 0x05);
  EXPECT_EQ(ToHex(p.udh->others[0].data), "0B8423F0");
  ASSERT_TRUE(p.udh->concat.has_value());
  EXPECT_EQ(p.udh->concat->ref, 7);
  EXPECT_EQ(p.udh->concat->seq, 1);
  EXPECT_EQ(p.dcs.alphabet, Alphabet::k8Bit);
  EXPECT_EQ(ToHex(p.data), "CAFE");
  EXPECT_TRUE(p.text.empty());
  // A concatenation IE with seq 0 is not a concatenation; it stays raw.
  p = MustDecode("00440B918100551512F200041110102143650007050003070200AB");
  ASSERT_TRUE(p.udh.has_value());
  EXPECT_FALSE(p.udh->concat.has_value());
  ASSERT_EQ(p.udh->others.size(), 1u);
  EXPECT_EQ(p.udh->others[0].iei, 0x00);
}

TEST(Pdu, StatusReportIgnoresFfPaddingAndReadsOptionalFields) {
  const std::string base = "0791527400000000062B0C91527421436587521090315470215210903195002100";
  SmsPdu p = MustDecode(base + "FF");
  EXPECT_EQ(p.status, 0);
  // TP-PI = 07: PID, DCS (UCS-2), UDL 4 and "OK".
  p = MustDecode(base + "070008" + "04004F004B");
  EXPECT_EQ(p.status, 0);
  EXPECT_EQ(p.dcs.alphabet, Alphabet::kUcs2);
  EXPECT_EQ(p.text, "OK");
  // Announced but missing: the report itself still decodes.
  p = MustDecode(base + "07");
  EXPECT_EQ(p.message_reference, 43);
}

TEST(Pdu, DeliverRoundTripsThroughTheDecoder) {
  DeliverOptions o;
  o.smsc = Address{TypeOfNumber::kInternational, 1, "+6281100000"};
  o.timestamp = {2025, 6, 1, 8, 30, 0, 28};
  o.status_report = true;
  o.concat_ref = 200;
  const std::string text = "PESAN B1 2\n" + Repeat("Jl. Mawar {3} ", 20);
  auto r = EncodeDeliver("+6285766660001", text, o);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 3u);  // 11 + 20 * 16 = 331 septets
  std::string joined;
  for (const EncodedPdu& e : *r) {
    SmsPdu p = MustDecode(e.hex, {.tpdu_length = e.tpdu_length});
    EXPECT_EQ(p.type, PduType::kDeliver);
    EXPECT_EQ(p.address.value, "+6285766660001");
    EXPECT_EQ(*p.timestamp, o.timestamp);
    EXPECT_TRUE(p.status_report);
    EXPECT_FALSE(p.more_messages);
    EXPECT_EQ(p.udh->concat->ref, 200);
    joined += p.text;
  }
  EXPECT_EQ(joined, text);
}

}  // namespace
}  // namespace pesan::modem
