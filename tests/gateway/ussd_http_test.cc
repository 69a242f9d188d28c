// The USSD shop over real HTTP on loopback, against a real SQLite file.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <sys/mount.h>

#include <boost/asio/ip/tcp.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "core/sqlite_store.h"
#include "gateway/setup.h"
#include "menus/ussd/ussd_menu.h"
#include "tests/support/test_support.h"

namespace pesan::testing {
namespace {

const std::vector<std::string> kFlow = {
    "", "1", "1*1", "1*1*2", "1*1*2*Jl Mawar 3 RT02", "1*1*2*Jl Mawar 3 RT02*1"};

std::unique_ptr<SqliteStore> OpenDb(const TempDir& dir) {
  return std::move(SqliteStore::Open(dir.File("shop.db")).value());
}

std::vector<Order> AllOrders(const TempDir& dir) { return *OpenDb(dir)->ListOrders({}); }

TEST(UssdHttp, ReferenceSessionStoresOneOrderBeforeTheEnd) {
  TempDir dir;
  SystemClock clock;
  TestGateway gw(dir, DemoConfig(dir), clock);
  for (size_t i = 0; i < kFlow.size(); ++i) {
    auto r = gw.Ussd("ATUid_1", "+6281200000001", kFlow[i]);
    ASSERT_EQ(r.status, 200) << kFlow[i];
    EXPECT_EQ(r.body.substr(0, 4), i + 1 < kFlow.size() ? "CON " : "END ") << r.body;
    EXPECT_LE(ussd::CharCount(r.body) - 4, 182u) << r.body;
  }
  // Read straight after the END: the order and its SMS are already committed.
  auto orders = AllOrders(dir);
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0].phone, "+6281200000001");
  EXPECT_EQ(orders[0].total, 130000);
  EXPECT_EQ(orders[0].address, "Jl Mawar 3 RT02");
  ASSERT_EQ(orders[0].items.size(), 1u);
  EXPECT_EQ(orders[0].items[0].code, "B1");
  EXPECT_EQ(orders[0].items[0].qty, 2);
  auto sms = *OpenDb(dir)->ListSms(0);
  ASSERT_EQ(sms.size(), 2u);  // the customer's confirmation and the manager's alert
  bool manager = false;
  for (const auto& m : sms) {
    EXPECT_EQ(m.segments, 1) << m.text;
    if (m.to == "+6281234567890") {
      manager = true;
      EXPECT_NE(m.text.find("081200000001"), std::string::npos) << m.text;
      EXPECT_NE(m.text.find("OK " + std::to_string(orders[0].id)), std::string::npos) << m.text;
    }
  }
  EXPECT_TRUE(manager);
  auto end = gw.Ussd("ATUid_1", "+6281200000001", kFlow.back());
  EXPECT_NE(end.body.find("no. " + std::to_string(orders[0].id)), std::string::npos) << end.body;
  // Stock was reserved, and the customer's address kept for next time.
  auto db = OpenDb(dir);
  auto shop = *db->GetShop("majubersama");
  EXPECT_EQ(db->GetProduct(shop.id, "B1")->stock, 198);
  EXPECT_EQ((*db->GetCustomer(shop.id, "+6281200000001"))->address, "Jl Mawar 3 RT02");
}

TEST(UssdHttp, ResentHopsGetTheSameAnswerAndNeverASecondOrder) {
  TempDir dir;
  SystemClock clock;
  TestGateway gw(dir, DemoConfig(dir), clock);
  for (size_t i = 0; i + 1 < kFlow.size(); ++i) gw.Ussd("S1", "+6281200000002", kFlow[i]);
  auto first = gw.Ussd("S1", "+6281200000002", kFlow.back());
  for (int i = 0; i < 3; ++i) {
    auto again = gw.Ussd("S1", "+6281200000002", kFlow.back());
    EXPECT_EQ(again.body, first.body);
  }
  EXPECT_EQ(AllOrders(dir).size(), 1u);
  // A resent middle hop gets its own answer again, even though the customer has an address now.
  auto mid1 = gw.Ussd("S2", "+6281200000002", "1*1*2");
  auto mid2 = gw.Ussd("S2", "+6281200000002", "1*1*2");
  EXPECT_EQ(mid1.body, mid2.body);
}

TEST(UssdHttp, ASessionThatOrderedIsLetGoAndAResentConfirmationIsAnsweredFromTheOrder) {
  TempDir dir;
  SystemClock clock;
  std::string cfg = DemoConfig(dir);
  cfg.replace(cfg.find("threads = 2\n"), 12, "threads = 2\nussd_sessions_per_hour = 1\n");
  TestGateway gw(dir, cfg, clock);
  for (size_t i = 0; i + 1 < kFlow.size(); ++i) gw.Ussd("L1", "+6281200000009", kFlow[i]);
  EXPECT_EQ(gw.gateway().ussd().live_sessions(), 1u);
  auto end = gw.Ussd("L1", "+6281200000009", kFlow.back());
  ASSERT_EQ(end.body.substr(0, 4), "END ") << end.body;
  EXPECT_EQ(gw.gateway().ussd().live_sessions(), 0u);  // the stored order stands for it
  // The aggregator did not get the END and sends the hop again: the same answer, from the
  // order, and it is not a new session (this number may open one an hour).
  EXPECT_EQ(gw.Ussd("L1", "+6281200000009", kFlow.back()).body, end.body);
  EXPECT_EQ(gw.gateway().ussd().live_sessions(), 0u);
  EXPECT_EQ(AllOrders(dir).size(), 1u);
}

TEST(UssdHttp, ASessionThatEndsWithoutAnOrderIsLetGoAndAResentLastHopGetsTheSameScreen) {
  TempDir dir;
  SystemClock clock;
  TestGateway gw(dir, DemoConfig(dir), clock);
  for (size_t i = 0; i + 1 < kFlow.size(); ++i) gw.Ussd("B1", "+6281200000010", kFlow[i]);
  EXPECT_EQ(gw.gateway().ussd().live_sessions(), 1u);
  // At the summary the customer picks 3 (Batal): the cart is dropped and the session is over.
  const std::string cancel = kFlow[kFlow.size() - 2] + "*3";
  auto end = gw.Ussd("B1", "+6281200000010", cancel);
  ASSERT_EQ(end.body.substr(0, 4), "END ") << end.body;
  EXPECT_EQ(gw.gateway().ussd().live_sessions(), 0u);
  EXPECT_EQ(gw.Ussd("B1", "+6281200000010", cancel).body, end.body);
  EXPECT_EQ(gw.gateway().ussd().live_sessions(), 0u);
  EXPECT_TRUE(AllOrders(dir).empty());
}

