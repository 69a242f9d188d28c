#include "core/text_util.h"

#include <gtest/gtest.h>

#include <cctype>
#include <string>

namespace pesan {
namespace {

TEST(TextUtil, TrimTakesWhiteSpaceFromBothEnds) {
  EXPECT_EQ(Trim("  a b \t\r\n"), "a b");
  EXPECT_EQ(Trim("\v\fa\f\v"), "a");
  EXPECT_EQ(Trim("a"), "a");
  EXPECT_EQ(Trim(" \t\r\n"), "");
  EXPECT_EQ(Trim(""), "");
  EXPECT_EQ(TrimLeft("  a  "), "a  ");
  EXPECT_EQ(TrimRight("  a  "), "  a");
  EXPECT_EQ(TrimLeft(" \n"), "");
  EXPECT_EQ(TrimRight(" \n"), "");
  // Bytes of UTF-8 are not space, even a no-break space's.
  EXPECT_EQ(Trim("\xC2\xA0x\xC2\xA0"), "\xC2\xA0x\xC2\xA0");
}

TEST(TextUtil, TrimTakesOnlyTheCharactersItIsGiven) {
  EXPECT_EQ(Trim(" \t1*2\r\n\t ", kBlanks), "1*2\r\n");
  EXPECT_EQ(Trim("\r\n 1 \r\n", " \t\r\n"), "1");
  EXPECT_EQ(TrimLeft("\t 5", kBlanks), "5");
  EXPECT_EQ(TrimRight("OK \t", kBlanks), "OK");
  EXPECT_EQ(Trim("xxaxx", "x"), "a");
}

// kWhiteSpace is what std::isspace says in the "C" locale, byte for byte.
TEST(TextUtil, WhiteSpaceIsWhatIsspaceSays) {
  std::string spaces;
  for (int c = 0; c < 256; ++c) {
    if (std::isspace(c)) spaces.push_back(static_cast<char>(c));
  }
  EXPECT_EQ(spaces.size(), kWhiteSpace.size());
  for (char c : spaces) EXPECT_NE(kWhiteSpace.find(c), std::string_view::npos) << int(c);
}

static_assert(Trim("  x ") == "x");

}  // namespace
}  // namespace pesan
