// Texts cost money: every default text, filled with typical values, is measured.
#include "menus/texts.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "core/embedded.h"
#include "core/gsm_text.h"
#include "menus/ussd/ussd_menu.h"

namespace pesan {
namespace {

std::string Fill(const Texts& t, const std::string& lang, const std::string& key) {
  return FillTypical(t.Get(lang, key));
}

TEST(Texts, BothLanguagesHaveTheSameKeys) {
  auto t = *Texts::LoadDefault();
  EXPECT_EQ(t->Keys("id"), t->Keys("en"));
  EXPECT_GT(t->Keys("id").size(), 60u);
}

TEST(Texts, EverySmsFitsOneGsm7Segment) {
  auto t = *Texts::LoadDefault();
  for (const char* lang : {"id", "en"}) {
    for (const auto& key : t->Keys(lang)) {
      if (!key.starts_with("sms.")) continue;
      std::string text = Fill(*t, lang, key);
      EXPECT_EQ(text.find('{'), std::string::npos) << lang << " " << key << ": " << text;
      auto seg = CountSegments(text);
      EXPECT_EQ(seg.coding, SmsCoding::kGsm7) << lang << " " << key;
      EXPECT_EQ(seg.segments, 1u) << lang << " " << key << " (" << seg.units << "): " << text;
    }
  }
}

TEST(Texts, EveryUssdTextFitsAScreen) {
  auto t = *Texts::LoadDefault();
  for (const char* lang : {"id", "en"}) {
    for (const auto& key : t->Keys(lang)) {
      if (!key.starts_with("ussd.")) continue;
      std::string text = Fill(*t, lang, key);
      EXPECT_TRUE(IsGsm7(text)) << lang << " " << key;
      EXPECT_LE(text.size(), 160u) << lang << " " << key << ": " << text;
    }
  }
}

TEST(Texts, SubstituteLeavesUnknownPlaceholders) {
  EXPECT_EQ(Substitute("a {x} b {y} c {", {{"x", "1"}}), "a 1 b {y} c {");
  EXPECT_EQ(Substitute("{x}{x}", {{"x", "ab"}}), "abab");
}

// A value that ends its own sentence, or was cut with "...", is not followed by a second stop.
TEST(Texts, AValueEndingWithAStopTakesThePlaceOfTheTemplatesStop) {
  EXPECT_EQ(Substitute("{a}. HP", {{"a", "dekat masjid..."}}), "dekat masjid... HP");
  EXPECT_EQ(Substitute("{a}. HP", {{"a", "RT02."}}), "RT02. HP");
  EXPECT_EQ(Substitute("{a}. HP", {{"a", "RT02"}}), "RT02. HP");
  EXPECT_EQ(Substitute("Total.{a}.", {{"a", ""}}), "Total..");
  EXPECT_EQ(Substitute("{b}. {a}.", {{"a", "x."}}), "{b}. x.");
}

TEST(Texts, ABrokenOverrideFileNamesItsLine) {
  Texts t;
  auto st = t.Load("id", "[sms]\nhelp = \"x\"\nbad = 3\n", "texts.id.toml");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("texts.id.toml:3"), std::string::npos) << st.error().message;
}

// The operator's texts folder: what it holds is checked, and what no longer fits is said.
TEST(Texts, AnOverrideFolderIsChecked) {
  char tmpl[] = "/tmp/pesan-texts-XXXXXX";
  const std::filesystem::path dir = ::mkdtemp(tmpl);
  auto write = [&](const std::string& name, const std::string& toml) {
    std::ofstream(dir / name) << toml;
  };
  auto missing = Texts::LoadDefault((dir / "nope").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("does not exist"), std::string::npos);
  auto empty = Texts::LoadDefault(dir.string());
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.error().message.find("holds no texts.id.toml"), std::string::npos);

  write("texts.id.toml", "[sms]\nhelp = \"Bantuan singkat\"\nhepl = \"x\"\n");
  auto misspelt = Texts::LoadDefault(dir.string());
  ASSERT_FALSE(misspelt.ok());
  EXPECT_NE(misspelt.error().message.find("texts.id.toml:3: unknown text 'hepl' in [sms]"),
            std::string::npos)
      << misspelt.error().message;

  write("texts.id.toml", "[sms]\nhelp = \"Bantuan\"\n\n[ussd]\nwelcome = \"  \"\n");
  auto blank = Texts::LoadDefault(dir.string());
  ASSERT_FALSE(blank.ok());
  EXPECT_NE(
      blank.error().message.find(
          "texts.id.toml:5: ussd.welcome is empty; delete the line to keep the built-in text"),
      std::string::npos)
      << blank.error().message;

