#include "core/catalog_csv.h"

#include <gtest/gtest.h>

namespace pesan {
namespace {

std::vector<CatalogRow> ParseOk(std::string_view csv) {
  auto r = ParseCatalogCsv(csv);
  EXPECT_TRUE(r.ok()) << csv << "\n-> " << r.error().message;
  return r.ok() ? *r : std::vector<CatalogRow>{};
}

std::string ParseError(std::string_view csv) {
  auto r = ParseCatalogCsv(csv);
  EXPECT_FALSE(r.ok()) << csv;
  if (r.ok()) return "";
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidInput);
  return r.error().message;
}

TEST(CatalogCsv, ReadsAPlainFile) {
  auto rows = ParseOk(
      "code,name,price,stock,unit,category,active\n"
      "B1,Beras 5kg,65000,20,karung,Sembako,1\n"
      "m3,Minyak Goreng 1L,18.500,0,liter,Sembako,0\n");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], (CatalogRow{"B1", "Beras 5kg", 65000, 20, "karung", "Sembako", true}));
  EXPECT_EQ(rows[1], (CatalogRow{"M3", "Minyak Goreng 1L", 18500, 0, "liter", "Sembako", false}));
}

TEST(CatalogCsv, OptionalColumnsDefault) {
  auto rows = ParseOk("name,price,code\nGula Aren,12000,b9\n");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], (CatalogRow{"B9", "Gula Aren", 12000, 0, "", "", true}));
  // Present but empty columns default too.
  rows = ParseOk("code,name,price,stock,unit,category,active\nB9,Gula Aren,12000,,,,\n");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], (CatalogRow{"B9", "Gula Aren", 12000, 0, "", "", true}));
}

TEST(CatalogCsv, HeaderInAnyOrderAndCase) {
  auto rows = ParseOk("Active;PRICE;Stock;Name;Code\nno;65.000;3;Beras;B1\n");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], (CatalogRow{"B1", "Beras", 65000, 3, "", "", false}));
}

TEST(CatalogCsv, IndonesianHeaderNames) {
  auto rows =
      ParseOk("Kode;Nama;Harga;Stok;Satuan;Kategori;Aktif\nB1;Beras;Rp 65.000;7;kg;Pokok;ya\n");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], (CatalogRow{"B1", "Beras", 65000, 7, "kg", "Pokok", true}));
}

TEST(CatalogCsv, SemicolonFileAsAnIndonesianSpreadsheetSavesIt) {
  // Excel in the Indonesian locale: BOM, ';', CRLF, thousands with '.', commas in text.
  auto rows = ParseOk(
      "\xEF\xBB\xBF"
      "code;name;price;stock;unit;category;active\r\n"
      "B1;Beras, premium;65.000;20;karung;Sembako;1\r\n"
      "T2;Telur;\"Rp 2.000\";100;butir;Protein;1\r\n");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].name, "Beras, premium");
  EXPECT_EQ(rows[0].price, 65000);
  EXPECT_EQ(rows[1].price, 2000);
  // Stock written with thousands as well.
  rows = ParseOk("code;name;price;stock\r\nB1;Beras;65.000;1.250\r\nT2;Telur;2.000;\"12,000\"\r\n");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].stock, 1250);
  EXPECT_EQ(rows[1].stock, 12000);
}

TEST(CatalogCsv, SeparatorComesFromTheHeaderLine) {
  // A comma inside a quoted header name does not count.
  auto rows = ParseOk("code;name;\"price\"\nB1;Gula, pasir;15000\n");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].name, "Gula, pasir");
  rows = ParseOk("code,name,price\nB1,Gula; pasir,15000\n");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].name, "Gula; pasir");
}

