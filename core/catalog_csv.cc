#include "core/catalog_csv.h"

#include <array>
#include <optional>
#include <unordered_map>

namespace pesan {
namespace {

enum Column { kCode, kName, kPrice, kStock, kUnit, kCategory, kActive, kColumnCount };

constexpr std::array<std::string_view, kColumnCount> kColumnNames = {
    "code", "name", "price", "stock", "unit", "category", "active"};
// Header names a spreadsheet set up in Bahasa Indonesia may use.
constexpr std::array<std::string_view, kColumnCount> kIndonesianNames = {
    "kode", "nama", "harga", "stok", "satuan", "kategori", "aktif"};

bool IsBlank(char c) { return c == ' ' || c == '\t'; }
bool IsLineEnd(char c) { return c == '\r' || c == '\n'; }

std::string_view TrimBlanks(std::string_view s) {
  while (!s.empty() && IsBlank(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsBlank(s.back())) s.remove_suffix(1);
  return s;
}

// Scalars (code, price, stock, active) lose line ends too: a quoted "65000\n" is a price.
std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && (IsBlank(s.front()) || IsLineEnd(s.front()))) s.remove_prefix(1);
  while (!s.empty() && (IsBlank(s.back()) || IsLineEnd(s.back()))) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

// A value quoted back in an error message: at most 40 bytes, cut on a UTF-8 boundary.
std::string Quote(std::string_view value) {
  constexpr size_t kMax = 40;
  if (value.size() <= kMax) return "'" + std::string(value) + "'";
  size_t cut = kMax;
  while (cut > 0 && (static_cast<unsigned char>(value[cut]) & 0xC0) == 0x80) --cut;
  return "'" + std::string(value.substr(0, cut)) + "...'";
}

Error LineError(int line, std::string_view problem) {
  return InvalidInput("line " + std::to_string(line) + ": " + std::string(problem));
}

// Offset of the first byte that is not part of well-formed UTF-8 (RFC 3629 §4: no overlong
// forms, no surrogates, nothing above U+10FFFF), or npos.
size_t FindInvalidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (b < 0x80) {
      ++i;
      continue;
    } else if (b >= 0xC2 && b <= 0xDF) {
      len = 2;
    } else if (b >= 0xE0 && b <= 0xEF) {
      len = 3;
      if (b == 0xE0) lo = 0xA0;
      if (b == 0xED) hi = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
      len = 4;
      if (b == 0xF0) lo = 0x90;
      if (b == 0xF4) hi = 0x8F;
    } else {
      return i;
    }
    if (i + len > s.size()) return i;
    const auto b1 = static_cast<unsigned char>(s[i + 1]);
    if (b1 < lo || b1 > hi) return i;
    for (size_t k = 2; k < len; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return i;
    }
    i += len;
  }
  return std::string_view::npos;
}

// Consumes one line end (CRLF, LF or CR) at `pos`; returns false if there is none.
bool ConsumeLineEnd(std::string_view s, size_t& pos) {
  if (pos >= s.size() || !IsLineEnd(s[pos])) return false;
  if (s[pos] == '\r' && pos + 1 < s.size() && s[pos + 1] == '\n') ++pos;
  ++pos;
  return true;
}

struct Field {
  std::string text;
  bool quoted = false;
};

struct Record {
  std::vector<Field> fields;
  int line = 0;  // physical line the record starts on
  bool Blank() const {
    for (const Field& f : fields) {
      if (!f.text.empty()) return false;
    }
    return true;
  }
};

// RFC 4180 §2 records, counting physical lines as it goes.
class CsvReader {
 public:
  CsvReader(std::string_view s, size_t pos, int line, char separator)
      : s_(s), pos_(pos), line_(line), separator_(separator) {}

  bool AtEnd() const { return pos_ >= s_.size(); }

