#include "core/gsm_text.h"

#include <gtest/gtest.h>

#include <string>

namespace pesan {
namespace {

std::string Hex(std::string_view bytes) {
  static const char* kDigits = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

std::string Unhex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

std::string Repeat(std::string_view s, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

// ---- Tables (23.038 §6.2.1, §6.2.1.1) ----

TEST(GsmText, EveryBasicCharacterRoundTrips) {
  for (int code = 0; code < 128; ++code) {
    if (code == 0x1B) continue;  // ESC is not a character
    const std::string septet(1, static_cast<char>(code));
    const std::string utf8 = Gsm7ToUtf8(septet);
    EXPECT_TRUE(IsGsm7(utf8)) << code;
    EXPECT_EQ(DecodeUtf8(utf8).size(), 1u) << code;
    auto back = Utf8ToGsm7(utf8);
    ASSERT_TRUE(back.has_value()) << code;
    EXPECT_EQ(*back, septet) << "code " << code << " char " << utf8;
  }
}

TEST(GsmText, EveryExtensionCharacterRoundTrips) {
  const std::pair<int, const char*> ext[] = {{0x0A, "\f"}, {0x14, "^"}, {0x28, "{"}, {0x29, "}"},
                                             {0x2F, "\\"}, {0x3C, "["}, {0x3D, "~"}, {0x3E, "]"},
                                             {0x40, "|"},  {0x65, "€"}};
  for (auto [code, text] : ext) {
    const std::string pair = {kGsm7Escape, static_cast<char>(code)};
    EXPECT_EQ(Gsm7ToUtf8(pair), text) << code;
    auto back = Utf8ToGsm7(text);
    ASSERT_TRUE(back.has_value()) << code;
    EXPECT_EQ(*back, pair) << code;
    EXPECT_EQ(Gsm7Septets(DecodeUtf8(text)[0]), 2) << code;
  }
}

TEST(GsmText, KnownPitfallsOfTheBasicTable) {
  EXPECT_EQ(Gsm7ToUtf8(std::string(1, '\0')), "@");
  EXPECT_EQ(Gsm7ToUtf8("\x02"), "$");
  EXPECT_EQ(Gsm7ToUtf8("\x11"), "_");
  EXPECT_EQ(Gsm7ToUtf8("\x24"), "¤");
  EXPECT_EQ(Gsm7ToUtf8("\x40"), "¡");
  EXPECT_EQ(Gsm7ToUtf8("\x09"), "Ç");
  EXPECT_EQ(*Utf8ToGsm7("@$_"), std::string("\x00\x02\x11", 3));
  EXPECT_FALSE(Utf8ToGsm7("`").has_value());
  EXPECT_FALSE(Utf8ToGsm7("ç").has_value());
  EXPECT_FALSE(Utf8ToGsm7("\x1B").has_value());
  EXPECT_FALSE(IsGsm7("Harga á"));
  EXPECT_TRUE(IsGsm7("PESAN B1 2 {x} €5"));
}

TEST(GsmText, UndefinedExtensionCodesShowTheBasicCharacter) {
  EXPECT_EQ(Gsm7ToUtf8("\x1B\x41"), "A");   // undefined ext code -> basic 'A'
  EXPECT_EQ(Gsm7ToUtf8("\x1B\x0D"), "\r");  // CR2 reserved -> CR
  EXPECT_EQ(Gsm7ToUtf8("\x1B\x1B"), " ");   // SS2 -> space
  EXPECT_EQ(Gsm7ToUtf8("ab\x1B"), "ab ");   // trailing ESC
  EXPECT_EQ(Gsm7ToUtf8("\xC1"), "A");       // high bit ignored
}

// ---- Packing (23.038 §6.1.2.1.1; PROTOCOLS.md §1.3, §2.8) ----

TEST(GsmText, PacksTheSpecExamples) {
  EXPECT_EQ(Hex(PackSeptets(*Utf8ToGsm7("hellohello"))), "E8329BFD4697D9EC37");
  EXPECT_EQ(Hex(PackSeptets(*Utf8ToGsm7("Hello"))), "C8329BFD06");
  // §2.8 B: "world" after a 6-octet UDH has one fill bit.
  EXPECT_EQ(Hex(PackSeptets(*Utf8ToGsm7("world"), 1)), "EE6F399B0C");
  EXPECT_EQ(Hex(PackSeptets(*Utf8ToGsm7("world"))), "F7B79C4D06");
  // §2.8 E: alphanumeric originator "InternetSMS".
  EXPECT_EQ(Hex(PackSeptets(*Utf8ToGsm7("InternetSMS"))), "4937BD2C7797E9D3E614");
  // §1.3: USSD "*123*1#" padded with CR to 8 septets.
  EXPECT_EQ(Hex(PackSeptets(*Utf8ToGsm7("*123*1#\r"))), "AA986CA68A8D1A");
}

TEST(GsmText, UnpacksTheSpecExamples) {
  EXPECT_EQ(Gsm7ToUtf8(UnpackSeptets(Unhex("E8329BFD4697D9EC37"), 10)), "hellohello");
  EXPECT_EQ(Gsm7ToUtf8(UnpackSeptets(Unhex("C8329BFD06"), 5)), "Hello");
  EXPECT_EQ(Gsm7ToUtf8(UnpackSeptets(Unhex("EE6F399B0C"), 5, 1)), "world");
  EXPECT_EQ(Gsm7ToUtf8(UnpackSeptets(Unhex("4937BD2C7797E9D3E614"), 11)), "InternetSMS");
  // Asking for more septets than the octets hold stops early.
  EXPECT_EQ(UnpackSeptets(Unhex("C8329BFD06"), 50).size(), 5u);
  EXPECT_EQ(UnpackSeptets("", 3).size(), 0u);
}

TEST(GsmText, PackUnpackRoundTripsEverySeptetAtEveryFill) {
  std::string all;
  for (int i = 0; i < 128; ++i) all.push_back(static_cast<char>(i));
  for (int fill = 0; fill <= 6; ++fill) {
    for (size_t n = 0; n <= all.size(); n += 7) {
      std::string s = all.substr(0, n);
      std::string packed = PackSeptets(s, fill);
      EXPECT_EQ(packed.size(), (fill + 7 * n + 7) / 8) << fill << " " << n;
      EXPECT_EQ(UnpackSeptets(packed, n, fill), s) << fill << " " << n;
    }
  }
}

// ---- Segments (23.040 §9.2.3.24.1) ----

TEST(GsmText, Gsm7SegmentLimits) {
  auto c = CountSegments(Repeat("a", 160));
  EXPECT_EQ(c.coding, SmsCoding::kGsm7);
  EXPECT_EQ(c.units, 160u);
  EXPECT_EQ(c.segments, 1u);
  c = CountSegments(Repeat("a", 161));
  EXPECT_EQ(c.units, 161u);
  EXPECT_EQ(c.segments, 2u);
  for (size_t k = 2; k <= 5; ++k) {
    EXPECT_EQ(CountSegments(Repeat("a", 153 * k)).segments, k) << k;
    EXPECT_EQ(CountSegments(Repeat("a", 153 * k + 1)).segments, k + 1) << k;
    auto parts = SplitSms(Repeat("a", 153 * k + 1), SmsCoding::kGsm7);
    ASSERT_EQ(parts.size(), k + 1);
    EXPECT_EQ(parts[0].size(), 153u);
    EXPECT_EQ(parts.back(), "a");
  }
  EXPECT_EQ(CountSegments("").segments, 1u);
  EXPECT_EQ(CountSegments("").units, 0u);
}

TEST(GsmText, ExtensionCharactersCountTwoAndAreNotSplit) {
  // 159 'a' + '€' = 161 septets: two parts.
  auto c = CountSegments(Repeat("a", 159) + "€");
  EXPECT_EQ(c.units, 161u);
  EXPECT_EQ(c.segments, 2u);
  EXPECT_EQ(CountSegments(Repeat("a", 158) + "€").segments, 1u);
  // 152 'a' then '{': the pair would straddle septets 153/154, so it opens part 2.
  const std::string text = Repeat("a", 152) + "{" + Repeat("b", 20);
  auto parts = SplitSms(text, SmsCoding::kGsm7);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0], Repeat("a", 152));
  EXPECT_EQ(parts[1], "{" + Repeat("b", 20));
  EXPECT_EQ(parts[0] + parts[1], text);
  // 151 'a' then '{' fills the part exactly.
  parts = SplitSms(Repeat("a", 151) + "{" + Repeat("b", 20), SmsCoding::kGsm7);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0], Repeat("a", 151) + "{");
  // Every part's septets stay within 153.
  const std::string braces = Repeat("[x]", 200);
  for (const std::string& p : SplitSms(braces, SmsCoding::kGsm7)) {
    EXPECT_LE(Utf8ToGsm7(p)->size(), 153u);
  }
  EXPECT_EQ(CountSegments(braces).segments, SplitSms(braces, SmsCoding::kGsm7).size());
}