TEST(CatalogCsv, Rfc4180Quoting) {
  // K3 has an empty name, and K2 spans two lines.
  EXPECT_EQ(ParseError("code,name,price,unit\n"
                       "K1,\"Kopi \"\"Kapal Api\"\", 165g\",12000,\"bungkus\"\n"
                       "K2,\"Kopi\nbubuk\",9000,\n"
                       "K3,\"\",9000,\n"),
            "line 5: name is empty");

  auto rows = ParseOk(
      "code,name,price,unit\n"
      "K1,\"Kopi \"\"Kapal Api\"\", 165g\",12000,\"bungkus\"\r\n"
      "K2,\"Kopi\r\nbubuk\",9000,\n"
      "K3,  \" spaced \"  ,9000,\n");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].name, "Kopi \"Kapal Api\", 165g");
  EXPECT_EQ(rows[0].unit, "bungkus");
  EXPECT_EQ(rows[1].name, "Kopi\r\nbubuk");
  EXPECT_EQ(rows[2].name, " spaced ");  // quoted text is kept as written
}

TEST(CatalogCsv, LineEndsOfEveryKind) {
  for (std::string_view eol : {"\n", "\r\n", "\r"}) {
    std::string csv = "code,name,price" + std::string(eol) + "A1,Air,3000" + std::string(eol) +
                      "A2,Air besar,5000";  // no final line end
    auto rows = ParseOk(csv);
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[1].price, 5000);
    // The line numbers count the same way.
    auto message = ParseError(csv + std::string(eol) + "A3,Air,x");
    EXPECT_EQ(message, "line 4: price 'x' is not a whole rupiah amount");
  }
}

TEST(CatalogCsv, BlankLinesAndEmptyTrailingColumnsAreSkipped) {
  auto rows = ParseOk(
      "\n  \r\n"
      "code,name,price,,\n"
      "\n"
      "B1,Beras,65000,,\n"
      ",,,,\n"
      "M3,Minyak,18000,,,\n"  // one more empty field than the header: fine
      "\n");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].code, "M3");
}

TEST(CatalogCsv, UnquotedFieldsAreTrimmed) {
  auto rows = ParseOk("code , name , price\n b1 ,\tBeras  , 65.000 \n");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], (CatalogRow{"B1", "Beras", 65000, 0, "", "", true}));
}

TEST(CatalogCsv, PricesAsPeopleWriteThem) {
  for (std::string_view price :
       {"65000", "65.000", "Rp 65.000", "Rp65.000", "\"65,000\"", "rp. 65.000", "65.000,-"}) {
    auto rows = ParseOk("code;name;price\nB1;Beras;" + std::string(price) + "\n");
    ASSERT_EQ(rows.size(), 1u) << price;
    EXPECT_EQ(rows[0].price, 65000) << price;
  }
}

TEST(CatalogCsv, ActiveFlags) {
  struct Case {
    std::string_view text;
    bool active;
  };
  for (const Case& c : std::initializer_list<Case>{{"1", true},
                                                   {"0", false},
                                                   {"yes", true},
                                                   {"No", false},
                                                   {"YA", true},
                                                   {"tidak", false},
                                                   {"True", true},
                                                   {"FALSE", false},
                                                   {"y", true},
                                                   {"n", false},
                                                   {"", true}}) {
    auto rows = ParseOk("code,name,price,active\nB1,Beras,65000," + std::string(c.text) + "\n");
    ASSERT_EQ(rows.size(), 1u) << c.text;
    EXPECT_EQ(rows[0].active, c.active) << c.text;
  }
}

TEST(CatalogCsv, HeaderOnlyIsAnEmptyCatalogue) {
  EXPECT_TRUE(ParseOk("code,name,price\n").empty());
  EXPECT_TRUE(ParseOk("\xEF\xBB\xBF"
                      "code;name;price")
                  .empty());
}

