#include "core/money.h"

#include <gtest/gtest.h>

namespace pesan {
namespace {

TEST(Money, FormatsTheIndonesianWay) {
  EXPECT_EQ(FormatRupiah(0), "Rp0");
  EXPECT_EQ(FormatRupiah(500), "Rp500");
  EXPECT_EQ(FormatRupiah(4500), "Rp4.500");
  EXPECT_EQ(FormatRupiah(65000), "Rp65.000");
  EXPECT_EQ(FormatRupiah(1250000), "Rp1.250.000");
  EXPECT_EQ(FormatRupiah(-5000), "-Rp5.000");
}

TEST(Money, ParsesWhatPeopleWrite) {
  for (const char* s : {"65000", "65.000", "Rp 65.000", "Rp65.000", "rp. 65.000", "65.000,-",
                        "65,000", " 65000 ", "Rp65.000,00"}) {
    auto r = ParseRupiah(s);
    ASSERT_TRUE(r.ok()) << s << ": " << r.error().message;
    EXPECT_EQ(*r, 65000) << s;
  }
  EXPECT_EQ(*ParseRupiah("1.250.000"), 1250000);
  EXPECT_EQ(*ParseRupiah("0"), 0);
}

TEST(Money, RejectsWhatIsNotAWholeAmount) {
  for (const char* s : {"", "Rp", "abc", "65.00", "6.5000", "65000.5", "-5000", "1.2.3",
                        "9999999999999", "65 000x", ".000"}) {
    EXPECT_FALSE(ParseRupiah(s).ok()) << s;
  }
}

TEST(Money, RoundTrips) {
  for (Rupiah v : {0L, 7L, 999L, 1000L, 65000L, 123456789L}) {
    EXPECT_EQ(*ParseRupiah(FormatRupiah(v)), v);
  }
}

}  // namespace
}  // namespace pesan