  write("texts.id.toml", "[sms]\nhelp = \"" + std::string(170, 'a') + "\"\n\n[ussd]\nmenu = \"" +
                             std::string(190, 'b') + "\"\nwelcome = \"Halo\"\n");
  std::vector<std::string> warnings;
  auto loaded = Texts::LoadDefault(dir.string(), &warnings);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ((*loaded)->Get("id", "ussd.welcome"), "Halo");
  EXPECT_EQ((*loaded)->Get("en", "sms.help"), Texts::LoadDefault().value()->Get("en", "sms.help"));
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_NE(warnings[0].find("texts.id.toml:2: sms.help is sent as 2 SMS"), std::string::npos)
      << warnings[0];
  EXPECT_NE(warnings[1].find("texts.id.toml:5: ussd.menu makes the 'main menu"), std::string::npos)
      << warnings[1];
  EXPECT_NE(warnings[1].find("the phone shows it cut"), std::string::npos) << warnings[1];
  std::filesystem::remove_all(dir);
}

// A text of an earlier version, still in a shop's override file, does not stop the gateway after
// an upgrade: it is passed over, with a warning naming its line; a misspelt one still stops it.
TEST(Texts, ARetiredTextInAnOverrideIsPassedOverWithAWarning) {
  std::vector<std::string> warnings;
  auto loaded = Texts::WithOverrides(
      {{"id", "[sms]\nhelp = \"Bantuan\"\ncount_orders = \"{count} pesanan\"\n", "texts.id.toml"}},
      &warnings);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ((*loaded)->Get("id", "sms.help"), "Bantuan");
  EXPECT_EQ((*loaded)->Get("id", "sms.count_orders"), "sms.count_orders");  // not a text now
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0].rfind("texts.id.toml:3: sms.count_orders is no longer used (", 0), 0u)
      << warnings[0];
  EXPECT_FALSE(
      Texts::WithOverrides({{"id", "[sms]\ncount_order = \"{count}\"\n", "texts.id.toml"}}).ok());
}

// A folder holding `files` (name, TOML), removed with the object.
class TextsFolder {
 public:
  explicit TextsFolder(std::initializer_list<std::pair<std::string, std::string>> files) {
    char tmpl[] = "/tmp/pesan-texts-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    for (const auto& [name, toml] : files) std::ofstream(dir_ / name) << toml;
  }
  ~TextsFolder() { std::filesystem::remove_all(dir_); }
  std::string path() const { return dir_.string(); }

 private:
  std::filesystem::path dir_;
};

// A menu of 165 characters is under a screen's 182, but the main menu screen also shows the
// shop's name above it: the phone got it cut and "4 Bahasa/Language" was lost, without a word
// at start.
TEST(Texts, AMenuTooLongForTheMainScreenIsWarnedAbout) {
  // As written in the file, with TOML's \n between the options.
  const std::string menu = "1 Belanja sembako, gas, dan kebutuhan dapur lainnya\\n" +
                           std::string("2 Pesanan saya: lihat, cek status, atau batalkan\\n") +
                           "3 Info toko, jam buka, dan daerah antar gratis\\n4 Bahasa/Language";
  TextsFolder folder({{"texts.id.toml", "[ussd]\nmenu = \"" + menu + "\"\n"}});
  std::vector<std::string> warnings;
  auto texts = Texts::LoadDefault(folder.path(), &warnings);
  ASSERT_TRUE(texts.ok()) << texts.error().message;
  const std::string shown((*texts)->Get("id", "ussd.menu"));
  ASSERT_EQ(ussd::CharCount(shown), 165u);

  Shop shop;
  shop.name = "BUMDes Maju Bersama";
  const auto screen = ussd::Step(ussd::MakeShopView(shop, {}), {}, **texts, {}).screen;
  EXPECT_EQ(screen.find("4 Bahasa/Language"), std::string::npos) << screen;

  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("/texts.id.toml:2: ussd.menu makes the 'main menu"), std::string::npos)
      << warnings[0];
  EXPECT_NE(warnings[0].find("a USSD screen holds 182, so the phone shows it cut"),
            std::string::npos)
      << warnings[0];
}

