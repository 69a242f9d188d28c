#include "menus/sms/command.h"

#include <gtest/gtest.h>

namespace pesan::sms {
namespace {

// Each text, and the command it means written the canonical way.
struct Spelling {
  std::string_view text;
  std::string_view canonical;
};

const Spelling kSpellings[] = {
    // Orders.
    {"PESAN B1 2", "PESAN B1 2"},
    {"pesan b1 2", "PESAN B1 2"},
    {"Pesan B1 2 M3 1", "PESAN B1 2 M3 1"},
    {"ORDER B1 2", "PESAN B1 2"},
    {"order b1 2 m3 1", "PESAN B1 2 M3 1"},
    {"BELI B1 2", "PESAN B1 2"},
    {"buy b1 2", "PESAN B1 2"},
    {"pesen b1 2", "PESAN B1 2"},
    {"PESAN   B1    2", "PESAN B1 2"},
    {"PESAN\tB1\t2", "PESAN B1 2"},
    {"PESAN\nB1 2\nM3 1", "PESAN B1 2 M3 1"},
    {"PESAN\r\nB1 2\r\n", "PESAN B1 2"},
    {"  PESAN B1 2  ", "PESAN B1 2"},
    {"PESAN B1 2.", "PESAN B1 2"},
    {".PESAN B1 2", "PESAN B1 2"},
    {"#PESAN B1 2#", "PESAN B1 2"},
    {"*PESAN B1 2!", "PESAN B1 2"},
    {"PESAN: B1 2", "PESAN B1 2"},
    {"PESAN:B1 2", "PESAN B1 2"},
    {"PESAN#B1 2", "PESAN B1 2"},
    {"PESAN. B1 2", "PESAN B1 2"},
    {"PESAN B1=2", "PESAN B1 2"},
    {"PESAN B1 = 2", "PESAN B1 2"},
    {"PESAN B1x2", "PESAN B1 2"},
    {"PESAN B1X2", "PESAN B1 2"},
    {"PESAN B1 x 2", "PESAN B1 2"},
    {"PESAN B1 x2", "PESAN B1 2"},
    {"PESAN B1*2", "PESAN B1 2"},
    {"PESAN B1:2", "PESAN B1 2"},
    {"PESAN B1 \xC3\x97 2", "PESAN B1 2"},  // U+00D7 MULTIPLICATION SIGN
    {"PESAN B1 2, M3 1", "PESAN B1 2 M3 1"},
    {"PESAN B1 2,M3 1", "PESAN B1 2 M3 1"},
    {"PESAN B1=2,M3=1", "PESAN B1 2 M3 1"},
    {"PESAN B1x2 M3x1", "PESAN B1 2 M3 1"},
    {"PESAN B1 2; M3 1", "PESAN B1 2 M3 1"},
    {"PESAN B1 2 + M3 1", "PESAN B1 2 M3 1"},
    {"PESAN B1 2 dan M3 1", "PESAN B1 2 M3 1"},
    {"PESAN B1 2 & M3 1", "PESAN B1 2 M3 1"},
    {"PESAN B1 2 and M3 1", "PESAN B1 2 M3 1"},
    {"PESAN B1", "PESAN B1 1"},
    {"PESAN B1 M3 2", "PESAN B1 1 M3 2"},
    {"PESAN B1 2 M3", "PESAN B1 2 M3 1"},
    {"PESAN B1 2 B1 3", "PESAN B1 2 B1 3"},  // the shop adds them up
    {"PESAN B1 2 M3 1 b1 1", "PESAN B1 2 M3 1 B1 1"},
    {"PESAN B1 002", "PESAN B1 2"},
    {"PESAN B1 999", "PESAN B1 999"},
    {"PESAN B1 2500", "PESAN B1 2500"},
    {"PESAN B1 99999", "PESAN B1 99999"},
    {"PESAN B1 2.500", "PESAN B1 2500"},  // thousands as Indonesia writes them
    {"PESAN B1 2,500 M3 1", "PESAN B1 2500 M3 1"},
    {"PESAN B1 x 2.500", "PESAN B1 2500"},
    {"PESAN B1 2.500 B1 500", "PESAN B1 2500 B1 500"},
    {"PESAN GULA 2", "PESAN GULA 2"},
    // A quantity with its unit glued to it, after a code with digits; a size in a name as the
    // price list writes it, which stays a word of the name (no code starts with a digit) where it
    // was written.
    {"PESAN B1 2pcs", "PESAN B1 2"},
    {"PESAN B1 2karung M3 1", "PESAN B1 2 M3 1"},
    {"PESAN beras 5kg 2", "PESAN BERAS 1 5KG 2"},
    {"PESAN minyak goreng 1L", "PESAN MINYAK 1 GORENG 1 1L 1"},
    {"PESAN beras 5kg", "PESAN BERAS 1 5KG 1"},
    {"PESAN telur 1kg 2 gula 1kg 1", "PESAN TELUR 1 1KG 2 GULA 1 1KG 1"},
    {"PESAN B1 2 5kg", "PESAN B1 2 5KG 1"},
    {"PESAN X 2", "PESAN X 2"},
    {"PESAN X2 1", "PESAN X2 1"},
    {"PESAN B1 1 X2", "PESAN B1 1 X2 1"},
    {"PESAN B1X2X3", "PESAN B1X2X3 1"},
    {"PESAN ABCDEFGHIJKLMNOP 1", "PESAN ABCDEFGHIJKLMNOP 1"},
    {"PESAN B1 2 \xF0\x9F\x99\x8F", "PESAN B1 2"},  // an emoji between items is a separator
    {"PESAN\xC2\xA0"
     "B1\xC2\xA0"
     "2",
     "PESAN B1 2"},  // no-break spaces
    {"PESAN B1 2 ALAMAT Jl Mawar 3", "PESAN B1 2 ALAMAT Jl Mawar 3"},
    {"pesan b1 2 alamat Jl Mawar 3", "PESAN B1 2 ALAMAT Jl Mawar 3"},
    {"PESAN B1 2 ADDRESS Jl Mawar 3", "PESAN B1 2 ALAMAT Jl Mawar 3"},
    {"PESAN B1 2 ALAMAT: Jl. Mawar 3.", "PESAN B1 2 ALAMAT Jl. Mawar 3"},
    {"PESAN B1 2, alamat:\nJl  Mawar\n3", "PESAN B1 2 ALAMAT Jl Mawar 3"},
    {"PESAN B1=2 M3=1 ALAMAT RT 2 / RW 5, dekat masjid",
     "PESAN B1 2 M3 1 ALAMAT RT 2 / RW 5, dekat masjid"},
    {"PESAN B1 ALAMAT Gg. Melati", "PESAN B1 1 ALAMAT Gg. Melati"},
    {"PESAN B1 2 ALAMAT Jl Kenanga 4 B2 3", "PESAN B1 2 ALAMAT Jl Kenanga 4 B2 3"},
    {"PESAN B1 2 ALAMAT rumah Bu Siti \xE2\x80\x94 belakang SD",
     "PESAN B1 2 ALAMAT rumah Bu Siti \xE2\x80\x94 belakang SD"},

    // Addresses.
    {"ALAMAT Jl Mawar 3", "ALAMAT Jl Mawar 3"},
    {"alamat jl mawar 3", "ALAMAT jl mawar 3"},
    {"ALAMAT: Jl Mawar 3", "ALAMAT Jl Mawar 3"},
    {"ALAMAT#Jl Mawar 3", "ALAMAT Jl Mawar 3"},
    {"ADDRESS Jl Mawar 3", "ALAMAT Jl Mawar 3"},
    {"ALAMAT  Jl\tMawar\n3, RT 2.", "ALAMAT Jl Mawar 3, RT 2"},
    {"ALAMAT 12 Jl Mawar", "ALAMAT 12 Jl Mawar"},
    {"ALAMAT Dusun Krajan (dekat pos ronda)", "ALAMAT Dusun Krajan (dekat pos ronda)"},

    // Status and cancelling.
    {"STATUS", "STATUS"},
    {"status", "STATUS"},
    {"Status?", "STATUS"},
    {"STATUS pesanan saya", "STATUS"},
    {"STATUS 123", "STATUS 123"},
    {"STATUS #123", "STATUS 123"},
    {"CEK 7", "STATUS 7"},
    {"BATAL 123", "BATAL 123"},
    {"batal #123", "BATAL 123"},
    {"BATAL#123", "BATAL 123"},
    {"BATAL123", "BATAL 123"},
    {"BATAL: 123", "BATAL 123"},
    {"BATAL 0123", "BATAL 123"},
    {"CANCEL 123", "BATAL 123"},
    {"BATAL", "BATAL"},
    {"BATAL 123 salah pesan", "BATAL 123"},

    // Price list, help, yes and no.
    {"HARGA", "HARGA"},
    {"harga?", "HARGA"},
    {"MENU", "HARGA"},
    {"menu apa saja", "MENU apa saja"},
    {"PRICE", "HARGA"},
    {"PRICES", "HARGA"},
    {"LIST", "HARGA"},
    {"DAFTAR", "HARGA"},
    {"HARGA beras", "MENU beras"},
    {"HARGA B1", "MENU b1"},
    {"HARGA beras berapa", "MENU beras berapa"},
    {"HARGA 65000", "MENU 65000"},
    {"HARGA 2", "HARGA 2"},
    {"BANTUAN", "BANTUAN"},
    {"HELP", "BANTUAN"},
    {"help!", "BANTUAN"},
    {"INFO", "BANTUAN"},
    {"TOLONG", "BANTUAN"},
    {"BANTUAN 2", "BANTUAN 2"},
    {"help 2", "BANTUAN 2"},
    {"BANTUAN 1", "BANTUAN"},
    {"HELP me", "BANTUAN"},
    {"?", "BANTUAN"},
    {" ?? ", "BANTUAN"},
    {"YA", "YA"},
    {"ya", "YA"},
    {"Ya.", "YA"},
    {"IYA", "YA"},
    {"YES", "YA"},
    {"y", "YA"},
    {"YA pesan lagi", "YA"},
    {"TIDAK", "TIDAK"},
    {"tidak", "TIDAK"},
    {"TDK", "TIDAK"},
    {"GAK", "TIDAK"},
    {"NO", "TIDAK"},
    {"n", "TIDAK"},

    // Managers: orders.
    {"OK 123", "OK 123"},
    {"ok 123", "OK 123"},
    {"OK #123", "OK 123"},
    {"OK#123", "OK 123"},
    {"OK123", "OK 123"},
    {"OK: 123", "OK 123"},
    {"OK 123.", "OK 123"},
    {"OK 123 siap", "OK 123"},
    {"TERIMA 123", "OK 123"},
    {"ACCEPT 123", "OK 123"},
    {"KIRIM 123", "KIRIM 123"},
    {"kirim #45", "KIRIM 45"},
    {"SHIP 45", "KIRIM 45"},
    {"SELESAI 123", "SELESAI 123"},
    {"DONE 123", "SELESAI 123"},
    {"done #9", "SELESAI 9"},
    {"TOLAK 123", "TOLAK 123"},
    {"TOLAK 123 stok habis", "TOLAK 123 stok habis"},
    {"tolak #123: stok habis.", "TOLAK 123 stok habis"},
    {"TOLAK 123 - alamat terlalu jauh", "TOLAK 123 alamat terlalu jauh"},
    {"REJECT 123 out of stock", "TOLAK 123 out of stock"},
    {"TOLAK 123 5 karung habis", "TOLAK 123 5 karung habis"},
    {"TOLAK 999999999999", "TOLAK 999999999999"},

    // Managers: catalogue.
    {"STOK B1 20", "STOK B1 20"},
    {"STOK", "STOK"},
    {"stok?", "STOK"},
    {"STOK 2", "STOK 2"},
    {"stock 02", "STOK 2"},
    {"stok b1 20", "STOK B1 20"},
    {"STOCK B1 20", "STOK B1 20"},
    {"stok b1 habis", "STOK B1 0"},
    {"STOK B1 kosong", "STOK B1 0"},
    {"stock b1 out", "STOK B1 0"},
    {"STOK B1=20", "STOK B1 20"},
    {"STOK: B1 = 20", "STOK B1 20"},
    {"STOK B1 0", "STOK B1 0"},
    {"STOK B1 000", "STOK B1 0"},
    {"STOK B1 999999999", "STOK B1 999999999"},
    {"STOK B1 1.000", "STOK B1 1000"},  // thousands as Indonesia writes them
    {"STOCK B1 1,000", "STOK B1 1000"},
    {"STOK B1 999.999.999", "STOK B1 999999999"},
    {"STOK B1 +2.500", "STOK B1 +2500"},
    {"stok b1 - 1.000", "STOK B1 -1000"},
    {"STOK GULA 5", "STOK GULA 5"},
    {"STOK B1 +5", "STOK B1 +5"},
    {"stok b1 -5", "STOK B1 -5"},
    {"STOK B1 +0", "STOK B1 +0"},
    {"STOK B1 - 5", "STOK B1 -5"},
    {"stok b1 + 5", "STOK B1 +5"},
    {"STOK B1 -  5", "STOK B1 -5"},
    {"STOK B1- 5", "STOK B1 5"},  // the minus is glued to the code: a dash, not a sign
    {"HARGA B1 65000", "HARGA B1 65000"},
    {"harga b1 65000", "HARGA B1 65000"},
    {"PRICE B1 65000", "HARGA B1 65000"},
    {"HARGA B1 65.000", "HARGA B1 65000"},
    {"HARGA B1 500 ya", "HARGA B1 500 YA"},
    {"PRICE B1 Rp 500 YES", "HARGA B1 500 YA"},
    {"HARGA B1 65rb iya", "HARGA B1 65000 YA"},
    {"HARGA B1 Rp65.000", "HARGA B1 65000"},
    {"HARGA B1 Rp 65.000", "HARGA B1 65000"},
    {"HARGA B1 rp. 65.000,-", "HARGA B1 65000"},
    {"HARGA B1 65,000", "HARGA B1 65000"},
    {"HARGA B1=65000", "HARGA B1 65000"},
    {"HARGA B1: Rp65.000", "HARGA B1 65000"},
    {"HARGA B1 65rb", "HARGA B1 65000"},
    {"HARGA B1 65 rb", "HARGA B1 65000"},
    {"HARGA B1 65 ribu", "HARGA B1 65000"},
    {"HARGA B1 65k", "HARGA B1 65000"},
    {"HARGA B1 65K", "HARGA B1 65000"},
    {"HARGA B1 1.250.000", "HARGA B1 1250000"},
    {"HARGA B1 999999999999", "HARGA B1 999999999999"},
    {"HARGA B1 999999999rb", "HARGA B1 999999999000"},
    {"TAMBAH B9 12000 Gula Aren 1kg", "TAMBAH B9 12000 Gula Aren 1kg"},
    {"tambah b9 12000 Gula Aren 1kg", "TAMBAH B9 12000 Gula Aren 1kg"},
    {"ADD B9 12000 Palm sugar", "TAMBAH B9 12000 Palm sugar"},
    {"TAMBAH B9 12.000 Gula Aren", "TAMBAH B9 12000 Gula Aren"},
    {"TAMBAH B9 Rp12.000 Gula Aren", "TAMBAH B9 12000 Gula Aren"},
    {"TAMBAH B9 Rp 12.000 Gula Aren", "TAMBAH B9 12000 Gula Aren"},
    {"TAMBAH B9 Rp. 12.000 Gula Aren", "TAMBAH B9 12000 Gula Aren"},
    {"TAMBAH B9 12rb Gula Aren", "TAMBAH B9 12000 Gula Aren"},
    {"TAMBAH B9=12000 Gula Aren", "TAMBAH B9 12000 Gula Aren"},
    {"TAMBAH B9 12000 - Gula  Aren\n1 kg.", "TAMBAH B9 12000 Gula Aren 1 kg"},
    {"TAMBAH T1 3500 Teh \"Sosro\" 350ml", "TAMBAH T1 3500 Teh \"Sosro\" 350ml"},
    {"HAPUS B9", "HAPUS B9"},
    {"hapus b9", "HAPUS B9"},
    {"DELETE B9", "HAPUS B9"},
    {"REMOVE B9", "HAPUS B9"},
    {"HAPUS: B9.", "HAPUS B9"},

    // Managers: the shop.
    {"BUKA", "BUKA"},
    {"buka", "BUKA"},
    {"OPEN", "BUKA"},
    {"BUKA toko", "BUKA"},
    {"TUTUP", "TUTUP"},
    {"CLOSE", "TUTUP"},
    {"TUTUP sampai besok", "TUTUP"},
    {"PESANAN", "PESANAN"},
    {"pesanan?", "PESANAN"},
    {"ORDERS", "PESANAN"},
    {"LAPORAN", "LAPORAN"},
    {"REPORT", "LAPORAN"},
    {"laporan hari ini", "LAPORAN"},
};

TEST(SmsCommand, Spellings) {
  for (const Spelling& s : kSpellings) {
    ParsedCommand p = ParseSmsCommand(s.text);
    ASSERT_TRUE(p.ok()) << s.text << " -> " << p.error().message;
    EXPECT_EQ(CommandText(p.command()), s.canonical) << s.text;
    EXPECT_EQ(p.pin, "") << s.text;
  }
}

TEST(SmsCommand, CanonicalTextReadsBackToTheSameCommand) {
  for (const Spelling& s : kSpellings) {
    ParsedCommand first = ParseSmsCommand(s.text);
    ASSERT_TRUE(first.ok()) << s.text;
    for (CommandLanguage language : {CommandLanguage::kIndonesian, CommandLanguage::kEnglish}) {
      const std::string text = CommandText(first.command(), language);
      ParsedCommand again = ParseSmsCommand(text);
      ASSERT_TRUE(again.ok()) << text;
      EXPECT_EQ(again.command(), first.command()) << text;
    }
  }
}

// A reply to someone writing English quotes commands with the English keywords.
TEST(SmsCommand, CommandTextInEnglish) {
  constexpr CommandLanguage kEn = CommandLanguage::kEnglish;
  EXPECT_EQ(CommandText(PlaceOrder{{{"B1", 2}}, "Jl Mawar 3"}, kEn),
            "ORDER B1 2 ADDRESS Jl Mawar 3");
  EXPECT_EQ(CommandText(PriceList{"", 2}, kEn), "PRICE 2");
  EXPECT_EQ(CommandText(PriceList{"soap", 2}, kEn), "MENU soap 2");
  EXPECT_EQ(CommandText(StockList{3}, kEn), "STOCK 3");
  EXPECT_EQ(CommandText(RejectOrder{12, "out of stock"}, kEn), "REJECT 12 out of stock");
  EXPECT_EQ(CommandText(SetStock{"B1", -5, true}, kEn), "STOCK B1 -5");
  EXPECT_EQ(CommandText(ShipOrder{4}, kEn), "SHIP 4");
  EXPECT_EQ(CommandText(Help{2}, kEn), "HELP 2");
  EXPECT_EQ(CommandText(Decline{}, kEn), "NO");
}

// Which language a text's keyword is, written right or wrong: its reply is in that language.
TEST(SmsCommand, TheKeywordSaysTheLanguage) {
  constexpr CommandLanguage kEn = CommandLanguage::kEnglish;
  constexpr CommandLanguage kId = CommandLanguage::kIndonesian;
  for (const char* text :
       {"ORDER B1 2", "order: b1 2", "BUY B1", "CANCEL 12", "HELP", "PRICE", "prices beras",
        "ADDRESS Jl Mawar 3", "YES", "ORDER B1 100000", "REPORT"}) {
    EXPECT_EQ(ParseSmsCommand(text).language, kEn) << text;
  }
  for (const char* text :
       {"PESAN B1 2", "#beli b1", "CEK", "BATAL 12", "BANTUAN", "HARGA", "HARGA beras",
        "ALAMAT Jl Mawar 3", "YA", "PESAN B1 100000", "LAPORAN"}) {
    EXPECT_EQ(ParseSmsCommand(text).language, kId) << text;
  }
  for (const char* text :
       {"STATUS", "MENU beras", "INFO", "OK 12", "Y", "?", "halo", "", "PIN 1234 REJECT 12"}) {
    EXPECT_EQ(ParseSmsCommand(text).language, std::nullopt) << text;
  }
}

// A usage shown in another language carries that language's words for the free text.
TEST(SmsCommand, UsageTakesTheExampleWordsOfTheReply) {
  EXPECT_EQ(Usage(CommandForm::kReject, "REJECT"), "REJECT 123 stok habis");
  EXPECT_EQ(Usage(CommandForm::kReject, "REJECT", "out of stock"), "REJECT 123 out of stock");
  EXPECT_EQ(Usage(CommandForm::kAddProduct, "ADD", "Palm sugar 1kg"),
            "ADD B9 12000 Palm sugar 1kg");
  EXPECT_EQ(Usage(CommandForm::kStock, "STOCK", "ignored"), "STOCK B1 20");
  ParsedCommand p = ParseSmsCommand("REJECT");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().keyword, "REJECT");
  EXPECT_EQ(p.error().usage, "REJECT 123 stok habis");
}

TEST(SmsCommand, OrderValues) {
  ParsedCommand p = ParseSmsCommand("pesan b1x2, m3 1 alamat  Jl Mawar 3");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.command(), Command(PlaceOrder{{{"B1", 2}, {"M3", 1}}, "Jl Mawar 3"}));
  EXPECT_EQ(FormOf(p.command()), CommandForm::kOrder);

