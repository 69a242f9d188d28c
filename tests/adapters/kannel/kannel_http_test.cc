#include "adapters/kannel/kannel_http.h"

#include <gtest/gtest.h>

#include "core/gsm_text.h"

namespace pesan::kannel {
namespace {

FormFields Form(std::string_view query) {
  auto f = ParseForm(query);
  EXPECT_TRUE(f.ok()) << query;
  return f.ok() ? *f : FormFields{};
}

// ---- MO ----

TEST(KannelMo, Gsm7TextAsKannelSendsIt) {
  // Captured from Kannel 1.4.5 smsbox (get-url with text=%b&coding=%c&charset=%C&id=%I).
  auto sms = ParseMoRequest(
      Form("from=6281234567890&to=3636&text=PESAN+B1+2+%40+caf%C3%A9&coding=0&charset=UTF-8"
           "&id=8e85f9b6-5e6e-416e-816d-46d87943e863&ts=1795825846"));
  ASSERT_TRUE(sms.ok()) << sms.error().message;
  EXPECT_EQ(sms->from, "+6281234567890");
  EXPECT_EQ(sms->to, "3636");
  EXPECT_EQ(sms->text, "PESAN B1 2 @ café");
  EXPECT_EQ(sms->provider_id, "8e85f9b6-5e6e-416e-816d-46d87943e863");
}

TEST(KannelMo, Ucs2IsUtf16BigEndian) {
  // Javanese, an emoji (a surrogate pair) and Arabic, as Kannel 1.4.5 URL-encodes %b: '+' for
  // the space byte, the apostrophe left as it is.
  auto sms = ParseMoRequest(
      Form("from=6281234567890&to=3636&text=%A9%B1%A9%B8%A9%92%A9%BC%A9%81%00+%D8%3D%DE%00%00+"
           "%063%06D%06'%06E&coding=2&charset=UTF-16BE&id=615e8886"));
  ASSERT_TRUE(sms.ok()) << sms.error().message;
  EXPECT_EQ(sms->text, "ꦱꦸꦒꦼꦁ 😀 سلام");
}

TEST(KannelMo, Ucs2WinsOverACharsetThatSaysOtherwise) {
  std::string body = "text=" + UrlEncode(Utf8ToUtf16Be("Pesan ٢")) + "&from=0812&coding=2";
  auto sms = ParseMoRequest(Form(body + "&charset=UTF-8"));
  ASSERT_TRUE(sms.ok());
  EXPECT_EQ(sms->text, "Pesan ٢");
}

TEST(KannelMo, OddUcs2BytesKeepWhatIsReadable) {
  auto sms = ParseMoRequest(Form("from=0812&text=%00A%00&coding=2"));
  ASSERT_TRUE(sms.ok());
  EXPECT_EQ(sms->text, "A\xEF\xBF\xBD");  // U+FFFD for the lone byte
}

TEST(KannelMo, LatinCharsetsBecomeUtf8) {
  struct Case {
    const char* query;
    const char* text;
  } cases[] = {
      {"from=0812&text=Caf%E9&coding=0&charset=ISO-8859-1", "Café"},
      {"from=0812&text=Caf%E9&charset=latin1", "Café"},
      {"from=0812&text=%80+%93ok%94+%85&coding=0&charset=WINDOWS-1252", "€ “ok” …"},
      {"from=0812&text=%80&charset=ISO-8859-1", "\xC2\x80"},  // a C1 control in Latin-1
      {"from=0812&text=%8D%9F&charset=windows-1252", "\xC2\x8DŸ"},
      {"from=0812&text=Caf%E9&coding=1&charset=8-BIT", "Café"},
      {"from=0812&text=caf%C3%A9&coding=1&charset=8-BIT", "café"},
      {"from=0812&text=%00%41&charset=UTF-16BE", "A"},
      {"from=0812&text=ok&charset=GSM", "ok"},
  };
  for (const auto& c : cases) {
    auto sms = ParseMoRequest(Form(c.query));
    ASSERT_TRUE(sms.ok()) << c.query << ": " << sms.error().message;
    EXPECT_EQ(sms->text, c.text) << c.query;
  }
}

TEST(KannelMo, Utf8IsTheDefaultAndInvalidBytesAreReplaced) {
  auto plain = ParseMoRequest(Form("from=0812&text=Beli+2"));
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->text, "Beli 2");
  auto bad = ParseMoRequest(Form("from=0812&text=a%FFb&charset=UTF-8"));
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(bad->text,
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_TRUE(IsValidUtf8(bad->text));
}

TEST(KannelMo, EmptyTextIsAMessage) {
  auto sms = ParseMoRequest(Form("from=0812&text="));
  ASSERT_TRUE(sms.ok());
  EXPECT_EQ(sms->text, "");
  EXPECT_EQ(sms->to, "");
  EXPECT_EQ(sms->provider_id, "");
}

TEST(KannelMo, SendersBecomeE164UnlessTheyAreNames) {
  struct Case {
    const char* from;
    const char* want;
  } cases[] = {
      {"081234567890", "+6281234567890"},
      {"6281234567890", "+6281234567890"},
      {"%2B6281234567890", "+6281234567890"},
      {"TELKOMSEL", "TELKOMSEL"},
  };
  for (const auto& c : cases) {
    auto sms = ParseMoRequest(Form(std::string("text=x&from=") + c.from));
    ASSERT_TRUE(sms.ok()) << c.from;
    EXPECT_EQ(sms->from, c.want) << c.from;
  }
  auto other = ParseMoRequest(Form("text=x&from=0712345678"), "254");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->from, "+254712345678");
}

TEST(KannelMo, MissingOrBadFieldsAreNamed) {
  struct Case {
    const char* query;
    const char* field;
  } cases[] = {
      {"to=3636&text=halo", "from"},
      {"from=&text=halo", "from"},
      {"from=+++&text=halo", "from"},
      {"from=0812&to=3636", "text"},
      {"from=0812&text=x&coding=7", "coding"},
      {"from=0812&text=x&coding=abc", "coding"},
      {"from=0812&text=%FF&charset=KOI8-R", "charset"},
  };
  for (const auto& c : cases) {
    auto sms = ParseMoRequest(Form(c.query));
    ASSERT_FALSE(sms.ok()) << c.query;
    EXPECT_EQ(sms.error().code, ErrorCode::kInvalidInput);
    EXPECT_EQ(sms.error().message.rfind(c.field, 0), 0u) << sms.error().message;
  }
  // An unknown charset is no obstacle when the bytes are UTF-8 anyway.
  EXPECT_TRUE(ParseMoRequest(Form("from=0812&text=ok&charset=KOI8-R")).ok());
}

// ---- Delivery reports ----

TEST(KannelDlr, TypesMapToStates) {
  struct Case {
    int type;
    DeliveryState state;
  } cases[] = {
      {1, DeliveryState::kDelivered}, {2, DeliveryState::kFailed},  {4, DeliveryState::kPending},
      {8, DeliveryState::kPending},   {16, DeliveryState::kFailed},
  };
  for (const auto& c : cases) {
    auto r = ParseDeliveryReport(Form("id=42&st=" + std::to_string(c.type)));
    ASSERT_TRUE(r.ok()) << c.type;
    EXPECT_EQ(r->state, c.state) << c.type;
    EXPECT_EQ(r->provider_id, "42");
    EXPECT_EQ(DlrTypeToState(c.type), c.state);
  }
}

TEST(KannelDlr, SmscAnswerGoesIntoTheDetail) {
  // Captured from Kannel 1.4.5 with the fake SMSC (SMSC ACK, then "delivered").
  auto ack = ParseDeliveryReport(Form("id=7&st=8&ans=ACK%2F&ts=1795825840&fid="));
  ASSERT_TRUE(ack.ok());
  EXPECT_EQ(ack->state, DeliveryState::kPending);
  EXPECT_EQ(ack->detail, "kannel 8 accepted by SMSC: ACK/");
  auto nack = ParseDeliveryReport(Form("id=7&st=16&ans=NACK%2F0x0000000b%2FInvalid+Destination"));
  ASSERT_TRUE(nack.ok());
  EXPECT_EQ(nack->state, DeliveryState::kFailed);
  EXPECT_EQ(nack->detail, "kannel 16 rejected by SMSC: NACK/0x0000000b/Invalid Destination");
  auto receipt = ParseDeliveryReport(
      Form("id=9&st=1&ans=id%3A0123+sub%3A001+dlvrd%3A001+stat%3ADELIVRD+err%3A000"));
  ASSERT_TRUE(receipt.ok());
  EXPECT_EQ(receipt->state, DeliveryState::kDelivered);
  EXPECT_NE(receipt->detail.find("stat:DELIVRD"), std::string::npos);
  auto plain = ParseDeliveryReport(Form("id=9&st=2&ans="));
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->detail, "kannel 2 not delivered");
}

