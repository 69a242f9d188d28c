#include "core/gsm_text.h"

#include <array>
#include <cstdint>

namespace pesan {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

// 3GPP TS 23.038 §6.2.1: the GSM 7-bit default alphabet, indexed by septet value. 0x1B is the
// escape to the extension table; its entry is only used for "ESC ESC", shown as a space.
constexpr std::array<char32_t, 128> kBasic = {
    0x0040, 0x00A3, 0x0024, 0x00A5, 0x00E8, 0x00E9, 0x00F9, 0x00EC,  // @ £ $ ¥ è é ù ì
    0x00F2, 0x00C7, 0x000A, 0x00D8, 0x00F8, 0x000D, 0x00C5, 0x00E5,  // ò Ç LF Ø ø CR Å å
    0x0394, 0x005F, 0x03A6, 0x0393, 0x039B, 0x03A9, 0x03A0, 0x03A8,  // Δ _ Φ Γ Λ Ω Π Ψ
    0x03A3, 0x0398, 0x039E, 0x0020, 0x00C6, 0x00E6, 0x00DF, 0x00C9,  // Σ Θ Ξ ESC Æ æ ß É
    0x0020, 0x0021, 0x0022, 0x0023, 0x00A4, 0x0025, 0x0026, 0x0027,  // SP ! " # ¤ % & '
    0x0028, 0x0029, 0x002A, 0x002B, 0x002C, 0x002D, 0x002E, 0x002F,  // ( ) * + , - . /
    0x0030, 0x0031, 0x0032, 0x0033, 0x0034, 0x0035, 0x0036, 0x0037,  // 0-7
    0x0038, 0x0039, 0x003A, 0x003B, 0x003C, 0x003D, 0x003E, 0x003F,  // 8 9 : ; < = > ?
    0x00A1, 0x0041, 0x0042, 0x0043, 0x0044, 0x0045, 0x0046, 0x0047,  // ¡ A-G
    0x0048, 0x0049, 0x004A, 0x004B, 0x004C, 0x004D, 0x004E, 0x004F,  // H-O
    0x0050, 0x0051, 0x0052, 0x0053, 0x0054, 0x0055, 0x0056, 0x0057,  // P-W
    0x0058, 0x0059, 0x005A, 0x00C4, 0x00D6, 0x00D1, 0x00DC, 0x00A7,  // X Y Z Ä Ö Ñ Ü §
    0x00BF, 0x0061, 0x0062, 0x0063, 0x0064, 0x0065, 0x0066, 0x0067,  // ¿ a-g
    0x0068, 0x0069, 0x006A, 0x006B, 0x006C, 0x006D, 0x006E, 0x006F,  // h-o
    0x0070, 0x0071, 0x0072, 0x0073, 0x0074, 0x0075, 0x0076, 0x0077,  // p-w
    0x0078, 0x0079, 0x007A, 0x00E4, 0x00F6, 0x00F1, 0x00FC, 0x00E0,  // x y z ä ö ñ ü à
};

// 23.038 §6.2.1.1: the extension table (after ESC).
struct ExtEntry {
  char code;
  char32_t cp;
};
constexpr std::array<ExtEntry, 10> kExtension = {{
    {0x0A, 0x000C},  // form feed (page break)
    {0x14, U'^'},
    {0x28, U'{'},
    {0x29, U'}'},
    {0x2F, U'\\'},
    {0x3C, U'['},
    {0x3D, U'~'},
    {0x3E, U']'},
    {0x40, U'|'},
    {0x65, 0x20AC},  // €
}};

// Septets of the ASCII characters in the basic table (-1: none), built from kBasic.
constexpr std::array<int8_t, 128> kAsciiCodes = [] {
  std::array<int8_t, 128> codes{};
  codes.fill(-1);
  for (int i = 0; i < 128; ++i) {
    if (i != 0x1B && kBasic[i] < 0x80) codes[kBasic[i]] = static_cast<int8_t>(i);
  }
  return codes;
}();

// Septet for a basic-table character, or -1.
int BasicCode(char32_t cp) {
  if (cp < 0x80) return kAsciiCodes[cp];
  for (int i = 0; i < 128; ++i) {
    if (kBasic[i] == cp) return i;
  }
  return -1;
}

// Extension-table code for a character, or -1.
int ExtensionCode(char32_t cp) {
  for (const ExtEntry& e : kExtension) {
    if (e.cp == cp) return e.code;
  }
  return -1;
}

void AppendUtf8(char32_t cp, std::string& out) {
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = kReplacement;
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Decodes one code point at `i`, advancing `i`; `valid` tells whether it was well-formed.
// Follows the Unicode "maximal subpart" practice (Unicode §3.9, U+FFFD substitution).
char32_t NextCodePoint(std::string_view s, size_t& i, bool& valid) {
  const auto b = static_cast<uint8_t>(s[i]);
  valid = true;
  if (b < 0x80) {
    ++i;
    return b;
  }
  int need;
  char32_t cp;
  uint8_t lo = 0x80, hi = 0xBF;  // allowed range of the first continuation byte
  if (b >= 0xC2 && b <= 0xDF) {
    need = 1;
    cp = b & 0x1F;
  } else if (b >= 0xE0 && b <= 0xEF) {
    need = 2;
    cp = b & 0x0F;
    if (b == 0xE0) lo = 0xA0;  // overlong
    if (b == 0xED) hi = 0x9F;  // surrogates
  } else if (b >= 0xF0 && b <= 0xF4) {
    need = 3;
    cp = b & 0x07;
    if (b == 0xF0) lo = 0x90;  // overlong
    if (b == 0xF4) hi = 0x8F;  // > U+10FFFF
  } else {
    ++i;
    valid = false;
    return kReplacement;
  }
  size_t j = i + 1;
  for (int k = 0; k < need; ++k, ++j) {
    if (j >= s.size()) {
      valid = false;
      break;
    }
    const auto c = static_cast<uint8_t>(s[j]);
    if (c < (k == 0 ? lo : 0x80) || c > (k == 0 ? hi : 0xBF)) {
      valid = false;
      break;
    }
    cp = (cp << 6) | (c & 0x3F);
  }
  i = j;
  return valid ? cp : kReplacement;
}

// ---- ToGsmFriendly tables ----

// Base letters for U+00C0..U+00FF (the GSM-7 letters among them never get here).
constexpr std::array<const char*, 64> kLatin1Letters = {
    "A", "A", "A", "A", "A", "A", "AE", "C", "E", "E", "E", "E", "I", "I", "I",  "I",   // C0
    "D", "N", "O", "O", "O", "O", "O",  "x", "O", "U", "U", "U", "U", "Y", "Th", "ss",  // D0
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",   // E0
    "d", "n", "o", "o", "o", "o", "o",  "/", "o", "u", "u", "u", "u", "y", "th", "y",   // F0
};

// Base letters for Latin Extended-A, U+0100..U+017F.
constexpr std::array<const char*, 128> kLatinExtA = {
    "A", "a", "A",  "a",  "A", "a", "C", "c", "C", "c",  "C", "c", "C", "c", "D", "d",  // 100
    "D", "d", "E",  "e",  "E", "e", "E", "e", "E", "e",  "E", "e", "G", "g", "G", "g",  // 110
    "G", "g", "G",  "g",  "H", "h", "H", "h", "I", "i",  "I", "i", "I", "i", "I", "i",  // 120
    "I", "i", "IJ", "ij", "J", "j", "K", "k", "k", "L",  "l", "L", "l", "L", "l", "L",  // 130
    "l", "L", "l",  "N",  "n", "N", "n", "N", "n", "'n", "N", "n", "O", "o", "O", "o",  // 140
    "O", "o", "OE", "oe", "R", "r", "R", "r", "R", "r",  "S", "s", "S", "s", "S", "s",  // 150
    "S", "s", "T",  "t",  "T", "t", "T", "t", "U", "u",  "U", "u", "U", "u", "U", "u",  // 160
    "U", "u", "U",  "u",  "W", "w", "Y", "y", "Y", "Z",  "z", "Z", "z", "Z", "z", "s",  // 170
};

// Replacements for U+00A0..U+00BF that are not in GSM-7 ("" = drop).
constexpr std::array<const char*, 32> kLatin1Symbols = {
    " ",  nullptr, "c", nullptr, nullptr, nullptr, "|",   nullptr,  // A0 NBSP ¡ ¢ £ ¤ ¥ ¦ §
    "\"", "(c)",   "a", "\"",    "-",     "",      "(R)", "-",      // A8 ¨ © ª « ¬ SHY ® ¯
    "o",  "+/-",   "2", "3",     "'",     "u",     "",    ".",      // B0 ° ± ² ³ ´ µ ¶ ·
    ",",  "1",     "o", "\"",    "1/4",   "1/2",   "3/4", nullptr,  // B8 ¸ ¹ º » ¼ ½ ¾ ¿
};

struct Replacement {
  char32_t cp;
  const char* text;
};
// Punctuation and symbols with a plain equivalent ("" = drop).
constexpr Replacement kPunctuation[] = {
    {0x0009, " "},   {0x0060, "'"},  {0x2010, "-"},   {0x2011, "-"},  {0x2012, "-"},
    {0x2013, "-"},   {0x2014, "-"},  {0x2015, "-"},   {0x2212, "-"},  {0x2018, "'"},
    {0x2019, "'"},   {0x201A, "'"},  {0x201B, "'"},   {0x2032, "'"},  {0x2035, "'"},
    {0x2039, "'"},   {0x203A, "'"},  {0x201C, "\""},  {0x201D, "\""}, {0x201E, "\""},
    {0x201F, "\""},  {0x2033, "\""}, {0x2026, "..."}, {0x2022, "-"},  {0x2023, "-"},
    {0x2043, "-"},   {0x25CF, "-"},  {0x25E6, "-"},   {0x25AA, "-"},  {0x2027, "."},
    {0x2044, "/"},   {0x2028, "\n"}, {0x2029, "\n"},  {0x202F, " "},  {0x205F, " "},
    {0x3000, " "},   {0x200B, ""},   {0x2060, ""},    {0xFEFF, ""},   {0x203C, "!!"},
    {0x2049, "!?"},  {0x2122, "TM"}, {0x2116, "No"},  {0x2190, "<-"}, {0x2192, "->"},
    {0x2194, "<->"}, {0x21D0, "<="}, {0x21D2, "=>"},  {0xFFFD, "?"},  {0x20E3, ""},
    {0x2139, ""},    {0x3030, ""},   {0x303D, ""},    {0x3297, ""},   {0x3299, ""},
    {0xFE0E, ""},    {0xFE0F, ""},
};

// Greek capitals that look like Latin ones (the others are in GSM-7 or are other script).
constexpr Replacement kGreekLookalikes[] = {
    {0x0391, "A"}, {0x0392, "B"}, {0x0395, "E"}, {0x0396, "Z"}, {0x0397, "H"},
    {0x0399, "I"}, {0x039A, "K"}, {0x039C, "M"}, {0x039D, "N"}, {0x039F, "O"},
    {0x03A1, "P"}, {0x03A4, "T"}, {0x03A5, "Y"}, {0x03A7, "X"},
};

// A Latin letter followed by a combining accent that composes to a GSM-7 letter.
struct Composition {
  char32_t base;
  char32_t mark;
  char32_t composed;
};
constexpr Composition kCompositions[] = {
    {U'e', 0x0301, 0x00E9}, {U'E', 0x0301, 0x00C9}, {U'e', 0x0300, 0x00E8}, {U'u', 0x0300, 0x00F9},
    {U'i', 0x0300, 0x00EC}, {U'o', 0x0300, 0x00F2}, {U'a', 0x0300, 0x00E0}, {U'a', 0x0308, 0x00E4},
    {U'o', 0x0308, 0x00F6}, {U'u', 0x0308, 0x00FC}, {U'A', 0x0308, 0x00C4}, {U'O', 0x0308, 0x00D6},
    {U'U', 0x0308, 0x00DC}, {U'n', 0x0303, 0x00F1}, {U'N', 0x0303, 0x00D1}, {U'a', 0x030A, 0x00E5},
    {U'A', 0x030A, 0x00C5}, {U'C', 0x0327, 0x00C7},
};

// Emoji and pictographic symbols: no GSM-7 form and no meaning lost as plain text.
bool IsPictograph(char32_t cp) {
  return (cp >= 0x1F000 && cp <= 0x1FBFF) ||  // emoji, pictographs, enclosed supplements
         (cp >= 0x2600 && cp <= 0x27BF) ||    // miscellaneous symbols, dingbats
         (cp >= 0x2B00 && cp <= 0x2BFF) ||    // miscellaneous symbols and arrows (⭐)
         (cp >= 0x2300 && cp <= 0x23FF) ||    // miscellaneous technical (⌚ ⏰)
         (cp >= 0x2190 && cp <= 0x21FF) ||    // arrows (the common ones are mapped first)
         (cp >= 0x2460 && cp <= 0x24FF) ||    // enclosed alphanumerics
         (cp >= 0x2500 && cp <= 0x25FF) ||    // box drawing, blocks, geometric shapes
         (cp >= 0xE0000 && cp <= 0xE007F) ||  // tag characters (flag sequences)
         (cp >= 0xE000 && cp <= 0xF8FF) ||    // private use
         cp >= 0xF0000;                       // supplementary private use
}

bool IsAsciiLetter(char32_t cp) { return (cp >= U'a' && cp <= U'z') || (cp >= U'A' && cp <= U'Z'); }

void AppendAscii(const char* text, std::u32string& out) {
  for (; *text; ++text) out.push_back(static_cast<unsigned char>(*text));
}

// Unit cost of one code point in `coding`.
size_t UnitCost(char32_t cp, SmsCoding coding) {
  if (coding == SmsCoding::kUcs2) return cp > 0xFFFF ? 2 : 1;
  int s = Gsm7Septets(cp);
  return s == 0 ? 1 : static_cast<size_t>(s);
}

// Start indices of the parts of `cps` (first is always 0), and the total unit count.
std::vector<size_t> PartStarts(const std::u32string& cps, SmsCoding coding, size_t single_units,
                               size_t part_units, size_t& total) {
  total = 0;
  for (char32_t cp : cps) total += UnitCost(cp, coding);
  std::vector<size_t> starts{0};
  if (total <= single_units) return starts;
  size_t used = 0;
  for (size_t i = 0; i < cps.size(); ++i) {
    size_t cost = UnitCost(cps[i], coding);
    if (used + cost > part_units) {
      starts.push_back(i);
      used = 0;
    }
    used += cost;
  }
  return starts;
}

}  // namespace

std::u32string DecodeUtf8(std::string_view utf8) {
  std::u32string out;
  out.reserve(utf8.size());
  bool valid;
  for (size_t i = 0; i < utf8.size();) out.push_back(NextCodePoint(utf8, i, valid));
  return out;
}

std::string EncodeUtf8(std::u32string_view cps) {
  std::string out;
  out.reserve(cps.size());
  for (char32_t cp : cps) AppendUtf8(cp, out);
  return out;
}

bool IsValidUtf8(std::string_view bytes) {
  bool valid;
  for (size_t i = 0; i < bytes.size();) {
    NextCodePoint(bytes, i, valid);
    if (!valid) return false;
  }
  return true;
}

std::string Utf16BeToUtf8(std::string_view be) {
  std::string out;
  out.reserve(be.size());
  const size_t units = be.size() / 2;
  auto unit = [&](size_t k) -> char32_t {
    return (static_cast<uint8_t>(be[2 * k]) << 8) | static_cast<uint8_t>(be[2 * k + 1]);
  };
  for (size_t k = 0; k < units; ++k) {
    char32_t u = unit(k);
    if (u >= 0xD800 && u <= 0xDBFF && k + 1 < units) {
      char32_t v = unit(k + 1);
      if (v >= 0xDC00 && v <= 0xDFFF) {
        AppendUtf8(0x10000 + ((u - 0xD800) << 10) + (v - 0xDC00), out);
        ++k;
        continue;
      }
    }
    AppendUtf8(u, out);  // a lone surrogate becomes U+FFFD there
  }
  if (be.size() % 2 != 0) AppendUtf8(kReplacement, out);
  return out;
}

std::string Utf8ToUtf16Be(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size() * 2);
  auto put = [&](char32_t u) {
    out.push_back(static_cast<char>(u >> 8));
    out.push_back(static_cast<char>(u & 0xFF));
  };
  for (char32_t cp : DecodeUtf8(utf8)) {
    if (cp > 0xFFFF) {
      cp -= 0x10000;
      put(0xD800 + (cp >> 10));
      put(0xDC00 + (cp & 0x3FF));
    } else {
      put(cp);
    }
  }
  return out;
}