  p = ParseSmsCommand("PESAN B1 2");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.command(), Command(PlaceOrder{{{"B1", 2}}, ""}));
}

TEST(SmsCommand, ManagerValues) {
  struct Case {
    std::string_view text;
    Command command;
  };
  const Case cases[] = {
      {"OK 123", AcceptOrder{123}},
      {"KIRIM 45", ShipOrder{45}},
      {"SELESAI 7", CompleteOrder{7}},
      {"TOLAK 9 stok habis", RejectOrder{9, "stok habis"}},
      {"TOLAK 9", RejectOrder{9, ""}},
      {"STOK b1 20", SetStock{"B1", 20}},
      {"STOK b1 +20", SetStock{"B1", 20, true}},
      {"STOK b1 -20", SetStock{"B1", -20, true}},
      {"STOK b1 - 20", SetStock{"B1", -20, true}},
      {"STOK b1 + 20", SetStock{"B1", 20, true}},
      {"HARGA b1 Rp65.000", SetPrice{"B1", 65000}},
      {"TAMBAH b9 12000 Gula Aren 1kg", AddProduct{"B9", 12000, "Gula Aren 1kg"}},
      {"HAPUS b9", RemoveProduct{"B9"}},
      {"BUKA", OpenShop{}},
      {"TUTUP", CloseShop{}},
      {"PESANAN", ListOrders{}},
      {"PESANAN 12", ListOrders{12}},
      {"orders #12", ListOrders{12}},
      {"PESANAN hari ini", ListOrders{}},
      {"LAPORAN", DailyReport{}},
      {"STATUS", OrderStatus{}},
      {"STATUS 5", OrderStatus{5}},
      {"BATAL", CancelOrder{}},
      {"BATAL 5", CancelOrder{5}},
      {"ALAMAT Jl Mawar 3", SetAddress{"Jl Mawar 3"}},
      {"HARGA", PriceList{}},
      {"BANTUAN", Help{}},
      {"YA", Confirm{}},
      {"TIDAK", Decline{}},
  };
  for (const Case& c : cases) {
    ParsedCommand p = ParseSmsCommand(c.text);
    ASSERT_TRUE(p.ok()) << c.text << " -> " << p.error().message;
    EXPECT_EQ(p.command(), c.command) << c.text;
  }
}

