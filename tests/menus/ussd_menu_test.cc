#include "menus/ussd/ussd_menu.h"

#include <gtest/gtest.h>

#include <random>

#include "menus/shop_actions.h"

namespace pesan::ussd {
namespace {

std::shared_ptr<const Texts> TheTexts() {
  static auto t = *Texts::LoadDefault();
  return t;
}

Product P(const std::string& code, const std::string& name, Rupiah price, std::int64_t stock,
          const std::string& category = "") {
  Product p;
  p.code = code;
  p.name = name;
  p.price = price;
  p.stock = stock;
  p.unit = "pcs";
  p.category = category;
  return p;
}

ShopView DemoShop(bool open = true, bool pickup = true) {
  Shop s;
  s.id = 1;
  s.code = "majubersama";
  s.name = "BUMDes Maju Bersama";
  s.open = open;
  s.pickup = pickup;
  s.info = "Desa Sukamaju. Buka 07.00-17.00.";
  return MakeShopView(s, {P("B1", "Beras 5kg", 65000, 200), P("G1", "Gula pasir 1kg", 17500, 5),
                          P("L1", "LPG 3kg", 22000, 0), P("M1", "Minyak goreng 1L", 18000, 300)});
}

CustomerView NewCustomer() {
  CustomerView c;
  c.phone = "+6281200000001";
  c.language = "id";
  c.today = "2026-11-28";
  return c;
}

StepResult Walk(const ShopView& shop, const CustomerView& c, const std::string& text) {
  auto owned = std::string(text);
  return Step(shop, c, *TheTexts(), SplitInputs(owned));
}

TEST(UssdMenu, ReferenceSessionOfFlowMd) {
  auto shop = DemoShop();
  auto c = NewCustomer();
  const char* hops[] = {"", "1", "1*1", "1*1*2", "1*1*2*Jl Mawar 3 RT02"};
  for (const char* h : hops) {
    auto r = Walk(shop, c, h);
    EXPECT_FALSE(r.end) << h;
    EXPECT_FALSE(r.effect) << h;
    EXPECT_LE(CharCount(r.screen), 182u) << h;
  }
  EXPECT_NE(Walk(shop, c, "1").screen.find("1 Beras 5kg Rp65.000"), std::string::npos);
  EXPECT_NE(Walk(shop, c, "1*1").screen.find("Jumlah"), std::string::npos);
  EXPECT_NE(Walk(shop, c, "1*1*2").screen.find("Alamat"), std::string::npos);
  auto summary = Walk(shop, c, "1*1*2*Jl Mawar 3 RT02").screen;
  EXPECT_NE(summary.find("2x Beras 5kg Rp130.000"), std::string::npos) << summary;
  EXPECT_NE(summary.find("bayar di tempat"), std::string::npos);
  EXPECT_NE(summary.find("1 Pesan"), std::string::npos);

  auto last = Walk(shop, c, "1*1*2*Jl Mawar 3 RT02*1");
  EXPECT_TRUE(last.end);
  ASSERT_TRUE(last.effect);
  auto* place = std::get_if<PlaceOrder>(&*last.effect);
  ASSERT_NE(place, nullptr);
  ASSERT_EQ(place->lines.size(), 1u);
  EXPECT_EQ(place->lines[0].first, "B1");
  EXPECT_EQ(place->lines[0].second, 2);
  EXPECT_EQ(place->address, "Jl Mawar 3 RT02");
  EXPECT_TRUE(place->save_address);
  EXPECT_FALSE(place->pickup);
}

TEST(UssdMenu, InvalidQuantityReasksWithAReason) {
  auto shop = DemoShop();
  auto c = NewCustomer();
  for (const char* bad : {"1*1*0x", "1*1*abc", "1*1*201", "1*1*-1", "1*1*", "1*1*2.5", "1*2*6"}) {
    auto r = Walk(shop, c, bad);
    EXPECT_FALSE(r.end) << bad;
    EXPECT_NE(r.screen.find("Jumlah harus angka"), std::string::npos) << bad << "\n" << r.screen;
    EXPECT_NE(r.screen.find("Jumlah?"), std::string::npos) << bad;
  }
  // Gula has 5 in stock: 5 is fine, 6 is not.
  EXPECT_NE(Walk(shop, c, "1*2*5").screen.find("Alamat"), std::string::npos);
}

TEST(UssdMenu, SoldOutProductIsMarkedAndCannotBeChosen) {
  auto shop = DemoShop();
  auto c = NewCustomer();
  auto list = Walk(shop, c, "1").screen;
  EXPECT_NE(list.find("LPG 3kg Rp22.000 (habis)"), std::string::npos) << list;
  auto r = Walk(shop, c, "1*3");
  EXPECT_FALSE(r.end);
  EXPECT_NE(r.screen.find("LPG 3kg sedang habis"), std::string::npos) << r.screen;
  EXPECT_NE(r.screen.find("Pilih produk"), std::string::npos);
}

// A product sold out while its quantity screen is shown (the shop's STOK G1 0, another order):
// the quantity typed next is answered as a sold-out choice from the list is, with the list.
TEST(UssdMenu, AProductSoldOutOnItsQuantityScreenLeadsBackToTheList) {
  auto shop = DemoShop();
  auto c = NewCustomer();
  auto asked = Walk(shop, c, "1*2");
  EXPECT_NE(asked.screen.find("Jumlah? (1-5)"), std::string::npos) << asked.screen;
  auto sold = shop;
  sold.stock[1] = 0;  // G1
  for (const char* typed : {"3", "x"}) {
    auto r = Walk(sold, c, asked.kept + "*" + typed);
    EXPECT_FALSE(r.end);
    EXPECT_FALSE(r.effect);
    EXPECT_TRUE(r.refused);
    EXPECT_NE(r.screen.find("Maaf, Gula pasir 1kg sedang habis."), std::string::npos) << r.screen;
    EXPECT_NE(r.screen.find("Pilih produk"), std::string::npos) << r.screen;
    EXPECT_NE(r.screen.find("Gula pasir 1kg Rp17.500 (habis)"), std::string::npos) << r.screen;
    EXPECT_EQ(r.screen.find("Jumlah"), std::string::npos) << r.screen;
    // The next hop goes on from the list.
    EXPECT_EQ(Walk(sold, c, r.kept).screen, Walk(sold, c, "1").screen) << r.kept;
    EXPECT_NE(Walk(sold, c, r.kept + "*1").screen.find("Jumlah? (1-200)"), std::string::npos);
  }
  // With the cart holding another product: it keeps it.
  auto more = Walk(shop, c, "1*1*2*Jl Mawar 3*2*2");
  EXPECT_NE(more.screen.find("Jumlah? (1-5)"), std::string::npos) << more.screen;
  auto back = Walk(sold, c, more.kept + "*3");
  EXPECT_NE(back.screen.find("Maaf, Gula pasir 1kg sedang habis."), std::string::npos)
      << back.screen;
  auto summary = Walk(sold, c, back.kept + "*1*4").screen;
  EXPECT_NE(summary.find("4x Beras 5kg Rp260.000"), std::string::npos) << summary;
  EXPECT_EQ(summary.find("Gula"), std::string::npos) << summary;
  // In English too.
  c.language = "en";
  auto en = Walk(sold, c, Walk(shop, c, "1*2").kept + "*3").screen;
  EXPECT_NE(en.find("Sorry, Gula pasir 1kg is sold out."), std::string::npos) << en;
}

TEST(UssdMenu, AStepSaysWhetherItsLastInputWasRefused) {
  auto shop = DemoShop();
  auto c = NewCustomer();
  for (const char* refused : {"9", "1*3", "1*1*0x", "1*2*6", "1*1*2*x", "3*1"}) {
    EXPECT_TRUE(Walk(shop, c, refused).refused) << refused;
  }
  for (const char* taken : {"", "1", "1*1", "1*1*2", "1*0", "1*1*2*Jl Mawar 3", "00"}) {
    EXPECT_FALSE(Walk(shop, c, taken).refused) << taken;
  }
  // An earlier refusal does not count: only the last input's.
  EXPECT_FALSE(Walk(shop, c, "9*1").refused);
}

TEST(UssdMenu, BackAndMainMenuKeys) {
  auto shop = DemoShop();
  auto c = NewCustomer();
  EXPECT_EQ(Walk(shop, c, "1*0").screen, Walk(shop, c, "").screen);
  EXPECT_EQ(Walk(shop, c, "1*1*0").screen, Walk(shop, c, "1").screen);
  EXPECT_EQ(Walk(shop, c, "1*1*00").screen, Walk(shop, c, "").screen);
  // Back to the quantity: the product's screen, saying what the cart has.
  EXPECT_EQ(Walk(shop, c, "1*1*2*0").screen.rfind(Walk(shop, c, "1*1").screen.substr(0, 30), 0),
            0u);
  EXPECT_NE(Walk(shop, c, "1*1*2*0").screen.find("Di keranjang sekarang 2"), std::string::npos);
  EXPECT_EQ(Walk(shop, c, "3*0").screen, Walk(shop, c, "").screen);
  // Every screen but the main menu offers both keys, written as "number label".
  for (const char* t : {"1", "1*1", "1*1*2", "2", "3", "4"}) {
    auto s = Walk(shop, c, t).screen;
    EXPECT_NE(s.find("0 Kembali"), std::string::npos) << t << "\n" << s;
    EXPECT_NE(s.find("00 Menu"), std::string::npos) << t << "\n" << s;
  }
}

TEST(UssdMenu, CartWithTwoProducts) {
  auto shop = DemoShop();
  auto c = NewCustomer();
  // Beras x2, address, then "2 Tambah produk", Gula x3: address is not asked again.
  auto r = Walk(shop, c, "1*1*2*Dekat masjid RT 02*2*2*3");
  EXPECT_NE(r.screen.find("2x Beras 5kg Rp130.000"), std::string::npos) << r.screen;
  EXPECT_NE(r.screen.find("3x Gula pasir 1kg Rp52.500"), std::string::npos) << r.screen;
  EXPECT_NE(r.screen.find("Total Rp182.500"), std::string::npos) << r.screen;
  auto done = Walk(shop, c, "1*1*2*Dekat masjid RT 02*2*2*3*1");
  ASSERT_TRUE(done.effect);
  auto& lines = std::get<PlaceOrder>(*done.effect).lines;
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1], (std::pair<std::string, std::int64_t>("G1", 3)));
  // Choosing a product already in the cart sets its quantity anew; its screen says how many
  // the cart has.
  EXPECT_NE(Walk(shop, c, "1*1*2*Dekat masjid RT 02*2*1").screen.find("Di keranjang sekarang 2"),
            std::string::npos);
  auto again = Walk(shop, c, "1*1*2*Dekat masjid RT 02*2*1*5*1");
  ASSERT_TRUE(again.effect);
  auto& l2 = std::get<PlaceOrder>(*again.effect).lines;
  ASSERT_EQ(l2.size(), 1u);
  EXPECT_EQ(l2[0].second, 5);
}

