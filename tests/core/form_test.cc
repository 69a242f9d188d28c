#include "core/form.h"

#include <gtest/gtest.h>

namespace pesan {
namespace {

TEST(Form, DecodesFieldsAsAnAggregatorSendsThem) {
  auto r = ParseForm(
      "sessionId=ATUid_1&serviceCode=%2A123%23&phoneNumber=%2B6281200000001&text=1*1*2*Jl+Mawar+3");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 4u);
  EXPECT_EQ(*FindField(*r, "serviceCode"), "*123#");
  EXPECT_EQ(*FindField(*r, "phoneNumber"), "+6281200000001");
  EXPECT_EQ(*FindField(*r, "text"), "1*1*2*Jl Mawar 3");
  EXPECT_EQ(FindField(*r, "missing"), nullptr);
}

TEST(Form, EmptyValuesAndPairs) {
  auto r = ParseForm("a=&&b&c=%C3%A9");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ(*FindField(*r, "a"), "");
  EXPECT_EQ(*FindField(*r, "b"), "");
  EXPECT_EQ(*FindField(*r, "c"), "\xC3\xA9");
  EXPECT_TRUE(ParseForm("")->empty());
}

TEST(Form, MalformedEscapesAreRejected) {
  for (const char* s : {"text=%", "text=%4", "text=%zz", "te%xt=1", "a=1&text=abc%"}) {
    auto r = ParseForm(s);
    EXPECT_FALSE(r.ok()) << s;
  }
  EXPECT_NE(ParseForm("text=%4").error().message.find("text"), std::string::npos);
}

TEST(Form, EncodeDecodeRoundTrip) {
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  auto r = ParseForm("x=" + UrlEncode(all));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*FindField(*r, "x"), all);
  EXPECT_EQ(UrlEncode("Jl Mawar 3*"), "Jl%20Mawar%203%2A");
}

}  // namespace
}  // namespace pesan