TEST(KannelDlr, LongAnswersAreCutAtACharacter) {
  std::string ans;
  for (int i = 0; i < 150; ++i) ans += "é";  // 300 bytes
  auto r = ParseDeliveryReport(Form("id=1&st=2&ans=" + UrlEncode(ans)));
  ASSERT_TRUE(r.ok());
  EXPECT_LT(r->detail.size(), 240u);
  EXPECT_TRUE(IsValidUtf8(r->detail));
}

TEST(KannelDlr, BadReportsAreNamed) {
  struct Case {
    const char* query;
    const char* field;
  } cases[] = {
      {"st=1", "id"},       {"id=&st=1", "id"},     {"id=abc&st=1", "id"}, {"id=0&st=1", "id"},
      {"id=-5&st=1", "id"}, {"id=5", "st"},         {"id=5&st=", "st"},    {"id=5&st=3", "st"},
      {"id=5&st=32", "st"}, {"id=5&st=%25d", "st"},  // an escape Kannel did not replace
  };
  for (const auto& c : cases) {
    auto r = ParseDeliveryReport(Form(c.query));
    ASSERT_FALSE(r.ok()) << c.query;
    EXPECT_EQ(r.error().message.rfind(c.field, 0), 0u) << r.error().message;
  }
}

TEST(KannelDlr, UrlCarriesOutboxIdAndEscapes) {
  EXPECT_EQ(BuildDlrUrl("http://127.0.0.1:8080", "/sms/kannel", 42, ""),
            "http://127.0.0.1:8080/sms/kannel/dlr?id=42&st=%d&ans=%A&ts=%T&fid=%F");
  EXPECT_EQ(BuildDlrUrl("http://gw.example/", "sms/kannel/", 7, "s3cr-t"),
            "http://gw.example/sms/kannel/dlr?id=7&st=%d&ans=%A&ts=%T&fid=%F&token=s3cr-t");
}