TEST(UssdHttp, RestartMidSessionGoesOnWhereTheCustomerWas) {
  TempDir dir;
  SystemClock clock;
  std::string before;
  {
    TestGateway gw(dir, DemoConfig(dir), clock);
    for (size_t i = 0; i < 4; ++i) before = gw.Ussd("R1", "+6281200000003", kFlow[i]).body;
  }
  TestGateway gw(dir, DemoConfig(dir), clock);
  EXPECT_EQ(gw.Ussd("R1", "+6281200000003", kFlow[3]).body, before);  // resent after restart
  auto summary = gw.Ussd("R1", "+6281200000003", kFlow[4]);
  EXPECT_NE(summary.body.find("2x Beras 5kg"), std::string::npos) << summary.body;
  auto end = gw.Ussd("R1", "+6281200000003", kFlow[5]);
  EXPECT_EQ(end.body.substr(0, 4), "END ");
  EXPECT_EQ(AllOrders(dir).size(), 1u);
}

TEST(UssdHttp, ConfirmResentAfterARestartFindsTheOrderPlacedBefore) {
  TempDir dir;
  SystemClock clock;
  std::string end;
  {
    TestGateway gw(dir, DemoConfig(dir), clock);
    for (const auto& t : kFlow) end = gw.Ussd("R2", "+6281200000004", t).body;
  }
  TestGateway gw(dir, DemoConfig(dir), clock);
  // The customer now has an address on file, so replaying the inputs would take another way;
  // the session's order is found by its session id instead.
  EXPECT_EQ(gw.Ussd("R2", "+6281200000004", kFlow.back()).body, end);
  EXPECT_EQ(AllOrders(dir).size(), 1u);
}

// A new session of a number starts without reading the database when the number never had a
// customer row or an order; one that has is read, in the same run and after a restart.
TEST(UssdHttp, ACustomerWhoOrderedIsKnownInTheNextSessionAndAfterARestart) {
  TempDir dir;
  SystemClock clock;
  const std::string phone = "+6281200000010";
  std::string stranger, returning;
  {
    TestGateway gw(dir, DemoConfig(dir), clock);
    stranger = gw.Ussd("K0", "+6281200000011", "1*1*2").body;  // asks where to deliver
    for (const auto& t : kFlow) gw.Ussd("K1", phone, t);
    returning = gw.Ussd("K2", phone, "1*1*2").body;
    EXPECT_NE(returning, stranger);
    EXPECT_NE(returning.find("Jl Mawar 3 RT02"), std::string::npos) << returning;
    EXPECT_EQ(gw.Ussd("K3", "+6281200000012", "1*1*2").body, stranger);
  }
  TestGateway gw(dir, DemoConfig(dir), clock);
  EXPECT_EQ(gw.Ussd("K4", phone, "1*1*2").body, returning);
  auto mine = gw.Ussd("K5", phone, "2");  // my orders
  EXPECT_NE(mine.body.find(std::to_string(AllOrders(dir).at(0).id)), std::string::npos)
      << mine.body;
  EXPECT_EQ(gw.Ussd("K6", "+6281200000013", "1*1*2").body, stranger);
}

TEST(UssdHttp, CancelFromMyOrdersGivesTheStockBack) {
  TempDir dir;
  SystemClock clock;
  TestGateway gw(dir, DemoConfig(dir), clock);
  for (const auto& t : kFlow) gw.Ussd("C1", "+6281200000005", t);
  auto detail = gw.Ussd("C2", "+6281200000005", "2*1");
  EXPECT_NE(detail.body.find("1 Batalkan"), std::string::npos) << detail.body;
  gw.Ussd("C2", "+6281200000005", "2*1*1");
  auto done = gw.Ussd("C2", "+6281200000005", "2*1*1*1");
  EXPECT_EQ(done.body.substr(0, 4), "END ");
  EXPECT_NE(done.body.find("dibatalkan"), std::string::npos) << done.body;
  auto orders = AllOrders(dir);
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0].status, OrderStatus::kCancelled);
  auto db = OpenDb(dir);
  EXPECT_EQ(db->GetProduct(db->GetShop("majubersama")->id, "B1")->stock, 200);
  // Another customer cannot see or cancel it.
  auto other = gw.Ussd("C3", "+6281200000099", "2");
  EXPECT_NE(other.body.find("Belum ada pesanan"), std::string::npos) << other.body;
}

// "My orders" lists the open orders first: one placed before several others stays in reach,
// to be cancelled, whatever came after it.
TEST(UssdHttp, MyOrdersListTheOpenOnesFirst) {
  TempDir dir;
  SystemClock clock;
  TestGateway gw(dir, DemoConfig(dir), clock);
  const std::string phone = "+6281200000021";
  for (int qty = 1; qty <= 5; ++qty) {
    // The first gives the address; the others take it as saved ("1 Ya").
    const std::string q = std::to_string(qty), where = qty == 1 ? "*Jl Mawar 3" : "*1";
    for (const auto& t : {std::string(), std::string("1"), std::string("1*1"), "1*1*" + q,
                          "1*1*" + q + where, "1*1*" + q + where + "*1"}) {
      gw.Ussd("M" + q, phone, t);
    }
  }
  auto orders = AllOrders(dir);  // newest first
  ASSERT_EQ(orders.size(), 5u);
  // The customer cancels the newest two, each the first in the list.
  for (const char* session : {"X1", "X2"}) {
    gw.Ussd(session, phone, "2*1*1");
    EXPECT_EQ(gw.Ussd(session, phone, "2*1*1*1").body.substr(0, 4), "END ");
  }
  auto list = gw.Ussd("X3", phone, "2").body;
  // Four lines fit: the three open ones, newest first, then the newest cancelled one.
  const auto at = [&](const Order& o) { return list.find("No." + std::to_string(o.id)); };
  for (size_t i = 2; i < 5; ++i) ASSERT_NE(at(orders[i]), std::string::npos) << list;
  EXPECT_LT(at(orders[2]), at(orders[3])) << list;
  EXPECT_LT(at(orders[3]), at(orders[4])) << list;
  EXPECT_LT(at(orders[4]), at(orders[0])) << list;
  EXPECT_EQ(at(orders[1]), std::string::npos) << list;
  // The oldest, fourth when listed newest first, is the third now, and can be cancelled.
  EXPECT_NE(gw.Ussd("X4", phone, "2*3").body.find("1 Batalkan"), std::string::npos);
}

