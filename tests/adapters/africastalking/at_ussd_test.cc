// The Africa's Talking USSD callback's form (PROTOCOLS.md §5.1).
#include "adapters/africastalking/at_ussd.h"

#include <gtest/gtest.h>

namespace pesan::africastalking {
namespace {

TEST(AtUssd, ReadsTheFieldsOfAHop) {
  auto r = ParseUssdRequest(
      "sessionId=ATUid_1&serviceCode=%2A123%23&phoneNumber=%2B6281200000001&networkCode=51010"
      "&text=1%2A1%2A2%2AJl+Mawar+3+RT02&other=x");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->session_id, "ATUid_1");
  EXPECT_EQ(r->service_code, "*123#");
  EXPECT_EQ(r->phone, "+6281200000001");
  EXPECT_EQ(r->network_code, "51010");
  EXPECT_EQ(r->text, "1*1*2*Jl Mawar 3 RT02");
}

TEST(AtUssd, TheFirstOfARepeatedFieldCountsAndOptionalOnesMayBeMissing) {
  auto r = ParseUssdRequest("phoneNumber=%2B621&sessionId=a&text=1&sessionId=b&text=2");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->session_id, "a");
  EXPECT_EQ(r->text, "1");
  EXPECT_EQ(r->service_code, "");
  EXPECT_EQ(r->network_code, "");
  auto empty_text = ParseUssdRequest("sessionId=a&phoneNumber=1&text=");
  ASSERT_TRUE(empty_text.ok());
  EXPECT_EQ(empty_text->text, "");
}

TEST(AtUssd, BadRequestsSayWhy) {
  auto why = [](std::string_view body, RequestLimits limits = {}) {
    auto r = ParseUssdRequest(body, limits);
    return r.ok() ? std::string("ok") : r.error().message;
  };
  EXPECT_EQ(why("phoneNumber=1&text=1"), "missing field sessionId");
  EXPECT_EQ(why("sessionId=a"), "missing field phoneNumber");
  // Sent but empty is told apart from not sent.
  EXPECT_EQ(why("sessionId=&phoneNumber=1"), "sessionId is empty");
  EXPECT_EQ(why("sessionId&phoneNumber=1"), "sessionId is empty");
  EXPECT_EQ(why("sessionId=a&phoneNumber="), "phoneNumber is empty");
  RequestLimits small;
  small.max_text = 3;
  small.max_session_id = 2;
  EXPECT_EQ(why("sessionId=a&phoneNumber=1&text=1*2", small), "ok");
  EXPECT_EQ(why("sessionId=a&phoneNumber=1&text=1*2*", small), "field text too long");
  EXPECT_EQ(why("sessionId=abc&phoneNumber=1", small), "field sessionId too long");
  EXPECT_EQ(why("sessionId=a&phoneNumber=1&text=%C3%28"), "field text is not UTF-8");
  // A malformed escape anywhere, even in a field not read, is a malformed body.
  EXPECT_EQ(why("sessionId=a&phoneNumber=1&junk=%zz"), "malformed percent-escape in field 'junk'");
  EXPECT_EQ(why("sessionId=a&phoneNumber=1&%4=x"), "malformed percent-escape in a field name");
}

TEST(AtUssd, AJsonBodyIsToldItIsNotAForm) {
  auto why = [](std::string_view body) {
    auto r = ParseUssdRequest(body);
    return r.ok() ? std::string("ok") : r.error().message;
  };
  const std::string json = "the body is JSON: " + std::string(kFormHint);
  EXPECT_EQ(why(R"({"sessionId":"ATUid_1","phoneNumber":"+6281200000001","text":""})"), json);
  EXPECT_EQ(why(" \r\n[{\"sessionId\": \"a\"}]"), json);
  // A '%' in the JSON is not taken for a bad form escape.
  EXPECT_EQ(why(R"({"sessionId":"a","text":"50%"})"), json);
  EXPECT_NE(kFormHint.find("application/x-www-form-urlencoded"), std::string_view::npos);
  EXPECT_NE(kFormHint.find("sessionId, phoneNumber, text"), std::string_view::npos);
  // A form whose sessionId came first is read as one, whatever a later field holds.
  EXPECT_EQ(why("sessionId=a&phoneNumber=1&text=%7B"), "ok");
}

TEST(AtUssd, ContentTypesTheCallbackReads) {
  EXPECT_TRUE(CheckContentType("application/x-www-form-urlencoded").ok());
  EXPECT_TRUE(CheckContentType("Application/X-WWW-Form-URLEncoded; charset=UTF-8").ok());
  EXPECT_TRUE(CheckContentType(" application/x-www-form-urlencoded ;charset=utf-8").ok());
  EXPECT_TRUE(CheckContentType("").ok());  // none: read as a form
  auto json = CheckContentType("application/json; charset=utf-8");
  ASSERT_FALSE(json.ok());
  EXPECT_EQ(json.error().message,
            "Content-Type application/json is not read: " + std::string(kFormHint));
  auto multipart = CheckContentType("multipart/form-data; boundary=x");
  ASSERT_FALSE(multipart.ok());
  EXPECT_EQ(multipart.error().message.rfind("Content-Type multipart/form-data is not read", 0), 0u);
  // The client's bytes come back printable and short.
  auto odd = CheckContentType("text/\x01" + std::string(100, 'x'));
  ASSERT_FALSE(odd.ok());
  EXPECT_EQ(odd.error().message.find('\x01'), std::string::npos);
  EXPECT_LT(odd.error().message.size(), 100 + kFormHint.size());
}

TEST(AtUssd, AnswersStartWithConOrEnd) {
  EXPECT_EQ(FormatUssdAnswer("Menu", false), "CON Menu");
  EXPECT_EQ(FormatUssdAnswer("Terima kasih", true), "END Terima kasih");
}

}  // namespace
}  // namespace pesan::africastalking