size_t Utf16Units(std::string_view utf8) {
  size_t n = 0;
  for (char32_t cp : DecodeUtf8(utf8)) n += cp > 0xFFFF ? 2 : 1;
  return n;
}

int Gsm7Septets(char32_t cp) {
  if (BasicCode(cp) >= 0) return 1;
  if (ExtensionCode(cp) >= 0) return 2;
  return 0;
}

bool IsGsm7(std::string_view utf8) {
  for (char32_t cp : DecodeUtf8(utf8)) {
    if (Gsm7Septets(cp) == 0) return false;
  }
  return true;
}

std::optional<std::string> Utf8ToGsm7(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());
  for (char32_t cp : DecodeUtf8(utf8)) {
    if (int b = BasicCode(cp); b >= 0) {
      out.push_back(static_cast<char>(b));
    } else if (int e = ExtensionCode(cp); e >= 0) {
      out.push_back(kGsm7Escape);
      out.push_back(static_cast<char>(e));
    } else {
      return std::nullopt;
    }
  }
  return out;
}

std::string Gsm7ToUtf8(std::string_view septets) {
  std::string out;
  out.reserve(septets.size());
  for (size_t i = 0; i < septets.size(); ++i) {
    const int s = septets[i] & 0x7F;
    if (s != kGsm7Escape) {
      AppendUtf8(kBasic[s], out);
      continue;
    }
    if (i + 1 >= septets.size()) {  // a trailing ESC: nothing to extend
      AppendUtf8(U' ', out);
      break;
    }
    const int e = septets[++i] & 0x7F;
    char32_t cp = kBasic[e];  // §6.2.1.1: undefined codes show the basic-table character
    for (const ExtEntry& x : kExtension) {
      if (x.code == e) cp = x.cp;
    }
    AppendUtf8(cp, out);  // ESC ESC: kBasic[0x1B] is a space
  }
  return out;
}

