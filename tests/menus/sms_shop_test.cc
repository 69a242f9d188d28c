// The shop by SMS, on a real SQLite file: what each text does and which replies it queues.
#include "menus/sms_shop.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include "core/gsm_text.h"
#include "core/sqlite_store.h"
#include "menus/sms/command.h"

namespace pesan {
namespace {

constexpr const char* kManager = "+6281234567890";
constexpr const char* kCustomer = "+6281200000001";

class SmsShopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() /
             ("pesan-sms-" + std::to_string(::getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db"))
                .string();
    std::filesystem::remove(path_);
    store_ = std::move(SqliteStore::Open(path_).value());
    texts_ = *Texts::LoadDefault();
    voice_ = Voice{texts_.get(), "id", 420, "62"};
    ShopSettings s{"majubersama", "BUMDes Maju Bersama", {kManager}, true, "", pin_};
    shop_ = *store_->UpsertShop(s);
    ASSERT_TRUE(store_
                    ->ImportCatalog(shop_.id,
                                    {{"B1", "Beras 5kg", 65000, 10, "karung", "", true},
                                     {"M1", "Minyak goreng 1L", 18000, 20, "botol", "", true},
                                     {"L1", "LPG 3kg", 22000, 0, "tabung", "", true}},
                                    false)
                    .ok());
  }
  void TearDown() override {
    store_.reset();
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + suffix);
  }

  // Handles one text in a transaction, as the gateway's writer does; returns the texts queued.
  std::vector<OutboxMessage> Send(const std::string& from, const std::string& text,
                                  const std::string& language = "id", bool repeated = false) {
    auto before = store_->ListSms(0)->size();
    auto shop = *store_->GetShop("majubersama");
    auto view = ussd::MakeShopView(shop, *store_->ListProducts(shop.id, false));
    SmsEffects effects;
    EXPECT_TRUE(store_->Begin().ok());
    auto st = HandleSms(*store_, voice_, view, from, text, language, guard_, clock_.Now(), effects,
                        repeated);
    EXPECT_TRUE(st.ok()) << st.error().message;
    EXPECT_TRUE(store_->Commit().ok());
    auto all = *store_->ListSms(0);
    std::vector<OutboxMessage> added(all.begin(), all.begin() + (all.size() - before));
    std::reverse(added.begin(), added.end());
    return added;
  }
  std::string Reply(const std::string& from, const std::string& text,
                    const std::string& language = "id") {
    auto out = Send(from, text, language);
    std::string mine;
    for (const auto& m : out) {
      if (m.to == from) mine += (mine.empty() ? "" : " | ") + m.text;
    }
    return mine;
  }
  std::vector<Order> Orders() { return *store_->ListOrders({}); }
  // The text `customer` is sent when a manager sends `command`, the gateway's default language
  // for customers being `language`.
  std::string NewsFor(const std::string& customer, const std::string& command,
                      const std::string& language = "id") {
    std::string told;
    for (const auto& m : Send(kManager, command, language)) {
      if (m.to == customer) told += (told.empty() ? "" : " | ") + m.text;
    }
    return told;
  }
  std::int64_t Stock(const std::string& code) { return store_->GetProduct(shop_.id, code)->stock; }

  std::string pin_;
  std::string path_;
  std::unique_ptr<SqliteStore> store_;
  std::shared_ptr<const Texts> texts_;
  Voice voice_;
  Shop shop_;
  ManualClock clock_;
  SmsGuard guard_{3};
};

TEST_F(SmsShopTest, ARepeatedMessageIsHandledAgainOnlyWhereTwiceIsOnce) {
  const bool repeated = true;
  // The manager sets the stock, a customer buys, the manager sends the same text again: the
  // stock is what the manager wrote, and the manager hears so both times.
  ASSERT_NE(Reply(kManager, "STOK B1 30").find("30"), std::string::npos);
  Send(kCustomer, "PESAN B1 2 ALAMAT Jl Mawar 3");
  ASSERT_EQ(Stock("B1"), 28);
  auto again = Send(kManager, "STOK B1 30", "id", repeated);
  EXPECT_EQ(Stock("B1"), 30);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_NE(again[0].text.find("30"), std::string::npos) << again[0].text;

  // A relative change is made once; the reply says so and how to change it again.
  Reply(kManager, "STOK B1 +5");
  ASSERT_EQ(Stock("B1"), 35);
  auto twice = Send(kManager, "STOK B1 +5", "id", repeated);
  EXPECT_EQ(Stock("B1"), 35);
  ASSERT_EQ(twice.size(), 1u);
  EXPECT_NE(twice[0].text.find("sekali"), std::string::npos) << twice[0].text;
  EXPECT_NE(twice[0].text.find("sekarang 35"), std::string::npos) << twice[0].text;
  EXPECT_NE(twice[0].text.find("STOK B1 <jumlah>"), std::string::npos) << twice[0].text;
  EXPECT_EQ(CountSegments(twice[0].text).segments, 1u) << twice[0].text;
  voice_.manager_language = "en";
  auto en = Send(kManager, "STOCK B1 -5", "id", repeated);
  ASSERT_EQ(en.size(), 1u);
  EXPECT_NE(en[0].text.find("STOCK B1 -5 repeats"), std::string::npos) << en[0].text;
  EXPECT_EQ(Stock("B1"), 35);

  // A customer's repeated order or cancellation does nothing, silently (it is most likely the
  // same message delivered again); a question is answered again.
  const size_t orders = Orders().size();
  EXPECT_TRUE(Send(kCustomer, "PESAN B1 2 ALAMAT Jl Mawar 3", "id", repeated).empty());
  EXPECT_TRUE(Send(kCustomer, "BATAL", "id", repeated).empty());
  EXPECT_EQ(Orders().size(), orders);
  EXPECT_EQ(Orders().front().status, OrderStatus::kNew);
  EXPECT_FALSE(Send(kCustomer, "STATUS", "id", repeated).empty());
  EXPECT_FALSE(Send(kCustomer, "ALAMAT Jl Melati 4", "id", repeated).empty());
  EXPECT_EQ((*store_->GetCustomer(shop_.id, kCustomer))->address, "Jl Melati 4");
}

TEST_F(SmsShopTest, OrderWithInlineAddressAlertsTheManager) {
  auto out = Send(kCustomer, "pesan b1 2 alamat Jl Mawar 3 RT02");
  auto orders = Orders();
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0].channel, "sms");
  EXPECT_EQ(orders[0].address, "Jl Mawar 3 RT02");
  EXPECT_EQ(orders[0].total, 130000);
  EXPECT_EQ(Stock("B1"), 8);
  ASSERT_EQ(out.size(), 2u);
  const std::string id = std::to_string(orders[0].id);
  for (const auto& m : out) {
    EXPECT_EQ(CountSegments(m.text).segments, 1u) << m.text;
    EXPECT_EQ(CountSegments(m.text).coding, SmsCoding::kGsm7) << m.text;
    if (m.to == kManager) {
      EXPECT_NE(m.text.find("Pesanan " + id), std::string::npos) << m.text;
      EXPECT_NE(m.text.find("2x Beras 5kg"), std::string::npos) << m.text;
      EXPECT_NE(m.text.find("Rp130.000"), std::string::npos) << m.text;
      EXPECT_NE(m.text.find("Jl Mawar 3 RT02"), std::string::npos) << m.text;
      EXPECT_NE(m.text.find("081200000001"), std::string::npos) << m.text;
      EXPECT_NE(m.text.find("OK " + id), std::string::npos) << m.text;
    } else {
      EXPECT_EQ(m.to, kCustomer);
      EXPECT_NE(m.text.find("no. " + id), std::string::npos) << m.text;
      EXPECT_NE(m.text.find("bayar di tempat"), std::string::npos) << m.text;
    }
  }
}

TEST_F(SmsShopTest, OrderWithoutAddressWaitsForIt) {
  EXPECT_NE(Reply(kCustomer, "PESAN B1 1 M1 2").find("ALAMAT"), std::string::npos);
  EXPECT_TRUE(Orders().empty());
  auto r = Reply(kCustomer, "ALAMAT dekat masjid, RT 02");
  ASSERT_EQ(Orders().size(), 1u);
  EXPECT_EQ(Orders()[0].address, "dekat masjid, RT 02");
  EXPECT_EQ(Orders()[0].items.size(), 2u);
  EXPECT_NE(r.find("diterima"), std::string::npos) << r;
  // The address is on file now: the next order goes straight through.
  Send(kCustomer, "PESAN M1 1");
  EXPECT_EQ(Orders().size(), 2u);
  // ALAMAT alone just saves it.
  EXPECT_NE(Reply(kCustomer, "ALAMAT Jl Melati 9").find("disimpan"), std::string::npos);
}

// "Ke mana pesanan dikirim?" is answered with the address alone, as one answers a question: the
// text is read back for a YA instead of being answered with the help.
TEST_F(SmsShopTest, AnAddressSentWithoutAlamatIsReadBackForAYa) {
  const std::string help(texts_->Get("id", "sms.help"));
  EXPECT_EQ(Reply(kCustomer, "Jl Mawar 3"), help);  // no order waits: the help, as before
  EXPECT_NE(Reply(kCustomer, "PESAN B1 2").find("ALAMAT"), std::string::npos);
  EXPECT_EQ(Reply(kCustomer, "  Jl Mawar 3,\nRT 02. "),
            "Kirim ke: Jl Mawar 3, RT 02? Balas YA untuk memesan. Alamat lain: ALAMAT <alamat>");
  EXPECT_TRUE(Orders().empty());
  EXPECT_NE(Reply(kCustomer, "YA").find("diterima"), std::string::npos);
  ASSERT_EQ(Orders().size(), 1u);
  EXPECT_EQ(Orders()[0].address, "Jl Mawar 3, RT 02");
  ASSERT_EQ(Orders()[0].items.size(), 1u);
  EXPECT_EQ(Orders()[0].items[0].qty, 2);
  EXPECT_EQ((*store_->GetCustomer(shop_.id, kCustomer))->address, "Jl Mawar 3, RT 02");
  EXPECT_EQ(Reply(kCustomer, "YA"), "Tidak ada pesanan yang menunggu. Pesan: PESAN B1 2");

  // In the language the order was started in.
  const std::string other = "+6281200000002";
  EXPECT_NE(Reply(other, "ORDER M1 1").find("ADDRESS"), std::string::npos);
  EXPECT_EQ(Reply(other, "near the mosque"),
            "Deliver to: near the mosque? Reply YES to order. Another address: ADDRESS <address>");
  EXPECT_NE(Reply(other, "YES").find("received"), std::string::npos);
  ASSERT_EQ(Orders().size(), 2u);
  EXPECT_EQ(Orders()[0].address, "near the mosque");
}

TEST_F(SmsShopTest, AnAddressReadBackIsReplacedByTidakOrAlamatAndDroppedByBatal) {
  const std::string ask(texts_->Get("id", "sms.ask_address"));
  EXPECT_EQ(Reply(kCustomer, "PESAN B1 1"), ask);
  EXPECT_EQ(Reply(kCustomer, "terima kasih"),
            "Kirim ke: terima kasih? Balas YA untuk memesan. Alamat lain: ALAMAT <alamat>");
  // TIDAK: not that address; the order waits for the right one.
  EXPECT_EQ(Reply(kCustomer, "TIDAK"), ask);
  EXPECT_EQ(Reply(kCustomer, "YA"), ask);  // nothing to say YA to but the question
  EXPECT_TRUE(Orders().empty());
  // A text too short for an address is not read as one.
  EXPECT_EQ(Reply(kCustomer, "hm"), std::string(texts_->Get("id", "sms.help")));
  // Another text read back replaces the first; ALAMAT replaces it too.
  EXPECT_NE(Reply(kCustomer, "rumah pak RT").find("rumah pak RT?"), std::string::npos);
  EXPECT_NE(Reply(kCustomer, "Jl Kenanga 2").find("Jl Kenanga 2?"), std::string::npos);
  EXPECT_NE(Reply(kCustomer, "ALAMAT dekat masjid").find("diterima"), std::string::npos);
  ASSERT_EQ(Orders().size(), 1u);
  EXPECT_EQ(Orders()[0].address, "dekat masjid");

  // BATAL drops the order waiting for a YA, as it drops one waiting for its address.
  const std::string other = "+6281200000002";
  EXPECT_EQ(Reply(other, "PESAN M1 1"), ask);
  EXPECT_NE(Reply(other, "dusun krajan").find("dusun krajan?"), std::string::npos);
  EXPECT_EQ(Reply(other, "BATAL"), "Baik, pesanan tidak dibuat.");
  EXPECT_EQ(Reply(other, "YA"), "Tidak ada pesanan yang menunggu. Pesan: PESAN B1 2");
  EXPECT_EQ(Orders().size(), 1u);
}

// STATUS while an order waits for its address shows it, and how to send the address, rather than
// "no orders yet".
TEST_F(SmsShopTest, StatusShowsTheOrderWaitingForItsAddress) {
  EXPECT_EQ(Reply(kCustomer, "STATUS"), "Belum ada pesanan. Pesan: PESAN B1 2");
  Send(kCustomer, "PESAN B1 2 M1 1");
  EXPECT_EQ(Reply(kCustomer, "STATUS"),
            "Menunggu alamat: 2x Beras 5kg, 1x Minyak goreng 1L. Balas ALAMAT <alamat>");
  EXPECT_NE(Reply(kCustomer, "Jl Mawar 3").find("Balas YA"), std::string::npos);
  EXPECT_EQ(Reply(kCustomer, "STATUS"),
            "Menunggu alamat: 2x Beras 5kg, 1x Minyak goreng 1L. Balas ALAMAT <alamat>");
  Send(kCustomer, "YA");
  ASSERT_EQ(Orders().size(), 1u);
  const std::string placed = Reply(kCustomer, "STATUS");
  EXPECT_EQ(placed.find("Menunggu"), std::string::npos) << placed;
  EXPECT_NE(placed.find("No." + std::to_string(Orders()[0].id)), std::string::npos) << placed;
  // With an order on file and one waiting (an address too short), both, the waiting one first.
  Send(kCustomer, "PESAN M1 1 ALAMAT x");
  EXPECT_EQ(Reply(kCustomer, "STATUS"),
            "Menunggu alamat: 1x Minyak goreng 1L. Balas ALAMAT <alamat>; No." +
                std::to_string(Orders()[0].id) + " Rp148.000 Baru");
}