TEST(SmsCommand, PriceListAndPriceChangeAreDistinct) {
  EXPECT_TRUE(std::holds_alternative<PriceList>(ParseSmsCommand("HARGA").command()));
  EXPECT_TRUE(std::holds_alternative<PriceList>(ParseSmsCommand("HARGA B1").command()));
  EXPECT_TRUE(std::holds_alternative<SetPrice>(ParseSmsCommand("HARGA B1 65000").command()));
  EXPECT_EQ(FormOf(ParseSmsCommand("HARGA").command()), CommandForm::kPriceList);
  EXPECT_EQ(FormOf(ParseSmsCommand("HARGA B1 65000").command()), CommandForm::kSetPrice);
  EXPECT_FALSE(IsManagerForm(CommandForm::kPriceList));
  EXPECT_TRUE(IsManagerForm(CommandForm::kSetPrice));
}

TEST(SmsCommand, ThePriceListTakesWordsToLookForAndAPage) {
  struct Case {
    std::string_view text;
    PriceList list;
  };
  const Case cases[] = {
      {"HARGA", {"", 1}},
      {"HARGA 2", {"", 2}},
      {"harga beras", {"beras", 1}},
      {"Harga Beras berapa?", {"beras berapa", 1}},
      {"MENU beras 2", {"beras", 2}},
      {"daftar minyak goreng 3", {"minyak goreng", 3}},
      {"LIST 0", {"", 1}},
      {"MENU lpg 3kg", {"lpg 3kg", 1}},
      {"MENU a b c d e f g h", {"a b c d e f", 1}},
  };
  for (const Case& c : cases) {
    ParsedCommand p = ParseSmsCommand(c.text);
    ASSERT_TRUE(p.ok()) << c.text;
    ASSERT_TRUE(std::holds_alternative<PriceList>(p.command())) << c.text;
    EXPECT_EQ(std::get<PriceList>(p.command()), c.list) << c.text;
    EXPECT_EQ(ParseSmsCommand(CommandText(p.command())).command(), p.command()) << c.text;
  }
  // "HARGA 2" is a page for a manager too, not a price change gone wrong.
  EXPECT_FALSE(ParseSmsCommand("HARGA 2").manager_error.has_value());
  // A query ending in a number keeps it: "MENU beras 5 1" is page 1 of "beras 5".
  EXPECT_EQ(CommandText(PriceList{"beras 5", 1}), "MENU beras 5 1");
  EXPECT_EQ(CommandText(PriceList{"", 3}), "HARGA 3");
}

