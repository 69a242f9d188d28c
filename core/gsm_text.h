// The text layer of SMS: UTF-8 <-> UTF-16BE, the GSM 7-bit default alphabet and its extension
// table (3GPP TS 23.038 §6.2.1), septet packing (§6.1.2.1.1), and how a text is cut into the
// parts of a concatenated message (3GPP TS 23.040 §9.2.3.24.1).
//
// Every function is pure and total: any byte string is accepted, invalid UTF-8 reads as U+FFFD.
// Thread-safe (no shared mutable state).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pesan {

enum class SmsCoding { kGsm7, kUcs2 };

// ---- UTF-8 / UTF-16 ----

// Code points of `utf8`; each maximal invalid subsequence (stray continuation byte, truncated
// sequence, overlong form, encoded surrogate, > U+10FFFF) becomes one U+FFFD.
std::u32string DecodeUtf8(std::string_view utf8);
// UTF-8 of `cps`; surrogate code points and values above U+10FFFF are written as U+FFFD.
std::string EncodeUtf8(std::u32string_view cps);
bool IsValidUtf8(std::string_view bytes);
// UTF-16 big-endian (what UCS-2 SMS really carry, 23.038 §6.2.3) to UTF-8. Surrogate pairs are
// joined; a lone surrogate or a trailing odd byte becomes U+FFFD.
std::string Utf16BeToUtf8(std::string_view be_bytes);
// UTF-8 to UTF-16BE; code points above U+FFFF become surrogate pairs.
std::string Utf8ToUtf16Be(std::string_view utf8);
// Number of UTF-16 code units `utf8` needs.
size_t Utf16Units(std::string_view utf8);

// ---- GSM 7-bit default alphabet (23.038 §6.2.1) and extension table (§6.2.1.1) ----

inline constexpr char kGsm7Escape = 0x1B;

// True when every character is in the basic or the extension table.
bool IsGsm7(std::string_view utf8);
// Unpacked septet values (one per byte, 0..127), ESC 0x1B before each extension character;
// nullopt if a character is outside GSM-7.
std::optional<std::string> Utf8ToGsm7(std::string_view utf8);
// Septet values (high bit ignored) to UTF-8. ESC followed by a code the extension table does not
// define shows the basic-table character for that code (§6.2.1.1); ESC ESC and a trailing ESC
// show a space.
std::string Gsm7ToUtf8(std::string_view septets);
// Septets needed for one character (1 basic, 2 extension), 0 if it is not in GSM-7.
int Gsm7Septets(char32_t cp);

// Packs septets into octets, first septet in the low bits of the first octet (§6.1.2.1.1).
// `fill_bits` (0..6) zero bits come first, as after a User Data Header (23.040 §9.2.3.24).
// Result size: ceil((fill_bits + 7 * septets.size()) / 8).
std::string PackSeptets(std::string_view septets, int fill_bits = 0);
// Reads `count` septets after `fill_bits` bits; stops early when `octets` runs out.
std::string UnpackSeptets(std::string_view octets, size_t count, int fill_bits = 0);

// ---- Outgoing texts ----

// Replaces what has a plain GSM-7 equivalent (curly quotes, dashes, ellipsis, NBSP and other
// spaces, bullets, accented Latin letters without a GSM-7 form -> base letter, Latin letters
// followed by a combining accent), drops emoji, pictographs and invisible format characters,
// and keeps the text of other scripts (Arabic, Javanese, ...) as it is: such a text still
// needs UCS-2.
std::string ToGsmFriendly(std::string_view utf8);

// How a text would be sent. units: septets (GSM-7, extension characters count 2) or UTF-16
// code units (UCS-2). A text of at most 160 septets / 70 units is one message; longer texts
// are cut into parts of at most 153 septets / 67 units (8-bit concatenation UDH of 6 octets,
// 23.040 §9.2.3.24.1), never inside an ESC pair or a surrogate pair. An empty text is one
// (empty) message.
struct SegmentInfo {
  SmsCoding coding;
  size_t units;
  size_t segments;
};
SegmentInfo CountSegments(std::string_view utf8);

// ToGsmFriendly and the CountSegments of its result, in one pass over the common text (ASCII of
// the GSM-7 alphabet, one message), which they would read twice.
struct FriendlyText {
  std::string text;
  SegmentInfo info;
};
FriendlyText ToGsmFriendlyCounted(std::string_view utf8);

// The parts of a concatenated message, in UTF-8 (one part when the text fits in one message),
// with the limits described at CountSegments. For kGsm7 a character outside GSM-7 counts as one
// septet (callers check IsGsm7 first).
std::vector<std::string> SplitSms(std::string_view utf8, SmsCoding coding);
// Same with explicit limits: `single_units` for an unsplit message, `part_units` per part
// (e.g. 152 / 66 with a 16-bit reference UDH of 7 octets). part_units must be >= 2.
std::vector<std::string> SplitSmsUnits(std::string_view utf8, SmsCoding coding, size_t single_units,
                                       size_t part_units);

}  // namespace pesan