TEST(CatalogCsv, BadFilesNameTheLineAndTheProblem) {
  struct Case {
    std::string_view csv;
    std::string_view message;
  };
  const Case cases[] = {
      {"",
       "the file is empty: the first line must name the columns, such as "
       "code,name,price,stock,unit,category,active"},
      {"\r\n\n",
       "the file is empty: the first line must name the columns, such as "
       "code,name,price,stock,unit,category,active"},
      {"code,name,harga jual,x\n",
       "line 1: unknown columns 'harga jual', 'x' (the columns are code, name, price, stock, "
       "unit, category, active)"},
      {"\ncode,nama,price,colour\n",
       "line 2: unknown column 'colour' (the columns are code, name, price, stock, unit, "
       "category, active)"},
      {"code,name\n", "line 1: missing column 'price'"},
      {"stock\n", "line 1: missing columns 'code', 'name', 'price'"},
      {"code,name,price,harga\n", "line 1: column 'price' appears more than once"},
      {"code,name,price\nB1,Beras,abc\n", "line 2: price 'abc' is not a whole rupiah amount"},
      {"code,name,price\nB1,Beras,65.00\n", "line 2: price '65.00' is not a whole rupiah amount"},
      {"code,name,price\nB1,Beras,-5000\n", "line 2: price '-5000' is not a whole rupiah amount"},
      {"code,name,price\nB1,Beras,0\n", "line 2: price must be more than 0"},
      {"code,name,price\nB1,Beras,\n", "line 2: price is empty"},
      {"code,name,price\nB1,Beras\n", "line 2: price is empty"},
      {"code,name,price\n,Beras,5000\n", "line 2: code is empty"},
      {"code,name,price\nB1,,5000\n", "line 2: name is empty"},
      {"code,name,price\nB1,\"  \",5000\n", "line 2: name is empty"},
      {"code,name,price\nB-1,Beras,5000\n",
       "line 2: code 'B-1' must be letters and digits, starting with a letter, at most 16"},
      {"code,name,price\n12,Beras,5000\n",
       "line 2: code '12' must be letters and digits, starting with a letter, at most 16"},
      {"code,name,price\nABCDEFGHIJKLMNOPQ,Beras,5000\n",
       "line 2: code 'ABCDEFGHIJKLMNOPQ' must be letters and digits, starting with a letter, at "
       "most 16"},
      {"code,name,price\nB1,Beras,5000\nM3,Minyak,18000\nb1,Beras lagi,6000\n",
       "line 4: code 'B1' is already on line 2"},
      {"code,name,price,stock\nB1,Beras,5000,-3\n",
       "line 2: stock '-3' is not a whole number of 0 or more"},
      {"code,name,price,stock\nB1,Beras,5000,2.5\n",
       "line 2: stock '2.5' is not a whole number of 0 or more"},
      {"code;name;price;stock\nB1;Beras;5000;1.00\n",
       "line 2: stock '1.00' is not a whole number of 0 or more"},
      {"code;name;price;stock\nB1;Beras;5000;1.000,5\n",
       "line 2: stock '1.000,5' is not a whole number of 0 or more"},
      {"code;name;price;stock\nB1;Beras;5000;1000.000.000\n",
       "line 2: stock '1000.000.000' is not a whole number of 0 or more"},
      {"code;name;price;stock\nB1;Beras;5000;1.000.000.000\n",
       "line 2: stock '1.000.000.000' is not a whole number of 0 or more"},
      {"code,name,price,stock\nB1,Beras,5000,1234567890\n",
       "line 2: stock '1234567890' is not a whole number of 0 or more"},
      {"code,name,price,active\nB1,Beras,5000,maybe\n",
       "line 2: active 'maybe' is not 1/0, yes/no, ya/tidak or true/false"},
      {"code,name,price\nB1,Beras,5000,extra\n", "line 2: 4 fields but the header names 3"},
      {"code,name,price,,\nB1,Beras,5000,,x\n",
       "line 2: a value in column 5, which has no name in the header"},
      {"code,name,price\nB1,\"Beras,5000\n", "line 2: a quoted field is never closed"},
      {"code,name,price\nB1,\"Beras\"x,5000\n", "line 2: unexpected text after a closing quote"},
      // A quoted newline moves the line count on: the bad price is on line 4.
      {"code,name,price\nB1,\"Beras\nputih\",5000\nB2,Beras merah,abc\n",
       "line 4: price 'abc' is not a whole rupiah amount"},
      // A record spanning lines is reported at the line it starts on.
      {"code,name,price\nB1,\"Beras\nputih\",abc\n",
       "line 2: price 'abc' is not a whole rupiah amount"},
      {"code,name,price\nB1,\"Beras\",\"Rp\n\"\n",
       "line 2: price 'Rp' is not a whole rupiah amount"},
      {"code,name,price\nB1,Beras\xE9,5000\n",
       "line 2: the file is not UTF-8 text (save it as \"CSV UTF-8\")"},
      {"code,name,price\r\nB1,Beras,5000\r\nB2,\xC0\xAF,5000\r\n",
       "line 3: the file is not UTF-8 text (save it as \"CSV UTF-8\")"},
      {"code,name,price\nB1,Beras,1234567890123456789012345678901234567890123\n",
       "line 2: price '1234567890123456789012345678901234567890...' is not a whole rupiah "
       "amount"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ParseError(c.csv), c.message) << c.csv;
  }
}