TEST(SmsCommand, WordsAfterAManagersKeywordSayWhatTheCommandWouldNeed) {
  struct Case {
    std::string_view text;
    Command command;
    CommandForm form;
    std::string_view message;
  };
  const Case cases[] = {
      {"OK no.13", Unknown{}, CommandForm::kAccept, "'no' is not an order number: OK 123"},
      {"kirim no 13", Unknown{}, CommandForm::kShip, "'no' is not an order number: KIRIM 123"},
      {"OK abc", Unknown{}, CommandForm::kAccept, "'abc' is not an order number: OK 123"},
      {"selesai deh", Unknown{}, CommandForm::kComplete,
       "'deh' is not an order number: SELESAI 123"},
      {"HARGA B1", PriceList{"b1"}, CommandForm::kSetPrice,
       "HARGA needs a product code and a price: HARGA B1 65000"},
      {"HARGA B1 abc", PriceList{"b1 abc"}, CommandForm::kSetPrice,
       "price 'abc' is not a whole rupiah amount: HARGA B1 65000"},
      {"price 65000", PriceList{"65000"}, CommandForm::kSetPrice,
       "'65000' is not a product code: PRICE B1 65000"},
  };
  for (const Case& c : cases) {
    ParsedCommand p = ParseSmsCommand(c.text);
    ASSERT_TRUE(p.ok()) << c.text << " -> " << p.error().message;
    EXPECT_EQ(p.command(), c.command) << c.text;
    ASSERT_TRUE(p.manager_error.has_value()) << c.text;
    EXPECT_EQ(p.manager_error->form, c.form) << c.text;
    EXPECT_EQ(p.manager_error->message, c.message) << c.text;
  }
  for (std::string_view text : {"HARGA", "MENU B1", "OK 123", "STOK B1 20", "halo", "PESAN B1 2"}) {
    EXPECT_FALSE(ParseSmsCommand(text).manager_error.has_value()) << text;
  }
}