// Texts that fit alone can make a screen too long together; each is named.
TEST(Texts, TextsThatFillAScreenTogetherAreWarnedAbout) {
  TextsFolder folder({{"texts.en.toml",
                       "[ussd]\nwelcome = \"Welcome to {shop}, the village shop that brings your "
                       "shopping to your door\"\nmenu = \"1 Shop for groceries and gas\\n2 My "
                       "orders and their status\\n3 About the shop\\n4 Bahasa/Language\"\n"}});
  std::vector<std::string> warnings;
  auto texts = Texts::LoadDefault(folder.path(), &warnings);
  ASSERT_TRUE(texts.ok()) << texts.error().message;
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_NE(warnings[0].find("texts.en.toml:3: ussd.menu makes the 'main menu"), std::string::npos)
      << warnings[0];
  EXPECT_NE(warnings[1].find("texts.en.toml:2: ussd.welcome makes the 'main menu"),
            std::string::npos)
      << warnings[1];

  // The same menu under the built-in welcome fits every screen it is on.
  TextsFolder fits({{"texts.en.toml",
                     "[ussd]\nmenu = \"1 Shop for groceries and gas\\n2 My orders and their "
                     "status\\n3 About the shop\\n4 Bahasa/Language\"\n"}});
  warnings.clear();
  ASSERT_TRUE(Texts::LoadDefault(fits.path(), &warnings).ok());
  EXPECT_TRUE(warnings.empty()) << warnings.front();
}

// Customers received "{nama}" as written: a placeholder the text's name never fills stops the
// start.
TEST(Texts, AnOverrideWithAPlaceholderNeverFilledIsRefused) {
  TextsFolder help({{"texts.id.toml", "[sms]\n\nhelp = \"Halo {nama}\"\n"}});
  auto refused = Texts::LoadDefault(help.path());
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("/texts.id.toml:3: sms.help uses {nama}, which is never "
                                         "filled in for this text (it can use: none)"),
            std::string::npos)
      << refused.error().message;

  TextsFolder placed(
      {{"texts.en.toml", "[sms]\ncustomer_placed = \"Order {order} for {customer}: {total}\"\n"}});
  refused = Texts::LoadDefault(placed.path());
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("/texts.en.toml:2: sms.customer_placed uses {customer}, "
                                         "which is never filled in for this text (it can use: "
                                         "{items}, {order}, {shop}, {total})"),
            std::string::npos)
      << refused.error().message;

  TextsFolder fewer({{"texts.en.toml", "[sms]\ncustomer_placed = \"Order {order}: {total}\"\n"}});
  EXPECT_TRUE(Texts::LoadDefault(fewer.path()).ok());
}

// "Halo {bogus" reached customers as written: a '{' that nothing closes stops the start, with the
// file, the line and the text's name.
TEST(Texts, AnOverrideWithAPlaceholderLeftOpenIsRefused) {
  for (const auto& [toml, said] : std::vector<std::pair<std::string, std::string>>{
           {"[sms]\n\nhelp = \"Halo {bogus\"\n",
            "/texts.id.toml:3: sms.help: the '{' of \"{bogus\" is not closed"},
           {"[sms]\ncustomer_placed = \"Order {order: {total} {shop}\"\n",
            "/texts.id.toml:2: sms.customer_placed: the '{' of \"{order:\" is not closed"},
           {"[sms]\ncustomer_placed = \"Order {order}, {total}. {\"\n",
            "/texts.id.toml:2: sms.customer_placed: the '{' of \"{\" is not closed"}}) {
    TextsFolder folder({{"texts.id.toml", toml}});
    auto refused = Texts::LoadDefault(folder.path());
    ASSERT_FALSE(refused.ok()) << toml;
    EXPECT_NE(refused.error().message.find(said), std::string::npos) << refused.error().message;
  }
  TextsFolder closed({{"texts.id.toml", "[sms]\ncustomer_placed = \"Order {order}: {total}\"\n"}});
  EXPECT_TRUE(Texts::LoadDefault(closed.path()).ok());
}