TEST_F(SmsShopTest, APesanWhileAnAddressIsReadBackJoinsTheOrder) {
  Send(kCustomer, "PESAN B1 1");
  EXPECT_NE(Reply(kCustomer, "Jl Mawar 3").find("Jl Mawar 3?"), std::string::npos);
  EXPECT_NE(Reply(kCustomer, "PESAN M1 2").find("Ditambahkan"), std::string::npos);
  EXPECT_NE(Reply(kCustomer, "ALAMAT Jl Mawar 3").find("diterima"), std::string::npos);
  ASSERT_EQ(Orders().size(), 1u);
  ASSERT_EQ(Orders()[0].items.size(), 2u);
  EXPECT_EQ(Orders()[0].items[1].code, "M1");
  EXPECT_EQ(Orders()[0].items[1].qty, 2);
}

// The longest address read back: the question fits one SMS, the order keeps the whole address.
TEST_F(SmsShopTest, ALongAddressIsReadBackInOneSmsAndKeptWhole) {
  std::string longest = "Dusun Krajan";
  while (ussd::CharCount(longest) + 6 <= ussd::kMaxAddressChars) longest += " rumah";
  Send(kCustomer, "PESAN B1 1");
  const auto out = Send(kCustomer, longest);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].segments, 1);
  EXPECT_NE(out[0].text.find("Dusun Krajan rumah"), std::string::npos) << out[0].text;
  EXPECT_NE(out[0].text.find("Balas YA"), std::string::npos) << out[0].text;
  EXPECT_NE(Reply(kCustomer, "YA").find("diterima"), std::string::npos);
  ASSERT_EQ(Orders().size(), 1u);
  EXPECT_EQ(Orders()[0].address, longest);
}

TEST_F(SmsShopTest, AddressesOfFewerThanThreeCharactersAreRefused) {
  const std::string bad =
      "Alamat terlalu pendek (paling sedikit 3 huruf). Contoh: ALAMAT Jl Mawar 3 RT 02";
  const std::string waits =
      "Alamat terlalu pendek (paling sedikit 3 huruf). Pesanan menunggu alamatnya, mis. ALAMAT "
      "dekat masjid RT 02";
  EXPECT_EQ(Reply(kCustomer, "ALAMAT x"), bad);
  EXPECT_EQ(Reply(kCustomer, "ALAMAT RT"), bad);
  // An order sent with one waits for its address, as the reply says.
  EXPECT_EQ(Reply(kCustomer, "PESAN B1 2 ALAMAT x"), waits);
  EXPECT_EQ(Reply(kCustomer, "ALAMAT x"), waits);
  EXPECT_TRUE(Orders().empty());
  auto customer = store_->GetCustomer(shop_.id, kCustomer);
  EXPECT_TRUE(!*customer || (*customer)->address.empty());
  // Three characters will do, counted as characters rather than bytes.
  EXPECT_NE(Reply(kCustomer, "ALAMAT \xC3\xA9\xC3\xA9\xC3\xA9").find("diterima"),
            std::string::npos);  // U+00E9 three times
  ASSERT_EQ(Orders().size(), 1u);
  EXPECT_EQ(Orders()[0].address, "\xC3\xA9\xC3\xA9\xC3\xA9");
  EXPECT_EQ(Orders()[0].items[0].qty, 2);
  EXPECT_NE(Reply(kCustomer, "ALAMAT RT2").find("disimpan"), std::string::npos);
  // With an address on file, an order sent with one too short waits all the same: the customer
  // meant another place.
  EXPECT_EQ(Reply(kCustomer, "PESAN M1 1 ALAMAT x"), waits);
  EXPECT_EQ(Orders().size(), 1u);
  EXPECT_NE(Reply(kCustomer, "ALAMAT Jl Melati 4").find("diterima"), std::string::npos);
  ASSERT_EQ(Orders().size(), 2u);
  EXPECT_EQ(Orders()[0].address, "Jl Melati 4");
}

// An address longer than the USSD menu takes is refused, saying the most it may be, however it
// is sent; nothing is saved, and an order waits for a shorter address rather than being dropped
// or sent to the address on file.
TEST_F(SmsShopTest, AnAddressLongerThanTheUssdMenuTakesIsRefusedAndTheOrderWaits) {
  const std::string longest = "Jl " + std::string(ussd::kMaxAddressChars - 3, 'a');
  const std::string too_long = longest + "a";
  const std::string refused =
      "Alamat terlalu panjang (maks 100 huruf). Kirim yang lebih singkat, mis. ALAMAT dekat masjid "
      "RT 02";
  const std::string waits =
      "Alamat terlalu panjang (maks 100 huruf). Pesanan menunggu alamat yang lebih singkat, mis. "
      "ALAMAT dekat masjid RT 02";
  EXPECT_EQ(Reply(kCustomer, "ALAMAT " + too_long), refused);
  EXPECT_EQ(Reply(kCustomer, "ALAMAT " + std::string(400, 'a')), refused);
  auto customer = store_->GetCustomer(shop_.id, kCustomer);
  EXPECT_TRUE(!*customer || (*customer)->address.empty());

  // An order waiting for its address goes on waiting; a shorter address makes it.
  EXPECT_NE(Reply(kCustomer, "PESAN B1 2").find("ALAMAT"), std::string::npos);
  EXPECT_EQ(Reply(kCustomer, "ALAMAT " + too_long), waits);
  EXPECT_TRUE(Orders().empty());
  EXPECT_NE(Reply(kCustomer, "ALAMAT " + longest).find("diterima"), std::string::npos);
  ASSERT_EQ(Orders().size(), 1u);
  EXPECT_EQ(Orders()[0].address, longest);

  // An order with an address too long waits for a shorter one, not for the one on file.
  EXPECT_EQ(Reply(kCustomer, "PESAN M1 1 ALAMAT " + too_long), waits);
  EXPECT_EQ(Reply(kCustomer, "PESAN M1 1 ALAMAT " + std::string(400, 'a')), waits);
  EXPECT_EQ(Orders().size(), 1u);
  EXPECT_EQ((*store_->GetCustomer(shop_.id, kCustomer))->address, longest);
  EXPECT_NE(Reply(kCustomer, "ALAMAT Jl Melati 4").find("diterima"), std::string::npos);
  ASSERT_EQ(Orders().size(), 2u);
  EXPECT_EQ(Orders()[0].address, "Jl Melati 4");
  EXPECT_EQ(Orders()[0].items.size(), 1u);
  EXPECT_EQ(Orders()[0].items[0].qty, 2);  // M1 1 and M1 1: the two texts are one order

  // Counted in characters, as USSD counts them: 100 Javanese letters are 300 bytes.
  const std::string other = "+6281200000002";
  std::string javanese;
  for (size_t i = 0; i < ussd::kMaxAddressChars; ++i) javanese += "\xEA\xA6\x92";  // U+A992
  EXPECT_EQ(Reply(other, "ADDRESS " + javanese + "\xEA\xA6\x92"),
            "Address too long (at most 100 characters). Send a shorter one, e.g. ADDRESS near the "
            "mosque RT 02");
  EXPECT_EQ(Reply(other, "ADDRESS " + javanese), "Address saved: " + javanese);
}

TEST_F(SmsShopTest, SameOrderTwiceTheSameDayAsksForConfirmation) {
  Send(kCustomer, "PESAN B1 1 ALAMAT Jl Mawar 3");
  auto ask = Reply(kCustomer, "PESAN B1 1");
  EXPECT_NE(ask.find("YA"), std::string::npos) << ask;
  EXPECT_EQ(Orders().size(), 1u);
  Reply(kCustomer, "ya");
  EXPECT_EQ(Orders().size(), 2u);
  // TIDAK drops it.
  Reply(kCustomer, "PESAN B1 1");
  EXPECT_NE(Reply(kCustomer, "TIDAK").find("tidak dibuat"), std::string::npos);
  EXPECT_EQ(Orders().size(), 2u);
  // The next local day it is a new order without a question.
  clock_.Advance(std::chrono::hours(24));
  Send(kCustomer, "PESAN B1 1");
  EXPECT_EQ(Orders().size(), 3u);
}

// "Y" and "N" are both languages' words: the order they answer keeps the language it was
// started in, for the reply and for the order's news.
TEST_F(SmsShopTest, AYOrNAnswersInTheLanguageTheOrderWasStartedIn) {
  Send(kCustomer, "ORDER B1 1 ADDRESS Jl Mawar 3");
  ASSERT_EQ(Orders().size(), 1u);
  EXPECT_NE(Reply(kCustomer, "ORDER B1 1").find("Reply YES"), std::string::npos);
  EXPECT_EQ(Reply(kCustomer, "y").rfind("Order no. ", 0), 0u);
  ASSERT_EQ(Orders().size(), 2u);
  EXPECT_EQ(Orders()[0].language, "en");
  Reply(kCustomer, "ORDER B1 1");
  EXPECT_EQ(Reply(kCustomer, "n"), "OK, no order was made.");
  EXPECT_EQ(Orders().size(), 2u);
  // The same for an order waiting for its address: a text of neither language (a question)
  // answers in the order's.
  const std::string other = "+6281200000002";
  EXPECT_NE(Reply(other, "ORDER M1 2").find("Where should we deliver?"), std::string::npos);
  EXPECT_NE(Reply(other, "y").find("Where should we deliver?"), std::string::npos);
}

TEST_F(SmsShopTest, BatalWhileAskedAboutARepeatDropsTheRepeatNotTheOrder) {
  Send(kCustomer, "PESAN B1 1 ALAMAT Jl Mawar 3");
  const auto first = Orders()[0].id;
  Reply(kCustomer, "PESAN B1 1");
  EXPECT_EQ(Reply(kCustomer, "BATAL"), "Baik, pesanan tidak dibuat.");
  EXPECT_EQ(store_->GetOrder(first)->status, OrderStatus::kNew);
  EXPECT_EQ(Orders().size(), 1u);
  // Nothing waits any more: YA makes no order.
  Reply(kCustomer, "YA");
  EXPECT_EQ(Orders().size(), 1u);
  // With nothing pending, BATAL cancels the latest open order as before.
  EXPECT_NE(Reply(kCustomer, "BATAL").find(std::to_string(first)), std::string::npos);
  EXPECT_EQ(store_->GetOrder(first)->status, OrderStatus::kCancelled);
}

TEST_F(SmsShopTest, BatalWhileAnOrderWaitsForItsAddressDropsIt) {
  Reply(kCustomer, "PESAN B1 1");
  EXPECT_EQ(Reply(kCustomer, "BATAL"), "Baik, pesanan tidak dibuat.");
  EXPECT_NE(Reply(kCustomer, "ALAMAT Jl Mawar 3").find("disimpan"), std::string::npos);
  EXPECT_TRUE(Orders().empty());
  EXPECT_EQ(Stock("B1"), 10);
}

TEST_F(SmsShopTest, TheRepeatQuestionDoesNotOfferBatal) {
  Send(kCustomer, "PESAN B1 1 ALAMAT Jl Mawar 3");
  auto ask = Reply(kCustomer, "PESAN B1 1");
  EXPECT_EQ(ask.find("batal"), std::string::npos) << ask;
  EXPECT_NE(ask.find("TIDAK"), std::string::npos) << ask;
}

TEST_F(SmsShopTest, AnOrderThatCouldNotBePlacedDoesNotWaitAnyMore) {
  Reply(kCustomer, "PESAN B1 1");
  Send(kManager, "STOK B1 0");
  EXPECT_EQ(Reply(kCustomer, "ALAMAT Jl Mawar 3"), "Maaf, B1 sedang habis. Pesanan tidak dibuat.");
  Send(kManager, "STOK B1 10");
  EXPECT_NE(Reply(kCustomer, "ALAMAT Jl Melati 9").find("disimpan"), std::string::npos);
  EXPECT_TRUE(Orders().empty());
}

TEST_F(SmsShopTest, NewCustomersLearnAboutCodesAndStockBeforeTheAddress) {
  EXPECT_EQ(Reply(kCustomer, "PESAN ZZ 1"),
            "Kode ZZ tidak ada. Pesanan tidak dibuat. Ketik HARGA untuk daftar produk.");
  EXPECT_EQ(Reply(kCustomer, "PESAN L1 1"), "Maaf, L1 sedang habis. Pesanan tidak dibuat.");
  EXPECT_EQ(Reply(kCustomer, "PESAN B1 11"), "Maaf, stok B1 tinggal 10. Pesanan tidak dibuat.");
  Send(kManager, "HAPUS M1");
  EXPECT_EQ(Reply(kCustomer, "PESAN M1 1"),
            "Kode M1 tidak ada. Pesanan tidak dibuat. Ketik HARGA untuk daftar produk.");
  // None of them waits for the address.
  EXPECT_NE(Reply(kCustomer, "ALAMAT Jl Mawar 3").find("disimpan"), std::string::npos);
  EXPECT_TRUE(Orders().empty());
}