TEST(UssdHttp, MenusShowTheStockLeftAfterEachOrderAndCancel) {
  TempDir dir;
  SystemClock clock;
  TestGateway gw(dir, DemoConfig(dir), clock);
  EXPECT_NE(gw.Ussd("S0", "+6281200000011", "1*1").body.find("Stok 200"), std::string::npos);
  for (const auto& t : kFlow) gw.Ussd("S1", "+6281200000011", t);
  for (const auto& t : kFlow) gw.Ussd("S2", "+6281200000012", t);
  // The next session sees what the store holds, right after the answers.
  auto after = gw.Ussd("S3", "+6281200000013", "1*1").body;
  EXPECT_NE(after.find("Stok 196"), std::string::npos) << after;
  gw.Ussd("S4", "+6281200000011", "2*1*1");
  gw.Ussd("S4", "+6281200000011", "2*1*1*1");  // cancels the first order
  after = gw.Ussd("S5", "+6281200000013", "1*1").body;
  EXPECT_NE(after.find("Stok 198"), std::string::npos) << after;
  // An order that takes the last units shows the product sold out in the list.
  for (const auto& t :
       {"", "1", "1*1", "1*1*198", "1*1*198*Jl Melati 1", "1*1*198*Jl Melati 1*1"}) {
    gw.Ussd("S6", "+6281200000014", t);
  }
  auto list = gw.Ussd("S7", "+6281200000015", "1").body;
  EXPECT_NE(list.find("Beras 5kg Rp65.000 (habis)"), std::string::npos) << list;
}

TEST(UssdHttp, LanguageIsRememberedForTheNextSession) {
  TempDir dir;
  SystemClock clock;
  TestGateway gw(dir, DemoConfig(dir), clock);
  auto switched = gw.Ussd("L1", "+6281200000006", "4*2");
  EXPECT_NE(switched.body.find("1 Shop"), std::string::npos) << switched.body;
  auto next = gw.Ussd("L2", "+6281200000006", "");
  EXPECT_NE(next.body.find("2 My orders"), std::string::npos) << next.body;
  auto order = gw.Ussd("L3", "+6281200000006", "1*1*1*Near the mosque*1");
  EXPECT_NE(order.body.find("Order no."), std::string::npos) << order.body;
}

// An order keeps the language of its USSD session: a customer who chose none and ordered while
// the gateway spoke English to customers reads the shop's OK to it in English, after the gateway
// was set to speak Indonesian.
TEST(UssdHttp, AnOrdersNewsIsInTheLanguageOfItsSession) {
  TempDir dir;
  SystemClock clock;
  const std::string customer = "+6281200000007";
  {
    std::string english = DemoConfig(dir);
    english.replace(english.find("threads = 2\n"), 12, "threads = 2\nlanguage = \"en\"\n");
    TestGateway gw(dir, english, clock);
    for (const auto& t : kFlow) gw.Ussd("E1", customer, t);
  }
  auto orders = AllOrders(dir);
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0].language, "en");
  const std::string id = std::to_string(orders[0].id);
  const auto newest_to_customer = [&] {
    const auto sent = *OpenDb(dir)->ListSms(0);  // newest first
    for (const auto& m : sent) {
      if (m.to == customer) return m.text;
    }
    return std::string();
  };
  EXPECT_EQ(newest_to_customer().rfind("Order no. " + id + " received", 0), 0u)
      << newest_to_customer();
  TestGateway gw(dir, DemoConfig(dir, "[sms]\nchannel = \"sim\"\n"), clock);
  ASSERT_EQ(HttpPost(gw.port(), "/sim/sms", "from=%2B6281234567890&text=OK+" + id).status, 200);
  std::string told;
  EXPECT_TRUE(WaitFor([&] {
    told = newest_to_customer();
    return told.find(" received") == std::string::npos;
  })) << told;
  EXPECT_EQ(told, "Order no. " + id + " accepted, the shop is preparing it. BUMDes Maju Bersama");
}

TEST(UssdHttp, ClosedShopTakesNoOrder) {
  TempDir dir;
  SystemClock clock;
  std::string cfg = DemoConfig(dir);
  {
    auto cfg_parsed = *ParseConfig(cfg, "test.toml", dir.path().string());
    auto db = OpenDb(dir);
    ASSERT_TRUE(PrepareDatabase(cfg_parsed, *db).ok());
    ASSERT_TRUE(db->SetShopOpen(db->GetShop("majubersama")->id, false).ok());
  }
  TestGateway gw(dir, cfg, clock);
  EXPECT_NE(gw.Ussd("X1", "+6281200000007", "").body.find("tutup"), std::string::npos);
  auto r = gw.Ussd("X1", "+6281200000007", "1");
  EXPECT_EQ(r.body.substr(0, 4), "END ");
  EXPECT_NE(r.body.find("sedang tutup"), std::string::npos);
  gw.Ussd("X2", "+6281200000007", "1*1*2*Jl Mawar 3 RT02*1");
  EXPECT_TRUE(AllOrders(dir).empty());
}

TEST(UssdHttp, AShopRenamedInTheConfigIsTheOneCustomersReach) {
  TempDir dir;
  SystemClock clock;
  std::string cfg = DemoConfig(dir);
  {
    // The database first served a shop under another code, which stays in it.
    std::string before = cfg;
    before.replace(before.find("code = \"majubersama\""), 20, "code = \"lama\"");
    before.replace(before.find("name = \"BUMDes Maju Bersama\""), 28, "name = \"Toko Lama\"");
    auto parsed = ParseConfig(before, "test.toml", dir.path().string());
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    auto db = OpenDb(dir);
    ASSERT_TRUE(PrepareDatabase(*parsed, *db).ok());
  }
  TestGateway gw(dir, cfg, clock);
  auto menu = gw.Ussd("R1", "+6281200000009", "");
  EXPECT_NE(menu.body.find("Maju Bersama"), std::string::npos) << menu.body;
  EXPECT_EQ(menu.body.find("Toko Lama"), std::string::npos) << menu.body;
  EXPECT_EQ(gw.Ussd("R1", "+6281200000009", "1*1*2*Jl Mawar 3 RT02*1").body.substr(0, 4), "END ");
  auto orders = AllOrders(dir);
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0].shop_code, "majubersama");
}