// Plain ASCII takes a shorter path than text with other characters: both must agree. 'e' and
// 'é' are one septet each (basic table), so a text ending in either counts alike; every other
// character of the text is ASCII, from all 128.
TEST(GsmText, AsciiTextCountsAndConvertsAsTheGeneralPathDoes) {
  unsigned seed = 12345;
  auto next = [&seed] { return (seed = seed * 1103515245u + 12345u) >> 16; };
  for (int round = 0; round < 2000; ++round) {
    std::string text;
    const size_t n = next() % 200;
    for (size_t i = 0; i < n; ++i) text.push_back(static_cast<char>(next() % 128));
    const auto ascii = CountSegments(text + "e");
    const auto general = CountSegments(text + "\xC3\xA9");
    EXPECT_EQ(ascii.coding, general.coding) << round;
    EXPECT_EQ(ascii.units, general.units) << round;
    EXPECT_EQ(ascii.segments, general.segments) << round;
    const std::string friendly = ToGsmFriendly(text + "\xC3\xA9");
    ASSERT_GE(friendly.size(), 2u);
    EXPECT_EQ(ToGsmFriendly(text), friendly.substr(0, friendly.size() - 2)) << round;
  }
  EXPECT_EQ(CountSegments(Repeat("a", 158) + "[").segments, 1u);  // 160 septets
  EXPECT_EQ(CountSegments(Repeat("a", 159) + "[").segments, 2u);  // 161
  EXPECT_EQ(CountSegments("a`b").coding, SmsCoding::kUcs2);       // not in GSM 03.38
}