// A customer who writes a product's name for its code ("PESAN beras 2") is shown the products
// the name finds, with their prices, and the order written with a code. No order is made and
// nothing waits, as for any code the shop has not.
TEST_F(SmsShopTest, AProductsNameForItsCodeNamesTheProducts) {
  EXPECT_EQ(Reply(kCustomer, "PESAN beras 2"),
            "Kode beras tidak ada. Maksud Anda B1 Beras 5kg Rp65.000? Balas: PESAN B1 2");
  // The words of a name are one name; the quantity after them is the example's.
  EXPECT_EQ(Reply(kCustomer, "ORDER Minyak Goreng 3"),
            "No product minyak goreng. Did you mean M1 Minyak goreng 1L Rp18.000? Reply: ORDER M1 "
            "3");
  // A word no product's name holds: the reply as before.
  EXPECT_EQ(Reply(kCustomer, "PESAN durian 2"),
            "Kode DURIAN tidak ada. Pesanan tidak dibuat. Ketik HARGA untuk daftar produk.");
  // Nor is a code found inside longer codes: S1 is no S10.
  std::vector<CatalogRow> rows = {{"G1", "Gula aren 500g", 20000, 0, "bungkus", "", true},
                                  {"G2", "Gula pasir 1kg", 15000, 5, "kg", "", true}};
  for (int i = 10; i <= 30; ++i) {
    rows.push_back({"S" + std::to_string(i), "Sabun cuci nomor " + std::to_string(i), 4500 + i, 5,
                    "batang", "Sabun", true});
  }
  ASSERT_TRUE(store_->ImportCatalog(shop_.id, rows, false).ok());
  EXPECT_EQ(Reply(kCustomer, "PESAN S1 2"),
            "Kode S1 tidak ada. Pesanan tidak dibuat. Ketik HARGA untuk daftar produk.");

  // An order waiting for its address is dropped, as by any refusal; the example is all of it,
  // with a product in stock for the name.
  EXPECT_NE(Reply(kCustomer, "PESAN B1 1").find("ALAMAT"), std::string::npos);
  EXPECT_EQ(
      Reply(kCustomer, "PESAN gula 2"),
      "Kode gula tidak ada. Maksud Anda G1 Gula aren 500g Rp20.000 (habis), G2 Gula pasir 1kg "
      "Rp15.000? Balas: PESAN B1 1 G2 2");
  EXPECT_EQ(Reply(kCustomer, "ALAMAT Jl Mawar 3"), "Alamat disimpan: Jl Mawar 3");
  EXPECT_TRUE(Orders().empty());

  // With the address on file the order would be made at once: it is refused all the same.
  EXPECT_EQ(Reply(kCustomer, "PESAN beras 2"),
            "Kode beras tidak ada. Maksud Anda B1 Beras 5kg Rp65.000? Balas: PESAN B1 2");
  EXPECT_TRUE(Orders().empty());
  // A name many products have: as many as one SMS holds, then how many more.
  const std::string soap = Reply(kCustomer, "PESAN sabun 4");
  EXPECT_EQ(soap.rfind("Kode sabun tidak ada. Maksud Anda S10 Sabun cuci nomor 10 Rp4.510, ", 0),
            0u)
      << soap;
  EXPECT_NE(soap.find(" lainnya? Balas: PESAN S10 4"), std::string::npos) << soap;
  EXPECT_EQ(CountSegments(soap).segments, 1u) << soap;
  EXPECT_TRUE(Orders().empty());
  EXPECT_EQ(Stock("B1"), 10);
}

// Names as the price list writes them, sizes and all, and several names in one order: each is
// replaced in the order to send back.
TEST_F(SmsShopTest, NamesWithTheirSizesAndSeveralNamesAreAllReplacedInTheExample) {
  EXPECT_EQ(Reply(kCustomer, "PESAN beras 5kg 2"),
            "Kode beras 5kg tidak ada. Maksud Anda B1 Beras 5kg Rp65.000? Balas: PESAN B1 2");
  EXPECT_EQ(Reply(kCustomer, "PESAN beras 5kg"),
            "Kode beras 5kg tidak ada. Maksud Anda B1 Beras 5kg Rp65.000? Balas: PESAN B1 1");
  EXPECT_EQ(Reply(kCustomer, "PESAN beras 2 minyak goreng 1L 3"),
            "Kode beras tidak ada. Maksud Anda B1 Beras 5kg Rp65.000? Balas: PESAN B1 2 M1 3");
  EXPECT_EQ(
      Reply(kCustomer, "PESAN B1 1 minyak 2"),
      "Kode minyak tidak ada. Maksud Anda M1 Minyak goreng 1L Rp18.000? Balas: PESAN B1 1 M1 2");
  // A second name no product has: said so, as for the first.
  EXPECT_EQ(Reply(kCustomer, "PESAN beras 2 durian 1"),
            "Kode DURIAN tidak ada. Pesanan tidak dibuat. Ketik HARGA untuk daftar produk.");
  // Joining an order that waits for its address: all of it again.
  EXPECT_NE(Reply(kCustomer, "PESAN B1 1").find("ALAMAT"), std::string::npos);
  EXPECT_EQ(Reply(kCustomer, "PESAN minyak 1L 2 beras 5kg 3"),
            "Kode minyak 1l tidak ada. Maksud Anda M1 Minyak goreng 1L Rp18.000? Balas: PESAN B1 1 "
            "M1 2 B1 3");
  // Two names sharing a word, each read as written.
  ASSERT_TRUE(store_
                  ->ImportCatalog(shop_.id,
                                  {{"B2", "Beras premium 5kg", 80000, 10, "karung", "", true},
                                   {"B3", "Beras medium 5kg", 70000, 10, "karung", "", true}},
                                  false)
                  .ok());
  EXPECT_EQ(Reply(kCustomer, "PESAN beras medium 2 beras premium 1"),
            "Kode beras medium tidak ada. Maksud Anda B3 Beras medium 5kg Rp70.000? Balas: PESAN "
            "B3 2 B2 1");
  EXPECT_TRUE(Orders().empty());
  // A unit glued to the quantity of a code; a code written twice is one line of the order.
  EXPECT_EQ(Reply(kCustomer, "PESAN B1 1karung B1 1 ALAMAT Jl Mawar 3")
                .rfind("Pesanan no. 1 diterima: 2x Beras 5kg. Total Rp130.000", 0),
            0u);
  EXPECT_EQ(Orders().size(), 1u);
}

TEST_F(SmsShopTest, AnOrderWaitsForItsAddressLongerThanAUssdSession) {
  Reply(kCustomer, "PESAN B1 1");
  clock_.Advance(std::chrono::hours(2));
  ASSERT_TRUE(store_->ExpireSessions(clock_.Now() - std::chrono::minutes(5)).ok());
  Send(kCustomer, "ALAMAT Jl Mawar 3");
  EXPECT_EQ(Orders().size(), 1u);
  // After a day it is forgotten.
  Reply("+6281200000002", "PESAN M1 1");
  ASSERT_TRUE(*store_->LoadSession("sms-pending:majubersama:+6281200000002"));
  clock_.Advance(std::chrono::hours(25));
  ASSERT_TRUE(store_->ExpireSessions(clock_.Now() - std::chrono::minutes(5)).ok());
  EXPECT_FALSE(*store_->LoadSession("sms-pending:majubersama:+6281200000002"));
}

TEST_F(SmsShopTest, AnAddressSentWhileTheShopIsClosedIsKept) {
  Send(kManager, "TUTUP");
  EXPECT_NE(Reply(kCustomer, "PESAN B1 1 ALAMAT dekat masjid").find("tutup"), std::string::npos);
  Send(kManager, "BUKA");
  Send(kCustomer, "PESAN B1 1");
  ASSERT_EQ(Orders().size(), 1u);
  EXPECT_EQ(Orders()[0].address, "dekat masjid");
}

// Told that no order was made, the customer has nothing waiting: a later ALAMAT saves the
// address and a YA finds nothing to confirm.
TEST_F(SmsShopTest, AnOrderRefusedWhileItWaitsForItsAddressIsDropped) {
  EXPECT_NE(Reply(kCustomer, "PESAN B1 2").find("ALAMAT"), std::string::npos);
  Send(kManager, "TUTUP");
  EXPECT_EQ(Reply(kCustomer, "ALAMAT Jl Dahlia 9"),
            "Maaf, BUMDes Maju Bersama sedang tutup. Pesanan tidak dibuat.");
  EXPECT_EQ((*store_->GetCustomer(shop_.id, kCustomer))->address, "Jl Dahlia 9");
  Send(kManager, "BUKA");
  EXPECT_EQ(Reply(kCustomer, "YA"), "Tidak ada pesanan yang menunggu. Pesan: PESAN B1 2");
  const auto alerts = Send(kCustomer, "ALAMAT Jl Dahlia 10");
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].to, kCustomer);
  EXPECT_EQ(alerts[0].text, "Alamat disimpan: Jl Dahlia 10");
  EXPECT_TRUE(Orders().empty());
  EXPECT_EQ(Stock("B1"), 10);
  // The address saved while the shop was closed, then changed, is the next order's.
  Send(kCustomer, "PESAN M1 1");
  ASSERT_EQ(Orders().size(), 1u);
  EXPECT_EQ(Orders()[0].address, "Jl Dahlia 10");
}

// Every refusal saying no order was made, before the address is asked for, leaves nothing to be
// made by a later ALAMAT: the shop closed, a code it has not, too few in stock, none, too much.
TEST_F(SmsShopTest, EveryRefusalDropsTheOrderWaitingForItsAddress) {
  Reply(kManager, "TAMBAH E1 400000000000 Emas batangan");
  Reply(kManager, "STOK E1 10");
  const std::vector<std::pair<std::string, std::string>> refusals = {
      {"PESAN ZZ 1", "Kode ZZ tidak ada. Pesanan tidak dibuat. Ketik HARGA untuk daftar produk."},
      {"PESAN L1 1", "Maaf, L1 sedang habis. Pesanan tidak dibuat."},
      {"PESAN B1 11", "Maaf, stok B1 tinggal 10. Pesanan tidak dibuat."},
      {"PESAN E1 3",
       "Maaf, total pesanan lebih dari Rp999.999.999.999. Kurangi jumlahnya. Pesanan tidak "
       "dibuat."},
  };
  int n = 0;
  for (const auto& [text, refused] : refusals) {
    const std::string phone = "+62812000001" + std::to_string(10 + n++);
    EXPECT_NE(Reply(phone, "PESAN B1 2").find("ALAMAT"), std::string::npos);
    EXPECT_EQ(Reply(phone, text), refused);
    EXPECT_EQ(Reply(phone, "ALAMAT Jl Dahlia 9"), "Alamat disimpan: Jl Dahlia 9") << text;
  }
  const std::string closed = "+6281200000120";
  Reply(closed, "PESAN B1 2");
  Send(kManager, "TUTUP");
  EXPECT_EQ(Reply(closed, "PESAN M1 1"),
            "Maaf, BUMDes Maju Bersama sedang tutup. Pesanan tidak dibuat.");
  Send(kManager, "BUKA");
  EXPECT_EQ(Reply(closed, "ALAMAT Jl Dahlia 9"), "Alamat disimpan: Jl Dahlia 9");
  EXPECT_TRUE(Orders().empty());
  EXPECT_EQ(Stock("B1"), 10);
}

// A repeat confirmed with YA while the shop is closed is refused, and not made by a second YA.
TEST_F(SmsShopTest, ARepeatRefusedWhileTheShopIsClosedIsDropped) {
  Send(kCustomer, "PESAN B1 1 ALAMAT Jl Mawar 3");
  EXPECT_NE(Reply(kCustomer, "PESAN B1 1").find("YA"), std::string::npos);
  Send(kManager, "TUTUP");
  EXPECT_NE(Reply(kCustomer, "YA").find("tutup"), std::string::npos);
  Send(kManager, "BUKA");
  EXPECT_EQ(Reply(kCustomer, "YA"), "Tidak ada pesanan yang menunggu. Pesan: PESAN B1 2");
  EXPECT_EQ(Orders().size(), 1u);
}

// A second order before the address joins the first, as a shopkeeper adds to the note: the
// reply shows the whole order, one product's quantities added up, and one order is made.
TEST_F(SmsShopTest, OrdersSentBeforeTheAddressAreOneOrder) {
  Reply(kCustomer, "PESAN B1 2");
  EXPECT_EQ(Reply(kCustomer, "PESAN M1 1"),
            "Ditambahkan. Pesanan Anda kini: 2x Beras 5kg, 1x Minyak goreng 1L. Ke mana dikirim? "
            "Balas: ALAMAT <alamat atau patokan>");
  EXPECT_NE(Reply(kCustomer, "PESAN B1 1").find("kini: 3x Beras 5kg, 1x Minyak goreng 1L."),
            std::string::npos);
  const auto sent = Send(kCustomer, "ALAMAT Jl Dahlia 8");
  ASSERT_EQ(Orders().size(), 1u);
  const Order order = Orders()[0];
  EXPECT_EQ(order.address, "Jl Dahlia 8");
  ASSERT_EQ(order.items.size(), 2u);
  EXPECT_EQ(order.items[0].code, "B1");
  EXPECT_EQ(order.items[0].qty, 3);
  EXPECT_EQ(order.items[1].code, "M1");
  EXPECT_EQ(order.items[1].qty, 1);
  EXPECT_EQ(Stock("B1"), 7);
  bool alerted = false;
  for (const auto& m : sent) {
    alerted |= m.to == kManager && m.text.find("3x Beras 5kg, 1x Minyak") != std::string::npos;
  }
  EXPECT_TRUE(alerted);

  // In English; and an order with its address joins the waiting one and is made at once.
  const std::string other = "+6281200000002";
  Reply(other, "ORDER M1 2");
  EXPECT_EQ(Reply(other, "ORDER B1 1"),
            "Added. Your order is now: 2x Minyak goreng 1L, 1x Beras 5kg. Where should we "
            "deliver? Reply ADDRESS and the address or a landmark");
  EXPECT_NE(Reply(other, "ORDER M1 1 ADDRESS Jl Dahlia 9").find("3x Minyak goreng 1L, 1x Beras"),
            std::string::npos);
  ASSERT_EQ(Orders().size(), 2u);
  EXPECT_EQ(Orders()[0].phone, other);
  EXPECT_EQ(Orders()[0].items.size(), 2u);
  EXPECT_EQ(Stock("M1"), 16);
  EXPECT_EQ(Reply(other, "YES"), "No order is waiting. To order: ORDER B1 2");
}