std::string PackSeptets(std::string_view septets, int fill_bits) {
  std::string out;
  out.reserve((fill_bits + 7 * septets.size() + 7) / 8);
  uint32_t acc = 0;
  int nbits = fill_bits;
  for (char c : septets) {
    acc |= static_cast<uint32_t>(c & 0x7F) << nbits;
    nbits += 7;
    while (nbits >= 8) {
      out.push_back(static_cast<char>(acc & 0xFF));
      acc >>= 8;
      nbits -= 8;
    }
  }
  if (nbits > 0) out.push_back(static_cast<char>(acc & 0xFF));
  return out;
}

std::string UnpackSeptets(std::string_view octets, size_t count, int fill_bits) {
  std::string out;
  const size_t total_bits = octets.size() * 8;
  size_t bit = static_cast<size_t>(fill_bits);
  for (size_t k = 0; k < count && bit + 7 <= total_bits; ++k, bit += 7) {
    const size_t idx = bit / 8;
    uint32_t v = static_cast<uint8_t>(octets[idx]);
    if (idx + 1 < octets.size())
      v |= static_cast<uint32_t>(static_cast<uint8_t>(octets[idx + 1])) << 8;
    out.push_back(static_cast<char>((v >> (bit % 8)) & 0x7F));
  }
  return out;
}