// The next hop goes on from the kept inputs, in which a product chosen from a list is pinned by
// code and the price shown: a catalog changed mid-session cannot swap it, and a price changed
// before the confirmation is shown again instead of being charged unseen.
TEST(UssdMenu, AProductChosenEarlierStaysTheSameWhenTheCatalogChanges) {
  auto c = NewCustomer();
  const auto shop = DemoShop();
  const Shop s = shop.shop;
  auto summary = Walk(shop, c, "1*1*2*Jl Mawar 3");
  EXPECT_EQ(summary.kept, "1*#B1:65000*2*Jl Mawar 3");
  // A refused input is not kept.
  EXPECT_EQ(Walk(shop, c, "1*1*2*Jl Mawar 3*7").kept, summary.kept);

  // A product added before B1: position 1 is now another product, the pin still B1.
  const auto grown =
      MakeShopView(s, {P("A1", "Arang 1kg", 9000, 50), P("B1", "Beras 5kg", 65000, 200),
                       P("G1", "Gula pasir 1kg", 17500, 5)});
  auto placed = Walk(grown, c, summary.kept + "*1");
  ASSERT_TRUE(placed.effect);
  EXPECT_EQ(std::get<PlaceOrder>(*placed.effect).lines,
            (std::vector<std::pair<std::string, std::int64_t>>{{"B1", 2}}));
  // The same inputs as typed would have ordered the other product.
  auto raw = Walk(grown, c, "1*1*2*Jl Mawar 3*1");
  ASSERT_TRUE(raw.effect);
  EXPECT_EQ(std::get<PlaceOrder>(*raw.effect).lines[0].first, "A1");

  // B1 taken off sale: the list again, with a notice, and nothing after the pin is replayed.
  const auto without = MakeShopView(s, {P("G1", "Gula pasir 1kg", 17500, 5)});
  auto gone = Walk(without, c, summary.kept + "*1");
  EXPECT_FALSE(gone.effect);
  EXPECT_TRUE(gone.refused);
  EXPECT_EQ(gone.kept, "1");
  EXPECT_NE(gone.screen.find("Daftar produk berubah"), std::string::npos) << gone.screen;
  EXPECT_NE(gone.screen.find("1 Gula pasir 1kg"), std::string::npos) << gone.screen;

  // B1's price raised after the summary was shown: shown again, confirmed again.
  const auto dearer = MakeShopView(s, {P("B1", "Beras 5kg", 70000, 200)});
  auto changed = Walk(dearer, c, summary.kept + "*1");
  EXPECT_FALSE(changed.effect);
  EXPECT_TRUE(changed.refused);
  EXPECT_NE(changed.screen.find("Harga berubah"), std::string::npos) << changed.screen;
  EXPECT_NE(changed.screen.find("Rp140.000"), std::string::npos) << changed.screen;
  EXPECT_EQ(changed.kept, "1*#B1:70000*2*Jl Mawar 3");
  auto confirmed = Walk(dearer, c, changed.kept + "*1");
  ASSERT_TRUE(confirmed.effect);
  // A price changed before the summary was shown is the one the summary showed: no question.
  EXPECT_TRUE(Walk(dearer, c, "1*#B1:65000*2*Jl Mawar 3").kept.find("#B1:70000") !=
              std::string::npos);
}