TEST(KannelDlr, WhatKannelFetchesParsesBack) {
  std::string url = BuildDlrUrl("http://127.0.0.1:8080", "/sms/kannel", 1234, "tok");
  // Kannel replaces the escapes with URL-encoded values (gw/urltrans.c).
  auto replace = [&url](std::string_view esc, std::string_view value) {
    url.replace(url.find(esc), esc.size(), UrlEncode(value));
  };
  replace("%d", "1");
  replace("%A", "ACK/");
  replace("%T", "1795825840");
  replace("%F", "eca52cd4-1838-43e6-bb9f-4b110c26256f");
  auto fields = Form(url.substr(url.find('?') + 1));
  EXPECT_TRUE(TokenMatches(fields, "tok"));
  auto r = ParseDeliveryReport(fields);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->provider_id, "1234");
  EXPECT_EQ(r->state, DeliveryState::kDelivered);
}

// ---- sendsms ----

SendsmsParams Params(std::string text) {
  SendsmsParams p;
  p.username = "pesan";
  p.password = "p&ss word";
  p.from = "TokoMaju";
  p.to = "+6281234567890";
  p.text = std::move(text);
  return p;
}

TEST(KannelSendsms, Gsm7TextGoesAsUtf8WithCoding0) {
  const std::string text = "Halo Bu Sari, pesanan #12 {2x Beras} Rp 15.000 @ € é";
  auto q = BuildSendsmsQuery(Params(text));
  auto f = Form(q);
  EXPECT_EQ(*FindField(f, "username"), "pesan");
  EXPECT_EQ(*FindField(f, "password"), "p&ss word");
  EXPECT_EQ(*FindField(f, "from"), "TokoMaju");
  EXPECT_EQ(*FindField(f, "to"), "+6281234567890");
  EXPECT_EQ(*FindField(f, "text"), text);
  EXPECT_EQ(*FindField(f, "coding"), "0");
  EXPECT_EQ(*FindField(f, "charset"), "UTF-8");
  EXPECT_EQ(FindField(f, "dlr-mask"), nullptr);
  EXPECT_EQ(FindField(f, "dlr-url"), nullptr);
  // '+' in a number would read as a space: it must be escaped.
  EXPECT_NE(q.find("to=%2B6281234567890"), std::string::npos);
}