namespace {

// Septets of a text made only of ASCII characters of the GSM 7-bit alphabet (3GPP TS 23.038
// §6.2.1: basic table 1 septet, extension table 2), or nothing when it has any other byte. Most
// texts are plain ASCII: they need no decoding to code points.
std::optional<size_t> AsciiGsmSeptets(std::string_view utf8) {
  // Septets of each ASCII character, 0 for none (ESC stands for no character of its own).
  static const std::array<unsigned char, 128> kSeptets = [] {
    std::array<unsigned char, 128> t{};
    for (char32_t c = 0; c < 128; ++c) {
      t[c] = c == 0x1B ? 0 : static_cast<unsigned char>(Gsm7Septets(c));
    }
    return t;
  }();
  size_t septets = 0;
  for (char c : utf8) {
    const auto b = static_cast<unsigned char>(c);
    if (b >= 0x80 || kSeptets[b] == 0) return std::nullopt;
    septets += kSeptets[b];
  }
  return septets;
}

}  // namespace

std::string ToGsmFriendly(std::string_view utf8) {
  if (AsciiGsmSeptets(utf8)) return std::string(utf8);  // nothing to replace
  const std::u32string in = DecodeUtf8(utf8);
  std::u32string out;
  out.reserve(in.size());
  bool dropped_pictograph = false;  // the previous character was an emoji that was dropped
  std::vector<size_t> drops;        // where in `out` an emoji was dropped
  for (size_t i = 0; i < in.size(); ++i) {
    const char32_t cp = in[i];
    const bool was_dropped = dropped_pictograph;
    dropped_pictograph = false;
    if (cp != 0x1B && Gsm7Septets(cp) > 0) {
      out.push_back(cp);
      continue;
    }
    // Zero-width joiner: part of an emoji sequence next to an emoji, else script text.
    if (cp == 0x200D) {
      if (was_dropped || (i + 1 < in.size() && IsPictograph(in[i + 1]))) {
        dropped_pictograph = true;
        continue;
      }
      out.push_back(cp);
      continue;
    }
    if (IsPictograph(cp)) {
      // Arrows and bullets that have a plain form are in kPunctuation.
      bool mapped = false;
      for (const Replacement& r : kPunctuation) {
        if (r.cp == cp) {
          AppendAscii(r.text, out);
          mapped = true;
        }
      }
      if (!mapped) {
        dropped_pictograph = true;
        if (drops.empty() || drops.back() != out.size()) drops.push_back(out.size());
      }
      continue;
    }
    if (cp == 0xFE0E || cp == 0xFE0F || cp == 0x20E3) {  // emoji presentation selectors, keycap
      dropped_pictograph = was_dropped;
      continue;
    }
    // Combining accents after a Latin letter: compose to a GSM-7 letter or drop.
    if (cp >= 0x0300 && cp <= 0x036F) {
      if (!out.empty() && IsAsciiLetter(out.back())) {
        for (const Composition& c : kCompositions) {
          if (c.base == out.back() && c.mark == cp) {
            out.back() = c.composed;
            break;
          }
        }
        continue;
      }
      if (was_dropped) continue;
      out.push_back(cp);
      continue;
    }
    if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0)) {  // controls other than LF/CR/FF
      if (cp == 0x09) out.push_back(U' ');
      continue;
    }
    if (cp >= 0xA0 && cp <= 0xBF && kLatin1Symbols[cp - 0xA0] != nullptr) {
      AppendAscii(kLatin1Symbols[cp - 0xA0], out);
      continue;
    }
    if (cp >= 0xC0 && cp <= 0xFF) {
      AppendAscii(kLatin1Letters[cp - 0xC0], out);
      continue;
    }
    if (cp >= 0x100 && cp <= 0x17F) {
      AppendAscii(kLatinExtA[cp - 0x100], out);
      continue;
    }
    if (cp >= 0x2000 && cp <= 0x200A) {  // typographic spaces
      out.push_back(U' ');
      continue;
    }
    if (cp >= 0xFF01 && cp <= 0xFF5E) {  // full-width ASCII
      char32_t ascii = cp - 0xFEE0;
      if (Gsm7Septets(ascii) > 0) {
        out.push_back(ascii);
      } else if (ascii == U'`') {
        out.push_back(U'\'');
      }
      continue;
    }
    bool replaced = false;
    for (const Replacement& r : kPunctuation) {
      if (r.cp == cp) {
        AppendAscii(r.text, out);
        replaced = true;
        break;
      }
    }
    for (const Replacement& r : kGreekLookalikes) {
      if (!replaced && r.cp == cp) {
        AppendAscii(r.text, out);
        replaced = true;
      }
    }
    if (!replaced) out.push_back(cp);  // other scripts and symbols stay (UCS-2)
  }
  // An emoji between words leaves one space, not two; at the start or end of a line, none.
  for (auto p = drops.rbegin(); p != drops.rend(); ++p) {
    const bool line_start = *p == 0 || out[*p - 1] == U'\n';
    const bool line_end = *p == out.size() || out[*p] == U'\n';
    if (*p < out.size() && out[*p] == U' ' && (line_start || out[*p - 1] == U' ')) {
      out.erase(*p, 1);
    } else if (line_end && *p > 0 && out[*p - 1] == U' ') {
      out.erase(*p - 1, 1);
    }
  }
  return EncodeUtf8(out);
}