// Fewer left at the confirmation than the cart holds (another order took some): the summary
// again, saying how many are left, and the cart kept to be corrected; none left: the order goes
// to the shop, which refuses it, as before.
TEST(UssdMenu, StockTakenBeforeTheConfirmationShowsTheSummaryAgain) {
  auto c = NewCustomer();
  const Shop s = DemoShop().shop;
  auto summary = Walk(DemoShop(), c, "1*1*2*Jl Mawar 3");
  const auto low = MakeShopView(s, {P("B1", "Beras 5kg", 65000, 1)});
  auto shortfall = Walk(low, c, summary.kept + "*1");
  EXPECT_FALSE(shortfall.effect);
  EXPECT_FALSE(shortfall.end);
  EXPECT_TRUE(shortfall.refused);
  EXPECT_EQ(shortfall.kept, summary.kept);
  EXPECT_EQ(shortfall.screen.rfind("Stok Beras 5kg tinggal 1. Ubah jumlah lewat 2:\n", 0), 0u)
      << shortfall.screen;
  EXPECT_NE(shortfall.screen.find("2x Beras 5kg"), std::string::npos) << shortfall.screen;
  EXPECT_NE(shortfall.screen.find("3 Batal"), std::string::npos) << shortfall.screen;
  // 2, the product, a new quantity: the summary, then the order.
  auto corrected = Walk(low, c, shortfall.kept + "*2*1*1");
  EXPECT_NE(corrected.screen.find("1x Beras 5kg"), std::string::npos) << corrected.screen;
  auto placed = Walk(low, c, corrected.kept + "*1");
  ASSERT_TRUE(placed.effect);
  EXPECT_EQ(std::get<PlaceOrder>(*placed.effect).lines,
            (std::vector<std::pair<std::string, std::int64_t>>{{"B1", 1}}));

  const auto none = MakeShopView(s, {P("B1", "Beras 5kg", 65000, 0)});
  EXPECT_TRUE(Walk(none, c, summary.kept + "*1").effect);

  // With the longest address the summary makes room for the notice: the options still show.
  const std::string far = "Dusun " + std::string(kMaxAddressChars - 6, 'k');
  auto long_summary = Walk(DemoShop(), c, "1*1*2*" + far);
  auto long_short = Walk(low, c, long_summary.kept + "*1");
  EXPECT_LE(CharCount(long_short.screen), 182u);
  EXPECT_NE(long_short.screen.find("Stok Beras 5kg tinggal 1"), std::string::npos);
  EXPECT_NE(long_short.screen.find("3 Batal"), std::string::npos) << long_short.screen;
}