TEST(GsmText, Ucs2SegmentLimits) {
  const std::string ya = "я";
  EXPECT_EQ(CountSegments(Repeat(ya, 70)).coding, SmsCoding::kUcs2);
  EXPECT_EQ(CountSegments(Repeat(ya, 70)).segments, 1u);
  EXPECT_EQ(CountSegments(Repeat(ya, 71)).segments, 2u);
  EXPECT_EQ(CountSegments(Repeat(ya, 134)).segments, 2u);
  EXPECT_EQ(CountSegments(Repeat(ya, 135)).segments, 3u);
  // One non-GSM character makes the whole text UCS-2.
  auto c = CountSegments(Repeat("a", 100) + "á");
  EXPECT_EQ(c.coding, SmsCoding::kUcs2);
  EXPECT_EQ(c.units, 101u);
  EXPECT_EQ(c.segments, 2u);
}

TEST(GsmText, EmojiSurrogatePairIsNotSplit) {
  const std::string emoji = "😀";  // U+1F600, 2 UTF-16 units
  auto c = CountSegments(Repeat("x", 68) + emoji);
  EXPECT_EQ(c.coding, SmsCoding::kUcs2);
  EXPECT_EQ(c.units, 70u);
  EXPECT_EQ(c.segments, 1u);
  EXPECT_EQ(CountSegments(Repeat("x", 69) + emoji).segments, 2u);
  // 66 units then the pair: it would straddle units 67/68, so it opens part 2.
  const std::string text = Repeat("x", 66) + emoji + Repeat("y", 10);
  auto parts = SplitSms(text, SmsCoding::kUcs2);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0], Repeat("x", 66));
  EXPECT_EQ(parts[1], emoji + Repeat("y", 10));
  for (const std::string& p : SplitSms(Repeat(emoji, 100), SmsCoding::kUcs2)) {
    EXPECT_LE(Utf16Units(p), 67u);
    EXPECT_EQ(Utf16Units(p) % 2, 0u);
  }
}