TEST(SmsCommand, Pin) {
  ParsedCommand p = ParseSmsCommand("PIN 1234 OK 123");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.pin, "1234");
  EXPECT_EQ(p.command(), Command(AcceptOrder{123}));

  p = ParseSmsCommand("pin:00012345 stok b1 20");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.pin, "00012345");
  EXPECT_EQ(p.command(), Command(SetStock{"B1", 20}));

  p = ParseSmsCommand("PIN 1234\nHARGA B1 65.000");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.pin, "1234");
  EXPECT_EQ(p.command(), Command(SetPrice{"B1", 65000}));

  // The PIN is kept when the command after it is wrong, so the reply can still treat the
  // sender as a manager.
  p = ParseSmsCommand("PIN 1234 STOK B1");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.pin, "1234");
  EXPECT_EQ(p.error().form, CommandForm::kStock);

  // Text after the PIN that is no command is read as without the PIN: a keyword mistyped is
  // Unknown, and a manager's command missing its number says what it would need.
  p = ParseSmsCommand("PIN 1234 KRIM 1");
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p.pin, "1234");
  EXPECT_EQ(p.command(), Command(Unknown{}));
  EXPECT_FALSE(p.manager_error.has_value());
  p = ParseSmsCommand("PIN 1234 halo");
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p.command(), Command(Unknown{}));
  for (std::string_view text : {"OK abc", "HARGA B1"}) {
    const ParsedCommand without = ParseSmsCommand(text);
    p = ParseSmsCommand("PIN 1234 " + std::string(text));
    ASSERT_TRUE(p.ok()) << text;
    EXPECT_EQ(p.command(), without.command()) << text;
    ASSERT_TRUE(p.manager_error.has_value()) << text;
    EXPECT_EQ(p.manager_error, without.manager_error) << text;
  }
}