TEST(UssdMenu, InputAfterTheEndSaysTheSessionIsOver) {
  auto c = NewCustomer();
  auto over = Walk(DemoShop(), c, "1*1*2*Jl Mawar 3*3*1");
  EXPECT_TRUE(over.end);
  EXPECT_FALSE(over.effect);
  EXPECT_NE(over.screen.find("*123#"), std::string::npos) << over.screen;
}

TEST(UssdMenu, CancelFromSummaryEndsWithoutAnOrder) {
  auto r = Walk(DemoShop(), NewCustomer(), "1*1*2*Jl Mawar 3*3");
  EXPECT_TRUE(r.end);
  EXPECT_FALSE(r.effect);
  EXPECT_NE(r.screen.find("dibatalkan"), std::string::npos);
}

TEST(UssdMenu, ClosedShopSaysSoAndTakesNoOrder) {
  auto shop = DemoShop(/*open=*/false);
  auto c = NewCustomer();
  EXPECT_NE(Walk(shop, c, "").screen.find("tutup"), std::string::npos);
  auto r = Walk(shop, c, "1");
  EXPECT_TRUE(r.end);
  EXPECT_FALSE(r.effect);
  EXPECT_NE(r.screen.find("sedang tutup"), std::string::npos);
  // Even a path typed through to the confirmation places nothing.
  auto through = Walk(shop, c, "1*1*2*Jl Mawar 3 RT02*1");
  EXPECT_FALSE(through.effect);
  // A customer half-way through when the shop closed is told why the session ends.
  for (const char* path : {"1*1", "1*1*2", "1*1*2*Jl Mawar 3 RT02*1"}) {
    auto cut = Walk(shop, c, path);
    EXPECT_TRUE(cut.end) << path;
    EXPECT_NE(cut.screen.find("sedang tutup"), std::string::npos) << path << ": " << cut.screen;
  }
}

// An address too long for the summary screen, or for the screen that offers it again, is cut at
// a word with "...": the rider reads "dekat masjid...", never "dekat mas...".
TEST(UssdMenu, ALongAddressIsCutAtAWord) {
  auto shop = DemoShop();
  auto c = NewCustomer();
  const std::string address =
      "Jl Mawar 3 RT02 RW05 dekat masjid besar sebelah warung Bu Sari rumah cat hijau pagar besi";
  ASSERT_LE(address.size(), kMaxAddressChars);
  // The cut "...", and what comes before it ends a word of the address.
  const auto cut_at_a_word = [&](const std::string& screen, const std::string& before) {
    const size_t at = screen.find(before);
    if (at == std::string::npos) return ::testing::AssertionFailure() << "no " << before;
    const size_t from = at + before.size();
    const size_t dots = screen.find("...", from);
    if (dots == std::string::npos) return ::testing::AssertionFailure() << "no ...";
    const std::string kept = screen.substr(from, dots - from);
    if (kept.size() < 8 || !address.starts_with(kept) || address[kept.size()] != ' ') {
      return ::testing::AssertionFailure() << "cut inside a word: " << kept;
    }
    return ::testing::AssertionSuccess();
  };
  for (const std::string& hops : {"1*1*2*" + address, "1*1*2*" + address + "*2*2*3"}) {
    const auto summary = Walk(shop, c, hops).screen;
    EXPECT_LE(CharCount(summary), 160u) << summary;
    EXPECT_TRUE(cut_at_a_word(summary, "\nKirim: ")) << summary;
  }
  c.address = address + " ujung gang ketiga";
  const auto offered = Walk(shop, c, "1*1*2").screen;
  EXPECT_LE(CharCount(offered), 182u) << offered;
  EXPECT_TRUE(cut_at_a_word(offered, "Kirim ke: ")) << offered;
}