TEST(UssdHttp, PagingThroughThirtyProductsOverHttp) {
  TempDir dir;
  SystemClock clock;
  std::string csv = "code,name,price,stock\n";
  for (int i = 1; i <= 32; ++i) {
    csv += "P" + std::to_string(i) + ",Barang ke-" + std::to_string(i) + "," +
           std::to_string(1000 * i) + ",50\n";
  }
  TestGateway gw(dir, DemoConfig(dir, "", csv), clock);
  std::string text = "1";
  int found = 0;
  for (int page = 0; page < 20; ++page) {
    auto r = gw.Ussd("P1", "+6281200000008", text);
    ASSERT_EQ(r.body.substr(0, 4), "CON ");
    EXPECT_LE(ussd::CharCount(r.body) - 4, 182u);
    for (int i = 1; i <= 32; ++i) {
      found += r.body.find("Barang ke-" + std::to_string(i) + " ") != std::string::npos;
    }
    if (r.body.find("99 Lanjut") == std::string::npos) break;
    text += "*99";
  }
  EXPECT_EQ(found, 32);
  // The last product, ordered from the last page.
  auto last = gw.Ussd("P1", "+6281200000008", text);
  auto n = std::count(last.body.begin(), last.body.end(), '\n') - 2;  // header, nav lines
  auto end = gw.Ussd("P1", "+6281200000008", text + "*" + std::to_string(n) + "*1*Dekat masjid*1");
  EXPECT_EQ(end.body.substr(0, 4), "END ") << end.body;
  auto orders = AllOrders(dir);
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0].items[0].code, "P32");
}

// A yard's paving blocks by the piece: 2,500 of one product make one order. More than 99,999 of
// one product, or a cart over the largest total, is refused on the quantity screen, which says the
// most, and no order is made.
TEST(UssdHttp, ThousandsOfOneProductMakeOneOrder) {
  TempDir dir;
  SystemClock clock;
  const std::string csv =
      "code,name,price,stock\nP1,Paving blok,2500,200000\nE1,Emas batangan,400000000000,10\n"
      "E2,Emas 500g,199999999999,10\n";
  TestGateway gw(dir, DemoConfig(dir, "", csv), clock);
  const std::string phone = "+6281200000011";
  auto quantity = gw.Ussd("Y1", phone, "1*1");
  EXPECT_NE(quantity.body.find("(1-99999)"), std::string::npos) << quantity.body;
  auto too_many = gw.Ussd("Y1", phone, "1*1*100000");
  EXPECT_EQ(too_many.body.rfind("CON Jumlah harus angka 1-99999.\nPaving blok", 0), 0u)
      << too_many.body;
  const std::string flow = "1*1*100000*2500*Jl Mawar 3 RT02";
  auto summary = gw.Ussd("Y1", phone, flow);
  EXPECT_NE(summary.body.find("2500x Paving blok Rp6.250.000"), std::string::npos) << summary.body;
  auto end = gw.Ussd("Y1", phone, flow + "*1");
  EXPECT_EQ(end.body.substr(0, 4), "END ") << end.body;
  auto orders = AllOrders(dir);
  ASSERT_EQ(orders.size(), 1u);
  ASSERT_EQ(orders[0].items.size(), 1u);
  EXPECT_EQ(orders[0].items[0].qty, 2500);
  EXPECT_EQ(orders[0].total, 6'250'000);

  // 3 gold bars come to Rp1.200.000.000.000, more than an order may: the screen says so.
  const std::string other = "+6281200000012";
  auto gold = gw.Ussd("Y2", other, "1*2*3");
  EXPECT_EQ(gold.body.rfind("CON Total pesanan paling banyak Rp999.999.999.999. Kurangi "
                            "jumlahnya.\nEmas batangan",
                            0),
            0u)
      << gold.body;
  EXPECT_LE(ussd::CharCount(gold.body) - 4, 182u);
  // The other products in the cart count: 2 bars and 1 of 500g come to the most, 2 are over.
  const std::string cart = "1*2*3*2*Jl Mawar 3 RT02*2*3";
  auto more = gw.Ussd("Y2", other, cart + "*2");
  EXPECT_EQ(more.body.rfind("CON Total pesanan paling banyak", 0), 0u) << more.body;
  EXPECT_NE(gw.Ussd("Y2", other, cart + "*2*1").body.find("Total Rp999.999.999.999"),
            std::string::npos);
  auto placed = gw.Ussd("Y2", other, cart + "*2*1*1");
  EXPECT_EQ(placed.body.substr(0, 4), "END ") << placed.body;
  orders = AllOrders(dir);
  ASSERT_EQ(orders.size(), 2u);
  EXPECT_EQ(orders[0].total, 999'999'999'999);
}

TEST(UssdHttp, BadRequestsGetAClearAnswerAndNoOrder) {
  TempDir dir;
  SystemClock clock;
  TestGateway gw(dir, DemoConfig(dir), clock);
  const auto port = gw.port();
  const std::string path = "/ussd/africastalking";
  EXPECT_EQ(HttpPost(port, path, "serviceCode=*123%23&phoneNumber=%2B6281200000001&text=").status,
            400);                                                     // no sessionId
  EXPECT_EQ(HttpPost(port, path, "sessionId=a&text=1").status, 400);  // no phone
  EXPECT_EQ(HttpPost(port, path, "sessionId=a&phoneNumber=HELLO&text=1").status, 400);
  EXPECT_EQ(HttpPost(port, path, "sessionId=a&phoneNumber=%2B6281200000001&text=%zz").status, 400);
  EXPECT_EQ(HttpPost(port, path, "sessionId=a&phoneNumber=%2B6281200000001&text=%FF%FE").status,
            400);  // not UTF-8
  EXPECT_EQ(HttpGet(port, path).status, 405);
  EXPECT_EQ(HttpGet(port, "/nothing/here").status, 404);
  // A huge body is refused before it is read whole.
  EXPECT_EQ(HttpPost(port, path, "sessionId=a&text=" + std::string(100000, '1')).status, 413);
  // An unknown session with a long path: a short END, and no order.
  std::string path_text;
  for (int i = 0; i < 400; ++i) path_text += "1*";
  auto r = gw.Ussd("U1", "+6281200000009", path_text + "1");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body.substr(0, 4), "END ");
  // Non-GSM characters and garbage inputs keep the session going.
  auto odd = gw.Ussd("U2", "+6281200000009", "1*1*2*Jl Mawar \xE2\x9C\x93 \xD8\xB9*9");
  EXPECT_EQ(odd.body.substr(0, 4), "CON ") << odd.body;
  EXPECT_TRUE(AllOrders(dir).empty());
  // The server still serves.
  EXPECT_EQ(gw.Ussd("U3", "+6281200000009", "").status, 200);
}