TEST(SmsCommand, NotACommand) {
  for (std::string_view text : {"",
                                " ",
                                "\n\t",
                                "...",
                                "Halo, pesan B1 2",
                                "selamat pagi",
                                "123",
                                "1234 OK 123",
                                "B1 2",
                                "PESANB1 2",
                                "STOKB1 20",
                                "OKE",
                                "PESANé B1",
                                "\xFF\xFE",
                                "\xC3\xA9t\xC3\xA9",
                                "terima kasih",
                                "Terima kasih banyak!",
                                "ok siap",
                                "OK terima kasih",
                                "selesai deh",
                                "kirim ke rumah ya"}) {
    ParsedCommand p = ParseSmsCommand(text);
    ASSERT_TRUE(p.ok()) << text << " -> " << p.error().message;
    EXPECT_EQ(p.command(), Command(Unknown{})) << text;
    EXPECT_EQ(CommandText(p.command()), "");
    EXPECT_EQ(FormOf(p.command()), CommandForm::kUnknown);
  }
}

struct Bad {
  std::string_view text;
  CommandForm form;
  std::string_view message;
};

const Bad kBad[] = {
    // Orders.
    {"PESAN", CommandForm::kOrder, "PESAN needs a product code and a quantity: PESAN B1 2"},
    {"pesan?", CommandForm::kOrder, "PESAN needs a product code and a quantity: PESAN B1 2"},
    {"ORDER", CommandForm::kOrder, "ORDER needs a product code and a quantity: ORDER B1 2"},
    {"PESAN 2 B1", CommandForm::kOrder, "a quantity needs a product code before it: PESAN B1 2"},
    {"PESAN B1 0", CommandForm::kOrder, "quantity '0' is not between 1 and 99999: PESAN B1 2"},
    {"PESAN B1 100000", CommandForm::kOrder,
     "quantity '100000' is not between 1 and 99999: PESAN B1 2"},
    {"PESAN B1 100.000", CommandForm::kOrder,
     "quantity '100000' is not between 1 and 99999: PESAN B1 2"},
    {"PESAN B1 2.5", CommandForm::kOrder, "B1 has two quantities: PESAN B1 2"},
    {"PESAN B1 2.5000", CommandForm::kOrder, "B1 has two quantities: PESAN B1 2"},
    {"PESAN B1x0", CommandForm::kOrder, "quantity '0' is not between 1 and 99999: PESAN B1 2"},
    {"PESAN B1 -2", CommandForm::kOrder, "quantity '-2' is not between 1 and 99999: PESAN B1 2"},
    {"PESAN B1=-2", CommandForm::kOrder, "quantity '-2' is not between 1 and 99999: PESAN B1 2"},
    {"PESAN B1 x -2", CommandForm::kOrder, "quantity '-2' is not between 1 and 99999: PESAN B1 2"},
    {"PESAN B1 2 M3 -1", CommandForm::kOrder,
     "quantity '-1' is not between 1 and 99999: PESAN B1 2"},
    {"PESAN B1 x0", CommandForm::kOrder, "quantity '0' is not between 1 and 99999: PESAN B1 2"},
    {"PESAN B1 99999999999999999999999", CommandForm::kOrder,
     "quantity '99999999999999999999999' is not between 1 and 99999: PESAN B1 2"},
    {"PESAN B1 2p5", CommandForm::kOrder, "quantity '2p5' is not a number: PESAN B1 2"},
    {"PESAN B1 -2pcs", CommandForm::kOrder, "quantity '-2' is not between 1 and 99999: PESAN B1 2"},
    {"PESAN B1 2 3", CommandForm::kOrder, "B1 has two quantities: PESAN B1 2"},
    {"PESAN ABCDEFGHIJKLMNOPQ 1", CommandForm::kOrder,
     "product code 'ABCDEFGHIJKLMNOPQ' is too long: PESAN B1 2"},
    {"PESAN B1 2 ALAMAT", CommandForm::kOrder, "the address after ALAMAT is missing: PESAN B1 2"},
    {"PESAN B1 2 address:", CommandForm::kOrder,
     "the address after ADDRESS is missing: PESAN B1 2"},
    {"PESAN ALAMAT Jl Mawar", CommandForm::kOrder,
     "PESAN needs a product code and a quantity: PESAN B1 2"},
    {"PESAN A1 A2 A3 A4 A5 A6 A7 A8 A9 A10 A11 A12 A13 A14 A15 A16 A17 A18 A19 A20 A21",
     CommandForm::kOrder, "at most 20 products in one order: PESAN B1 2"},

    // Customers' other commands.
    {"ALAMAT", CommandForm::kAddress, "ALAMAT needs the address: ALAMAT Jl Mawar 3"},
    {"ALAMAT: ...", CommandForm::kAddress, "ALAMAT needs the address: ALAMAT Jl Mawar 3"},
    {"ADDRESS", CommandForm::kAddress, "ADDRESS needs the address: ADDRESS Jl Mawar 3"},
    {"BATAL abc", CommandForm::kCancel, "'abc' is not an order number: BATAL 123"},
    {"BATAL 0", CommandForm::kCancel, "'0' is not an order number: BATAL 123"},
    {"CANCEL B1", CommandForm::kCancel, "'B1' is not an order number: CANCEL 123"},
    {"BATAL 1234567890123", CommandForm::kCancel,
     "'1234567890123' is not an order number: BATAL 123"},

    // Managers.
    {"OK", CommandForm::kAccept, "OK needs an order number: OK 123"},
    {"TERIMA", CommandForm::kAccept, "TERIMA needs an order number: TERIMA 123"},
    {"OK 123 124", CommandForm::kAccept, "one order number at a time: OK 123"},
    {"OK 123 dan 124", CommandForm::kAccept, "one order number at a time: OK 123"},
    {"KIRIM", CommandForm::kShip, "KIRIM needs an order number: KIRIM 123"},
    {"SHIP 12a", CommandForm::kShip, "'12a' is not an order number: SHIP 123"},
    {"SELESAI", CommandForm::kComplete, "SELESAI needs an order number: SELESAI 123"},
    {"DONE 0", CommandForm::kComplete, "'0' is not an order number: DONE 123"},
    {"TOLAK", CommandForm::kReject, "TOLAK needs an order number: TOLAK 123 stok habis"},
    {"TOLAK stok habis", CommandForm::kReject,
     "'stok' is not an order number: TOLAK 123 stok habis"},
    {"STOK B1", CommandForm::kStock, "STOK needs a product code and a number: STOK B1 20"},
    {"STOCK B1", CommandForm::kStock, "STOCK needs a product code and a number: STOCK B1 20"},
    {"STOK 2000", CommandForm::kStock, "'2000' is not a product code: STOK B1 20"},
    {"STOK B1 banyak", CommandForm::kStock, "stock 'banyak' is not a whole number: STOK B1 20"},
    {"STOK B1 +1000000000", CommandForm::kStock, "stock is more than 999999999: STOK B1 20"},
    {"STOK B1 20kg", CommandForm::kStock, "stock '20kg' is not a whole number: STOK B1 20"},
    {"STOK B1 1000000000", CommandForm::kStock, "stock is more than 999999999: STOK B1 20"},
    {"STOK B1 1.000.000.000", CommandForm::kStock, "stock is more than 999999999: STOK B1 20"},
    {"STOK B1 1.0000", CommandForm::kStock,
     "STOK takes one product code and one number: STOK B1 20"},
    {"STOK B1 20 M3 5", CommandForm::kStock,
     "STOK takes one product code and one number: STOK B1 20"},
    {"STOCK B1 20 kg", CommandForm::kStock,
     "STOCK takes one product code and one number: STOCK B1 20"},
    {"STOK ABCDEFGHIJKLMNOPQ 1", CommandForm::kStock,
     "product code 'ABCDEFGHIJKLMNOPQ' is too long: STOK B1 20"},
    {"HARGA B1 65.00", CommandForm::kSetPrice,
     "price '65.00' is not a whole rupiah amount: HARGA B1 65000"},
    {"HARGA B1 0", CommandForm::kSetPrice,
     "price '0' is not a whole rupiah amount: HARGA B1 65000"},
    {"HARGA B1 -5000", CommandForm::kSetPrice,
     "price '-5000' is not a whole rupiah amount: HARGA B1 65000"},
    {"HARGA B1 65000 per kg", CommandForm::kSetPrice,
     "price '65000 per kg' is not a whole rupiah amount: HARGA B1 65000"},
    {"PRICE B1 Rp", CommandForm::kSetPrice,
     "price 'Rp' is not a whole rupiah amount: PRICE B1 65000"},
    {"HARGA B1 9999999999999", CommandForm::kSetPrice,
     "price '9999999999999' is not a whole rupiah amount: HARGA B1 65000"},
    {"HARGA B1 1000000000rb", CommandForm::kSetPrice,
     "price '1000000000rb' is not a whole rupiah amount: HARGA B1 65000"},
    {"HARGA B1 65,5rb", CommandForm::kSetPrice,
     "price '65,5rb' is not a whole rupiah amount: HARGA B1 65000"},
    {"TAMBAH", CommandForm::kAddProduct,
     "TAMBAH needs a product code, a price and a name: TAMBAH B9 12000 Gula Aren 1kg"},
    {"TAMBAH B9", CommandForm::kAddProduct,
     "TAMBAH needs a product code, a price and a name: TAMBAH B9 12000 Gula Aren 1kg"},
    {"TAMBAH B9 12000", CommandForm::kAddProduct,
     "the product name is missing: TAMBAH B9 12000 Gula Aren 1kg"},
    {"TAMBAH B9 Rp 12.000", CommandForm::kAddProduct,
     "the product name is missing: TAMBAH B9 12000 Gula Aren 1kg"},
    {"TAMBAH B9 Gula Aren 12000", CommandForm::kAddProduct,
     "price 'Gula' is not a whole rupiah amount: TAMBAH B9 12000 Gula Aren 1kg"},
    {"ADD 9B 12000 Gula", CommandForm::kAddProduct,
     "'9B' is not a product code: ADD B9 12000 Gula Aren 1kg"},
    {"HAPUS", CommandForm::kRemoveProduct, "HAPUS needs a product code: HAPUS B9"},
    {"DELETE 12", CommandForm::kRemoveProduct, "'12' is not a product code: DELETE B9"},
    {"HAPUS B9 M3", CommandForm::kRemoveProduct, "HAPUS takes one product code: HAPUS B9"},

    // PIN.
    {"PIN", CommandForm::kPin, "PIN needs 4 to 8 digits and then a command: PIN 1234 OK 123"},
    {"PIN 12 OK 123", CommandForm::kPin,
     "PIN needs 4 to 8 digits and then a command: PIN 1234 OK 123"},
    {"PIN 123456789 OK 123", CommandForm::kPin,
     "PIN needs 4 to 8 digits and then a command: PIN 1234 OK 123"},
    {"PIN abcd OK 123", CommandForm::kPin,
     "PIN needs 4 to 8 digits and then a command: PIN 1234 OK 123"},
    {"PIN 1234", CommandForm::kPin, "a command must follow the PIN: PIN 1234 OK 123"},
    {"PIN 1234 PIN 1234 OK 1", CommandForm::kPin, "the PIN is given twice: PIN 1234 OK 123"},
};