// A shop's texts with a string left open are named as the config file names them: a missing
// closing quote at its line, not the parser's words for what it found instead.
TEST(Texts, AnOverrideWithoutAClosingQuoteIsNamed) {
  for (const auto& [toml, said] : std::vector<std::pair<std::string, std::string>>{
           {"[sms]\nhelp = \"Bantuan singkat\n\n[ussd]\nwelcome = \"Halo\"\n",
            "/texts.id.toml:2: missing closing quote: a string on this line runs to the end of "
            "the line"},
           {"[sms]\nhelp = 'Bantuan singkat\n", "/texts.id.toml:2: missing closing quote"},
           {"[sms]\n\nhelp = \"Bantuan singkat",
            "/texts.id.toml:3: missing closing quote: a string runs to the end of the file"}}) {
    TextsFolder folder({{"texts.id.toml", toml}});
    auto refused = Texts::LoadDefault(folder.path());
    ASSERT_FALSE(refused.ok()) << toml;
    EXPECT_NE(refused.error().message.find(said), std::string::npos) << refused.error().message;
    EXPECT_EQ(refused.error().message.find("Error while parsing"), std::string::npos)
        << refused.error().message;
  }
}

// A shop's texts are checked as read, without a folder: every kind of bad file is named with its
// line, and the built-in texts stay as they were.
TEST(Texts, BadOverridesAreNamedWithTheirLine) {
  for (const auto& [toml, said] : std::vector<std::pair<std::string, std::string>>{
           {"[sms]\nhelp = \"x\"\n\n[sms.help]\nx = \"a\"\n", "texts.id.toml:4: "},
           {"[sms]\n\nhelp = [\"Bantuan\"]\n", "texts.id.toml:3: help must be a string"},
           {"help = \"Bantuan\"\n", "texts.id.toml:1: 'help' must be a [section]"},
           {"[sms]\nhelp = \"Bantuan \xff\"\n", "texts.id.toml:2: "},
           {"[sms]\nhelp = \"a\"\nhelp = \"b\"\n", "texts.id.toml:3: "},
           {"[ussd]\nmenu = \"\"\"\n1 Belanja\n2 {shop\n\"\"\"\n",
            "texts.id.toml:2: ussd.menu: the '{' of \"{shop\" is not closed"}}) {
    auto refused = Texts::WithOverrides({{"id", toml, "texts.id.toml"}});
    ASSERT_FALSE(refused.ok()) << toml;
    EXPECT_EQ(refused.error().message.rfind(said, 0), 0u) << refused.error().message;
  }
  auto french = Texts::WithOverrides({{"fr", "[sms]\nhelp = \"Aide\"\n", "texts.fr.toml"}});
  ASSERT_FALSE(french.ok());
  EXPECT_EQ(french.error().message, "texts.fr.toml: no texts of language 'fr'");

  auto both = Texts::WithOverrides(
      {{"en", "[sms]\nhelp = \"Help\"\n", "texts.en.toml"}, {"id", "", "texts.id.toml"}});
  ASSERT_TRUE(both.ok()) << both.error().message;
  EXPECT_EQ((*both)->Get("en", "sms.help"), "Help");
  EXPECT_EQ((*both)->Get("id", "sms.help"), Texts::LoadDefault().value()->Get("id", "sms.help"));
}

// The menus' screens with the built-in texts fit: what a shop's own texts are measured against.
TEST(Texts, EveryScreenOfTheBuiltInTextsFits) {
  auto texts = *Texts::LoadDefault();
  for (const char* lang : Texts::kLanguages) {
    for (const auto& s : ussd::SampleScreens(*texts, lang)) {
      EXPECT_LE(ussd::CharCount(s.screen), ussd::Limits{}.max_chars)
          << lang << " " << s.name << ":\n"
          << s.screen;
    }
  }
}

// The built-in texts, given as a shop's own copies, pass every check without a warning; and both
// languages use the same placeholders, so neither widens what an override may use.
TEST(Texts, TheBuiltInTextsPassTheOverrideChecks) {
  TextsFolder folder({{"texts.id.toml", std::string(*EmbeddedFile("texts.id.toml"))},
                      {"texts.en.toml", std::string(*EmbeddedFile("texts.en.toml"))}});
  std::vector<std::string> warnings;
  auto texts = Texts::LoadDefault(folder.path(), &warnings);
  ASSERT_TRUE(texts.ok()) << texts.error().message;
  EXPECT_TRUE(warnings.empty()) << warnings.front();

  auto placeholders = [](std::string_view text) {
    std::vector<std::string> names;
    for (size_t open = text.find('{'); open != text.npos; open = text.find('{', open + 1)) {
      names.emplace_back(text.substr(open, text.find('}', open) - open + 1));
    }
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    return names;
  };
  for (const auto& key : (*texts)->Keys("id")) {
    EXPECT_EQ(placeholders((*texts)->Get("id", key)), placeholders((*texts)->Get("en", key)))
        << key;
  }
}

}  // namespace
}  // namespace pesan
