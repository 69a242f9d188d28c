// The Hubtel-style callback: JSON, one input per hop, the session's path kept by the gateway.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "adapters/hubtel/hubtel_ussd.h"
#include "core/sqlite_store.h"
#include "tests/support/test_support.h"

namespace pesan::testing {
namespace {

const std::string kHubtel = "[ussd.hubtel]\npath = \"/ussd/hubtel\"\n";

nlohmann::json Hop(TestGateway& gw, const std::string& type, const std::string& session,
                   const std::string& message, int seq,
                   const std::string& mobile = "6281200000021") {
  nlohmann::json req{{"Type", type},           {"Mobile", mobile},   {"SessionId", session},
                     {"ServiceCode", "*123#"}, {"Message", message}, {"Operator", "Telkomsel"},
                     {"Sequence", seq}};
  auto r = HttpPost(gw.port(), "/ussd/hubtel", req.dump(), "application/json");
  EXPECT_EQ(r.status, 200) << r.body;
  return nlohmann::json::parse(r.body, nullptr, false);
}

size_t OrderCount(const TempDir& dir) {
  return SqliteStore::Open(dir.File("shop.db")).value()->ListOrders({})->size();
}

TEST(HubtelHttp, ReferenceSessionOneInputAtATime) {
  TempDir dir;
  SystemClock clock;
  TestGateway gw(dir, DemoConfig(dir, kHubtel), clock);
  auto a = Hop(gw, "Initiation", "H1", "*123#", 1);
  EXPECT_EQ(a["Type"], "Response");
  EXPECT_NE(a["Message"].get<std::string>().find("1 Belanja"), std::string::npos);
  const char* inputs[] = {"1", "1", "2", "Jl Mawar 3 RT02"};
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(Hop(gw, "Response", "H1", inputs[i], i + 2)["Type"], "Response");
  auto end = Hop(gw, "Response", "H1", "1", 6);
  EXPECT_EQ(end["Type"], "Release");
  EXPECT_NE(end["Message"].get<std::string>().find("diterima"), std::string::npos) << end;
  EXPECT_EQ(OrderCount(dir), 1u);
  // The same hop again (same SessionId and Sequence): the same answer, no second order.
  EXPECT_EQ(Hop(gw, "Response", "H1", "1", 6), end);
  EXPECT_EQ(OrderCount(dir), 1u);
}

TEST(HubtelHttp, DialStringWithInputsAndRestartMidSession) {
  TempDir dir;
  SystemClock clock;
  {
    TestGateway gw(dir, DemoConfig(dir, kHubtel), clock);
    auto a = Hop(gw, "Initiation", "H2", "*123*1*1#", 1);  // straight to the first product
    EXPECT_NE(a["Message"].get<std::string>().find("Jumlah"), std::string::npos) << a;
    Hop(gw, "Response", "H2", "2", 2);
  }
  TestGateway gw(dir, DemoConfig(dir, kHubtel), clock);
  auto b = Hop(gw, "Response", "H2", "Jl Mawar 3 RT02", 3);
  EXPECT_NE(b["Message"].get<std::string>().find("2x Beras 5kg"), std::string::npos) << b;
  EXPECT_EQ(Hop(gw, "Response", "H2", "1", 4)["Type"], "Release");
  EXPECT_EQ(OrderCount(dir), 1u);
}

// A Hubtel request the gateway cannot read is answered 400 with why, and logged once an hour per
// cause, with how many were refused meanwhile.
TEST(HubtelHttp, ABadRequestIsAnsweredAndLoggedOnceAnHour) {
  CapturedLog log;
  TempDir dir;
  ManualClock clock;
  TestGateway gw(dir, DemoConfig(dir, kHubtel), clock);
  const nlohmann::json bad_mobile{{"Type", "Initiation"}, {"Mobile", "abc"},
                                  {"SessionId", "H9"},    {"ServiceCode", "*123#"},
                                  {"Message", "*123#"},   {"Sequence", 1}};
  for (int i = 0; i < 3; ++i) {
    auto r = HttpPost(gw.port(), "/ussd/hubtel", "{not json", "application/json");
    EXPECT_EQ(r.status, 400);
    auto m = HttpPost(gw.port(), "/ussd/hubtel", bad_mobile.dump(), "application/json");
    EXPECT_EQ(m.status, 400);
    EXPECT_EQ(m.body, "bad Mobile\n");
  }
  EXPECT_EQ(HttpGet(gw.port(), "/ussd/hubtel").status, 405);
  const std::string refused = "warning hubtel: refused a request from 127.0.0.1 with ";
  EXPECT_EQ(log.Count(refused + "400: bad Mobile (first for this reason"), 1) << log.Lines();
  EXPECT_EQ(log.Count(refused + "405: use POST (first for this reason"), 1) << log.Lines();
  EXPECT_EQ(log.Count(refused), 3) << log.Lines();  // and the body that is not JSON, once
  clock.Advance(std::chrono::hours(1));
  EXPECT_EQ(HttpPost(gw.port(), "/ussd/hubtel", bad_mobile.dump(), "application/json").status, 400);
  EXPECT_EQ(log.Count(refused + "400: bad Mobile (2 more since the last such line"), 1)
      << log.Lines();
}

// The gateway keeps the path of a one-input-a-hop session: a refused input is left out of it,
// in memory and in the database that a restarted gateway goes on from.
TEST(HubtelHttp, ARefusedInputIsLeftOutOfTheKeptPath) {
  TempDir dir;
  SystemClock clock;
  const std::string config =
      DemoConfig(dir, kHubtel, "code,name,price,stock\nB1,Beras 5kg,65000,3\n");
  {
    TestGateway gw(dir, config, clock);
    Hop(gw, "Initiation", "H5", "*123#", 1);
    Hop(gw, "Response", "H5", "1", 2);
    Hop(gw, "Response", "H5", "1", 3);
    auto over = Hop(gw, "Response", "H5", "7", 4);
    EXPECT_NE(over["Message"].get<std::string>().find("Jumlah harus angka 1-3"), std::string::npos)
        << over;
    auto address = Hop(gw, "Response", "H5", "2", 5);
    EXPECT_NE(address["Message"].get<std::string>().find("Alamat"), std::string::npos) << address;
    auto bad = Hop(gw, "Response", "H5", "x", 6);  // too short for an address: refused
    EXPECT_NE(bad["Message"].get<std::string>().find("Alamat"), std::string::npos) << bad;
  }
  TestGateway gw(dir, config, clock);
  auto summary = Hop(gw, "Response", "H5", "Jl Mawar 3 RT02", 7);
  EXPECT_NE(summary["Message"].get<std::string>().find("2x Beras 5kg"), std::string::npos)
      << summary;
  auto end = Hop(gw, "Response", "H5", "1", 8);
  EXPECT_EQ(end["Type"], "Release") << end;
  EXPECT_EQ(OrderCount(dir), 1u);
}

TEST(HubtelHttp, ReleaseAndTimeoutEndTheSession) {
  TempDir dir;
  SystemClock clock;
  TestGateway gw(dir, DemoConfig(dir, kHubtel), clock);
  Hop(gw, "Initiation", "H3", "*123#", 1);
  Hop(gw, "Response", "H3", "1", 2);
  EXPECT_EQ(Hop(gw, "Timeout", "H3", "", 3)["Type"], "Release");
  // A later hop of that session starts from the main menu again rather than going on.
  auto again = Hop(gw, "Initiation", "H3", "*123#", 1);
  EXPECT_NE(again["Message"].get<std::string>().find("1 Belanja"), std::string::npos);
}

TEST(HubtelHttp, BadBodiesAre400) {
  TempDir dir;
  SystemClock clock;
  TestGateway gw(dir, DemoConfig(dir, kHubtel + "token = \"t0k\"\n"), clock);
  const std::string ok =
      R"({"Type":"Initiation","Mobile":"6281200000021","SessionId":"x","Message":"*123#","Sequence":1})";
  EXPECT_EQ(HttpPost(gw.port(), "/ussd/hubtel", ok, "application/json").status, 403);
  for (const char* bad :
       {"", "[]", "{", R"({"Type":"Initiation"})",
        R"({"Type":"Dance","Mobile":"6281","SessionId":"x"})",
        R"({"Type":"Response","Mobile":"6281200000021","SessionId":"x","Sequence":"two"})"}) {
    EXPECT_EQ(HttpPost(gw.port(), "/ussd/hubtel?token=t0k", bad, "application/json").status, 400)
        << bad;
  }
  EXPECT_EQ(HttpPost(gw.port(), "/ussd/hubtel?token=t0k", ok, "application/json").status, 200);
}

TEST(HubtelParse, DialStrings) {
  EXPECT_EQ(hubtel::InputsOfDialString("*123#"), "");
  EXPECT_EQ(hubtel::InputsOfDialString("*123*1*2#"), "1*2");
  EXPECT_EQ(hubtel::InputsOfDialString("*714*5*3#"), "5*3");
  EXPECT_EQ(hubtel::InputsOfDialString(""), "");
}

}  // namespace
}  // namespace pesan::testing