// However many products join, the reply is one SMS; more than one order may hold of a product is
// refused as in one text, and the waiting order stays as it was.
TEST_F(SmsShopTest, AJoinedOrderFitsOneSmsAndKeepsTheLargestQuantity) {
  std::vector<CatalogRow> rows;
  for (int i = 1; i <= 12; ++i) {
    rows.push_back({"S" + std::to_string(i), "Sabun cuci batangan wangi nomor " + std::to_string(i),
                    4500, 300000, "batang", "Sabun", true});
  }
  ASSERT_TRUE(store_->ImportCatalog(shop_.id, rows, false).ok());
  Reply(kCustomer, "PESAN S1 60000");
  std::string reply;
  for (int i = 2; i <= 12; ++i) reply = Reply(kCustomer, "PESAN S" + std::to_string(i) + " 1");
  EXPECT_EQ(CountSegments(reply).segments, 1u) << reply;
  EXPECT_NE(reply.find("60000x Sabun"), std::string::npos) << reply;
  EXPECT_NE(reply.find("lainnya"), std::string::npos) << reply;
  EXPECT_NE(reply.find("ALAMAT"), std::string::npos) << reply;

  EXPECT_EQ(Reply(kCustomer, "PESAN S1 40000"),
            "Jumlah tiap produk 1 sampai 99.999. Contoh: PESAN S1 1");
  Send(kCustomer, "ALAMAT Jl Dahlia 8");
  ASSERT_EQ(Orders().size(), 1u);
  EXPECT_EQ(Orders()[0].items.size(), 12u);
  EXPECT_EQ(Stock("S1"), 240000);
}

TEST_F(SmsShopTest, StatusShowsOpenOrdersBeforeClosedOnes) {
  Send(kCustomer, "PESAN B1 1 ALAMAT Jl Mawar 3");
  const auto first = Orders()[0].id;
  Send(kManager, "KIRIM " + std::to_string(first));
  for (int i = 0; i < 3; ++i) {
    Send(kCustomer, "PESAN M1 " + std::to_string(i + 1));
    Send(kCustomer, "BATAL");
  }
  auto status = Reply(kCustomer, "STATUS");
  EXPECT_EQ(status.find("No." + std::to_string(first)), 0u) << status;
  EXPECT_NE(status.find("Dikirim"), std::string::npos) << status;
  EXPECT_NE(status.find("Batal"), std::string::npos) << status;
}

TEST_F(SmsShopTest, StockWithASignAddsOrTakesAway) {
  EXPECT_NE(Reply(kManager, "STOK B1 +5").find("15"), std::string::npos);
  EXPECT_EQ(Stock("B1"), 15);
  EXPECT_NE(Reply(kManager, "STOK B1 -3").find("12"), std::string::npos);
  EXPECT_EQ(Stock("B1"), 12);
  auto r = Reply(kManager, "STOK B1 -20");
  EXPECT_NE(r.find("12"), std::string::npos) << r;
  EXPECT_EQ(Stock("B1"), 12);
  EXPECT_NE(Reply(kManager, "STOK Z9 +5").find("Z9"), std::string::npos);
  EXPECT_NE(Reply(kManager, "STOK B1 7").find("7"), std::string::npos);
  EXPECT_EQ(Stock("B1"), 7);
  // A space after the sign changes nothing.
  EXPECT_EQ(Reply(kManager, "STOK B1 - 5"), "OK: stok B1 sekarang 2.");
  EXPECT_EQ(Stock("B1"), 2);
  EXPECT_EQ(Reply(kManager, "STOK B1 + 5"), "OK: stok B1 sekarang 7.");
  EXPECT_EQ(Stock("B1"), 7);
}

// A stock is written as an order's quantity or a price is: "1.000" is a thousand. One too large
// says the most a stock may be.
TEST_F(SmsShopTest, AStockTakesThousandsSeparatorsAndSaysItsLimit) {
  EXPECT_EQ(Reply(kManager, "STOK B1 1.000"), "OK: stok B1 sekarang 1000.");
  EXPECT_EQ(Stock("B1"), 1000);
  Reply(kManager, "STOK B1 +2.500");
  EXPECT_EQ(Stock("B1"), 3500);
  EXPECT_EQ(Reply(kManager, "STOK B1 99999999999"),
            "Stok paling banyak 999.999.999. Contoh: STOK B1 20");
  EXPECT_EQ(Stock("B1"), 3500);
  voice_.manager_language = "en";
  EXPECT_EQ(Reply(kManager, "STOCK B1 +1,000,000,000"),
            "The stock is at most 999,999,999. Example: STOCK B1 20");
  EXPECT_EQ(Stock("B1"), 3500);
}

TEST_F(SmsShopTest, UnknownProductAndStockShortageAreExplained) {
  EXPECT_NE(Reply(kCustomer, "PESAN Z9 1 ALAMAT Jl Mawar 3").find("Kode Z9 tidak ada"),
            std::string::npos);
  EXPECT_NE(Reply(kCustomer, "PESAN B1 11").find("tinggal 10"), std::string::npos);
  EXPECT_EQ(Reply(kCustomer, "PESAN L1 1"), "Maaf, L1 sedang habis. Pesanan tidak dibuat.");
  EXPECT_EQ(Reply("+6281200000002", "ORDER L1 1 ADDRESS Jl Mawar 3"),
            "Sorry, L1 is sold out. No order was made.");
  EXPECT_TRUE(Orders().empty());
  EXPECT_EQ(Stock("B1"), 10);
}

TEST_F(SmsShopTest, ManagerRunsTheOrderAndTheCustomerIsToldAtEachStep) {
  Send(kCustomer, "PESAN B1 2 ALAMAT Jl Mawar 3");
  const std::string id = std::to_string(Orders()[0].id);
  struct Step {
    std::string command;
    OrderStatus status;
    std::string customer_sees;
  };
  for (const Step& s : {Step{"OK " + id, OrderStatus::kAccepted, "disiapkan"},
                        Step{"kirim #" + id, OrderStatus::kShipped, "diantar"},
                        Step{"SELESAI " + id, OrderStatus::kDone, "selesai"}}) {
    auto out = Send(kManager, s.command);
    EXPECT_EQ(store_->GetOrder(std::stoll(id))->status, s.status) << s.command;
    bool told = false, acked = false;
    for (const auto& m : out) {
      if (m.to == kCustomer) told = m.text.find(s.customer_sees) != std::string::npos;
      if (m.to == kManager) acked = m.text.rfind("OK:", 0) == 0;
      EXPECT_EQ(CountSegments(m.text).segments, 1u) << m.text;
    }
    EXPECT_TRUE(told) << s.command;
    EXPECT_TRUE(acked) << s.command;
  }
  // A done order cannot be rejected.
  EXPECT_NE(Reply(kManager, "TOLAK " + id).find("tidak bisa"), std::string::npos);
}

TEST_F(SmsShopTest, CompletingANewOrderSaysToShipItFirst) {
  Send(kCustomer, "PESAN B1 2 ALAMAT Jl Mawar 3");
  const std::string id = std::to_string(Orders()[0].id);
  EXPECT_EQ(Reply(kManager, "SELESAI " + id),
            "Pesanan " + id + " belum dikirim. Kirim dulu: KIRIM " + id);
  EXPECT_EQ(Orders()[0].status, OrderStatus::kNew);
}

// Paid on delivery, a delivery can fail (nobody home, the goods refused): the shop rejects the
// shipped order, the stock comes back, the customer is told, and the report takes no money for it.
TEST_F(SmsShopTest, AShippedOrderWhoseDeliveryFailedIsRejected) {
  Send(kCustomer, "PESAN B1 2 ALAMAT Jl Mawar 3");
  const std::string id = std::to_string(Orders()[0].id);
  Send(kManager, "OK " + id);
  Send(kManager, "KIRIM " + id);
  EXPECT_EQ(Stock("B1"), 8);
  // Only the shop can: the customer's BATAL of a shipped order is refused.
  EXPECT_NE(Reply(kCustomer, "BATAL " + id).find("tidak bisa dibatalkan"), std::string::npos);
  EXPECT_EQ(Orders()[0].status, OrderStatus::kShipped);

  auto out = Send(kManager, "TOLAK " + id + " pelanggan tidak ada");
  EXPECT_EQ(Orders()[0].status, OrderStatus::kRejected);
  EXPECT_EQ(Orders()[0].note, "pelanggan tidak ada");
  EXPECT_EQ(Stock("B1"), 10);
  std::string customer, manager;
  for (const auto& m : out) (m.to == kCustomer ? customer : manager) = m.text;
  EXPECT_EQ(customer,
            "Maaf, pesanan no. " + id + " ditolak toko: pelanggan tidak ada. BUMDes Maju Bersama");
  EXPECT_EQ(manager, "OK: pesanan " + id + " ditolak.");
  EXPECT_EQ(Reply(kManager, "LAPORAN"), "Hari ini belum ada pesanan.");
  // Rejected is final, as done is.
  EXPECT_NE(Reply(kManager, "SELESAI " + id).find("tidak bisa diubah"), std::string::npos);
  EXPECT_NE(Reply(kManager, "TOLAK " + id).find("tidak bisa diubah"), std::string::npos);
  EXPECT_EQ(Stock("B1"), 10);
}
TEST_F(SmsShopTest, RejectingGivesTheStockBackAndTellsTheReason) {
  Send(kCustomer, "PESAN B1 2 ALAMAT Jl Mawar 3");
  const std::string id = std::to_string(Orders()[0].id);
  EXPECT_EQ(Stock("B1"), 8);
  auto out = Send(kManager, "TOLAK " + id + " di luar area antar");
  EXPECT_EQ(Orders()[0].status, OrderStatus::kRejected);
  EXPECT_EQ(Stock("B1"), 10);
  bool told = false;
  for (const auto& m : out) {
    if (m.to == kCustomer) told = m.text.find("di luar area antar") != std::string::npos;
  }
  EXPECT_TRUE(told);
}

TEST_F(SmsShopTest, ALongReasonIsShortenedToFitNotDropped) {
  Send(kCustomer, "PESAN B1 2 ALAMAT Jl Mawar 3");
  const std::string id = std::to_string(Orders()[0].id);
  const std::string reason =
      "alamat terlalu jauh dari toko kami, kurir hanya antar di dalam desa Sukamaju dan desa "
      "sebelah saja, mohon ambil sendiri di toko";
  auto out = Send(kManager, "TOLAK " + id + " " + reason);
  EXPECT_EQ(Orders()[0].status, OrderStatus::kRejected);
  std::string told;
  for (const auto& m : out) {
    if (m.to == kCustomer) told = m.text;
  }
  EXPECT_EQ(CountSegments(told).segments, 1u) << told;
  EXPECT_NE(told.find("ditolak toko: alamat terlalu jauh dari toko kami"), std::string::npos)
      << told;
  // The three dots of the cut end the sentence: no fourth for the template's full stop.
  EXPECT_NE(told.find("sebelah saja... BUMDes"), std::string::npos) << told;
  EXPECT_EQ(told.find("...."), std::string::npos) << told;
  EXPECT_NE(told.find("BUMDes Maju Bersama"), std::string::npos) << told;
}

// A reason longer than the parser once took was refused with the bare format; it is taken,
// shortened for the customer, and the manager hears how it reads now.
TEST_F(SmsShopTest, AVeryLongReasonIsTakenAndTheManagerToldItWasShortened) {
  Send(kCustomer, "PESAN B1 2 ALAMAT Jl Mawar 3");
  const std::string id = std::to_string(Orders()[0].id);
  const std::string reason =
      "maaf alamat terlalu jauh dari toko kami, kurir hanya antar di dalam desa Sukamaju dan desa "
      "sebelah saja, jadi mohon ambil sendiri di toko atau pesan lagi lewat tetangga yang tinggal "
      "di dalam desa kami";
  ASSERT_GT(reason.size(), 160u);
  auto out = Send(kManager, "TOLAK " + id + " " + reason);
  EXPECT_EQ(Orders()[0].status, OrderStatus::kRejected);
  EXPECT_EQ(Stock("B1"), 10);
  std::string customer, manager;
  for (const auto& m : out) (m.to == kCustomer ? customer : manager) = m.text;
  EXPECT_EQ(CountSegments(customer).segments, 1u) << customer;
  // The order keeps the reason as the customer read it.
  const std::string kept = Orders()[0].note;
  ASSERT_TRUE(kept.ends_with("...")) << kept;
  EXPECT_NE(customer.find(": " + kept + " BUMDes"), std::string::npos) << customer;
  EXPECT_EQ(CountSegments(manager).segments, 1u) << manager;
  const std::string head = "OK: pesanan " + id +
                           " ditolak. Alasan terlalu panjang untuk 1 SMS, pelanggan menerima " +
                           std::to_string(kept.size()) + " huruf: ...";
  ASSERT_EQ(manager.rfind(head, 0), 0u) << manager;
  // Its end, where the cut is.
  EXPECT_TRUE(kept.ends_with(manager.substr(head.size()))) << manager;
  EXPECT_GT(manager.size() - head.size(), 20u) << manager;
  // A short reason is acknowledged as before.
  Send(kCustomer, "PESAN M1 1");
  EXPECT_EQ(Reply(kManager, "TOLAK " + std::to_string(Orders()[0].id) + " stok habis"),
            "OK: pesanan " + std::to_string(Orders()[0].id) + " ditolak.");
}

// A manager's BATAL of a customer's order is not theirs to cancel: the shop rejects it.
TEST_F(SmsShopTest, AManagersBatalOfACustomersOrderPointsToTolak) {
  Send(kCustomer, "PESAN B1 2 ALAMAT Jl Mawar 3");
  const std::string id = std::to_string(Orders()[0].id);
  auto r = Reply(kManager, "BATAL " + id);
  EXPECT_EQ(r, "Pesanan " + id +
                   " milik pelanggan, hanya ia yang bisa membatalkan. Untuk "
                   "menolaknya: TOLAK " +
                   id + " <alasan>");
  EXPECT_EQ(CountSegments(r).segments, 1u) << r;
  EXPECT_EQ(Orders()[0].status, OrderStatus::kNew);
  Send(kManager, "KIRIM " + id);
  Send(kManager, "SELESAI " + id);
  EXPECT_EQ(Reply(kManager, "BATAL " + id), "Pesanan " + id + " sudah selesai, tidak bisa diubah.");
  // An order that is not there is still not there.
  EXPECT_EQ(Reply(kManager, "BATAL 999"), "Pesanan no. 999 tidak ada.");
}

