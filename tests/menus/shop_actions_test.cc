// The SMS texts an order causes: one segment where the text allows it, and never cut into
// nonsense or out of its own script to get there.
#include "menus/shop_actions.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>

#include "core/gsm_text.h"

namespace pesan {
namespace {

Voice TheVoice() {
  static auto texts = *Texts::LoadDefault();
  return Voice{texts.get(), "id", 420, "62"};
}

Order AnOrder(std::vector<OrderItem> items, std::string address) {
  Order o;
  o.id = 17;
  o.phone = "+6281200000001";
  o.items = std::move(items);
  for (const auto& it : o.items) o.total += it.qty * it.price;
  o.address = std::move(address);
  return o;
}

TEST(ItemsLine, ACutSingleItemHasNoCountOfMore) {
  std::vector<OrderItem> one = {{1, "M1", "Minyak goreng 1L", 2, 18000}};
  EXPECT_EQ(ItemsLine(one, 8, "+{count} lainnya"), "2x Minya");
  std::vector<OrderItem> two = {{1, "M1", "Minyak goreng 1L", 2, 18000}, {2, "B1", "Beras", 1, 1}};
  EXPECT_EQ(ItemsLine(two, 14, "+{count}"), "2x Minyak +1");  // cut after a space, which goes
  EXPECT_EQ(ItemsLine(two, 21, "+{count} lainnya"), "2x Minyak +1 lainnya");
  EXPECT_EQ(ItemsLine(two, 40, "+{count} more"), "2x Minyak goreng 1L, 1x Beras");
}

// An order too long for one SMS lists what fits and says how many items more there are, in
// words: "+5 lainnya", "+5 more", never a bare "+5".
TEST(CustomerConfirmation, ItemsLeftOutAreCountedInWords) {
  Shop shop;
  shop.name = "BUMDes Maju Bersama";
  std::vector<OrderItem> items;
  for (int i = 1; i <= 9; ++i) {
    items.push_back(
        {i, "P" + std::to_string(i), "Produk nomor " + std::to_string(i) + " 1kg", 2, 10000});
  }
  Order o = AnOrder(items, "Jl Mawar 3 RT02");
  Voice voice = TheVoice();
  for (const char* lang : {"id", "en"}) {
    const std::string more = lang == std::string("id") ? " lainnya. " : " more. ";
    for (const std::string& text :
         {CustomerConfirmation(voice, lang, shop, o),
          (voice.manager_language = lang, ManagerAlert(voice, shop, o))}) {
      EXPECT_EQ(CountSegments(text).segments, 1u) << text;
      const size_t plus = text.find(" +");
      ASSERT_NE(plus, std::string::npos) << text;
      size_t end = plus + 2;
      while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end]))) ++end;
      ASSERT_GT(end, plus + 2) << text;
      EXPECT_EQ(text.substr(end, more.size()), more) << text;
      // What is listed and what is counted are all the items.
      const int listed = static_cast<int>(std::count(text.begin(), text.begin() + plus, 'x'));
      EXPECT_EQ(listed + std::stoi(text.substr(plus + 2, end - plus - 2)), 9) << text;
    }
  }
}

TEST(ShortenAtWord, CutsAtAWordAndSaysSo) {
  EXPECT_EQ(ShortenAtWord("stok habis", 10), "stok habis");
  EXPECT_EQ(ShortenAtWord("di luar area antar kami", 15), "di luar area...");
  EXPECT_EQ(ShortenAtWord("di luar area antar kami", 17), "di luar area...");
  EXPECT_EQ(ShortenAtWord("di luar, area antar", 14), "di luar...");
  EXPECT_EQ(ShortenAtWord("abcdefghij", 8), "abcde...");  // one long word is cut inside it
  EXPECT_EQ(ShortenAtWord("ꦒꦸꦭ ꦗꦮ ꦒꦸꦭ", 8), "ꦒꦸꦭ...");       // characters, not bytes
  EXPECT_EQ(ShortenAtWord("abcdef", 3), "");
}

// One way of cutting a text to one SMS for the order texts and the replies to the managers: the
// first budget that fits, and what each caller wants when a cut changes the coding or none fits.
TEST(FitOneSegment, TakesTheFirstBudgetThatFits) {
  const auto build = [](size_t budget) { return std::string(budget, 'a') + " \u2014 ok"; };
  const FittedText fit = FitOneSegment(build, {200, 170, 150, 100}, SegmentFit::kFirstThatFits);
  EXPECT_EQ(fit.budget, 150u);
  EXPECT_EQ(fit.text, std::string(150, 'a') + " - ok");  // as sent: GSM-friendly
  const FittedText none = FitOneSegment(build, {400, 300, 200}, SegmentFit::kFirstThatFits);
  EXPECT_EQ(none.budget, 200u);  // the most cut
  EXPECT_EQ(FitOneSegment(build, {400, 300, 200}, SegmentFit::kKeepScript).budget, 300u);

  // A Javanese name cut away would fit as GSM-7: only the first-that-fits cut takes that.
  const std::string javanese = "ꦒꦸꦭ ꦗꦮ";
  const auto named = [&](size_t budget) {
    return std::string(100, 'x') + (budget > 0 ? " " + javanese : "");
  };
  EXPECT_EQ(FitOneSegment(named, {1, 0}, SegmentFit::kFirstThatFits).budget, 0u);
  const FittedText kept = FitOneSegment(named, {1, 0}, SegmentFit::kKeepScript);
  EXPECT_EQ(kept.budget, 1u);
  EXPECT_NE(kept.text.find(javanese), std::string::npos);
}