// An aggregator (or a developer's test client) sending JSON, or an empty sessionId, is told
// what the endpoint takes, and the log says it once, not on every hop.
TEST(UssdHttp, AJsonBodyOrAnEmptySessionIdIsAnsweredPlainlyAndLoggedOnce) {
  CapturedLog log;
  TempDir dir;
  ManualClock clock;
  TestGateway gw(dir, DemoConfig(dir), clock);
  const auto port = gw.port();
  const std::string path = "/ussd/africastalking";
  const std::string json = R"({"sessionId":"J1","phoneNumber":"+6281200000020","text":""})";
  for (int i = 0; i < 3; ++i) {
    auto r = HttpPost(port, path, json, "application/json");
    EXPECT_EQ(r.status, 415);
    EXPECT_EQ(r.body,
              "Content-Type application/json is not read: this endpoint takes form fields "
              "(Content-Type: application/x-www-form-urlencoded): sessionId, phoneNumber, text, "
              "serviceCode, networkCode\n");
  }
  // The same JSON labelled as a form.
  auto labelled = HttpPost(port, path, json);
  EXPECT_EQ(labelled.status, 400);
  EXPECT_EQ(labelled.body.rfind("the body is JSON: this endpoint takes form fields", 0), 0u)
      << labelled.body;
  for (int i = 0; i < 2; ++i) {
    auto empty = HttpPost(port, path, "sessionId=&phoneNumber=%2B6281200000020&text=");
    EXPECT_EQ(empty.status, 400);
    EXPECT_EQ(empty.body, "sessionId is empty\n");
  }
  EXPECT_EQ(HttpPost(port, path, "phoneNumber=%2B6281200000020&text=").body,
            "missing field sessionId\n");

  // A good request is answered as before, with or without a charset, or with no type at all.
  const std::string form = "sessionId=J2&phoneNumber=%2B6281200000020&text=";
  for (const char* type : {"application/x-www-form-urlencoded",
                           "application/x-www-form-urlencoded; charset=UTF-8", ""}) {
    auto ok = HttpPost(port, path, form, type);
    EXPECT_EQ(ok.status, 200) << type;
    EXPECT_EQ(ok.body.substr(0, 4), "CON ") << type << ": " << ok.body;
  }

  const std::string refused = "warning africastalking: refused a request from 127.0.0.1 with ";
  EXPECT_EQ(log.Count(refused + "415: Content-Type application/json is not read"), 1)
      << log.Lines();
  EXPECT_EQ(log.Count(refused + "400: the body is JSON"), 1) << log.Lines();
  EXPECT_EQ(log.Count(refused + "400: sessionId is empty"), 1) << log.Lines();
  EXPECT_EQ(log.Count(refused + "400: missing field sessionId"), 1) << log.Lines();
  EXPECT_EQ(log.Count(refused), 4) << log.Lines();

  // An hour on, the same mistake is logged again, with how often it was made meanwhile.
  clock.Advance(std::chrono::hours(1));
  EXPECT_EQ(HttpPost(port, path, json, "application/json").status, 415);
  EXPECT_EQ(log.Count(refused + "415: Content-Type application/json is not read"), 2)
      << log.Lines();
  EXPECT_EQ(log.Count("2 more since the last such line"), 1) << log.Lines();
}

// An aggregator with the wrong token, or a scanner, is refused on every request; the log says
// it once an hour per cause, with how many were refused meanwhile, and does not fill up.
TEST(UssdHttp, RefusedTokensAndAddressesAreLoggedOnceAnHourPerCause) {
  CapturedLog log;
  TempDir dir;
  ManualClock clock;
  TestGateway gw(dir,
                 DemoConfig(dir,
                            "[ussd.africastalking]\ntoken = \"s3cret\"\n\n[ussd.hubtel]\n"
                            "path = \"/ussd/hubtel\"\nallow = [\"192.0.2.7\"]\n"),
                 clock);
  const std::string form = "sessionId=T1&phoneNumber=%2B6281200000010&text=";
  for (int i = 0; i < 5; ++i) {
    auto wrong = HttpPost(gw.port(), "/ussd/africastalking?token=wrong", form);
    EXPECT_EQ(wrong.status, 403);
    EXPECT_EQ(wrong.body, "forbidden\n");
    EXPECT_EQ(HttpPost(gw.port(), "/ussd/africastalking", form).status, 403);
    auto outside = HttpPost(gw.port(), "/ussd/hubtel", "{}", "application/json");
    EXPECT_EQ(outside.status, 403);
    EXPECT_EQ(outside.body, "forbidden\n");
  }
  const std::string at = "warning africastalking: refused a request from 127.0.0.1 with 403: ";
  const std::string hubtel = "warning hubtel: refused a request from 127.0.0.1 with 403: ";
  EXPECT_EQ(log.Count(at + "wrong token (first for this reason"), 1) << log.Lines();
  EXPECT_EQ(log.Count(at + "no token (first for this reason"), 1) << log.Lines();
  EXPECT_EQ(log.Count(hubtel + "address not allowed (first for this reason"), 1) << log.Lines();
  EXPECT_EQ(log.Count("refused a request"), 3) << log.Lines();

  clock.Advance(std::chrono::hours(1));
  EXPECT_EQ(HttpPost(gw.port(), "/ussd/africastalking?token=wrong", form).status, 403);
  EXPECT_EQ(HttpPost(gw.port(), "/ussd/hubtel", "{}", "application/json").status, 403);
  EXPECT_EQ(log.Count(at + "wrong token (4 more since the last such line"), 1) << log.Lines();
  EXPECT_EQ(log.Count(hubtel + "address not allowed (4 more since the last such line"), 1)
      << log.Lines();
  EXPECT_EQ(log.Count("refused a request"), 5) << log.Lines();
}

TEST(UssdHttp, TokenIsRequiredWhenSet) {
  TempDir dir;
  SystemClock clock;
  TestGateway gw(dir, DemoConfig(dir, "[ussd.africastalking]\ntoken = \"s3cret\"\n"), clock);
  std::string form = "sessionId=T1&phoneNumber=%2B6281200000010&text=";
  EXPECT_EQ(HttpPost(gw.port(), "/ussd/africastalking", form).status, 403);
  EXPECT_EQ(HttpPost(gw.port(), "/ussd/africastalking?token=wrong", form).status, 403);
  EXPECT_EQ(HttpPost(gw.port(), "/ussd/africastalking?token=s3cret", form).status, 200);
}