TEST(GsmText, SplitWithSixteenBitReferenceLimits) {
  auto parts = SplitSmsUnits(Repeat("a", 305), SmsCoding::kGsm7, 160, 152);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0].size(), 152u);
  EXPECT_EQ(parts[2].size(), 1u);
  parts = SplitSmsUnits(Repeat("я", 133), SmsCoding::kUcs2, 70, 66);
  ASSERT_EQ(parts.size(), 3u);
}

// ---- ToGsmFriendlyCounted ----

// The one-pass form gives what its two parts give, for the plain text it shortcuts and for those
// it hands on: accents to replace, a long text, another script.
TEST(GsmText, FriendlyCountedIsToGsmFriendlyAndItsCount) {
  const std::string long_text(200, 'a');
  for (const std::string& in :
       {std::string("Pesanan 12: 2 Beras 5kg, Rp130.000. Bayar di tempat."), std::string(""),
        std::string("“Pesan” – caf\u00e9 {B1}"), long_text, long_text + "\u00e9",
        std::string("\u0627\u0644\u0633\u0644\u0627\u0645"), std::string(160, '{')}) {
    const FriendlyText counted = ToGsmFriendlyCounted(in);
    const std::string friendly = ToGsmFriendly(in);
    const SegmentInfo info = CountSegments(friendly);
    EXPECT_EQ(counted.text, friendly) << in;
    EXPECT_EQ(counted.info.coding, info.coding) << in;
    EXPECT_EQ(counted.info.units, info.units) << in;
    EXPECT_EQ(counted.info.segments, info.segments) << in;
  }
}

// ---- ToGsmFriendly ----

TEST(GsmText, FriendlyReplacesTypography) {
  EXPECT_EQ(ToGsmFriendly("“Pesan” ‘B1’ – 2 — ok…"), "\"Pesan\" 'B1' - 2 - ok...");
  EXPECT_EQ(ToGsmFriendly("Rp\u00A05.000"), "Rp 5.000");
  EXPECT_EQ(ToGsmFriendly("• Beras\n• Gula"), "- Beras\n- Gula");
  EXPECT_EQ(ToGsmFriendly("tab\there"), "tab here");
  EXPECT_EQ(ToGsmFriendly("`code`"), "'code'");
}

TEST(GsmText, FriendlyFoldsAccentsWithoutGsmForm) {
  EXPECT_EQ(ToGsmFriendly("café crème"), "café crème");  // é, è are GSM-7
  EXPECT_EQ(ToGsmFriendly("São Paulo, Málaga, Łódź"), "Sao Paulo, Malaga, Lodz");
  EXPECT_EQ(ToGsmFriendly("façade"), "facade");
  EXPECT_EQ(ToGsmFriendly("cafe\u0301"), "café");  // combining accent composed
  EXPECT_EQ(ToGsmFriendly("a\u0301b"), "ab");      // no GSM-7 form: accent dropped
  EXPECT_TRUE(IsGsm7(ToGsmFriendly("Ünïcödé Ærø ŒŸ")));
}

TEST(GsmText, FriendlyDropsEmoji) {
  EXPECT_EQ(ToGsmFriendly("Terima kasih 🙏"), "Terima kasih");
  EXPECT_EQ(ToGsmFriendly("ok 👍🏽!"), "ok !");                     // with skin tone
  EXPECT_EQ(ToGsmFriendly("❤️ suka"), "suka");                      // with VS16
  EXPECT_EQ(ToGsmFriendly("👨‍👩‍👧 keluarga"), "keluarga");  // ZWJ sequence
  EXPECT_EQ(ToGsmFriendly("🇮🇩 ID"), "ID");                              // flag
  EXPECT_EQ(ToGsmFriendly("1️⃣ satu"), "1 satu");                   // keycap
  const std::string text = ToGsmFriendly("Pesanan siap ✅ diantar 🚚 → rumah");
  EXPECT_EQ(text, "Pesanan siap diantar -> rumah");
  EXPECT_EQ(CountSegments(text).coding, SmsCoding::kGsm7);
}