TEST(CatalogCsv, ProductCodes) {
  for (std::string_view ok : {"B1", "GULA", "A", "X2", "ABCDEFGHIJKLMNOP", "M3B"}) {
    EXPECT_TRUE(IsProductCode(ok)) << ok;
  }
  for (std::string_view bad : {"", "b1", "1B", "B-1", "B 1", "ABCDEFGHIJKLMNOPQ", "É1"}) {
    EXPECT_FALSE(IsProductCode(bad)) << bad;
  }
}

TEST(CatalogCsv, WritesPlainWholeRupiahAndQuotesWhereNeeded) {
  const std::vector<CatalogRow> rows = {
      {"B1", "Beras 5kg", 65000, 20, "karung", "Sembako", true},
      {"K1", "Kopi \"Kapal Api\", 165g", 1250000, 0, "", "Minuman; panas", false},
      {"K2", " Kopi\nbubuk ", 9000, 3, "\t", "", true},
  };
  EXPECT_EQ(WriteCatalogCsv(rows),
            "code,name,price,stock,unit,category,active\r\n"
            "B1,Beras 5kg,65000,20,karung,Sembako,1\r\n"
            "K1,\"Kopi \"\"Kapal Api\"\", 165g\",1250000,0,,\"Minuman; panas\",0\r\n"
            "K2,\" Kopi\nbubuk \",9000,3,\"\t\",,1\r\n");
  EXPECT_EQ(WriteCatalogCsv({}), "code,name,price,stock,unit,category,active\r\n");
}

TEST(CatalogCsv, WriteThenParseGivesTheSameRows) {
  const std::vector<CatalogRow> rows = {
      {"B1", "Beras 5kg", 65000, 20, "karung", "Sembako", true},
      {"K1", "Kopi \"Kapal Api\", 165g", 1250000, 0, "", "Minuman; panas", false},
      {"K2", " Kopi\r\nbubuk ", 9000, 999999999, "\t", "", true},
      {"T1", "Teh \xE2\x80\x9CSosro\xE2\x80\x9D \xF0\x9F\x8D\xB5", 3500, 1, "botol", "\"", true},
      {"Z9", "\"", 1, 0, " ", ",", false},
      {"ABCDEFGHIJKLMNOP", "x\ry", 999999999999, 5, "", "", true},
  };
  auto parsed = ParseCatalogCsv(WriteCatalogCsv(rows));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(*parsed, rows);
}

TEST(CatalogCsv, ParseWriteParseIsStable) {
  const std::string_view files[] = {
      "Kode;Nama;Harga;Stok;Satuan;Kategori;Aktif\r\nb1;Beras;Rp 65.000;7;kg;Pokok;ya\r\n",
      "name,code,price\n\"a \"\"b\"\"\",X1,1.000\n\" c \",X2,2000\n",
  };
  for (std::string_view csv : files) {
    auto first = ParseOk(csv);
    ASSERT_FALSE(first.empty());
    auto second = ParseOk(WriteCatalogCsv(first));
    EXPECT_EQ(first, second) << csv;
  }
}

}  // namespace
}  // namespace pesan