  // Reads the record at the current position. REQUIRES: !AtEnd().
  Status Next(Record& record) {
    record.fields.clear();
    record.line = line_;
    while (true) {
      Field field;
      while (pos_ < s_.size() && IsBlank(s_[pos_])) ++pos_;
      if (pos_ < s_.size() && s_[pos_] == '"') {
        const int start_line = line_;
        field.quoted = true;
        ++pos_;
        while (true) {
          if (pos_ >= s_.size()) return LineError(start_line, "a quoted field is never closed");
          const char c = s_[pos_];
          if (c == '"') {
            if (pos_ + 1 < s_.size() && s_[pos_ + 1] == '"') {
              field.text.push_back('"');
              pos_ += 2;
              continue;
            }
            ++pos_;
            break;
          }
          if (c == '\r' || c == '\n') {
            const size_t from = pos_;
            ConsumeLineEnd(s_, pos_);
            field.text.append(s_.substr(from, pos_ - from));
            ++line_;
            continue;
          }
          field.text.push_back(c);
          ++pos_;
        }
        while (pos_ < s_.size() && IsBlank(s_[pos_])) ++pos_;
        if (pos_ < s_.size() && s_[pos_] != separator_ && !IsLineEnd(s_[pos_])) {
          return LineError(line_, "unexpected text after a closing quote");
        }
      } else {
        const size_t from = pos_;
        while (pos_ < s_.size() && s_[pos_] != separator_ && !IsLineEnd(s_[pos_])) ++pos_;
        field.text = TrimBlanks(s_.substr(from, pos_ - from));
      }
      record.fields.push_back(std::move(field));
      if (pos_ < s_.size() && s_[pos_] == separator_) {
        ++pos_;
        continue;
      }
      if (ConsumeLineEnd(s_, pos_)) ++line_;
      return Ok{};
    }
  }

 private:
  std::string_view s_;
  size_t pos_;
  int line_;
  char separator_;
};

// ',' or ';': whichever occurs more often outside quotes on the header line.
char DetectSeparator(std::string_view s, size_t pos) {
  int commas = 0, semicolons = 0;
  bool quoted = false;
  for (; pos < s.size(); ++pos) {
    const char c = s[pos];
    if (c == '"') {
      quoted = !quoted;
    } else if (!quoted && IsLineEnd(c)) {
      break;
    } else if (!quoted && c == ',') {
      ++commas;
    } else if (!quoted && c == ';') {
      ++semicolons;
    }
  }
  return semicolons > commas ? ';' : ',';
}

std::string QuotedList(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) {
    if (!out.empty()) out += ", ";
    out += Quote(n);
  }
  return out;
}

// Maps each header field to a column (or -1 for a column with an empty name).
Result<std::vector<int>> MapHeader(const Record& header) {
  std::vector<int> columns;
  std::array<bool, kColumnCount> seen{};
  std::vector<std::string> unknown, repeated;
  for (const Field& f : header.fields) {
    const std::string name = Lower(TrimBlanks(f.text));
    if (name.empty()) {
      columns.push_back(-1);
      continue;
    }
    int column = -1;
    for (int c = 0; c < kColumnCount; ++c) {
      if (name == kColumnNames[c] || name == kIndonesianNames[c]) column = c;
    }
    if (column < 0) {
      unknown.push_back(std::string(TrimBlanks(f.text)));
    } else if (seen[column]) {
      repeated.push_back(std::string(kColumnNames[column]));
    }
    if (column >= 0) seen[column] = true;
    columns.push_back(column);
  }
  if (!unknown.empty()) {
    return LineError(header.line,
                     std::string(unknown.size() == 1 ? "unknown column " : "unknown columns ") +
                         QuotedList(unknown) +
                         " (the columns are code, name, price, stock, unit, category, active)");
  }
  if (!repeated.empty()) {
    return LineError(header.line, "column " + QuotedList(repeated) + " appears more than once");
  }
  std::vector<std::string> missing;
  for (int c : {kCode, kName, kPrice}) {
    if (!seen[c]) missing.push_back(std::string(kColumnNames[c]));
  }
  if (!missing.empty()) {
    return LineError(header.line,
                     std::string(missing.size() == 1 ? "missing column " : "missing columns ") +
                         QuotedList(missing));
  }
  return columns;
}