TEST(SmsCommand, BadCommandsSayWhatWasMeantAndShowTheForm) {
  for (const Bad& b : kBad) {
    ParsedCommand p = ParseSmsCommand(b.text);
    ASSERT_FALSE(p.ok()) << b.text << " -> " << CommandText(p.command());
    EXPECT_EQ(p.error().form, b.form) << b.text;
    EXPECT_EQ(p.error().message, b.message) << b.text;
    EXPECT_TRUE(p.error().message.ends_with(": " + p.error().usage)) << b.text;
  }
}

TEST(SmsCommand, ALongNameIsRefusedALongAddressOrReasonTaken) {
  const std::string long_text(400, 'a');
  // An address of any length is taken: the shop says how long one may be, and an order with one
  // too long can wait for a shorter.
  EXPECT_EQ(ParseSmsCommand("ALAMAT " + long_text).command(), Command(SetAddress{long_text}));
  EXPECT_EQ(ParseSmsCommand("PESAN B1 2 ALAMAT " + long_text).command(),
            Command(PlaceOrder{{{"B1", 2}}, long_text}));
  EXPECT_EQ(ParseSmsCommand("TAMBAH B9 1000 " + long_text).error().message,
            "the product name is longer than 100 characters: TAMBAH B9 12000 Gula Aren 1kg");
  EXPECT_EQ(ParseSmsCommand("TAMBAH B9 1000 " + long_text).error().max_chars, kMaxNameLength);
  EXPECT_EQ(ParseSmsCommand("TAMBAH B9").error().max_chars, 0u);
  EXPECT_EQ(ParseSmsCommand("STOK B1 99999999999").error().max_stock, kMaxStock);
  EXPECT_EQ(ParseSmsCommand("STOK B1 -99999999999").error().max_stock, kMaxStock);
  EXPECT_EQ(ParseSmsCommand("STOK B1 banyak").error().max_stock, 0);
  // A name is counted in characters: 100 of them in Javanese script are 300 bytes.
  std::string javanese;
  for (int i = 0; i < 100; ++i) javanese += "\xEA\xA6\x92";  // U+A992 JAVANESE LETTER KA
  ParsedCommand name = ParseSmsCommand("TAMBAH B9 1000 " + javanese);
  ASSERT_TRUE(name.ok()) << name.error().message;
  EXPECT_EQ(std::get<AddProduct>(name.command()).name, javanese);
  EXPECT_FALSE(ParseSmsCommand("TAMBAH B9 1000 " + javanese + "\xEA\xA6\x92").ok());
  // A reason of any length is taken: the reply to the customer shortens it.
  ParsedCommand reason = ParseSmsCommand("TOLAK 1 " + long_text);
  ASSERT_TRUE(reason.ok()) << reason.error().message;
  EXPECT_EQ(reason.command(), Command(RejectOrder{1, long_text}));
}

