// Texts cost money: every default text, filled with typical values, is measured.
#include "menus/texts.h"

#include <gtest/gtest.h>

#include "core/gsm_text.h"

namespace pesan {
namespace {

// Typical values, a little on the long side.
std::string Fill(const Texts& t, const std::string& lang, const std::string& key) {
  return t.Format(lang, key,
                  {{"shop", "BUMDes Maju Bersama"},
                   {"order", "1234"},
                   {"items", "2x Beras 5kg, 1x Minyak goreng 1L"},
                   {"total", "Rp148.000"},
                   {"address", "Jl Mawar 3 RT02 dekat masjid"},
                   {"phone", "085766660001"},
                   {"status", "Diterima"},
                   {"code", "B1"},
                   {"name", "Gula Aren 1kg"},
                   {"price", "Rp65.000"},
                   {"stock", "120"},
                   {"max", "120"},
                   {"unit", "/karung"},
                   {"reason", ": di luar area antar"},
                   {"usage", "TOLAK 123 alasan"},
                   {"orders", "12"},
                   {"revenue", "Rp1.250.000"},
                   {"top", "14x Beras 5kg, 9x LPG 3kg"},
                   {"count", "3"},
                   {"n", "1"},
                   {"product", "B1"},
                   {"info", "Desa Sukamaju"},
                   {"minutes", "60"}});
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

TEST(Texts, ABrokenOverrideFileNamesItsLine) {
  Texts t;
  auto st = t.Load("id", "[sms]\nhelp = \"x\"\nbad = 3\n", "texts.id.toml");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("texts.id.toml:3"), std::string::npos) << st.error().message;
}

}  // namespace
}  // namespace pesan