TEST(UssdMenu, KnownAddressIsOfferedAndPickupIsAnOption) {
  auto shop = DemoShop();
  auto c = NewCustomer();
  c.address = "Jl Melati 9";
  auto ask = Walk(shop, c, "1*1*2");
  EXPECT_NE(ask.screen.find("Kirim ke: Jl Melati 9"), std::string::npos) << ask.screen;
  EXPECT_NE(ask.screen.find("3 Ambil di toko"), std::string::npos);
  auto reuse = Walk(shop, c, "1*1*2*1*1");
  ASSERT_TRUE(reuse.effect);
  EXPECT_EQ(std::get<PlaceOrder>(*reuse.effect).address, "Jl Melati 9");
  EXPECT_FALSE(std::get<PlaceOrder>(*reuse.effect).save_address);
  auto other = Walk(shop, c, "1*1*2*2*Dekat balai desa*1");
  ASSERT_TRUE(other.effect);
  EXPECT_EQ(std::get<PlaceOrder>(*other.effect).address, "Dekat balai desa");
  EXPECT_TRUE(std::get<PlaceOrder>(*other.effect).save_address);
  auto pickup = Walk(shop, c, "1*1*2*3*1");
  ASSERT_TRUE(pickup.effect);
  EXPECT_TRUE(std::get<PlaceOrder>(*pickup.effect).pickup);
  // A shop without pickup does not offer it.
  auto no_pickup = Walk(DemoShop(true, false), c, "1*1*2");
  EXPECT_EQ(no_pickup.screen.find("Ambil"), std::string::npos);
}

TEST(UssdMenu, SameOrderTheSameDayAsksFirst) {
  auto shop = DemoShop();
  auto c = NewCustomer();
  c.address = "Jl Melati 9";
  c.recent.push_back(
      {41, OrderStatus::kNew, 130000, {{1, "B1", "Beras 5kg", 2, 65000}}, "2026-11-28"});
  auto ask = Walk(shop, c, "1*1*2*1*1");
  EXPECT_FALSE(ask.end);
  EXPECT_FALSE(ask.effect);
  EXPECT_NE(ask.screen.find("no. 41"), std::string::npos) << ask.screen;
  auto yes = Walk(shop, c, "1*1*2*1*1*1");
  EXPECT_TRUE(yes.effect);
  auto no = Walk(shop, c, "1*1*2*1*1*2");
  EXPECT_TRUE(no.end);
  EXPECT_FALSE(no.effect);
  EXPECT_NE(no.screen.find("Pesanan sebelumnya tetap berjalan"), std::string::npos) << no.screen;
  // Another quantity, another day, or a cancelled order: no question.
  EXPECT_TRUE(Walk(shop, c, "1*1*3*1*1").effect);
  c.recent[0].day = "2026-11-27";
  EXPECT_TRUE(Walk(shop, c, "1*1*2*1*1").effect);
  c.recent[0].day = "2026-11-28";
  c.recent[0].status = OrderStatus::kCancelled;
  EXPECT_TRUE(Walk(shop, c, "1*1*2*1*1").effect);
}

TEST(UssdMenu, MyOrdersAndCancelling) {
  auto shop = DemoShop();
  auto c = NewCustomer();
  EXPECT_NE(Walk(shop, c, "2").screen.find("Belum ada pesanan"), std::string::npos);
  c.recent.push_back(
      {12, OrderStatus::kNew, 130000, {{1, "B1", "Beras 5kg", 2, 65000}}, "2026-11-28"});
  c.recent.push_back(
      {9, OrderStatus::kShipped, 18000, {{2, "M1", "Minyak goreng 1L", 1, 18000}}, "2026-11-20"});
  auto list = Walk(shop, c, "2").screen;
  EXPECT_NE(list.find("1 No.12 Rp130.000 Baru"), std::string::npos) << list;
  EXPECT_NE(list.find("2 No.9 Rp18.000 Dikirim"), std::string::npos) << list;
  auto detail = Walk(shop, c, "2*1").screen;
  EXPECT_NE(detail.find("1 Batalkan"), std::string::npos) << detail;
  // One key press asks; the second cancels.
  auto ask = Walk(shop, c, "2*1*1");
  EXPECT_FALSE(ask.effect);
  EXPECT_NE(ask.screen.find("Batalkan pesanan no. 12?"), std::string::npos) << ask.screen;
  EXPECT_EQ(Walk(shop, c, "2*1*1*0").screen, detail);
  auto cancel = Walk(shop, c, "2*1*1*1");
  ASSERT_TRUE(cancel.effect);
  EXPECT_EQ(std::get<CancelOrder>(*cancel.effect).order, 12);
  // A shipped order cannot be cancelled.
  EXPECT_EQ(Walk(shop, c, "2*2").screen.find("Batalkan"), std::string::npos);
  EXPECT_FALSE(Walk(shop, c, "2*2*1").effect);
}