std::optional<bool> ParseActive(std::string_view text) {
  const std::string v = Lower(text);
  for (std::string_view yes : {"1", "yes", "y", "ya", "true"}) {
    if (v == yes) return true;
  }
  for (std::string_view no : {"0", "no", "n", "tidak", "false"}) {
    if (v == no) return false;
  }
  return std::nullopt;
}

// A stock: up to 9 digits, grouped in thousands with '.' or ',' as spreadsheets write them
// ("1.000", "12,500"); "2.5" and "1.00" are not whole numbers.
std::optional<std::int64_t> ParseCount(std::string_view text) {
  const size_t mark = text.find_first_of(".,");
  if (mark != std::string_view::npos) {
    const char sep = text[mark];
    if (mark == 0 || mark > 3) return std::nullopt;
    std::string digits(text.substr(0, mark));
    for (size_t at = mark; at < text.size(); at += 4) {
      if (text[at] != sep || text.size() - at < 4) return std::nullopt;
      digits.append(text.substr(at + 1, 3));
    }
    if (digits.find_first_of(".,") != std::string::npos) return std::nullopt;
    return ParseCount(digits);
  }
  if (text.empty() || text.size() > 9) return std::nullopt;
  std::int64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

// Builds a row from a record's fields; `values` is indexed by Column.
Result<CatalogRow> MakeRow(int line, const std::array<const Field*, kColumnCount>& values) {
  auto text = [&values](Column c) -> std::string_view {
    return values[c] ? std::string_view(values[c]->text) : std::string_view();
  };
  // Scalars are trimmed even when quoted; free text is kept as written when quoted.
  auto scalar = [&text](Column c) { return TrimSpace(text(c)); };
  auto free_text = [&values, &text](Column c) {
    return values[c] && values[c]->quoted ? std::string(text(c)) : std::string(TrimBlanks(text(c)));
  };

  CatalogRow row;
  row.code = Upper(scalar(kCode));
  if (row.code.empty()) return LineError(line, "code is empty");
  if (!IsProductCode(row.code)) {
    return LineError(line, "code " + Quote(scalar(kCode)) +
                               " must be letters and digits, starting with a letter, at most " +
                               std::to_string(kMaxProductCodeLength));
  }

  row.name = free_text(kName);
  if (TrimSpace(row.name).empty()) return LineError(line, "name is empty");

  const std::string_view price = scalar(kPrice);
  if (price.empty()) return LineError(line, "price is empty");
  Result<Rupiah> rupiah = ParseRupiah(price);
  if (!rupiah.ok())
    return LineError(line, "price " + Quote(price) + " is not a whole rupiah amount");
  if (*rupiah <= 0) return LineError(line, "price must be more than 0");
  row.price = *rupiah;

  row.given = 0;
  if (const std::string_view stock = scalar(kStock); !stock.empty()) {
    std::optional<std::int64_t> count = ParseCount(stock);
    if (!count)
      return LineError(line, "stock " + Quote(stock) + " is not a whole number of 0 or more");
    row.stock = *count;
    row.given |= CatalogRow::kStock;
  }

  row.unit = free_text(kUnit);
  if (!TrimSpace(row.unit).empty()) row.given |= CatalogRow::kUnit;
  row.category = free_text(kCategory);
  if (!TrimSpace(row.category).empty()) row.given |= CatalogRow::kCategory;

  if (const std::string_view active = scalar(kActive); !active.empty()) {
    std::optional<bool> flag = ParseActive(active);
    if (!flag) {
      return LineError(line,
                       "active " + Quote(active) + " is not 1/0, yes/no, ya/tidak or true/false");
    }
    row.active = *flag;
  }
  return row;
}

bool NeedsQuotes(std::string_view v) {
  if (v.empty()) return false;
  if (IsBlank(v.front()) || IsBlank(v.back())) return true;
  return v.find_first_of(",;\"\r\n") != std::string_view::npos;
}

void AppendField(std::string& out, std::string_view v) {
  if (!NeedsQuotes(v)) {
    out.append(v);
    return;
  }
  out.push_back('"');
  for (char c : v) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

}  // namespace

bool IsProductCode(std::string_view code) {
  if (code.empty() || code.size() > kMaxProductCodeLength) return false;
  if (code[0] < 'A' || code[0] > 'Z') return false;
  for (char c : code) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

Result<std::vector<CatalogRow>> ParseCatalogCsv(std::string_view bytes) {
  if (bytes.starts_with("\xEF\xBB\xBF")) bytes.remove_prefix(3);  // UTF-8 byte order mark

  if (size_t bad = FindInvalidUtf8(bytes); bad != std::string_view::npos) {
    int line = 1;
    for (size_t p = 0; p < bad;) {
      if (ConsumeLineEnd(bytes, p)) {
        ++line;
      } else {
        ++p;
      }
    }
    return LineError(line, "the file is not UTF-8 text (save it as \"CSV UTF-8\")");
  }

  // The header is the first line with anything on it.
  size_t pos = 0;
  int line = 1;
  while (true) {
    size_t p = pos;
    while (p < bytes.size() && IsBlank(bytes[p])) ++p;
    if (!ConsumeLineEnd(bytes, p)) break;
    pos = p;
    ++line;
  }
  if (pos >= bytes.size()) {
    return InvalidInput(
        "the file is empty: the first line must name the columns, such as "
        "code,name,price,stock,unit,category,active");
  }

  CsvReader reader(bytes, pos, line, DetectSeparator(bytes, pos));
  Record header;
  if (Status s = reader.Next(header); !s.ok()) return s.error();
  Result<std::vector<int>> columns = MapHeader(header);
  if (!columns.ok()) return columns.error();

  std::vector<CatalogRow> rows;
  std::unordered_map<std::string, int> code_lines;
  Record record;
  while (!reader.AtEnd()) {
    if (Status s = reader.Next(record); !s.ok()) return s.error();
    if (record.Blank()) continue;
    std::array<const Field*, kColumnCount> values{};
    for (size_t i = 0; i < record.fields.size(); ++i) {
      const int column = i < columns->size() ? (*columns)[i] : -1;
      if (column >= 0) {
        values[column] = &record.fields[i];
      } else if (!record.fields[i].text.empty()) {
        return LineError(
            record.line,
            i < columns->size()
                ? "a value in column " + std::to_string(i + 1) + ", which has no name in the header"
                : std::to_string(record.fields.size()) + " fields but the header names " +
                      std::to_string(columns->size()));
      }
    }
    Result<CatalogRow> row = MakeRow(record.line, values);
    if (!row.ok()) return row.error();
    auto [it, added] = code_lines.emplace(row->code, record.line);
    if (!added) {
      return LineError(record.line, "code " + Quote(row->code) + " is already on line " +
                                        std::to_string(it->second));
    }
    rows.push_back(std::move(row).value());
  }
  return rows;
}

std::string WriteCatalogCsv(std::span<const CatalogRow> rows) {
  std::string out = "code,name,price,stock,unit,category,active\r\n";
  for (const CatalogRow& r : rows) {
    AppendField(out, r.code);
    out.push_back(',');
    AppendField(out, r.name);
    out.push_back(',');
    out += std::to_string(r.price);
    out.push_back(',');
    out += std::to_string(r.stock);
    out.push_back(',');
    AppendField(out, r.unit);
    out.push_back(',');
    AppendField(out, r.category);
    out.push_back(',');
    out += r.active ? "1" : "0";
    out += "\r\n";
  }
  return out;
}

}  // namespace pesan