FriendlyText ToGsmFriendlyCounted(std::string_view utf8) {
  if (auto septets = AsciiGsmSeptets(utf8); septets && *septets <= 160) {
    return {std::string(utf8), {SmsCoding::kGsm7, *septets, 1}};
  }
  std::string text = ToGsmFriendly(utf8);
  const SegmentInfo info = CountSegments(text);
  return {std::move(text), info};
}

SegmentInfo CountSegments(std::string_view utf8) {
  if (auto septets = AsciiGsmSeptets(utf8); septets && *septets <= 160) {
    return {SmsCoding::kGsm7, *septets, 1};
  }
  const std::u32string cps = DecodeUtf8(utf8);
  SmsCoding coding = SmsCoding::kGsm7;
  for (char32_t cp : cps) {
    if (Gsm7Septets(cp) == 0) {
      coding = SmsCoding::kUcs2;
      break;
    }
  }
  const bool gsm = coding == SmsCoding::kGsm7;
  size_t total = 0;
  const std::vector<size_t> starts = PartStarts(cps, coding, gsm ? 160 : 70, gsm ? 153 : 67, total);
  return {coding, total, starts.size()};
}

std::vector<std::string> SplitSms(std::string_view utf8, SmsCoding coding) {
  const bool gsm = coding == SmsCoding::kGsm7;
  return SplitSmsUnits(utf8, coding, gsm ? 160 : 70, gsm ? 153 : 67);
}

std::vector<std::string> SplitSmsUnits(std::string_view utf8, SmsCoding coding, size_t single_units,
                                       size_t part_units) {
  if (part_units < 2) part_units = 2;  // an ESC pair or a surrogate pair must fit
  const std::u32string cps = DecodeUtf8(utf8);
  size_t total = 0;
  const std::vector<size_t> starts = PartStarts(cps, coding, single_units, part_units, total);
  std::vector<std::string> parts;
  parts.reserve(starts.size());
  for (size_t k = 0; k < starts.size(); ++k) {
    const size_t end = k + 1 < starts.size() ? starts[k + 1] : cps.size();
    parts.push_back(EncodeUtf8(std::u32string_view(cps).substr(starts[k], end - starts[k])));
  }
  return parts;
}

}  // namespace pesan