TEST(UssdMenu, LanguageSwitch) {
  auto shop = DemoShop();
  auto c = NewCustomer();
  auto r = Walk(shop, c, "4*2");
  ASSERT_TRUE(r.effect);
  EXPECT_EQ(std::get<SetLanguage>(*r.effect).language, "en");
  EXPECT_NE(r.screen.find("1 Shop"), std::string::npos) << r.screen;
  EXPECT_NE(Walk(shop, c, "4*2*1").screen.find("Choose a product"), std::string::npos);
  // Only the last input's effect is returned: earlier hops applied theirs already.
  EXPECT_FALSE(Walk(shop, c, "4*2*1").effect);
  c.language = "en";
  EXPECT_NE(Walk(shop, c, "").screen.find("2 My orders"), std::string::npos);
}

TEST(UssdMenu, UnknownOptionsAndOverlongInputKeepTheSession) {
  auto shop = DemoShop();
  auto c = NewCustomer();
  for (const char* t : {"7", "x", "1*9", "1*99*99*99", "3*5", "4*3", "2*1"}) {
    auto r = Walk(shop, c, t);
    EXPECT_FALSE(r.end) << t;
    EXPECT_FALSE(r.effect) << t;
  }
  EXPECT_NE(Walk(shop, c, "7").screen.find("Pilihan tidak ada"), std::string::npos);
  std::string longest(500, 'a');
  auto r = Walk(shop, c, "1*1*2*" + longest);
  EXPECT_FALSE(r.end);
  EXPECT_NE(r.screen.find("terlalu panjang"), std::string::npos) << r.screen;
}

TEST(UssdMenu, PagingThroughManyProducts) {
  Shop s;
  s.id = 1;
  s.name = "Toko";
  std::vector<Product> many;
  for (int i = 1; i <= 34; ++i) {
    many.push_back(P("X" + std::to_string(i), "Produk nomor " + std::to_string(i), 1000 * i, 10));
  }
  auto shop = MakeShopView(s, many);
  auto c = NewCustomer();
  std::string text = "1";
  std::vector<std::string> seen;
  for (int page = 0; page < 40; ++page) {
    auto r = Walk(shop, c, text);
    EXPECT_LE(CharCount(r.screen), 160u) << r.screen;
    for (int i = 1; i <= 34; ++i) {
      std::string name = "Produk nomor " + std::to_string(i) + " ";
      if (r.screen.find(name) != std::string::npos) seen.push_back(name);
    }
    if (r.screen.find("99 Lanjut") == std::string::npos) break;
    text += "*99";
  }
  EXPECT_EQ(seen.size(), 34u);  // every product on exactly one page
  // 98 goes back a page; choosing "1" on page 3 selects the first product of that page.
  EXPECT_EQ(Walk(shop, c, "1*99*99*98").screen, Walk(shop, c, "1*99").screen);
  auto page3 = Walk(shop, c, "1*99*99").screen;
  auto first_line = page3.substr(page3.find("\n1 ") + 3);
  first_line = first_line.substr(0, first_line.find(" Rp"));
  auto chosen = Walk(shop, c, "1*99*99*1").screen;
  EXPECT_EQ(chosen.rfind(first_line, 0), 0u) << first_line << " / " << chosen;
}

TEST(UssdMenu, CategoriesListedFirstWhenThereAreSeveral) {
  Shop s;
  s.id = 1;
  s.name = "Toko";
  auto shop =
      MakeShopView(s, {P("B1", "Beras 5kg", 65000, 9, "Sembako"),
                       P("S1", "Bayam", 5000, 9, "Sayur"), P("S2", "Kangkung", 4000, 9, "Sayur")});
  auto c = NewCustomer();
  auto cats = Walk(shop, c, "1").screen;
  EXPECT_NE(cats.find("1 Sembako"), std::string::npos) << cats;
  EXPECT_NE(cats.find("2 Sayur"), std::string::npos) << cats;
  auto veg = Walk(shop, c, "1*2").screen;
  EXPECT_NE(veg.find("1 Bayam"), std::string::npos) << veg;
  EXPECT_NE(veg.find("2 Kangkung"), std::string::npos) << veg;
  EXPECT_EQ(veg.find("Beras"), std::string::npos);
  auto r = Walk(shop, c, "1*2*2*3*Dekat pasar*1");
  ASSERT_TRUE(r.effect);
  EXPECT_EQ(std::get<PlaceOrder>(*r.effect).lines[0].first, "S2");
}