TEST(KannelSendsms, OtherScriptsGoAsUtf16BeWithCoding2) {
  struct Case {
    const char* text;
    std::string utf16be;
  } cases[] = {
      {"سلام", std::string("\x06\x33\x06\x44\x06\x27\x06\x45", 8)},
      {"ꦱꦸ", std::string("\xA9\xB1\xA9\xB8", 4)},
      {"ok 😀", std::string("\x00o\x00k\x00 \xD8\x3D\xDE\x00", 10)},
      {"ā", std::string("\x01\x01", 2)},  // Latin, but not in GSM-7
  };
  for (const auto& c : cases) {
    auto f = Form(BuildSendsmsQuery(Params(c.text)));
    EXPECT_EQ(*FindField(f, "text"), c.utf16be) << c.text;
    EXPECT_EQ(*FindField(f, "coding"), "2") << c.text;
    EXPECT_EQ(*FindField(f, "charset"), "UTF-16BE") << c.text;
  }
}

TEST(KannelSendsms, DlrUrlIsOneEncodedValue) {
  auto p = Params("ok");
  p.from.clear();
  p.dlr_mask = kDefaultDlrMask;
  p.dlr_url = BuildDlrUrl("http://127.0.0.1:8080", "/sms/kannel", 99, "tok");
  auto q = BuildSendsmsQuery(p);
  auto f = Form(q);
  EXPECT_EQ(FindField(f, "from"), nullptr);  // Kannel's global-sender
  EXPECT_EQ(*FindField(f, "dlr-mask"), "27");
  EXPECT_EQ(*FindField(f, "dlr-url"), p.dlr_url);
  EXPECT_EQ(q.find("&st="), std::string::npos);  // not split into our own fields
  p.dlr_mask = 0;
  EXPECT_EQ(FindField(Form(BuildSendsmsQuery(p)), "dlr-url"), nullptr);
}

TEST(KannelSendsms, UrlKeepsAnExistingQuery) {
  auto p = Params("x");
  EXPECT_EQ(BuildSendsmsUrl("http://h:13013/cgi-bin/sendsms", p),
            "http://h:13013/cgi-bin/sendsms?" + BuildSendsmsQuery(p));
  EXPECT_EQ(BuildSendsmsUrl("http://h/cgi-bin/sendsms?smsc=fake", p),
            "http://h/cgi-bin/sendsms?smsc=fake&" + BuildSendsmsQuery(p));
}