TEST(SmsCommand, ManyItemsAreRefusedNotTruncated) {
  std::string text = "PESAN";
  for (int i = 0; i < 500; ++i) text += " B1 1";
  // 500 lines of B1 would add up to 500; the parser refuses rather than read part of it.
  ParsedCommand p = ParseSmsCommand(text);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().message, "at most 20 products in one order: PESAN B1 2");

  text = "PESAN";
  for (int i = 1; i <= 20; ++i) text += " A" + std::to_string(i) + " 1";
  p = ParseSmsCommand(text);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(std::get<PlaceOrder>(p.command()).items.size(), 20u);
}

TEST(SmsCommand, ManagerForms) {
  for (CommandForm f : {CommandForm::kAccept, CommandForm::kShip, CommandForm::kComplete,
                        CommandForm::kReject, CommandForm::kStock, CommandForm::kSetPrice,
                        CommandForm::kAddProduct, CommandForm::kRemoveProduct, CommandForm::kOpen,
                        CommandForm::kClose, CommandForm::kListOrders, CommandForm::kReport}) {
    EXPECT_TRUE(IsManagerForm(f)) << static_cast<int>(f);
  }
  for (CommandForm f :
       {CommandForm::kOrder, CommandForm::kAddress, CommandForm::kStatus, CommandForm::kCancel,
        CommandForm::kPriceList, CommandForm::kHelp, CommandForm::kConfirm, CommandForm::kDecline,
        CommandForm::kPin, CommandForm::kUnknown}) {
    EXPECT_FALSE(IsManagerForm(f)) << static_cast<int>(f);
  }
}

}  // namespace
}  // namespace pesan::sms