// Products the manager gave no category stay reachable once the others have categories.
TEST(UssdMenu, ProductsWithoutACategoryAreListedUnderOther) {
  Shop s;
  s.id = 1;
  s.name = "Toko";
  auto shop =
      MakeShopView(s, {P("B1", "Beras 5kg", 65000, 9), P("S1", "Bayam", 5000, 9, "Sayur"),
                       P("T1", "Teh celup", 6000, 9, "Minuman"), P("L1", "LPG 3kg", 22000, 9)});
  auto c = NewCustomer();
  auto cats = Walk(shop, c, "1").screen;
  EXPECT_NE(cats.find("1 Sayur\n2 Minuman\n3 Lainnya"), std::string::npos) << cats;
  auto other = Walk(shop, c, "1*3").screen;
  EXPECT_NE(other.find("1 Beras 5kg"), std::string::npos) << other;
  EXPECT_NE(other.find("2 LPG 3kg"), std::string::npos) << other;
  EXPECT_EQ(other.find("Bayam"), std::string::npos) << other;
  auto english = NewCustomer();
  english.language = "en";
  EXPECT_NE(Walk(shop, english, "1").screen.find("3 Other"), std::string::npos);
  auto r = Walk(shop, c, "1*3*2*1*Dekat pasar*1");
  ASSERT_TRUE(r.effect);
  EXPECT_EQ(std::get<PlaceOrder>(*r.effect).lines[0].first, "L1");
  // One category and some products without: one list of every product, as before.
  auto one = MakeShopView(s, {P("B1", "Beras 5kg", 65000, 9), P("S1", "Bayam", 5000, 9, "Sayur")});
  auto all = Walk(one, c, "1").screen;
  EXPECT_NE(all.find("1 Beras 5kg"), std::string::npos) << all;
  EXPECT_NE(all.find("2 Bayam"), std::string::npos) << all;
}

// Random walks through a shop with long names, a long address and a long info text: no screen
// is ever over 182 characters, in either language.
TEST(UssdMenu, EveryScreenFits182Characters) {
  Shop s;
  s.id = 1;
  s.name = "Badan Usaha Milik Desa Sejahtera Bersama Makmur Sentosa Jaya";
  s.open = true;
  s.pickup = true;
  s.info = std::string(300, 'i');
  std::vector<Product> products;
  for (int i = 0; i < 40; ++i) {
    products.push_back(P("P" + std::to_string(i),
                         "Nama produk yang sangat panjang sekali nomor " + std::to_string(i),
                         123456789, i % 5 ? 999999 : 0,
                         i % 2 ? "Kategori dengan nama panjang" : "Lain"));
  }
  auto shop = MakeShopView(s, products);
  auto c = NewCustomer();
  c.address = std::string(100, 'a');
  for (int i = 0; i < 4; ++i) {
    c.recent.push_back({100000 + i,
                        OrderStatus::kNew,
                        999999999,
                        {{1, "P1", std::string(60, 'n'), 999, 999999}},
                        "2026-11-28"});
  }
  std::mt19937 rng(7);
  const char* keys[] = {"1", "2", "3", "4", "5", "0", "00", "99", "98", "999", "x"};
  for (const char* lang : {"id", "en"}) {
    c.language = lang;
    for (int walk = 0; walk < 400; ++walk) {
      std::string text;
      for (int hop = 0; hop < 12; ++hop) {
        auto r = Walk(shop, c, text);
        ASSERT_LE(CharCount(r.screen), 182u) << text << "\n" << r.screen;
        if (r.end) break;
        text += (text.empty() ? "" : "*") +
                (rng() % 7 == 0 ? std::string(90, 'w') : std::string(keys[rng() % 11]));
      }
    }
  }
}

}  // namespace
}  // namespace pesan::ussd