TEST(KannelSendsms, AnswersMapToResults) {
  using K = SendResult::Kind;
  struct Case {
    int status;
    const char* body;
    K kind;
  } cases[] = {
      {202, "0: Accepted for delivery", K::kAccepted},
      {202, "3: Queued for later delivery", K::kAccepted},
      {200, "Sent.", K::kAccepted},
      {503, "Temporal failure, try again later.", K::kRetry},
      {500, "", K::kRetry},
      {502, "Bad Gateway", K::kRetry},
      {429, "slow down", K::kRetry},
      {408, "", K::kRetry},
      {403, "Authorization failed for sendsms", K::kNotReady},
      {401, "", K::kNotReady},
      {302, "", K::kRetry},
      {403, "Not routable. Do not try again.", K::kFailed},
      {400, "Missing receiver number, rejected", K::kFailed},
      {400, "Charset or body misformed, rejected", K::kFailed},
      {404, "Not Found", K::kFailed},
  };
  for (const auto& c : cases) {
    SendResult r = InterpretSendsmsAnswer(c.status, c.body, "55");
    EXPECT_EQ(r.kind, c.kind) << c.status << " " << c.body;
    EXPECT_EQ(r.reason.rfind("kannel " + std::to_string(c.status), 0), 0u) << r.reason;
    EXPECT_NE(r.reason.find(c.body), std::string::npos) << r.reason;
    EXPECT_EQ(r.provider_id, c.kind == K::kAccepted ? "55" : "");
    // Refused credentials are held back like a link that is down, and say so.
    EXPECT_EQ(CredentialsRefused(r), c.kind == K::kNotReady) << r.reason;
  }
}

TEST(KannelSendsms, LongAnswersAreCut) {
  SendResult r = InterpretSendsmsAnswer(400, std::string(5000, 'x'), "1");
  EXPECT_EQ(r.kind, SendResult::Kind::kFailed);
  EXPECT_LT(r.reason.size(), 300u);
}

// ---- URLs and tokens ----

TEST(KannelUrl, ParsesHttpUrls) {
  struct Case {
    const char* url;
    const char* host;
    uint16_t port;
    const char* target;
  } cases[] = {
      {"http://127.0.0.1:13013/cgi-bin/sendsms", "127.0.0.1", 13013, "/cgi-bin/sendsms"},
      {"http://localhost", "localhost", 80, "/"},
      {"HTTP://kannel.lan:8080?x=1", "kannel.lan", 8080, "/?x=1"},
      {"http://[::1]:13013/s", "::1", 13013, "/s"},
      {"http://h/p?q=1#frag", "h", 80, "/p?q=1"},
  };
  for (const auto& c : cases) {
    auto u = ParseHttpUrl(c.url);
    ASSERT_TRUE(u.ok()) << c.url << ": " << u.error().message;
    EXPECT_EQ(u->host, c.host);
    EXPECT_EQ(u->port, c.port);
    EXPECT_EQ(u->target, c.target);
  }
  for (const char* bad : {"https://h/", "ftp://h", "http://", "http://:80/", "http://h:/",
                          "http://h:0/", "http://h:65536/", "http://h:8o/", "http://u:p@h/",
                          "http://[::1/", "http://[::1]x/", "127.0.0.1:13013"}) {
    EXPECT_FALSE(ParseHttpUrl(bad).ok()) << bad;
  }
}

TEST(KannelToken, OnlyUrlSafeTokensAndExactMatches) {
  EXPECT_TRUE(ValidateToken("").ok());
  EXPECT_TRUE(ValidateToken("Ab9-_.~").ok());
  for (const char* bad : {"a b", "a%41", "a&b", "a/b", "é"}) {
    EXPECT_FALSE(ValidateToken(bad).ok()) << bad;
  }
  EXPECT_TRUE(TokenMatches(Form("x=1"), ""));
  EXPECT_TRUE(TokenMatches(Form("token=abc"), "abc"));
  EXPECT_FALSE(TokenMatches(Form("x=1"), "abc"));
  EXPECT_FALSE(TokenMatches(Form("token=abd"), "abc"));
  EXPECT_FALSE(TokenMatches(Form("token=ab"), "abc"));
  EXPECT_FALSE(TokenMatches(Form("token=abcd"), "abc"));
  EXPECT_FALSE(TokenMatches(Form("token="), "abc"));
}

}  // namespace
}  // namespace pesan::kannel
