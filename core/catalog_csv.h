// The shop's catalogue as a spreadsheet file: what a manager exports, edits and imports back.
// RFC 4180 CSV with a header row; pure functions over bytes.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/money.h"
#include "core/result.h"

namespace pesan {

// A product code is what a customer types in an SMS ("PESAN B1 2"): 1 to 16 ASCII letters
// and digits, the first a letter, upper case ("B1", "GULA2").
inline constexpr size_t kMaxProductCodeLength = 16;
bool IsProductCode(std::string_view code);

struct CatalogRow {
  std::string code;        // a product code (see IsProductCode), unique in the file
  std::string name;        // never empty
  Rupiah price = 0;        // more than 0
  std::int64_t stock = 0;  // 0 or more
  std::string unit;        // "kg", "bungkus"; may be empty
  std::string category;    // may be empty
  bool active = true;      // false: kept in the catalogue but not offered
  // The optional values the row gives (its column is there and its cell not empty). A product
  // already in the catalogue keeps the others: a file of code, name and price changes prices
  // and leaves stock, unit and category as they are. A new product gets 0, "" and "".
  enum Given : std::uint8_t { kStock = 1, kUnit = 2, kCategory = 4, kAll = 7 };
  std::uint8_t given = kAll;
  // The same product values (what a row gives is not compared).
  bool operator==(const CatalogRow& o) const {
    return code == o.code && name == o.name && price == o.price && stock == o.stock &&
           unit == o.unit && category == o.category && active == o.active;
  }
};

// Reads a catalogue file:
// - UTF-8, with or without a byte order mark; text that is not UTF-8 is an error.
// - The separator is ',' or ';', whichever the header line uses (spreadsheets set to the
//   Indonesian locale write ';').
// - The header names the columns in any order, case-insensitively: code, name, price (required)
//   and stock, unit, category, active (optional; 0, "", "", true when absent or empty, and
//   see CatalogRow::given for the products already in the catalogue). The
//   Indonesian names kode, nama, harga, stok, satuan, kategori, aktif are accepted too. An
//   unknown column is an error naming it.
// - RFC 4180 quoting: "..." fields may hold separators, newlines and "" for a quote. Lines end
//   with CRLF, LF or CR. Unquoted fields are trimmed of spaces and tabs; quoted ones are kept
//   as written. Rows with every field empty are skipped.
// - Values: codes are upper-cased and must be unique; prices are whole rupiah as ParseRupiah
//   reads them ("65000", "65.000", "Rp 65.000"); stock is a whole number of 0 or more; active
//   is 1/0, yes/no, ya/tidak, true/false, y/n.
// Any bad row is InvalidInput naming its physical line in the file (the line a row starts on)
// and the problem: "line 7: price 'abc' is not a whole rupiah amount".
Result<std::vector<CatalogRow>> ParseCatalogCsv(std::string_view bytes);

// Writes rows as ParseCatalogCsv reads them back: comma-separated, CRLF line ends, the header
// "code,name,price,stock,unit,category,active" first, prices as plain whole rupiah, active as
// 1/0, fields quoted where needed. For rows ParseCatalogCsv could have returned,
// ParseCatalogCsv(WriteCatalogCsv(rows)) gives the same rows.
std::string WriteCatalogCsv(std::span<const CatalogRow> rows);

}  // namespace pesan