TEST_F(SmsShopTest, CustomerCancelsUntilShipped) {
  Send(kCustomer, "PESAN B1 2 ALAMAT Jl Mawar 3");
  Send(kCustomer, "PESAN M1 1");
  const auto first = Orders()[1].id, second = Orders()[0].id;
  // Without a number: the latest open order.
  EXPECT_NE(Reply(kCustomer, "BATAL").find(std::to_string(second)), std::string::npos);
  EXPECT_EQ(store_->GetOrder(second)->status, OrderStatus::kCancelled);
  EXPECT_EQ(Reply(kCustomer, "BATAL " + std::to_string(second)),
            "Pesanan no. " + std::to_string(second) + " sudah dibatalkan.");
  Send(kManager, "KIRIM " + std::to_string(first));
  EXPECT_NE(Reply(kCustomer, "BATAL " + std::to_string(first)).find("tidak bisa"),
            std::string::npos);
  // Someone else's order is not theirs to cancel.
  Send("+6281200000002", "PESAN M1 1 ALAMAT Jl Kenanga 1");
  const auto other = Orders()[0].id;
  EXPECT_NE(Reply(kCustomer, "BATAL " + std::to_string(other)).find("tidak ada"),
            std::string::npos);
  EXPECT_EQ(store_->GetOrder(other)->status, OrderStatus::kNew);
  auto status = Reply(kCustomer, "STATUS");
  EXPECT_NE(status.find("Dikirim"), std::string::npos) << status;
  EXPECT_NE(status.find("Batal"), std::string::npos) << status;
}

TEST_F(SmsShopTest, ManagerChangesTheCatalogAndTheShop) {
  EXPECT_NE(Reply(kManager, "STOK B1 50").find("50"), std::string::npos);
  EXPECT_EQ(Stock("B1"), 50);
  EXPECT_NE(Reply(kManager, "HARGA B1 70.000").find("Rp70.000"), std::string::npos);
  EXPECT_EQ(store_->GetProduct(shop_.id, "B1")->price, 70000);
  EXPECT_NE(Reply(kManager, "TAMBAH B9 12000 Gula Aren 1kg").find("B9"), std::string::npos);
  auto b9 = store_->GetProduct(shop_.id, "B9");
  ASSERT_TRUE(b9.ok());
  EXPECT_EQ(b9->name, "Gula Aren 1kg");
  EXPECT_EQ(b9->stock, 0);
  EXPECT_NE(Reply(kManager, "TAMBAH B9 1000 Lagi").find("sudah dipakai"), std::string::npos);
  EXPECT_NE(Reply(kManager, "HAPUS B9").find("dihapus"), std::string::npos);
  EXPECT_FALSE(store_->GetProduct(shop_.id, "B9")->active);
  EXPECT_NE(Reply(kManager, "STOK Q7 5").find("tidak ada"), std::string::npos);
  EXPECT_NE(Reply(kManager, "TUTUP").find("TUTUP"), std::string::npos);
  EXPECT_FALSE(store_->GetShop("majubersama")->open);
  EXPECT_NE(Reply(kCustomer, "PESAN B1 1 ALAMAT Jl Mawar 3").find("tutup"), std::string::npos);
  EXPECT_TRUE(Orders().empty());
  Reply(kManager, "buka");
  EXPECT_TRUE(store_->GetShop("majubersama")->open);
}

// The product keeps its whole name; the reply, one SMS, cuts it; a name too long says the limit.
TEST_F(SmsShopTest, ALongProductNameIsCutInTheReplyAndTooLongSaysTheLimit) {
  std::string name = "Gula Aren";
  for (int i = 0; i < 18; ++i) name += " asli";
  name += "x";
  ASSERT_EQ(name.size(), sms::kMaxNameLength);
  auto r = Reply(kManager, "TAMBAH GULA1 125000 " + name);
  EXPECT_EQ(store_->GetProduct(shop_.id, "GULA1")->name, name);
  EXPECT_EQ(CountSegments(r).segments, 1u) << r;
  EXPECT_EQ(r.rfind("OK: GULA1 Gula Aren asli", 0), 0u) << r;
  EXPECT_NE(r.find(" asli... Rp125.000 ditambah, stok 0. Isi stok: STOK GULA1 10"),
            std::string::npos)
      << r;

  const std::string too_long(101, 'g');
  EXPECT_EQ(Reply(kManager, "TAMBAH B8 12000 " + too_long),
            "Nama produk terlalu panjang, paling banyak 100 huruf. Contoh: TAMBAH B9 12000 Gula "
            "Aren 1kg");
  EXPECT_FALSE(store_->GetProduct(shop_.id, "B8").ok());
}

TEST_F(SmsShopTest, MistypedManagerCommandsGetTheRightForm) {
  EXPECT_EQ(Reply(kManager, "STOK B1"), "Format salah. Contoh: STOK B1 20");
  EXPECT_NE(Reply(kManager, "OK").find("OK 123"), std::string::npos);
  EXPECT_NE(Reply(kManager, "TAMBAH B9").find("Contoh: TAMBAH"), std::string::npos);
  // Managers are answered every time, beyond the cap for customers.
  for (int i = 0; i < 6; ++i) EXPECT_FALSE(Reply(kManager, "TOLAK").empty());
}

TEST_F(SmsShopTest, ManagersGetTheRightFormWhereCustomersGetHelp) {
  EXPECT_EQ(Reply(kManager, "OK no.13"), "Format salah. Contoh: OK 123");
  EXPECT_EQ(Reply(kManager, "kirim no 13"), "Format salah. Contoh: KIRIM 123");
  EXPECT_EQ(Reply(kManager, "OK abc"), "Format salah. Contoh: OK 123");
  EXPECT_EQ(Reply(kManager, "HARGA B1"), "Format salah. Contoh: HARGA B1 65000");
  EXPECT_EQ(Reply(kManager, "HARGA B1 abc"), "Format salah. Contoh: HARGA B1 65000");
  EXPECT_EQ(store_->GetProduct(shop_.id, "B1")->price, 65000);
  // HARGA alone is still the price list, and so are words that are no product code.
  EXPECT_NE(Reply(kManager, "HARGA").find("B1 Beras 5kg 65.000"), std::string::npos);
  EXPECT_EQ(Reply(kManager, "HARGA beras"), Reply(kCustomer, "HARGA beras"));
  EXPECT_EQ(Reply(kManager, "HARGA beras").rfind("B1 Beras 5kg 65.000. ", 0), 0u);
  EXPECT_NE(Reply(kManager, "harga minyak goreng").find("M1 Minyak goreng 1L 18.000"),
            std::string::npos);
  EXPECT_EQ(Reply(kManager, "HARGA B9"), "Format salah. Contoh: HARGA B1 65000");
  EXPECT_EQ(Reply(kManager, "HARGA m1 murah"), "Format salah. Contoh: HARGA B1 65000");
  // Customers keep their help and their price list.
  const std::string help(texts_->Get("id", "sms.help"));
  EXPECT_EQ(Reply(kCustomer, "OK no.13"), help);
  EXPECT_EQ(Reply(kCustomer, "OK abc"), help);
  EXPECT_NE(Reply(kCustomer, "HARGA B1").find("B1 Beras 5kg 65.000"), std::string::npos);
}

// A manager's keyword mistyped is no customer's question: the answer is the managers' commands.
TEST_F(SmsShopTest, AManagersMistypedKeywordGetsTheManagersHelp) {
  const std::string help(texts_->Get("id", "sms.manager_help"));
  for (const char* typo : {"KRIM 1", "0K 1", "halo"}) {
    const std::string reply = Reply(kManager, typo);
    EXPECT_EQ(reply, "Salah ketik? " + help) << typo;
    EXPECT_EQ(CountSegments(reply).segments, 1u) << reply;
  }
  clock_.Advance(std::chrono::minutes(61));  // the cap on help replies is per hour
  voice_.manager_language = "en";
  EXPECT_EQ(Reply(kManager, "SHPI 1"),
            "Not understood. " + std::string(texts_->Get("en", "sms.manager_help")));
  // Customers keep theirs.
  EXPECT_EQ(Reply(kCustomer, "KRIM 1"), texts_->Get("id", "sms.help"));
}

// A manager mistypes more often than a customer's cap of help replies allows, and is answered;
// only a number that keeps sending text that is no command (a phone answering by itself) meets
// a cap, a larger one.
TEST_F(SmsShopTest, AManagerIsAnsweredPastTheCustomersCapOfHelpReplies) {
  clock_.Advance(std::chrono::minutes(61));
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(Reply(kCustomer, "halo").empty()) << i;
  EXPECT_EQ(Reply(kCustomer, "halo"), "");  // the customers' cap: 3 an hour
  for (int i = 0; i < SmsGuard::kManagerRepliesPerHour; ++i) {
    EXPECT_EQ(Reply(kManager, "KRIM 1").rfind("Salah ketik? ", 0), 0u) << i;
  }
  EXPECT_EQ(Reply(kManager, "KRIM 1"), "");
  // A command written wrong is answered however often.
  EXPECT_EQ(Reply(kManager, "OK abc"), "Format salah. Contoh: OK 123");
  clock_.Advance(std::chrono::minutes(61));
  EXPECT_EQ(Reply(kManager, "KRIM 1").rfind("Salah ketik? ", 0), 0u);
  // A shop that sends no help replies (replies_per_hour = 0) sends managers none either.
  SmsGuard none{0};
  EXPECT_FALSE(none.AllowReply(kManager, clock_.Now(), /*manager=*/true));
  EXPECT_FALSE(none.AllowReply(kCustomer, clock_.Now()));
}

TEST_F(SmsShopTest, ManagerCommandsFromAnyoneElseChangeNothing) {
  Send(kCustomer, "PESAN B1 2 ALAMAT Jl Mawar 3");
  const std::string id = std::to_string(Orders()[0].id);
  for (const char* cmd : {"STOK B1 0", "HARGA B1 1", "TUTUP", "HAPUS B1"}) Send(kCustomer, cmd);
  Send(kCustomer, "OK " + id);
  EXPECT_EQ(Stock("B1"), 8);
  EXPECT_EQ(store_->GetProduct(shop_.id, "B1")->price, 65000);
  EXPECT_TRUE(store_->GetShop("majubersama")->open);
  EXPECT_TRUE(store_->GetProduct(shop_.id, "B1")->active);
  EXPECT_EQ(Orders()[0].status, OrderStatus::kNew);
}

TEST_F(SmsShopTest, HelpRepliesToUnknownTextsAreCapped) {
  int answered = 0;
  for (int i = 0; i < 10; ++i) answered += !Reply("+6281200000003", "halo apa kabar").empty();
  EXPECT_EQ(answered, 3);
  clock_.Advance(std::chrono::minutes(61));
  EXPECT_FALSE(Reply("+6281200000003", "halo").empty());
  // Valid commands are always answered.
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(Reply("+6281200000003", "HARGA").empty());
  // So is a customer's command written wrong, after the cap: an order being tried.
  for (int i = 0; i < 5; ++i) Reply("+6281200000004", "halo " + std::to_string(i));
  auto wrong = Reply("+6281200000004", "PESAN B1 100000");
  EXPECT_NE(wrong.find("PESAN B1 2"), std::string::npos) << wrong;
  // A quantity too large says how many one product may be: the order is not a format mistake.
  EXPECT_EQ(wrong, "Jumlah tiap produk 1 sampai 99.999. Contoh: PESAN B1 2");
  EXPECT_EQ(Reply("+6281200000004", "ORDER B1 60000 B1 60000"),
            "The quantity of each product is 1 to 99,999. Example: ORDER B1 1");
}

