#include "core/phone.h"

#include <gtest/gtest.h>

namespace pesan {
namespace {

TEST(Phone, IndonesianFormsAreTheSameNumber) {
  for (const char* s : {"081234567890", "6281234567890", "+6281234567890", "+62 812-3456-7890",
                        "0812.3456.7890", "006281234567890", "(0812) 34567890"}) {
    auto r = NormalizePhone(s);
    ASSERT_TRUE(r.ok()) << s;
    EXPECT_EQ(*r, "+6281234567890") << s;
  }
}

TEST(Phone, OtherCountries) {
  EXPECT_EQ(*NormalizePhone("+254712345678"), "+254712345678");
  EXPECT_EQ(*NormalizePhone("0712345678", "254"), "+254712345678");
}

TEST(Phone, RejectsWhatIsNotANumber) {
  for (const char* s : {"", "TELKOMSEL", "3636", "+", "12345", "0812x", "+0812345678",
                        "+1234567890123456", "++6281234"}) {
    EXPECT_FALSE(NormalizePhone(s).ok()) << s;
  }
}

TEST(Phone, NationalForm) {
  EXPECT_EQ(NationalPhone("+6285766660001"), "085766660001");
  EXPECT_EQ(NationalPhone("+254712345678"), "+254712345678");
}

TEST(Phone, MaskedForLogs) {
  EXPECT_EQ(MaskPhone("+6281234567890"), "+62812*****890");
  EXPECT_EQ(MaskPhone("3636"), "36***");
  EXPECT_EQ(MaskPhone("+6281234567890").find("34567"), std::string::npos);
}

}  // namespace
}  // namespace pesan