// The simulator lets anyone send as any number: on a gateway listening on every address it
// answers this machine's loopback only. Needs an address of this machine other than loopback.
TEST(UssdHttp, TheSimulatorAnswersThisMachineOnly) {
  std::string outside;
  ifaddrs* all = nullptr;
  if (::getifaddrs(&all) == 0) {
    for (ifaddrs* i = all; i && outside.empty(); i = i->ifa_next) {
      if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || (i->ifa_flags & IFF_LOOPBACK)) {
        continue;
      }
      char text[INET_ADDRSTRLEN];
      auto* in = reinterpret_cast<sockaddr_in*>(i->ifa_addr);
      if (::inet_ntop(AF_INET, &in->sin_addr, text, sizeof text)) outside = text;
    }
    ::freeifaddrs(all);
  }
  if (outside.empty()) GTEST_SKIP() << "this machine has no address but loopback";
  TempDir dir;
  SystemClock clock;
  std::string toml = DemoConfig(dir, "[sms]\nchannel = \"sim\"\n");
  toml.replace(toml.find("127.0.0.1:0"), 11, "0.0.0.0:0");
  TestGateway gw(dir, toml, clock);
  const std::string close = "from=%2B6281234567890&text=TUTUP";
  auto refused = HttpPostTo(outside, gw.port(), "/sim/sms", close);
  EXPECT_EQ(refused.status, 403) << outside;
  EXPECT_TRUE(OpenDb(dir)->GetShop("majubersama")->open);
  EXPECT_EQ(HttpPostTo(outside, gw.port(), "/sim/inbox?phone=%2B6281234567890", "").status, 403);
  // The USSD callback has no such limit (it has its token), and loopback may use the simulator.
  EXPECT_EQ(HttpPostTo(outside, gw.port(), "/ussd/africastalking",
                       "sessionId=S1&phoneNumber=%2B6281200000010&text=")
                .status,
            200);
  EXPECT_EQ(HttpPost(gw.port(), "/sim/sms", close).status, 200);
  EXPECT_FALSE(OpenDb(dir)->GetShop("majubersama")->open);
}

// `pesan catalog import` (another process) changes prices while the gateway runs: the menus
// show the new price, the one the order is made with.
TEST(UssdHttp, ACatalogChangedByAnotherProgramIsShownWithinSeconds) {
  TempDir dir;
  SystemClock clock;
  TestGateway gw(dir, DemoConfig(dir), clock);
  EXPECT_NE(gw.Ussd("C1", "+6281200000051", "1*1").body.find("Rp65.000"), std::string::npos);
  {
    auto db = OpenDb(dir);
    auto shop = *db->GetShop("majubersama");
    ASSERT_TRUE(
        db->ImportCatalog(shop.id, {{"B1", "Beras 5kg", 70000, 50, "", "", true}}, false).ok());
  }
  std::string screen;
  int session = 1;  // a new session (and number) each look: an answered hop is kept as it was
  EXPECT_TRUE(WaitFor([&] {
    ++session;
    screen =
        gw.Ussd("C" + std::to_string(session), "+62812000" + std::to_string(10000 + session), "1*1")
            .body;
    return screen.find("Rp70.000") != std::string::npos;
  })) << screen;
  EXPECT_NE(screen.find("Stok 50"), std::string::npos) << screen;
}

TEST(UssdHttp, OutOfStockIsToldAndNothingIsStored) {
  TempDir dir;
  SystemClock clock;
  TestGateway gw(dir, DemoConfig(dir, "", "code,name,price,stock\nB1,Beras 5kg,65000,3\n"), clock);
  // Two customers reach the summary for 2 each; only the first confirmation can be served.
  gw.Ussd("O1", "+6281200000011", "1*1*2*Jl Mawar 3");
  gw.Ussd("O2", "+6281200000012", "1*1*2*Jl Mawar 4");
  auto a = gw.Ussd("O1", "+6281200000011", "1*1*2*Jl Mawar 3*1");
  auto b = gw.Ussd("O2", "+6281200000012", "1*1*2*Jl Mawar 4*1");
  EXPECT_NE(a.body.find("diterima"), std::string::npos) << a.body;
  // The second is shown the summary again with how many are left (named as the customer chose it,
  // not by its code), its cart kept to be corrected.
  EXPECT_EQ(b.body.rfind("CON Stok Beras 5kg tinggal 1. Ubah jumlah lewat 2:\n", 0), 0u) << b.body;
  EXPECT_EQ(AllOrders(dir).size(), 1u);
  auto fixed = gw.Ussd("O2", "+6281200000012", "1*1*2*Jl Mawar 4*1*2*1*1");
  EXPECT_NE(fixed.body.find("1x Beras 5kg"), std::string::npos) << fixed.body;
  // None left when the confirmation reaches the shop: said so, and the session ends.
  gw.Ussd("O3", "+6281200000013", "1*1*1*Jl Mawar 5");
  gw.Ussd("O4", "+6281200000014", "1*1*1*Jl Mawar 6");
  EXPECT_NE(gw.Ussd("O3", "+6281200000013", "1*1*1*Jl Mawar 5*1").body.find("diterima"),
            std::string::npos);
  auto d = gw.Ussd("O4", "+6281200000014", "1*1*1*Jl Mawar 6*1").body;
  EXPECT_NE(d.find("Beras 5kg sedang habis"), std::string::npos) << d;
  EXPECT_EQ(AllOrders(dir).size(), 2u);
}

// Another program holds the database's write lock (`BEGIN EXCLUSIVE` in `sqlite3`) past the
// writer's wait: the confirmation is answered "gangguan" and no order is placed, the log says
// why at error level, and /health fails with the reason until a commit succeeds again.
TEST(UssdHttp, ADatabaseLockedElsewhereIsLoggedAndFailsHealthUntilACommitSucceeds) {
  TempDir dir;
  SystemClock clock;
  CapturedLog log;
  TestGateway gw(dir, DemoConfig(dir), clock);
  EXPECT_EQ(HttpGet(gw.port(), "/health").body, "ok\n");
  gw.Ussd("L1", "+6281200000021", "1*1*2*Jl Mawar 3");
  auto other = SqliteDb::Open(dir.File("shop.db"), SqliteDb::Mode::kReadWrite);
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE((*other)->Exec("BEGIN EXCLUSIVE").ok());
  auto refused = gw.Ussd("L1", "+6281200000021", "1*1*2*Jl Mawar 3*1");
  EXPECT_NE(refused.body.find("gangguan"), std::string::npos) << refused.body;
  const std::string why = "the database " + dir.File("shop.db") + " is locked by another program";
  const std::string lines = log.Lines();
  EXPECT_NE(lines.find("error database transaction failed (1 request(s) not stored): " + why),
            std::string::npos)
      << lines;
  EXPECT_NE(lines.find("error ussd: session at:L1: the order was not stored: " + why),
            std::string::npos)
      << lines;
  auto health = HttpGet(gw.port(), "/health");
  EXPECT_EQ(health.status, 503);
  EXPECT_NE(health.body.find(why), std::string::npos) << health.body;
  ASSERT_TRUE((*other)->Exec("ROLLBACK").ok());
  EXPECT_TRUE(AllOrders(dir).empty());
  // The lock gone, the customer confirms again and the order is placed.
  gw.Ussd("L2", "+6281200000021", "1*1*2*Jl Mawar 3");
  auto placed = gw.Ussd("L2", "+6281200000021", "1*1*2*Jl Mawar 3*1");
  EXPECT_NE(placed.body.find("diterima"), std::string::npos) << placed.body;
  EXPECT_EQ(AllOrders(dir).size(), 1u);
  health = HttpGet(gw.port(), "/health");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, "ok\n");
}