namespace pesan::ussd {
namespace {

// A shop whose products have names long enough that a cart of a few of them does not fit the
// summary screen.
ShopView LongNamesShop() {
  Shop s;
  s.id = 1;
  s.name = "Toko";
  std::vector<Product> products;
  for (const char* name :
       {"Beras pandan wangi 5kg", "Minyak goreng sawit 2L", "Gula pasir lokal 1kg",
        "Tepung terigu protein 1kg", "Kopi bubuk robusta 200g", "Teh melati celup 25 kantong"}) {
    products.push_back(P("K" + std::to_string(products.size() + 1), name, 123500, 50));
  }
  return MakeShopView(s, products);
}

// The summary keeps its first items and says "+N" for the rest: "4" shows the whole cart, a page
// at a time, and "0" goes back to the summary to confirm.
TEST(UssdMenu, TheWholeCartCanBeSeenBeforeConfirming) {
  const auto shop = LongNamesShop();
  auto c = NewCustomer();
  c.address = "Jl Mawar 3";
  // Products after the first are chosen as a later hop replays them (the list shows two a page).
  std::string text = "1*1*2*1";
  for (int i = 2; i <= 6; ++i) {
    text += "*2*#K" + std::to_string(i) + ":123500*" + std::to_string(i);
  }
  const auto summary = Walk(shop, c, text);
  ASSERT_FALSE(summary.end);
  EXPECT_NE(summary.screen.find("lainnya, 4 Lihat semua"), std::string::npos) << summary.screen;

  // Every item of the cart on one of the pages, each page within the target length.
  std::vector<std::string> seen;
  std::string at = text + "*4";
  for (int page = 0; page < 6; ++page) {
    auto r = Walk(shop, c, at);
    EXPECT_FALSE(r.refused) << at;
    EXPECT_LE(CharCount(r.screen), 160u) << r.screen;
    EXPECT_NE(r.screen.find("Keranjang " + std::to_string(page + 1) + "/"), std::string::npos)
        << r.screen;
    EXPECT_EQ(r.kept, Walk(shop, c, text).kept + at.substr(text.size())) << at;
    for (const Product& p : shop.products()) {
      if (r.screen.find(p.name.substr(0, 20)) != std::string::npos) seen.push_back(p.name);
    }
    if (r.screen.find("99 Lanjut") == std::string::npos) break;
    at += "*99";
  }
  EXPECT_EQ(seen.size(), 6u);  // each product on exactly one page
  // 98 back a page; past the last page is refused; 0 is the summary again, where 1 orders all.
  EXPECT_EQ(Walk(shop, c, text + "*4*99*98").screen, Walk(shop, c, text + "*4").screen);
  EXPECT_TRUE(Walk(shop, c, at + "*99").refused);
  EXPECT_TRUE(Walk(shop, c, text + "*4*1").refused);
  EXPECT_EQ(Walk(shop, c, at + "*0").screen, summary.screen);
  const auto placed = Walk(shop, c, Walk(shop, c, at + "*0").kept + "*1");
  ASSERT_TRUE(placed.effect);
  EXPECT_EQ(std::get<PlaceOrder>(*placed.effect).lines.size(), 6u);
  // A cart that fits the summary needs no hint; "4" shows it all the same.
  const auto small = Walk(shop, c, "1*1*2*1");
  EXPECT_EQ(small.screen.find("Lihat semua"), std::string::npos) << small.screen;
  EXPECT_NE(Walk(shop, c, "1*1*2*1*4").screen.find("2x Beras pandan wangi 5kg Rp247.000"),
            std::string::npos);
  c.language = "en";
  EXPECT_NE(Walk(shop, c, text).screen.find("more, 4 See all"), std::string::npos);
  EXPECT_NE(Walk(shop, c, text + "*4").screen.find("Cart 1/"), std::string::npos);
}

// Names are cut to fit a list: two products whose names differ only after the cut are told
// apart by their codes; the others are shown as before.
TEST(UssdMenu, NamesTheSameAfterTheCutAreToldApart) {
  Shop s;
  s.id = 1;
  s.name = "Toko";
  const auto shop = MakeShopView(s, {P("MG1", "Minyak goreng kemasan premium 1L", 20000, 9),
                                     P("MG2", "Minyak goreng kemasan premium 2L", 38000, 9),
                                     P("B1", "Beras pandan wangi kualitas super 5kg", 65000, 9)});
  auto c = NewCustomer();
  const auto list = Walk(shop, c, "1").screen;
  EXPECT_NE(list.find("1 Minyak goreng kemasan (MG1) Rp20.000"), std::string::npos) << list;
  EXPECT_NE(list.find("2 Minyak goreng kemasan (MG2) Rp38.000"), std::string::npos) << list;
  const auto next = Walk(shop, c, "1*99").screen;
  EXPECT_NE(next.find("1 Beras pandan wangi kua Rp65.000"), std::string::npos) << next;
  // In the cart too, and in the notice of a sold-out one.
  c.address = "Jl Mawar 3";
  const auto cart = Walk(shop, c, "1*1*1*1*2*2*1*4").screen;
  EXPECT_NE(cart.find("1x Minyak goreng kemasan (MG1) Rp20.000"), std::string::npos) << cart;
  EXPECT_NE(cart.find("1x Minyak goreng kemasan (MG2) Rp38.000"), std::string::npos) << cart;
  const auto none = MakeShopView(s, {P("MG1", "Minyak goreng kemasan premium 1L", 20000, 0),
                                     P("MG2", "Minyak goreng kemasan premium 2L", 38000, 9)});
  const auto sold_out = Walk(none, c, "1*1").screen;
  EXPECT_NE(sold_out.find("Maaf, Minyak goreng kemasan (MG1) sedang habis"), std::string::npos)
      << sold_out;
}

// An order refused for a total larger than any order may come to says so, and the most.
TEST(UssdMenu, AnOrderOverTheLargestTotalIsRefusedSayingTheMost) {
  auto shop = DemoShop();
  EXPECT_EQ(NotPlacedScreen(*TheTexts(), "id", TotalTooLarge(), shop),
            "Maaf, pesanan gagal: total lebih dari Rp999.999.999.999. Silakan ulangi.");
  EXPECT_EQ(NotPlacedScreen(*TheTexts(), "en", TotalTooLarge(), shop),
            "Sorry, the order failed: the total is over Rp999.999.999.999. Please try again.");
}

}  // namespace
}  // namespace pesan::ussd