TEST(ManagerAlert, LatinTextIsCutToOneGsm7Segment) {
  Shop shop;
  Order o = AnOrder({{1, "B1", "Beras 5kg", 2, 65000}},
                    std::string(200, 'x'));  // an address far too long for one SMS
  std::string alert = ManagerAlert(TheVoice(), shop, o);
  EXPECT_EQ(CountSegments(alert).coding, SmsCoding::kGsm7);
  EXPECT_EQ(CountSegments(alert).segments, 1u) << alert;
  EXPECT_NE(alert.find("2x Beras 5kg"), std::string::npos) << alert;
  EXPECT_NE(alert.find("OK 17"), std::string::npos) << alert;
}

// An address cut to fit ends with the three dots of "...", not four with the text's own stop.
// A shop with a PIN: the alert asks for the reply the commands need, with the PIN's place.
TEST(ManagerAlert, WithAPinTheReplyItAsksForHasThePinsPlace) {
  Shop shop;
  shop.pin = "4321";
  Order o = AnOrder({{1, "B1", "Beras 5kg", 2, 65000}, {2, "M1", "Minyak goreng 1L", 1, 18000}},
                    "Jl Mawar 3 RT02 RW 05 dekat masjid besar sebelah warung Bu Siti");
  Voice voice = TheVoice();
  for (const char* lang : {"id", "en"}) {
    voice.manager_language = lang;
    const std::string alert = ManagerAlert(voice, shop, o);
    const std::string reply = lang == std::string("id")
                                  ? "Balas PIN <PIN> OK 17 / PIN <PIN> TOLAK 17"
                                  : "Reply PIN <PIN> OK 17 / PIN <PIN> REJECT 17";
    EXPECT_NE(alert.find(reply), std::string::npos) << alert;
    EXPECT_EQ(alert.find("4321"), std::string::npos) << alert;
    EXPECT_EQ(CountSegments(alert).coding, SmsCoding::kGsm7);
    EXPECT_EQ(CountSegments(alert).segments, 1u) << alert;
  }
  shop.pin.clear();
  voice.manager_language = "id";
  EXPECT_EQ(ManagerAlert(voice, shop, o).find("PIN"), std::string::npos);
}

TEST(ManagerAlert, ACutAddressEndsWithThreeDots) {
  Shop shop;
  const std::string address =
      "Jl Mawar 3 RT02 RW 05 dekat masjid besar sebelah warung Bu Sari, rumah cat hijau";
  Order o = AnOrder({{1, "B1", "Beras pandan wangi 5kg", 2, 65000},
                     {2, "M1", "Minyak goreng sawit 2L", 1, 18000}},
                    address);
  o.id = 1234;
  std::string alert = ManagerAlert(TheVoice(), shop, o);
  EXPECT_EQ(CountSegments(alert).segments, 1u) << alert;
  EXPECT_EQ(alert.find("...."), std::string::npos) << alert;
  EXPECT_NE(alert.find("Jl Mawar 3 RT02 RW 05 dekat masjid besar... HP 081200000001."),
            std::string::npos)
      << alert;
}

TEST(ManagerAlert, ProductNameInJavaneseScriptIsKept) {
  Shop shop;
  Order o = AnOrder({{1, "J1", "Gula Jawa ꦒꦸꦭꦗꦮ", 3, 15000}}, "Jl Melati 7");
  std::string alert = ManagerAlert(TheVoice(), shop, o);
  EXPECT_NE(alert.find("3x Gula Jawa ꦒꦸꦭꦗꦮ"), std::string::npos) << alert;
  EXPECT_NE(alert.find("Jl Melati 7"), std::string::npos) << alert;
  EXPECT_EQ(CountSegments(alert).coding, SmsCoding::kUcs2);
  EXPECT_EQ(CountSegments(alert).segments, 2u) << alert;
  std::string confirmation = CustomerConfirmation(TheVoice(), "id", shop, o);
  EXPECT_NE(confirmation.find("ꦒꦸꦭꦗꦮ"), std::string::npos) << confirmation;
}

TEST(ManagerAlert, UnicodeAddressIsCutOnlyWhereThatSavesASegment) {
  Shop shop;
  const std::string address = "ꦢꦸꦏꦸꦃ ꦱꦸꦏꦩꦸꦭꦾ، بجانب المسجد";
  Order o = AnOrder({{1, "B1", "Beras 5kg", 1, 65000}}, address);
  std::string alert = ManagerAlert(TheVoice(), shop, o);
  EXPECT_NE(alert.find(address), std::string::npos) << alert;
  EXPECT_NE(alert.find("1x Beras 5kg"), std::string::npos) << alert;
  EXPECT_EQ(CountSegments(alert).segments, 2u) << alert;

  // Four times as long: three segments whole, two when cut.
  Order longer = AnOrder(o.items, address + " " + address + " " + address + " " + address);
  std::string cut = ManagerAlert(TheVoice(), shop, longer);
  EXPECT_EQ(CountSegments(cut).coding, SmsCoding::kUcs2);
  EXPECT_EQ(CountSegments(cut).segments, 2u) << cut;
  EXPECT_NE(cut.find("ꦢꦸꦏꦸꦃ"), std::string::npos) << cut;
}

}  // namespace
}  // namespace pesan