// A yard takes thousands of paving blocks, sold by the piece: one order of 2,500, written bare or
// with Indonesia's thousands dot; 100,000 is more than one product may have, and says the most.
TEST_F(SmsShopTest, ThousandsOfOneProductMakeOneOrder) {
  Reply(kManager, "TAMBAH PV1 2500 Paving blok");
  Reply(kManager, "STOK PV1 200000");
  Send(kCustomer, "PESAN PV1 2500 ALAMAT Jl Mawar 3 RT 02");
  ASSERT_EQ(Orders().size(), 1u);
  ASSERT_EQ(Orders()[0].items.size(), 1u);
  EXPECT_EQ(Orders()[0].items[0].qty, 2500);
  EXPECT_EQ(Orders()[0].total, 6'250'000);
  EXPECT_EQ(Stock("PV1"), 197'500);
  Send("+6281200000002", "PESAN PV1 2.500 ALAMAT Jl Melati 4");
  ASSERT_EQ(Orders().size(), 2u);
  EXPECT_EQ(Orders()[0].total, 6'250'000);
  EXPECT_EQ(Stock("PV1"), 195'000);

  EXPECT_EQ(Reply(kCustomer, "PESAN PV1 100000"),
            "Jumlah tiap produk 1 sampai 99.999. Contoh: PESAN B1 2");
  EXPECT_EQ(Reply(kCustomer, "ORDER PV1 60000 PV1 40000"),
            "The quantity of each product is 1 to 99,999. Example: ORDER PV1 1");
  EXPECT_EQ(Orders().size(), 2u);
  EXPECT_EQ(Stock("PV1"), 195'000);
}

// An order that would come to more than any amount the texts can show is refused, saying the
// most, and nothing of it is kept: with the address, and before the address is asked for.
TEST_F(SmsShopTest, AnOrderOverTheLargestTotalIsRefused) {
  Reply(kManager, "TAMBAH E1 400000000000 Emas batangan");
  Reply(kManager, "STOK E1 10");
  const std::string refused =
      "Maaf, total pesanan lebih dari Rp999.999.999.999. Kurangi jumlahnya. Pesanan tidak dibuat.";
  EXPECT_EQ(Reply(kCustomer, "PESAN E1 3 ALAMAT Jl Mawar 3"), refused);
  EXPECT_EQ(Reply("+6281200000002", "PESAN E1 2 E1 1"), refused);  // no address yet
  EXPECT_EQ(Reply("+6281200000002", "ALAMAT Jl Melati 4"), "Alamat disimpan: Jl Melati 4");
  EXPECT_EQ(Reply("+6281200000003", "ORDER E1 9 ADDRESS Jl Mawar 3"),
            "Sorry, the order total is over Rp999.999.999.999. Order fewer. No order was made.");
  EXPECT_TRUE(Orders().empty());
  EXPECT_EQ(Stock("E1"), 10);
  // Up to the most is an order.
  Send(kCustomer, "PESAN E1 2 ALAMAT Jl Mawar 3");
  ASSERT_EQ(Orders().size(), 1u);
  EXPECT_EQ(Orders()[0].total, 800'000'000'000);

  // However an order comes, the total is checked before anything is written.
  NewOrder order;
  order.shop_id = shop_.id;
  order.phone = kCustomer;
  order.lines = {{"E1", 2}, {"E1", 1}};
  order.address = "Jl Mawar 3";
  order.channel = "ussd";
  order.language = "id";
  ASSERT_TRUE(store_->Begin().ok());
  auto placed = PlaceOrderAndNotify(*store_, voice_, shop_, order, false, clock_.Now());
  ASSERT_TRUE(store_->Commit().ok());
  ASSERT_FALSE(placed.ok());
  EXPECT_TRUE(IsTotalTooLarge(placed.error())) << placed.error().message;
  order.lines = {{"B1", kMaxItemQuantity + 1}};
  ASSERT_TRUE(store_->Begin().ok());
  placed = PlaceOrderAndNotify(*store_, voice_, shop_, order, false, clock_.Now());
  ASSERT_TRUE(store_->Commit().ok());
  ASSERT_FALSE(placed.ok());
  EXPECT_EQ(placed.error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(Orders().size(), 1u);
  EXPECT_EQ(Stock("E1"), 8);
}

// A request repeated (a retried USSD hop) with the order's source key gets the first order back:
// no second order, no stock taken again, no SMS queued again.
TEST_F(SmsShopTest, AnOrderRepeatedWithItsSourceKeyIsTheFirstOne) {
  NewOrder order;
  order.shop_id = shop_.id;
  order.phone = kCustomer;
  order.lines = {{"B1", 2}};
  order.address = "Jl Mawar 3";
  order.channel = "ussd";
  order.language = "id";
  order.source_key = "ussd:at:repeat";
  const size_t queued = store_->ListSms(0)->size();
  const std::int64_t stock = Stock("B1");
  auto first = PlaceOrderAndNotify(*store_, voice_, shop_, order, false, clock_.Now());
  ASSERT_TRUE(first.ok()) << first.error().message;
  const size_t sent = store_->ListSms(0)->size() - queued;
  EXPECT_GE(sent, 2u);  // the customer's confirmation, the managers' alerts
  auto again = PlaceOrderAndNotify(*store_, voice_, shop_, order, false, clock_.Now());
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->id, first->id);
  EXPECT_EQ(Stock("B1"), stock - 2);
  EXPECT_EQ(store_->ListSms(0)->size() - queued, sent);
  bool created = true;
  auto direct = store_->CreateOrder(order, clock_.Now(), &created);
  ASSERT_TRUE(direct.ok()) << direct.error().message;
  EXPECT_EQ(direct->id, first->id);
  EXPECT_FALSE(created);
}

TEST_F(SmsShopTest, PriceListAndReportsFitOneSegment) {
  auto list = Reply(kCustomer, "harga");
  EXPECT_NE(list.find("B1 Beras 5kg 65.000"), std::string::npos) << list;
  EXPECT_NE(list.find("L1 LPG 3kg 22.000 (habis)"), std::string::npos) << list;
  EXPECT_EQ(CountSegments(list).segments, 1u);
  auto english = Reply("+6281200000009", "price", "en");
  EXPECT_NE(english.find("L1 LPG 3kg 22.000 (sold out)"), std::string::npos) << english;
  for (int i = 0; i < 3; ++i)
    Send("+628120000001" + std::to_string(i), "PESAN M1 1 ALAMAT Jl Mawar 3");
  auto open = Reply(kManager, "PESANAN");
  EXPECT_NE(open.find("1x Minyak goreng 1L"), std::string::npos) << open;
  EXPECT_EQ(CountSegments(open).segments, 1u);
  auto report = Reply(kManager, "LAPORAN");
  EXPECT_EQ(report,
            "Hari ini belum ada pesanan diproses. Baru, menunggu OK: 3 pesanan. Lihat: PESANAN");
}

// New orders may yet be rejected: the report counts them apart from those the shop took.
TEST_F(SmsShopTest, TheReportTellsNewOrdersFromTakenOnes) {
  Send(kCustomer, "PESAN B1 2 ALAMAT Jl Mawar 3");
  Send("+6281200000002", "PESAN M1 1 ALAMAT Jl Mawar 5");
  Send("+6281200000003", "PESAN M1 3 ALAMAT Jl Mawar 7");
  const auto orders = Orders();  // newest first
  Send(kManager, "OK " + std::to_string(orders[2].id));
  Send(kManager, "KIRIM " + std::to_string(orders[2].id));
  Send(kManager, "TOLAK " + std::to_string(orders[1].id));
  auto report = Reply(kManager, "LAPORAN");
  EXPECT_EQ(report,
            "Hari ini: 1 pesanan diproses, Rp130.000. Terlaris: 2x Beras 5kg. Baru, menunggu OK: "
            "1 pesanan.");
  Send(kManager, "OK " + std::to_string(orders[0].id));
  report = Reply(kManager, "LAPORAN");
  EXPECT_EQ(report,
            "Hari ini: 2 pesanan diproses, Rp184.000. Terlaris: 3x Minyak goreng 1L, "
            "2x Beras 5kg.");
  EXPECT_EQ(CountSegments(report).segments, 1u);
}

// "HARGA beras 2" or "STOK beras 20" from a manager is a change for a code no product has: the
// answer names the products the word finds and the command with the first one's code, and
// changes nothing. "STOK B1 HABIS" sets 0.
TEST_F(SmsShopTest, AManagersChangeForAWordFindsTheProducts) {
  const std::pair<const char*, const char*> kAnswers[] = {
      {"HARGA beras 2",
       "Tidak ada produk berkode BERAS. Yang cocok dengan 'beras': B1 Beras 5kg Rp65.000. Ubah "
       "harga: HARGA B1 65000"},
      {"HARGA durian 5000",
       "Tidak ada produk berkode DURIAN, juga tidak ada yang cocok. Daftar harga: HARGA. Ubah "
       "harga: HARGA kode harga"},
      {"STOK beras 20",
       "Tidak ada produk berkode BERAS. Yang cocok dengan 'beras': B1 Beras 5kg Rp65.000. Ubah "
       "stok: STOK B1 20"},
      {"STOK minyak +5",
       "Tidak ada produk berkode MINYAK. Yang cocok dengan 'minyak': M1 Minyak goreng 1L "
       "Rp18.000. Ubah stok: STOK M1 +5"},
      {"STOK durian 5", "Kode DURIAN tidak ada. Ketik HARGA untuk daftar produk."},
  };
  for (const auto& [text, answer] : kAnswers) EXPECT_EQ(Reply(kManager, text), answer) << text;
  EXPECT_EQ(Stock("B1"), 10);
  EXPECT_EQ(Stock("M1"), 20);
  EXPECT_EQ(Reply(kManager, "stok b1 habis"), "OK: stok B1 sekarang 0.");
  EXPECT_EQ(Stock("B1"), 0);
  EXPECT_EQ(store_->GetProduct(shop_.id, "B1")->price, 65000);
  // Many matches: as many as one SMS holds, then how many more.
  std::vector<CatalogRow> rows;
  for (int i = 1; i <= 12; ++i) {
    rows.push_back({"G" + std::to_string(i), "Gula merah kelapa " + std::to_string(i) + "kg",
                    12000 * i, 5, "", "", true});
  }
  ASSERT_TRUE(store_->ImportCatalog(shop_.id, rows, false).ok());
  voice_.manager_language = "en";
  const std::string many = Reply(kManager, "PRICE gula 13000");
  EXPECT_EQ(CountSegments(many).segments, 1u) << many;
  EXPECT_EQ(many.rfind("No product has the code GULA. Matching 'gula': G1 Gula merah kelapa 1kg "
                       "Rp12.000, ",
                       0),
            0u)
      << many;
  EXPECT_NE(many.find(" more. To change a price: PRICE G1 12000"), std::string::npos) << many;
}

// A price under a tenth of the old one, or over ten times it, is most likely a slip: it is not
// changed, and the manager learns how to change it if it is meant.
TEST_F(SmsShopTest, AManagersPriceFarFromTheOldOneIsChangedOnlyWhenMeant) {
  EXPECT_EQ(Reply(kManager, "HARGA B1 65"),
            "Harga baru B1 Rp65 kurang dari 1/10 atau lebih dari 10 kali harga lama Rp65.000. "
            "Harga tidak diubah. Jika benar, kirim: HARGA B1 65 YA");
  EXPECT_EQ(store_->GetProduct(shop_.id, "B1")->price, 65000);
  EXPECT_EQ(Reply(kManager, "HARGA B1 65 YA"), "OK: harga B1 sekarang Rp65.");
  EXPECT_EQ(store_->GetProduct(shop_.id, "B1")->price, 65);
  voice_.manager_language = "en";
  EXPECT_EQ(Reply(kManager, "PRICE M1 1800000"),
            "The new price of M1, Rp1.800.000, is under 1/10 or over 10 times the old Rp18.000. "
            "Price not changed. If it is right, send: PRICE M1 1800000 YES");
  EXPECT_EQ(store_->GetProduct(shop_.id, "M1")->price, 18000);
  // Within ten times either way, a price changes at once.
  EXPECT_EQ(Reply(kManager, "PRICE M1 180000"), "OK: price of M1 is now Rp180.000.");
  EXPECT_EQ(Reply(kManager, "PRICE M1 18000"), "OK: price of M1 is now Rp18.000.");
}

// A shop's own report text puts its noun after the count: the counts are bare numbers, and the
// shop's one text serves every count, 1 as well.
TEST_F(SmsShopTest, AShopsOwnReportTextReadsRight) {
  char tmpl[] = "/tmp/pesan-texts-XXXXXX";
  const std::filesystem::path dir = ::mkdtemp(tmpl);
  std::ofstream(dir / "texts.id.toml")
      << "[sms]\nmanager_report = \"{orders} pesanan hari ini, {revenue}.{waiting}\"\n"
         "manager_report_new = \"{count} pesanan baru.\"\n";
  texts_ = *Texts::LoadDefault(dir.string());
  std::filesystem::remove_all(dir);
  voice_.texts = texts_.get();
  Send(kCustomer, "PESAN B1 2 ALAMAT Jl Mawar 3");
  Send("+6281200000002", "PESAN M1 1 ALAMAT Jl Mawar 5");
  Send("+6281200000003", "PESAN M1 3 ALAMAT Jl Mawar 7");
  const auto orders = Orders();  // newest first
  Send(kManager, "OK " + std::to_string(orders[2].id));
  EXPECT_EQ(Reply(kManager, "LAPORAN"), "1 pesanan hari ini, Rp130.000. 2 pesanan baru.");
  Send(kManager, "OK " + std::to_string(orders[1].id));
  Send(kManager, "OK " + std::to_string(orders[0].id));
  EXPECT_EQ(Reply(kManager, "LAPORAN"), "3 pesanan hari ini, Rp202.000.");
  // The built-in English texts still say one order and many orders.
  voice_.manager_language = "en";
  EXPECT_EQ(Reply(kManager, "REPORT"),
            "Today: 3 orders taken, Rp202.000. Best sellers: 4x Minyak goreng 1L, 2x Beras 5kg.");
}

// A list longer than one SMS pages, each page saying how to get the next; words look for products.
TEST_F(SmsShopTest, ALongPriceListPagesAndWordsLookForProducts) {
  std::vector<CatalogRow> rows;
  for (int i = 1; i <= 24; ++i) {
    rows.push_back({"S" + std::to_string(i), "Sabun cuci nomor " + std::to_string(i), 4500 + i, 5,
                    "batang", "Sabun", true});
  }
  rows.push_back({"M2", "Minyak goreng 2L", 35000, 4, "botol", "", true});
  ASSERT_TRUE(store_->ImportCatalog(shop_.id, rows, false).ok());
  const size_t products = store_->ListProducts(shop_.id, false)->size();

  // Every product on exactly one page, every page one segment, each pointing to the next.
  std::set<std::string> seen;
  size_t listed = 0;
  int page = 1;
  for (std::string text = "HARGA";; text = "HARGA " + std::to_string(++page)) {
    auto reply = Reply(kCustomer, text);
    ASSERT_EQ(CountSegments(reply).segments, 1u) << reply;
    for (size_t at = 0; at < reply.size();) {
      size_t end = reply.find(", ", at);
      std::string part = reply.substr(at, std::min(end, reply.find(". ", at)) - at);
      seen.insert(part.substr(0, part.find(' ')));
      ++listed;
      if (end == std::string::npos || end > reply.find(". ", at)) break;
      at = end + 2;
    }
    if (reply.ends_with("Pesan: PESAN kode jumlah")) break;
    ASSERT_TRUE(reply.ends_with("Lanjut: HARGA " + std::to_string(page + 1))) << reply;
    ASSERT_LT(page, 10) << reply;
  }
  EXPECT_GT(page, 1);
  EXPECT_EQ(seen.size(), products);
  EXPECT_EQ(listed, products);
  // Past the last page: the last page.
  EXPECT_EQ(Reply(kCustomer, "HARGA 99"), Reply(kCustomer, "HARGA " + std::to_string(page)));

  auto oil = Reply(kCustomer, "harga minyak goreng");
  EXPECT_NE(oil.find("M1 Minyak goreng 1L 18.000"), std::string::npos) << oil;
  EXPECT_NE(oil.find("M2 Minyak goreng 2L 35.000"), std::string::npos) << oil;
  EXPECT_EQ(oil.find("Sabun"), std::string::npos) << oil;
  auto rice = Reply(kCustomer, "Harga beras berapa?");
  EXPECT_EQ(rice.rfind("B1 Beras 5kg 65.000. ", 0), 0u) << rice;
  // "HARGA beras 2" reads as a price change; from a customer it asks for the price.
  EXPECT_EQ(Reply(kCustomer, "HARGA beras 2"), rice);
  // A category's word finds it; its list pages with the words kept.
  auto soap = Reply(kCustomer, "MENU sabun");
  EXPECT_NE(soap.find("Lanjut: MENU sabun 2"), std::string::npos) << soap;
  EXPECT_EQ(soap.find("Beras"), std::string::npos) << soap;
  // Words that find nothing: said so, then the first page of the whole list, in one SMS.
  auto durian = Reply(kCustomer, "HARGA durian");
  EXPECT_EQ(durian.rfind("Tidak ada yang cocok dengan 'durian'. Daftar harga: B1 Beras 5kg", 0), 0u)
      << durian;
  EXPECT_EQ(CountSegments(durian).segments, 1u) << durian;
  EXPECT_TRUE(durian.ends_with("Lanjut: HARGA 2")) << durian;
  EXPECT_EQ(Reply(kCustomer, "HARGA durian 2"), durian);
  EXPECT_EQ(Stock("B1"), 10);  // nothing was ordered or changed
}

// A customer's search with more products than one SMS holds says how to get the next page, and
// HARGA with the words and a page number gets it, as MENU does; from a manager the same words
// are a price change.
TEST_F(SmsShopTest, ACustomersSearchPagesWithHargaAsWithMenu) {
  std::vector<CatalogRow> rows;
  for (int i = 1; i <= 24; ++i) {
    rows.push_back({"S" + std::to_string(i), "Sabun cuci nomor " + std::to_string(i), 4500 + i, 5,
                    "batang", "Sabun", true});
  }
  ASSERT_TRUE(store_->ImportCatalog(shop_.id, rows, false).ok());
  const std::string first = Reply(kCustomer, "HARGA sabun");
  ASSERT_TRUE(first.ends_with("Lanjut: MENU sabun 2")) << first;
  const std::string second = Reply(kCustomer, "HARGA sabun 2");
  EXPECT_NE(second, first);
  EXPECT_EQ(second, Reply(kCustomer, "MENU sabun 2"));
  EXPECT_EQ(CountSegments(second).segments, 1u) << second;
  // Every soap is on one of the pages the replies lead through, the first after the last.
  std::string all = first;
  std::string page = second;
  for (int n = 3; !page.ends_with("Pesan: PESAN kode jumlah"); ++n) {
    all += " " + page;
    ASSERT_TRUE(page.ends_with("Lanjut: MENU sabun " + std::to_string(n))) << page;
    page = Reply(kCustomer, "HARGA sabun " + std::to_string(n));
    ASSERT_LT(n, 10) << page;
  }
  all += " " + page;
  for (int i = 1; i <= 24; ++i) {
    const std::string soap = "S" + std::to_string(i) + " Sabun cuci nomor " + std::to_string(i);
    EXPECT_NE(all.find(soap + " "), std::string::npos) << soap;
  }
  EXPECT_EQ(all.find("Beras"), std::string::npos) << all;
  // In English too.
  EXPECT_EQ(Reply("+6281200000002", "PRICE sabun 2"),
            Reply("+6281200000002", "MENU sabun 2", "en"));
  // A manager's HARGA with a word and a number is a price change, as before.
  EXPECT_EQ(Reply(kManager, "HARGA sabun 2").rfind("Tidak ada produk berkode SABUN.", 0), 0u);
  EXPECT_EQ(Reply(kManager, "HARGA S1 5000"), "OK: harga S1 sekarang Rp5.000.");
}

// STOK alone: every product's stock, paged like the price list, as orders left it.
TEST_F(SmsShopTest, AManagerSeesTheStockOfEveryProduct) {
  Send(kCustomer, "PESAN B1 3 ALAMAT Jl Mawar 3");
  auto stock = Reply(kManager, "STOK");
  EXPECT_EQ(stock, "B1 Beras 5kg 7, M1 Minyak goreng 1L 20, L1 LPG 3kg 0. Ubah: STOK kode jumlah");
  EXPECT_EQ(Reply(kManager, "stok 2"), stock);  // one page only: the last

  std::vector<CatalogRow> rows;
  for (int i = 1; i <= 30; ++i)
    rows.push_back({"S" + std::to_string(i), "Sabun cuci nomor " + std::to_string(i), 4500, i,
                    "batang", "", true});
  ASSERT_TRUE(store_->ImportCatalog(shop_.id, rows, false).ok());
  std::string all;
  int page = 1;
  for (auto reply = Reply(kManager, "STOK");;
       reply = Reply(kManager, "STOK " + std::to_string(page))) {
    ASSERT_EQ(CountSegments(reply).segments, 1u) << reply;
    all += reply + " | ";
    if (reply.ends_with("Ubah: STOK kode jumlah")) break;
    ASSERT_TRUE(reply.ends_with("Lanjut: STOK " + std::to_string(++page))) << reply;
    ASSERT_LT(page, 10) << all;
  }
  EXPECT_GT(page, 2);
  for (int i = 1; i <= 30; ++i) {
    const std::string part = "S" + std::to_string(i) + " Sabun cuci nomor " + std::to_string(i) +
                             " " + std::to_string(i);
    EXPECT_NE(all.find(part + ","), all.find(part + ".")) << part << " in " << all;
  }
  // From a customer it is a manager's command: help, no stock.
  EXPECT_EQ(Reply(kCustomer, "STOK").find("Sabun"), std::string::npos);
  EXPECT_EQ(Stock("S1"), 1);
}

// The orders waiting longest come first: the newest came with an alert moments ago.
TEST_F(SmsShopTest, OpenOrdersShowTheOldestFirstAndCountTheRest) {
  for (int i = 0; i < 6; ++i)
    Send("+628120000001" + std::to_string(i), "PESAN M1 1 ALAMAT Jl Mawar 3");
  auto orders = Orders();  // newest first
  ASSERT_EQ(orders.size(), 6u);
  std::reverse(orders.begin(), orders.end());
  auto open = Reply(kManager, "PESANAN");
  EXPECT_EQ(CountSegments(open).segments, 1u) << open;
  EXPECT_EQ(open.rfind(std::to_string(orders[0].id) + " Baru", 0), 0u) << open;
  std::vector<std::string> parts;
  for (size_t from = 0;;) {
    size_t to = open.find("; ", from);
    parts.push_back(open.substr(from, to - from));
    if (to == std::string::npos) break;
    from = to + 2;
  }
  ASSERT_GT(parts.size(), 2u) << open;
  const size_t shown = parts.size() - 1;
  ASSERT_LT(shown, orders.size()) << open;
  EXPECT_EQ(parts.back(), "+" + std::to_string(orders.size() - shown) + " lainnya") << open;
  for (size_t i = 0; i < shown; ++i)
    EXPECT_EQ(parts[i].rfind(std::to_string(orders[i].id) + " ", 0), 0u) << open;
}

// The alert fits one SMS and cuts a long order; PESANAN <number> shows all of it.
TEST_F(SmsShopTest, AManagerSeesOneOrderInFull) {
  // Nearly as long as an address may be: 93 of its 100 characters.
  const std::string address =
      "Dusun Krajan RT 02 RW 05, rumah cat hijau di belakang masjid Al Ikhlas, sebelah warung Bu "
      "Sri";
  Send(kCustomer, "PESAN B1 2 M1 3 ALAMAT " + address);
  ASSERT_EQ(Orders().size(), 1u);
  const Order order = Orders()[0];
  const std::string id = std::to_string(order.id);
  std::string alert;
  const std::vector<OutboxMessage> queued = *store_->ListSms(0);
  for (const auto& m : queued)
    if (m.to == kManager) alert = m.text;
  ASSERT_EQ(alert.find(address), std::string::npos) << "the alert was expected cut: " << alert;
  EXPECT_NE(alert.find("Dusun Krajan RT 02"), std::string::npos) << alert;
  EXPECT_NE(alert.find("..."), std::string::npos) << "a cut address says so: " << alert;

  auto full = Reply(kManager, "pesanan " + id);
  for (const std::string& part :
       {"Pesanan " + id + " Baru", std::string("2x Beras 5kg, 3x Minyak goreng 1L"),
        std::string("Rp184.000"), address, std::string("HP 081200000001")}) {
    EXPECT_NE(full.find(part), std::string::npos) << part << " in: " << full;
  }
  // The local time it was placed (UTC+7 at the manual clock's start).
  EXPECT_NE(full.find(LocalDayTime(order.created_at, 420)), std::string::npos) << full;

  Send(kManager, "TOLAK " + id + " di luar area antar");
  full = Reply(kManager, "PESANAN " + id);
  EXPECT_NE(full.find("Ditolak"), std::string::npos) << full;
  EXPECT_NE(full.find("Alasan: di luar area antar."), std::string::npos) << full;

  EXPECT_NE(Reply(kManager, "PESANAN 999").find("999"), std::string::npos);
  // Not a manager's: the customer gets help, and learns nothing of the order.
  auto other = Reply("+6281200000002", "PESANAN " + id);
  EXPECT_EQ(other.find(address), std::string::npos) << other;
}

TEST_F(SmsShopTest, AManagerAskingForHelpGetsTheManagersCommands) {
  auto help = Reply(kManager, "BANTUAN");
  EXPECT_NE(help.find("KIRIM 12"), std::string::npos) << help;
  EXPECT_NE(help.find("PESANAN 12"), std::string::npos) << help;
  EXPECT_NE(help.find("BANTUAN 2"), std::string::npos) << help;
  EXPECT_EQ(CountSegments(help).segments, 1u) << help;
  auto more = Reply(kManager, "BANTUAN 2");
  for (const char* part : {"STOK B1 20", "STOK B1 +5", "HARGA B1 65000", "HARGA beras",
                           "TAMBAH B9 12000", "HAPUS B9"}) {
    EXPECT_NE(more.find(part), std::string::npos) << part << " in " << more;
  }
  EXPECT_EQ(CountSegments(more).segments, 1u) << more;
  // Without a PIN set, no word of one.
  EXPECT_EQ((help + more).find("PIN"), std::string::npos) << help << more;
  auto customer = Reply(kCustomer, "BANTUAN");
  EXPECT_NE(customer.find("PESAN B1 2"), std::string::npos) << customer;
  EXPECT_EQ(customer.find("KIRIM"), std::string::npos) << customer;
  EXPECT_EQ(Reply(kCustomer, "BANTUAN 2"), customer);
}

// The manager's language is the manager's alone: a customer who never chose one reads the news of
// their order in the language the shop speaks to customers (Send's "id"), as the order's own reply.
TEST_F(SmsShopTest, ACustomerReadsTheirOrdersNewsInTheCustomersLanguageNotTheManagers) {
  voice_.manager_language = "en";
  Send(kCustomer, "PESAN B1 2 ALAMAT Jl Mawar 3");
  const std::string id = std::to_string(Orders()[0].id);
  std::string told;
  for (const auto& m : Send(kManager, "OK " + id)) {
    if (m.to == kCustomer) told = m.text;
  }
  EXPECT_EQ(told.rfind("Pesanan no. " + id + " diterima toko", 0), 0u) << told;
}

// A customer who never chose a language reads the news of an order in the language they ordered
// in, as its confirmation was: English after ORDER though the shop speaks Indonesian to customers,
// Indonesian after PESAN though it speaks English. The manager reads the manager's language.
TEST_F(SmsShopTest, AnOrdersNewsIsInTheLanguageItWasOrderedIn) {
  const std::string shop = "BUMDes Maju Bersama";
  Send(kCustomer, "ORDER B1 2 ADDRESS Jl Mawar 3");
  ASSERT_EQ(Orders()[0].language, "en");
  const std::string id = std::to_string(Orders()[0].id);
  EXPECT_EQ(NewsFor(kCustomer, "OK " + id),
            "Order no. " + id + " accepted, the shop is preparing it. " + shop);
  EXPECT_EQ(
      NewsFor(kCustomer, "KIRIM " + id),
      "Order no. " + id + " is on its way. Please have Rp130.000 ready, cash on delivery. " + shop);
  EXPECT_EQ(NewsFor(kCustomer, "SELESAI " + id),
            "Order no. " + id + " done. Thank you for shopping at " + shop + "!");
  Send(kCustomer, "ORDER M1 1 ADDRESS Jl Mawar 3");
  const std::string rejected = std::to_string(Orders()[0].id);
  auto out = Send(kManager, "TOLAK " + rejected + " di luar area antar");
  ASSERT_EQ(out.size(), 2u);
  for (const auto& m : out) {
    EXPECT_EQ(m.text, m.to == kCustomer
                          ? "Sorry, order no. " + rejected +
                                " was rejected by the shop: di luar area antar. " + shop
                          : "OK: pesanan " + rejected + " ditolak.");
  }

  const std::string other = "+6281200000002";
  Send(other, "PESAN M1 1 ALAMAT Jl Melati 4", "en");
  ASSERT_EQ(Orders()[0].language, "id");
  const std::string theirs = std::to_string(Orders()[0].id);
  EXPECT_EQ(NewsFor(other, "ACCEPT " + theirs, "en"),
            "Pesanan no. " + theirs + " diterima toko dan sedang disiapkan. " + shop);
  EXPECT_EQ(NewsFor(other, "REJECT " + theirs + " stok habis", "en"),
            "Maaf, pesanan no. " + theirs + " ditolak toko: stok habis. " + shop);

  // An order of no known language, stored before orders kept theirs, is told in the language the
  // shop speaks to customers.
  NewOrder order;
  order.shop_id = shop_.id;
  order.phone = other;
  order.lines = {{"B1", 1}};
  order.address = "Jl Melati 4";
  order.channel = "sms";
  auto old = store_->CreateOrder(order, clock_.Now());
  ASSERT_TRUE(old.ok()) << old.error().message;
  const std::string before = std::to_string(old->id);
  EXPECT_EQ(NewsFor(other, "OK " + before, "en").rfind("Order no. " + before + " accepted", 0), 0u);
  EXPECT_EQ(NewsFor(other, "KIRIM " + before).rfind("Pesanan no. " + before + " sedang diantar", 0),
            0u);
}

// A language the customer chose on the USSD menu wins over the order's, whether chosen after the
// order or before it.
TEST_F(SmsShopTest, ALanguageTheCustomerChoseWinsOverTheOrders) {
  Send(kCustomer, "ORDER B1 2 ADDRESS Jl Mawar 3");
  const std::string id = std::to_string(Orders()[0].id);
  EXPECT_EQ(NewsFor(kCustomer, "OK " + id).rfind("Order no. " + id + " accepted", 0), 0u);
  ASSERT_TRUE(store_->SaveLanguage(shop_.id, kCustomer, "id").ok());
  EXPECT_EQ(NewsFor(kCustomer, "KIRIM " + id).rfind("Pesanan no. " + id + " sedang diantar", 0),
            0u);

  const std::string other = "+6281200000002";
  ASSERT_TRUE(store_->SaveLanguage(shop_.id, other, "en").ok());
  EXPECT_EQ(Reply(other, "PESAN M1 1 ALAMAT Jl Melati 4").rfind("Order no. ", 0), 0u);
  const std::string theirs = std::to_string(Orders()[0].id);
  EXPECT_EQ(
      NewsFor(other, "TOLAK " + theirs + " stok habis"),
      "Sorry, order no. " + theirs + " was rejected by the shop: stok habis. BUMDes Maju Bersama");
}

// An English-speaking manager reads English throughout: words, examples and keywords.
TEST_F(SmsShopTest, AnEnglishSpeakingManagerReadsEnglish) {
  voice_.manager_language = "en";
  Send(kCustomer, "PESAN B1 2 ALAMAT Jl Mawar 3");
  const std::string id = std::to_string(Orders()[0].id);
  EXPECT_EQ(Reply(kManager, "REJECT"), "Wrong format. Example: REJECT 123 out of stock");
  EXPECT_EQ(Reply(kManager, "TOLAK"), "Wrong format. Example: TOLAK 123 out of stock");
  EXPECT_EQ(Reply(kManager, "ADD B9"), "Wrong format. Example: ADD B9 12000 Palm sugar 1kg");
  EXPECT_EQ(Reply(kManager, "LAPORAN"),
            "No orders taken today yet. New, waiting for OK: 1 order. See them: ORDERS");
  // Statuses inside a sentence are words, not labels.
  EXPECT_EQ(Reply(kManager, "OK " + id), "OK: order " + id + " accepted.");
  EXPECT_EQ(Reply(kManager, "ok " + id), "Order " + id + " is already accepted and cannot change.");
  EXPECT_EQ(Reply(kManager, "REPORT"),
            "Today: 1 order taken, Rp130.000. Best sellers: 2x Beras 5kg.");
  EXPECT_EQ(Reply(kManager, "CANCEL " + id),
            "Order " + id + " is a customer's: only they can cancel it. To reject it: REJECT " +
                id + " <reason>");
  auto help = Reply(kManager, "HELP");
  EXPECT_NE(help.find("REJECT 12 reason"), std::string::npos) << help;
  EXPECT_NE(help.find("HELP 2"), std::string::npos) << help;
  EXPECT_EQ(Reply(kManager, "STOK 1").find("Ubah"), std::string::npos);
  EXPECT_TRUE(Reply(kManager, "STOCK").ends_with("Change: STOCK code number"));
  // The customer, who chose English, is answered in it too.
  Send("+6281200000002", "PESAN M1 1 ALAMAT Jl Mawar 5", "en");
  const std::string other = std::to_string(Orders()[0].id);
  Send(kManager, "SHIP " + other);
  EXPECT_EQ(Reply("+6281200000002", "CANCEL " + other, "en"),
            "Order no. " + other + " is already shipped, so it cannot be cancelled.");
  auto none = Reply("+6281200000002", "PRICE durian", "en");
  EXPECT_EQ(none.rfind("Nothing matches 'durian'. Price list: B1 Beras 5kg 65.000", 0), 0u) << none;
}

// A customer who writes the English keywords reads English, without first choosing English on
// the USSD menu; one who writes the Indonesian ones reads Indonesian. A language chosen on the
// menu still wins, and the manager reads the manager's language whatever the customer wrote.
TEST_F(SmsShopTest, ACustomerWithoutAChosenLanguageIsAnsweredInTheKeywordsOne) {
  auto out = Send(kCustomer, "ORDER B1 2 ADDRESS Jl Mawar 3");
  ASSERT_EQ(Orders().size(), 1u);
  const std::string id = std::to_string(Orders()[0].id);
  ASSERT_EQ(out.size(), 2u);
  for (const auto& m : out) {
    const std::string start = m.to == kManager ? "Pesanan " + id + ":" : "Order no. " + id + " ";
    EXPECT_EQ(m.text.rfind(start, 0), 0u) << m.text;
  }
  EXPECT_EQ(Reply(kCustomer, "HELP"), texts_->Get("en", "sms.help"));
  EXPECT_EQ(Reply(kCustomer, "order b1 100000"),
            "The quantity of each product is 1 to 99,999. Example: ORDER B1 2");
  EXPECT_EQ(Reply(kCustomer, "CANCEL " + id), "Order no. " + id + " cancelled.");
  // A keyword both languages write alike is answered in the gateway's default.
  EXPECT_EQ(Reply(kCustomer, "STATUS"), "No." + id + " Rp130.000 Batal");
  EXPECT_EQ(Reply(kCustomer, "STATUS", "en"), "No." + id + " Rp130.000 Cancelled");

  const std::string other = "+6281200000002";
  EXPECT_EQ(Reply(other, "BANTUAN", "en"), texts_->Get("id", "sms.help"));
  EXPECT_EQ(Reply(other, "PRICE durian").rfind("Nothing matches 'durian'.", 0), 0u);
  ASSERT_TRUE(store_->SaveLanguage(shop_.id, other, "id").ok());
  EXPECT_EQ(Reply(other, "HELP", "en"), texts_->Get("id", "sms.help"));
  ASSERT_TRUE(store_->SaveLanguage(shop_.id, other, "en").ok());
  EXPECT_EQ(Reply(other, "BANTUAN"), texts_->Get("en", "sms.help"));

  EXPECT_EQ(Reply(kManager, "HELP"), texts_->Get("id", "sms.manager_help"));
}

TEST_F(SmsShopTest, AutomaticSendersAreRecognised) {
  EXPECT_TRUE(LooksAutomatic("TELKOMSEL", "Sisa pulsa Anda Rp5.000"));
  EXPECT_TRUE(LooksAutomatic("3636", "Paket aktif"));
  EXPECT_TRUE(LooksAutomatic("+6281200000001", "[Auto-Reply] I am away"));
  EXPECT_TRUE(LooksAutomatic("+6281200000001", "Ini balasan otomatis"));
  EXPECT_FALSE(LooksAutomatic("+6281200000001", "PESAN B1 2"));
  EXPECT_FALSE(LooksAutomatic("081200000001", "halo"));
}

class SmsShopPinTest : public SmsShopTest {
 protected:
  SmsShopPinTest() { pin_ = "4321"; }
};

TEST_F(SmsShopPinTest, ManagerCommandsNeedThePinAndWrongPinsLockOut) {
  EXPECT_NE(Reply(kManager, "STOK B1 50").find("PIN"), std::string::npos);
  EXPECT_EQ(Stock("B1"), 10);
  Reply(kManager, "PIN 4321 STOK B1 50");
  EXPECT_EQ(Stock("B1"), 50);
  for (int i = 0; i < 4; ++i) Reply(kManager, "PIN 0000 STOK B1 1");
  // The fifth wrong PIN locks the number out, and the reply says for how long.
  EXPECT_EQ(Reply(kManager, "PIN 0000 STOK B1 1"),
            "Terlalu banyak PIN salah. Coba lagi dalam 15 menit.");
  auto locked = Reply(kManager, "PIN 4321 STOK B1 7");
  EXPECT_EQ(locked, "Terlalu banyak PIN salah. Coba lagi dalam 15 menit.");
  EXPECT_EQ(Stock("B1"), 50);
  clock_.Advance(std::chrono::seconds(5 * 60 + 30));  // the minutes left are rounded up
  EXPECT_EQ(Reply(kManager, "PIN 4321 STOK B1 7"),
            "Terlalu banyak PIN salah. Coba lagi dalam 10 menit.");
  voice_.manager_language = "en";
  EXPECT_EQ(Reply(kManager, "PIN 4321 STOCK B1 7"), "Too many wrong PINs. Try again in 10 min.");
  clock_.Advance(std::chrono::minutes(10));
  Reply(kManager, "PIN 4321 STOK B1 7");
  EXPECT_EQ(Stock("B1"), 7);
}

// The alert says "Balas OK 1": a manager who forgets the PIN is shown where it goes, as often as
// it happens, and is never locked out for it; only wrong PINs count.
TEST_F(SmsShopPinTest, AMessageWithoutThePinIsNoWrongPin) {
  Send(kCustomer, "PESAN B1 2 ALAMAT Jl Mawar 3");
  const std::string id = std::to_string(Orders()[0].id);
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(Reply(kManager, "OK " + id), "Tulis PIN dulu: PIN <PIN Anda> OK " + id);
  }
  for (int i = 0; i < 4; ++i) Reply(kManager, "PIN 0000 OK " + id);
  EXPECT_EQ(Reply(kManager, "ok " + id), "Tulis PIN dulu: PIN <PIN Anda> OK " + id);
  EXPECT_EQ(Orders()[0].status, OrderStatus::kNew);
  Reply(kManager, "PIN 4321 OK " + id);
  EXPECT_EQ(Orders()[0].status, OrderStatus::kAccepted);
  voice_.manager_language = "en";
  EXPECT_EQ(Reply(kManager, "SHIP " + id), "Give the PIN first: PIN <your PIN> SHIP " + id);
}

// The alert of a shop with a PIN asks for the reply with the PIN's place, not the PIN.
TEST_F(SmsShopPinTest, TheAlertAsksForThePin) {
  auto sent = Send(kCustomer, "PESAN B1 2 ALAMAT Jl Mawar 3");
  const std::string id = std::to_string(Orders()[0].id);
  std::string alert;
  for (const auto& m : sent) {
    if (m.to == kManager) alert = m.text;
  }
  EXPECT_NE(alert.find("Balas PIN <PIN> OK " + id + " / PIN <PIN> TOLAK " + id), std::string::npos)
      << alert;
  EXPECT_EQ(alert.find(pin_), std::string::npos) << alert;
  EXPECT_EQ(CountSegments(alert).segments, 1u) << alert;
}

// Managers of a shop with a PIN learn from the help how to give it; the help itself needs none.
TEST_F(SmsShopPinTest, TheHelpSaysHowToGiveThePin) {
  for (const char* ask : {"BANTUAN", "BANTUAN 2"}) {
    auto help = Reply(kManager, ask);
    EXPECT_NE(help.find("Tulis PIN dulu: PIN 1234 OK 12"), std::string::npos) << help;
    EXPECT_EQ(CountSegments(help).segments, 1u) << help;
  }
  // The PIN's line is a sentence of its own.
  EXPECT_NE(Reply(kManager, "BANTUAN").find("BANTUAN 2. Tulis PIN dulu"), std::string::npos);
  EXPECT_NE(Reply(kManager, "BANTUAN 2").find("HAPUS B9. Tulis PIN dulu"), std::string::npos);
  voice_.manager_language = "en";
  for (const char* ask : {"HELP", "HELP 2"}) {
    auto help = Reply(kManager, ask);
    EXPECT_NE(help.find("PIN 1234 OK 12"), std::string::npos) << help;
    EXPECT_EQ(CountSegments(help).segments, 1u) << help;
  }
  EXPECT_NE(Reply(kManager, "HELP").find("HELP 2. Give the PIN first"), std::string::npos);
}

// With the PIN's line, the managers' help and the word before it still fit one SMS.
TEST_F(SmsShopPinTest, AMistypedKeywordGetsTheHelpWithThePinInOneSms) {
  for (const char* lang : {"id", "en"}) {
    voice_.manager_language = lang;
    clock_.Advance(std::chrono::minutes(61));
    const std::string reply = Reply(kManager, "KRIM 1");
    EXPECT_NE(reply.find(texts_->Get(lang, "sms.manager_not_understood")), std::string::npos)
        << reply;
    EXPECT_NE(reply.find(texts_->Get(lang, "sms.manager_help_pin")), std::string::npos) << reply;
    EXPECT_EQ(CountSegments(reply).segments, 1u) << reply;
  }
}

// A keyword mistyped after the PIN is answered as without it: the managers' help, after a word
// that the text was not understood; a command missing its number gets its form. Neither is a
// wrong PIN, and nothing changes.
TEST_F(SmsShopPinTest, AMistypedKeywordAfterThePinGetsTheManagersHelp) {
  Send(kCustomer, "PESAN B1 2 ALAMAT Jl Mawar 3");
  const std::string without = Reply(kManager, "KRIM 1");
  EXPECT_EQ(without.rfind("Salah ketik? " + std::string(texts_->Get("id", "sms.manager_help")), 0),
            0u)
      << without;
  clock_.Advance(std::chrono::minutes(61));  // the cap on help replies is per hour
  EXPECT_EQ(Reply(kManager, "PIN 4321 KRIM 1"), without);
  EXPECT_EQ(Reply(kManager, "PIN 4321 OK abc"), Reply(kManager, "OK abc"));
  EXPECT_EQ(Reply(kManager, "PIN 4321 OK abc"), "Format salah. Contoh: OK 123");
  EXPECT_EQ(Reply(kManager, "PIN 4321 HARGA B1"), "Format salah. Contoh: HARGA B1 65000");
  for (int i = 0; i < 5; ++i) Reply(kManager, "PIN 0000 KRIM 1");
  EXPECT_EQ(Orders()[0].status, OrderStatus::kNew);
  const std::string id = std::to_string(Orders()[0].id);
  EXPECT_EQ(Reply(kManager, "PIN 4321 OK " + id), "OK: pesanan " + id + " diterima.");
  // "PIN 4321" with nothing after it still shows where the command goes.
  EXPECT_EQ(Reply(kManager, "PIN 4321"), "Format salah. Contoh: PIN 1234 OK 123");
}

TEST_F(SmsShopPinTest, AWrongPinIsLeftOutOfTheExample) {
  EXPECT_EQ(Reply(kManager, "PIN 9999 KIRIM 1"), "PIN salah. Tulis: PIN <PIN Anda> KIRIM 1");
  EXPECT_EQ(Reply(kManager, "kirim #1"), "Tulis PIN dulu: PIN <PIN Anda> KIRIM 1");
  // A long command is shortened in the example rather than swapped for another.
  auto r = Reply(kManager, "PIN 9999 TOLAK 1 " + std::string(30, 'a') + " " + std::string(90, 'b'));
  EXPECT_EQ(r, "PIN salah. Tulis: PIN <PIN Anda> TOLAK 1 " + std::string(30, 'a') + "...");
}

}  // namespace
}  // namespace pesan