// SMS that wait for the channel (smsbox not listening: every sendsms refused) fail /health once
// they have waited a minute, with how long and why: orders are taken, and neither the managers
// nor the customers hear of them. A wait of a moment (a modem coming back) does not.
TEST(UssdHttp, SmsWaitingForTheChannelFailHealthAfterAMinute) {
  TempDir dir;
  ManualClock clock;
  const std::uint16_t closed = [] {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    return a.local_endpoint().port();
  }();
  // retry_min of an hour: the outbox asks smsbox once, and then not again during the test.
  TestGateway gw(dir,
                 DemoConfig(dir,
                            "\n[sms]\nchannel = \"kannel\"\nretry_min_seconds = 3600\n"
                            "retry_max_seconds = 3600\n\n[sms.kannel]\nusername = \"pesan\"\n"
                            "password = \"rahasia\"\nsendsms_url = \"http://127.0.0.1:" +
                                std::to_string(closed) + "/cgi-bin/sendsms\"\n"),
                 clock);
  auto placed = gw.Ussd("H1", "+6281200000031", "1*1*2*Jl Mawar 3*1");
  ASSERT_NE(placed.body.find("diterima"), std::string::npos) << placed.body;
  // Both texts of the order (the alert, the customer's) tried and settled: the outbox no longer
  // reads the clock the test moves.
  Outbox& outbox = *gw.gateway().outbox();
  ASSERT_TRUE(WaitFor([&] { return outbox.holding_back() && outbox.in_flight() == 0; }));
  auto health = HttpGet(gw.port(), "/health");
  EXPECT_EQ(health.status, 200) << health.body;
  clock.Advance(std::chrono::seconds(61));
  health = HttpGet(gw.port(), "/health");
  EXPECT_EQ(health.status, 503);
  EXPECT_EQ(health.body.rfind("sms held back for 61 s: ", 0), 0u) << health.body;
  EXPECT_NE(health.body.find("refused"), std::string::npos) << health.body;
}

// A modem away (not plugged in) fails /health once it has been away a minute, though no SMS is
// due: the next order's texts would wait for it. A moment away (a modem being reset) does not.
TEST(UssdHttp, ModemAwayAMinuteFailsHealthWithNothingDue) {
  TempDir dir;
  ManualClock clock;
  const std::string device = dir.File("ttyUSB-not-plugged");
  TestGateway gw(
      dir,
      DemoConfig(dir, "\n[sms]\nchannel = \"modem\"\n\n[sms.modem]\ndevice = \"" + device + "\"\n"),
      clock);
  ASSERT_TRUE(WaitFor([&] { return gw.gateway().channel_down().has_value(); }));
  EXPECT_NE(gw.gateway().channel_down()->why.find(device), std::string::npos);
  auto health = HttpGet(gw.port(), "/health");
  EXPECT_EQ(health.status, 200) << health.body;
  clock.Advance(std::chrono::seconds(59));
  EXPECT_EQ(HttpGet(gw.port(), "/health").status, 200);
  clock.Advance(std::chrono::seconds(2));
  health = HttpGet(gw.port(), "/health");
  EXPECT_EQ(health.status, 503);
  EXPECT_EQ(health.body.rfind("sms channel down for 61 s: cannot open " + device, 0), 0u)
      << health.body;
  EXPECT_TRUE(AllOrders(dir).empty());
}