TEST(GsmText, FriendlyLeavesOneSpaceWhereAnEmojiWas) {
  // A product named with emoji reads as its words in an order alert.
  EXPECT_EQ(ToGsmFriendly("B1 Beras 🌾🌾 5kg x2"), "B1 Beras 5kg x2");
  EXPECT_EQ(ToGsmFriendly("Sayur 🥬\n🥕 Wortel 2"), "Sayur\nWortel 2");
  EXPECT_EQ(ToGsmFriendly("Gula🍬 1kg"), "Gula 1kg");  // no space before it: the one after stays
  EXPECT_EQ(ToGsmFriendly("a  🙂 b"), "a  b");      // spaces that were there stay
  EXPECT_EQ(ToGsmFriendly("Telur🥚\nAyam"), "Telur\nAyam");
  EXPECT_EQ(ToGsmFriendly("🍚"), "");
}

TEST(GsmText, FriendlyKeepsOtherScripts) {
  const std::string arabic = "شكرا لك";
  EXPECT_EQ(ToGsmFriendly(arabic), arabic);
  EXPECT_EQ(CountSegments(ToGsmFriendly(arabic)).coding, SmsCoding::kUcs2);
  const std::string javanese = "ꦱꦸꦒꦼꦁ";  // Javanese script
  EXPECT_EQ(ToGsmFriendly(javanese), javanese);
  EXPECT_EQ(CountSegments(ToGsmFriendly("Pesan “" + javanese + "”")).coding, SmsCoding::kUcs2);
  EXPECT_EQ(ToGsmFriendly("Pesan “" + javanese + "”"), "Pesan \"" + javanese + "\"");
  // A ZWJ inside script text is not an emoji joiner.
  EXPECT_EQ(ToGsmFriendly("क्\u200Dष"), "क्\u200Dष");
}

TEST(GsmText, FriendlyOutputOfLatinTextIsGsm7) {
  const std::string text = "“Harga” naik — 10% … ©2025 ½ kg • Kopi ☕ °C ±1 ¢ ™";
  const std::string friendly = ToGsmFriendly(text);
  EXPECT_TRUE(IsGsm7(friendly)) << friendly;
}

// ---- UTF-8 / UTF-16BE ----

TEST(GsmText, Utf16BeWithSurrogates) {
  EXPECT_EQ(Hex(Utf8ToUtf16Be("😀")), "D83DDE00");
  EXPECT_EQ(Utf16BeToUtf8(Unhex("D83DDE00")), "😀");
  EXPECT_EQ(Hex(Utf8ToUtf16Be("Привет")), "041F04400438043204350442");
  EXPECT_EQ(Utf16BeToUtf8(Unhex("0442043504410442")), "тест");
  EXPECT_EQ(Hex(Utf8ToUtf16Be("a\U0010FFFF")), "0061DBFFDFFF");
  EXPECT_EQ(Utf16BeToUtf8(Unhex("D83D0041")), "\uFFFDA");  // lone high surrogate
  EXPECT_EQ(Utf16BeToUtf8(Unhex("DE000041")), "\uFFFDA");  // lone low surrogate
  EXPECT_EQ(Utf16BeToUtf8(Unhex("D83D")), "\uFFFD");       // high surrogate at the end
  EXPECT_EQ(Utf16BeToUtf8(Unhex("004100")), "A\uFFFD");    // odd byte
  EXPECT_EQ(Utf16Units("a😀я"), 4u);
  const std::string mixed = "Pesan 😀 шт ꦱ 𠀀 €";
  EXPECT_EQ(Utf16BeToUtf8(Utf8ToUtf16Be(mixed)), mixed);
}

TEST(GsmText, Utf8DecodingReplacesInvalidSequences) {
  EXPECT_TRUE(IsValidUtf8("héllo 😀"));
  EXPECT_FALSE(IsValidUtf8("\xC3"));              // truncated
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // encoded surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // > U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\x80"));
  EXPECT_EQ(DecodeUtf8("a\xE2\x82z"), (std::u32string{U'a', 0xFFFD, U'z'}));
  EXPECT_EQ(DecodeUtf8("\xF0\x9F\x98"), (std::u32string{0xFFFD}));
  EXPECT_EQ(DecodeUtf8("\xFF\xFE"), (std::u32string{0xFFFD, 0xFFFD}));
  EXPECT_EQ(EncodeUtf8(std::u32string{0xD800, 0x110000, U'x'}), "\uFFFD\uFFFDx");
  EXPECT_EQ(EncodeUtf8(DecodeUtf8("€𝄞")), "€𝄞");
}

}  // namespace
}  // namespace pesan