// A small file system of its own (tmpfs) over a folder, unmounted when done: a disk that can
// really fill up. Needs the right to mount (root, as on the build machines).
class SmallDisk {
 public:
  SmallDisk(const std::filesystem::path& at, const char* size) : at_(at) {
    const std::string options = std::string("size=") + size + ",mode=0700";
    if (::mount("tmpfs", at.c_str(), "tmpfs", 0, options.c_str()) == 0) {
      mounted_ = true;
    } else {
      why_ = std::strerror(errno);
    }
  }
  ~SmallDisk() {
    if (mounted_) ::umount2(at_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  const std::string& why() const { return why_; }

 private:
  std::filesystem::path at_;
  bool mounted_ = false;
  std::string why_;
};

// Fills the file system of `path` with one file, to the last byte it takes but `room`.
void FillDisk(const std::string& path, size_t room) {
  const std::string keep = path + ".room";
  std::ofstream(keep, std::ios::binary) << std::string(room, 'r');
  std::ofstream out(path, std::ios::binary);
  const std::string block(4096, 'x');
  while (out.write(block.data(), static_cast<std::streamsize>(block.size())) && out.flush()) {
  }
  out.clear();
  while (out.put('x') && out.flush()) {
  }
  std::filesystem::remove(keep);
}

// The disk fills up under the shop: a confirmation that cannot be stored is answered "gangguan"
// (never an order number that was not stored), the log says why at error level, /health fails
// with the reason; once space is freed the next order is stored and /health is ok again. Every
// order number a customer was given is in the database.
TEST(UssdHttp, AFullDiskFailsOrdersPlainlyAndTheyComeBackWhenSpaceIsFreed) {
  TempDir dir;
  SmallDisk disk(dir.path(), "2m");
  if (!disk.mounted()) GTEST_SKIP() << "cannot mount a small file system here: " << disk.why();
  SystemClock clock;
  CapturedLog log;
  auto gw = std::make_unique<TestGateway>(dir, DemoConfig(dir), clock);
  FillDisk(dir.File("filler"), 128 * 1024);  // room for a few orders
  std::vector<std::string> given;            // order numbers in the answers
  std::string refused;
  for (int i = 0; i < 300 && refused.empty(); ++i) {
    const std::string session = "F" + std::to_string(i);
    const std::string phone = "+62812000" + std::to_string(10000 + i);
    gw->Ussd(session, phone, "1*1*2*Jl Mawar " + std::to_string(i));
    auto end = gw->Ussd(session, phone, "1*1*2*Jl Mawar " + std::to_string(i) + "*1").body;
    if (end.find("diterima") != std::string::npos) {
      const size_t no = end.find("no. ");
      ASSERT_NE(no, std::string::npos) << end;
      given.push_back(end.substr(no + 4, end.find_first_not_of("0123456789", no + 4) - no - 4));
    } else {
      refused = end;
    }
  }
  ASSERT_FALSE(refused.empty()) << "the disk never filled up";
  EXPECT_FALSE(given.empty());
  EXPECT_EQ(refused.substr(0, 4), "END ");
  EXPECT_NE(refused.find("gangguan"), std::string::npos) << refused;
  const std::string lines = log.Lines();
  EXPECT_NE(lines.find("error database "), std::string::npos) << lines;
  EXPECT_NE(lines.find("database or disk is full"), std::string::npos) << lines;
  auto health = HttpGet(gw->port(), "/health");
  EXPECT_EQ(health.status, 503);
  EXPECT_NE(health.body.find("database or disk is full"), std::string::npos) << health.body;

  std::filesystem::remove(dir.File("filler"));
  auto placed = gw->Ussd("F-after", "+6281200099999", "1*1*2*Jl Mawar 3*1").body;
  EXPECT_NE(placed.find("diterima"), std::string::npos) << placed;
  health = HttpGet(gw->port(), "/health");
  EXPECT_EQ(health.status, 200);
  gw.reset();
  auto orders = AllOrders(dir);
  EXPECT_EQ(orders.size(), given.size() + 1);
  for (const auto& id : given) {
    EXPECT_TRUE(std::any_of(orders.begin(), orders.end(),
                            [&](const Order& o) { return std::to_string(o.id) == id; }))
        << "order " << id << " was given to a customer but is not stored";
  }
}

// A refused input (a quantity over the stock, a sold-out product) changes nothing on later
// hops either: the aggregator sends it in every later path, and the menus go on from the
// inputs that took effect.
TEST(UssdHttp, ARefusedInputIsNotTakenOnTheNextHops) {
  TempDir dir;
  SystemClock clock;
  TestGateway gw(dir,
                 DemoConfig(dir, "",
                            "code,name,price,stock\nB1,Beras 5kg,65000,3\nG1,LPG 3kg,22000,0\n"
                            "M1,Minyak 1L,18000,10\n"),
                 clock);
  const std::string phone = "+6281200000031";
  auto over = gw.Ussd("R1", phone, "1*1*5").body;
  EXPECT_NE(over.find("Jumlah harus angka 1-3"), std::string::npos) << over;
  auto next = gw.Ussd("R1", phone, "1*1*5*2").body;
  EXPECT_NE(next.find("Alamat"), std::string::npos) << next;
  auto summary = gw.Ussd("R1", phone, "1*1*5*2*Jl Mawar 3").body;
  EXPECT_NE(summary.find("2x Beras 5kg Rp130.000"), std::string::npos) << summary;
  auto end = gw.Ussd("R1", phone, "1*1*5*2*Jl Mawar 3*1").body;
  EXPECT_NE(end.find("diterima"), std::string::npos) << end;
  auto orders = AllOrders(dir);
  ASSERT_EQ(orders.size(), 1u);
  ASSERT_EQ(orders[0].items.size(), 1u);
  EXPECT_EQ(orders[0].items[0].qty, 2);

  // A sold-out product, then another one: the other one's quantity is asked.
  auto sold_out = gw.Ussd("R2", phone, "1*2").body;
  EXPECT_NE(sold_out.find("LPG 3kg sedang habis"), std::string::npos) << sold_out;
  auto other = gw.Ussd("R2", phone, "1*2*3").body;
  EXPECT_NE(other.find("Minyak 1L"), std::string::npos) << other;
  EXPECT_NE(other.find("Stok 10"), std::string::npos) << other;
  // Two refusals in a row, then a valid choice.
  gw.Ussd("R3", phone, "1*1*9");
  gw.Ussd("R3", phone, "1*1*9*abc");
  auto address = gw.Ussd("R3", phone, "1*1*9*abc*1").body;
  EXPECT_NE(address.find("Kirim ke: Jl Mawar 3"), std::string::npos) << address;
}

}  // namespace
}  // namespace pesan::testing

namespace pesan::testing {
namespace {

// The demo configuration with room for `max_sessions` sessions, each forgotten after
// `idle_seconds`.
std::string SessionsConfig(const TempDir& dir, int max_sessions, int idle_seconds) {
  std::string cfg = DemoConfig(dir);
  cfg.replace(cfg.find("threads = 2\n"), 12,
              "threads = 2\nmax_sessions = " + std::to_string(max_sessions) +
                  "\nsession_idle_seconds = " + std::to_string(idle_seconds) + "\n");
  return cfg;
}

TEST(UssdSessions, IdleSessionsAreForgottenAndTheirNumberIsBounded) {
  TempDir dir;
  ManualClock clock;
  TestGateway gw(dir, SessionsConfig(dir, 20, 60), clock);
  for (int i = 0; i < 200; ++i) {
    ASSERT_EQ(gw.Ussd("A" + std::to_string(i), "+62812000001" + std::to_string(i % 10), "").status,
              200);
  }
  EXPECT_LE(gw.gateway().ussd().live_sessions(), 20u);
  clock.Advance(std::chrono::seconds(61));
  EXPECT_EQ(gw.gateway().ussd().Sweep(), 0u);
  // A forgotten session that comes back is rebuilt from its inputs.
  auto r = gw.Ussd("A199", "+6281200000019", "1*1");
  EXPECT_NE(r.body.find("Jumlah"), std::string::npos) << r.body;
}

TEST(UssdSessions, AtTheCapTheLeastRecentlySeenAreForgottenSeveralAtOnce) {
  TempDir dir;
  ManualClock clock;
  TestGateway gw(dir, SessionsConfig(dir, 200, 300), clock);
  auto open = [&](int i) {
    return gw.Ussd("S" + std::to_string(i), "+628130000" + std::to_string(1000 + i), "").status;
  };
  for (int i = 0; i < 100; ++i) ASSERT_EQ(open(i), 200);
  clock.Advance(std::chrono::seconds(200));
  for (int i = 100; i < 200; ++i) ASSERT_EQ(open(i), 200);
  ASSERT_EQ(gw.gateway().ussd().live_sessions(), 200u);
  // One more: a few of the oldest go in one pass, so the next sessions find room.
  ASSERT_EQ(open(200), 200);
  const auto live = gw.gateway().ussd().live_sessions();
  EXPECT_LT(live, 200u);
  EXPECT_GE(live, 150u);
  // Those forgotten were all of the first hundred: past their idle time, only those go.
  clock.Advance(std::chrono::seconds(150));
  EXPECT_EQ(gw.gateway().ussd().Sweep(), 101u);
}

}  // namespace
}  // namespace pesan::testing
