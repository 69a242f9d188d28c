#include "menus/sms/command.h"

#include <algorithm>
#include <array>

#include "core/catalog_csv.h"

namespace pesan::sms {
namespace {

bool IsLetter(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char c) { return IsLetter(c) || IsDigit(c); }
bool IsAsciiPunct(char c) { return c > ' ' && c < 0x7F && !IsAlnum(c); }

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsDigit(c)) return false;
  }
  return true;
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

// What a sender typed, quoted back in a message: at most 24 bytes, cut on a UTF-8 boundary.
std::string Quote(std::string_view s) {
  constexpr size_t kMax = 24;
  if (s.size() <= kMax) return "'" + std::string(s) + "'";
  size_t cut = kMax;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return "'" + std::string(s.substr(0, cut)) + "...'";
}

// Control characters, tabs, newlines and no-break spaces become single spaces; leading
// punctuation ("#PESAN", "*STOK") and trailing punctuation ("STATUS?", "OK 12.") go.
std::string Normalize(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  bool pending_space = false;
  for (size_t i = 0; i < in.size(); ++i) {
    const auto c = static_cast<unsigned char>(in[i]);
    bool space = c <= ' ' || c == 0x7F;
    if (c == 0xC2 && i + 1 < in.size() && static_cast<unsigned char>(in[i + 1]) == 0xA0) {
      space = true;  // U+00A0 NO-BREAK SPACE, which some phones type for a space
      ++i;
    }
    if (space) {
      pending_space = true;
      continue;
    }
    if (pending_space && !out.empty()) out.push_back(' ');
    pending_space = false;
    out.push_back(static_cast<char>(c));
  }
  size_t lead = 0;
  while (lead < out.size() && (out[lead] == ' ' || IsAsciiPunct(out[lead]))) ++lead;
  out.erase(0, lead);
  constexpr std::string_view kTrailingJunk = " .,;:!?-#~*_";
  while (!out.empty() && kTrailingJunk.find(out.back()) != std::string_view::npos) out.pop_back();
  return out;
}

// Separators between a keyword or a token and the text that follows it.
constexpr std::string_view kSeparators = " :#=,;.-";

std::string_view SkipSeparators(std::string_view s, std::string_view separators = kSeparators) {
  while (!s.empty() && separators.find(s.front()) != std::string_view::npos) s.remove_prefix(1);
  return s;
}

// Splits normalized text into runs of ASCII letters and digits; everything else separates.
class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}

  // The next run, or empty at the end.
  std::string_view Next() {
    while (pos_ < s_.size() && !IsAlnum(s_[pos_])) ++pos_;
    const size_t from = pos_;
    while (pos_ < s_.size() && IsAlnum(s_[pos_])) ++pos_;
    last_begin_ = from;
    return s_.substr(from, pos_ - from);
  }

  // The sign of the run Next() returned, '-' or '+', when one is glued to it ("-5", not "B1-5")
  // or, with `spaced`, stands one space before it ("- 5"); else 0.
  char LastSign(bool spaced = false) const {
    size_t at = last_begin_;
    if (spaced && at >= 2 && s_[at - 1] == ' ' && (s_[at - 2] == '-' || s_[at - 2] == '+')) --at;
    if (at == 0 || (s_[at - 1] != '-' && s_[at - 1] != '+')) return 0;
    if (at >= 2 && IsAlnum(s_[at - 2])) return 0;
    return s_[at - 1];
  }

  // The run of digits Next() returned with the groups of three digits glued to it by '.' or ','
  // ("2.500", "1,000,000"): one number written with thousands separators. A run longer than three
  // digits, or a group that a letter or a digit continues ("2.5", "2.5000"), is no such number:
  // the run alone.
  std::string WithThousands(std::string_view run) {
    std::string digits(run);
    if (run.size() > 3) return digits;
    while (pos_ + 4 <= s_.size() && (s_[pos_] == '.' || s_[pos_] == ',') && IsDigit(s_[pos_ + 1]) &&
           IsDigit(s_[pos_ + 2]) && IsDigit(s_[pos_ + 3]) &&
           (pos_ + 4 == s_.size() || !IsAlnum(s_[pos_ + 4]))) {
      digits.append(s_.substr(pos_ + 1, 3));
      pos_ += 4;
    }
    return digits;
  }

  // Whether the run Next() returned has a minus sign glued to it ("-5", not "B1-5").
  bool LastIsNegative() const { return LastSign() == '-'; }

  // The text after the last run, as written.
  std::string_view Remainder() const { return s_.substr(pos_); }

  // Free text after the last run: separators dropped from its front.
  std::string_view Rest() const { return SkipSeparators(Remainder()); }

  bool AnyDigitRunLeft() {
    for (std::string_view t = Next(); !t.empty(); t = Next()) {
      if (IsDigit(t[0])) return true;
    }
    return false;
  }

 private:
  std::string_view s_;
  size_t pos_ = 0;
  size_t last_begin_ = 0;
};

struct Keyword {
  std::string_view word;
  CommandForm form;
  std::optional<CommandLanguage> language;  // none: both languages write it so
};

constexpr std::optional<CommandLanguage> kId = CommandLanguage::kIndonesian;
constexpr std::optional<CommandLanguage> kEn = CommandLanguage::kEnglish;
constexpr std::optional<CommandLanguage> kBoth = std::nullopt;

// HARGA and PRICE are both the price list and a price change; they map to kSetPrice and the
// arguments decide.
constexpr Keyword kKeywords[] = {
    {"PESAN", CommandForm::kOrder, kId},
    {"PESEN", CommandForm::kOrder, kId},
    {"ORDER", CommandForm::kOrder, kEn},
    {"BELI", CommandForm::kOrder, kId},
    {"BUY", CommandForm::kOrder, kEn},
    {"ALAMAT", CommandForm::kAddress, kId},
    {"ADDRESS", CommandForm::kAddress, kEn},
    {"STATUS", CommandForm::kStatus, kBoth},
    {"CEK", CommandForm::kStatus, kId},
    {"BATAL", CommandForm::kCancel, kId},
    {"CANCEL", CommandForm::kCancel, kEn},
    {"MENU", CommandForm::kPriceList, kBoth},
    {"PRICES", CommandForm::kPriceList, kEn},
    {"LIST", CommandForm::kPriceList, kEn},
    {"DAFTAR", CommandForm::kPriceList, kId},
    {"BANTUAN", CommandForm::kHelp, kId},
    {"HELP", CommandForm::kHelp, kEn},
    {"INFO", CommandForm::kHelp, kBoth},
    {"TOLONG", CommandForm::kHelp, kId},
    {"YA", CommandForm::kConfirm, kId},
    {"IYA", CommandForm::kConfirm, kId},
    {"YES", CommandForm::kConfirm, kEn},
    {"Y", CommandForm::kConfirm, kBoth},
    {"TIDAK", CommandForm::kDecline, kId},
    {"TDK", CommandForm::kDecline, kId},
    {"GAK", CommandForm::kDecline, kId},
    {"NO", CommandForm::kDecline, kEn},
    {"N", CommandForm::kDecline, kBoth},
    {"OK", CommandForm::kAccept, kBoth},
    {"TERIMA", CommandForm::kAccept, kId},
    {"ACCEPT", CommandForm::kAccept, kEn},
    {"KIRIM", CommandForm::kShip, kId},
    {"SHIP", CommandForm::kShip, kEn},
    {"SELESAI", CommandForm::kComplete, kId},
    {"DONE", CommandForm::kComplete, kEn},
    {"TOLAK", CommandForm::kReject, kId},
    {"REJECT", CommandForm::kReject, kEn},
    {"STOK", CommandForm::kStock, kId},
    {"STOCK", CommandForm::kStock, kEn},
    {"HARGA", CommandForm::kSetPrice, kId},
    {"PRICE", CommandForm::kSetPrice, kEn},
    {"TAMBAH", CommandForm::kAddProduct, kId},
    {"ADD", CommandForm::kAddProduct, kEn},
    {"HAPUS", CommandForm::kRemoveProduct, kId},
    {"DELETE", CommandForm::kRemoveProduct, kEn},
    {"REMOVE", CommandForm::kRemoveProduct, kEn},
    {"BUKA", CommandForm::kOpen, kId},
    {"OPEN", CommandForm::kOpen, kEn},
    {"TUTUP", CommandForm::kClose, kId},
    {"CLOSE", CommandForm::kClose, kEn},
    {"PESANAN", CommandForm::kListOrders, kId},
    {"ORDERS", CommandForm::kListOrders, kEn},
    {"LAPORAN", CommandForm::kReport, kId},
    {"REPORT", CommandForm::kReport, kEn},
    {"PIN", CommandForm::kPin, kBoth},
};

// The arguments of a form, as its usage line shows them, and what a bare error says it needs.
// Free words of the example (a reason, a name) are apart: a reply may put its own language's.
struct FormHelp {
  std::string_view example_args;
  std::string_view needs;
  std::string_view example_words = {};
};

FormHelp HelpFor(CommandForm form) {
  switch (form) {
    case CommandForm::kOrder:
      return {"B1 2", "needs a product code and a quantity"};
    case CommandForm::kAddress:
      return {"Jl Mawar 3", "needs the address"};
    case CommandForm::kStatus:
    case CommandForm::kCancel:
    case CommandForm::kAccept:
    case CommandForm::kShip:
    case CommandForm::kComplete:
      return {"123", "needs an order number"};
    case CommandForm::kReject:
      return {"123", "needs an order number", "stok habis"};
    case CommandForm::kStock:
      return {"B1 20", "needs a product code and a number"};
    case CommandForm::kSetPrice:
      return {"B1 65000", "needs a product code and a price"};
    case CommandForm::kAddProduct:
      return {"B9 12000", "needs a product code, a price and a name", "Gula Aren 1kg"};
    case CommandForm::kRemoveProduct:
      return {"B9", "needs a product code"};
    case CommandForm::kPin:
      return {"1234 OK 123", "needs 4 to 8 digits and then a command"};
    default:
      return {"", "takes no arguments"};
  }
}

using Outcome = std::variant<Command, ParseError>;

std::string UsageOf(CommandForm form, std::string_view keyword, std::string_view words) {
  const FormHelp help = HelpFor(form);
  std::string usage(keyword);
  if (!help.example_args.empty()) usage += " " + std::string(help.example_args);
  if (help.example_words.empty()) return usage;
  return usage + " " + std::string(words.empty() ? help.example_words : words);
}

// An error for `form` typed as `keyword`; `problem` empty says what the form needs.
ParseError Fail(CommandForm form, std::string_view keyword, std::string_view problem = {}) {
  const FormHelp help = HelpFor(form);
  ParseError e;
  e.form = form;
  e.keyword = std::string(keyword);
  e.usage = UsageOf(form, keyword, {});
  e.message =
      problem.empty() ? std::string(keyword) + " " + std::string(help.needs) : std::string(problem);
  e.message += ": " + e.usage;
  return e;
}

std::optional<OrderNumber> ReadOrderNumber(std::string_view token) {
  if (!AllDigits(token) || token.size() > 12) return std::nullopt;
  OrderNumber n = 0;
  for (char c : token) n = n * 10 + (c - '0');
  if (n == 0) return std::nullopt;
  return n;
}

// The words after HARGA or MENU: what to look for, and a last number for the page ("beras 2").
PriceList ReadPriceList(Lexer lex) {
  std::vector<std::string> words;
  for (std::string_view t = lex.Next(); !t.empty(); t = lex.Next()) {
    std::string w(t);
    for (char& ch : w) ch = static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
    words.push_back(std::move(w));
  }
  PriceList list;
  if (!words.empty() && AllDigits(words.back()) && words.back().size() <= 3) {
    list.page = std::max(1, std::stoi(words.back()));
    words.pop_back();
  }
  for (size_t i = 0; i < words.size() && i < kMaxQueryWords; ++i) {
    if (!list.query.empty()) list.query += ' ';
    list.query += words[i];
  }
  return list;
}

std::optional<int> ReadQuantity(std::string_view digits) {
  while (digits.size() > 1 && digits.front() == '0') digits.remove_prefix(1);
  if (!AllDigits(digits) || digits.size() > std::to_string(kMaxQuantity).size())
    return std::nullopt;
  int n = 0;
  for (char c : digits) n = n * 10 + (c - '0');
  if (n < 1 || n > kMaxQuantity) return std::nullopt;
  return n;
}

// The largest amount ParseRupiah reads, so that a price always reads back.
constexpr Rupiah kMaxPrice = 999'999'999'999;

// A price as a manager types it: what ParseRupiah reads, or a number of thousands ("65rb",
// "65 ribu", "65k").
std::optional<Rupiah> ReadPrice(std::string_view text) {
  std::string upper = Upper(text);
  Rupiah multiplier = 1;
  for (std::string_view suffix : {"RIBU", "RB", "K"}) {
    if (upper.size() > suffix.size() && upper.ends_with(suffix)) {
      upper.resize(upper.size() - suffix.size());
      multiplier = 1000;
      break;
    }
  }
  Result<Rupiah> r = ParseRupiah(upper);
  if (!r.ok() || *r <= 0 || *r > kMaxPrice / multiplier) return std::nullopt;
  return *r * multiplier;
}

// The characters of UTF-8 text (bytes that do not continue a sequence).
size_t CharCount(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// Free text: what remains, with separators dropped from its front.
std::string FreeText(std::string_view rest) { return std::string(SkipSeparators(rest)); }

// The product code at the lexer, or an error. `keyword` and `form` for the error.
std::variant<std::string, ParseError> ReadCode(Lexer& lex, CommandForm form,
                                               std::string_view keyword) {
  std::string_view token = lex.Next();
  if (token.empty()) return Fail(form, keyword);
  if (!IsLetter(token[0])) return Fail(form, keyword, Quote(token) + " is not a product code");
  std::string code = Upper(token);
  if (!IsProductCode(code))
    return Fail(form, keyword, "product code " + Quote(token) + " is too long");
  return code;
}

Outcome ParseOrder(std::string_view keyword, std::string_view args) {
  constexpr CommandForm kForm = CommandForm::kOrder;
  Lexer lex(args);
  PlaceOrder order;
  bool last_has_quantity = false;  // whether the last code written has its quantity yet
  auto set_quantity = [&](std::string_view digits) -> std::optional<ParseError> {
    std::optional<int> q = ReadQuantity(digits);
    if (!q) {
      ParseError e = Fail(
          kForm, keyword,
          "quantity " + Quote(digits) + " is not between 1 and " + std::to_string(kMaxQuantity));
      e.max_quantity = kMaxQuantity;
      return e;
    }
    order.items.back().quantity = *q;
    last_has_quantity = true;
    return std::nullopt;
  };
  for (std::string_view token = lex.Next(); !token.empty(); token = lex.Next()) {
    const std::string upper = Upper(token);
    const bool expecting_quantity = !order.items.empty() && !last_has_quantity;
    if (upper == "ALAMAT" || upper == "ADDRESS") {
      order.address = FreeText(lex.Rest());
      if (order.address.empty()) {
        return Fail(kForm, keyword, "the address after " + upper + " is missing");
      }
      break;
    }
    if (IsDigit(token[0]) && !AllDigits(token)) {
      // Digits, then letters: a quantity with its unit glued to it after a code with digits
      // ("B1 2pcs") when no quantity follows; else a size in a product's name as the price list
      // writes it ("beras 5kg 2", "minyak goreng 1L"), a word of the name that the shop matches
      // (no code starts with a digit).
      size_t digits = 1;
      while (IsDigit(token[digits])) ++digits;
      if (!std::all_of(token.begin() + static_cast<std::ptrdiff_t>(digits), token.end(), IsLetter))
        return Fail(kForm, keyword, "quantity " + Quote(token) + " is not a number");
      Lexer ahead = lex;
      const std::string_view next = ahead.Next();
      const bool after_code =
          expecting_quantity &&
          std::any_of(order.items.back().code.begin(), order.items.back().code.end(), IsDigit);
      if (!after_code || (!next.empty() && AllDigits(next))) {
        if (upper.size() > kMaxProductCodeLength) {
          return Fail(kForm, keyword, "quantity " + Quote(token) + " is not a number");
        }
        order.items.push_back({upper, 1});
        last_has_quantity = false;
        if (order.items.size() > 4 * kMaxOrderItems) break;  // refused below
        continue;
      }
      const std::string quantity =
          (lex.LastIsNegative() ? "-" : "") + std::string(token.substr(0, digits));
      if (auto e = set_quantity(quantity)) return *e;
      continue;
    }
    if (IsDigit(token[0])) {
      if (order.items.empty())
        return Fail(kForm, keyword, "a quantity needs a product code before it");
      if (!expecting_quantity) {
        return Fail(kForm, keyword, order.items.back().code + " has two quantities");
      }
      // The lexer skips a minus ("B1 -2"); put it back so that the quantity is refused.
      const std::string quantity = (lex.LastIsNegative() ? "-" : "") + lex.WithThousands(token);
      if (auto e = set_quantity(quantity)) return *e;
      continue;
    }
    if (upper == "DAN" || upper == "AND") continue;
    if (expecting_quantity && upper == "X") continue;  // "B1 x 2"
    if (expecting_quantity && upper[0] == 'X' && AllDigits(std::string_view(upper).substr(1))) {
      if (auto e = set_quantity(std::string_view(upper).substr(1))) return *e;  // "B1 x2"
      continue;
    }
    // "B1x2": split at the first 'X' after a digit when only digits follow it.
    std::string code = upper;
    std::string_view glued_quantity;
    for (size_t x = 1; x + 1 < upper.size(); ++x) {
      if (upper[x] == 'X' && IsDigit(upper[x - 1])) {
        if (AllDigits(std::string_view(upper).substr(x + 1))) {
          code = upper.substr(0, x);
          glued_quantity = std::string_view(token).substr(x + 1);
        }
        break;
      }
    }
    if (!IsProductCode(code)) {
      return Fail(kForm, keyword, "product code " + Quote(code) + " is too long");
    }
    order.items.push_back({code, 1});
    last_has_quantity = false;
    if (!glued_quantity.empty()) {
      if (auto e = set_quantity(glued_quantity)) return *e;
    }
    if (order.items.size() > 4 * kMaxOrderItems) break;  // refused below
  }
  if (order.items.empty()) return Fail(kForm, keyword);
  // As written: a code written twice is two items (the shop adds them up), and the words of a
  // name stay in their places, for the shop to read the name ("beras medium 2 beras premium 1").
  // At most kMaxOrderItems products (a word of a name counts each time), in at most four times
  // as many items.
  size_t products = 0;
  for (size_t i = 0; i < order.items.size(); ++i) {
    const std::string& code = order.items[i].code;
    products +=
        IsNameWord(code) ||
        std::none_of(order.items.begin(), order.items.begin() + static_cast<std::ptrdiff_t>(i),
                     [&](const OrderItem& before) { return before.code == code; });
  }
  if (products > kMaxOrderItems || order.items.size() > 4 * kMaxOrderItems) {
    return Fail(kForm, keyword,
                "at most " + std::to_string(kMaxOrderItems) + " products in one order");
  }
  return order;
}

Outcome ParseCommandAt(std::string_view text, bool allow_pin, std::string& pin,
                       std::optional<ParseError>& manager_error);

// The keyword normalized text starts with, its length in `n`; null when it starts with none.
const Keyword* KeywordAt(std::string_view text, size_t& n) {
  n = 0;
  while (n < text.size() && IsLetter(text[n])) ++n;
  // A keyword ends where the letters do, unless a non-ASCII letter carries the word on.
  if (n == 0 || (n < text.size() && static_cast<unsigned char>(text[n]) >= 0x80)) return nullptr;
  const std::string keyword = Upper(text.substr(0, n));
  for (const Keyword& k : kKeywords) {
    if (k.word == keyword) return &k;
  }
  return nullptr;
}

// After "PIN": the digits, then the command they guard. Text after the digits that is no command
// ("PIN 1234 KRIM 1") is Unknown, as without the PIN, and so is its manager_error ("PIN 1234 OK
// abc").
Outcome ParsePin(std::string_view keyword, std::string_view args, bool allow_pin, std::string& pin,
                 std::optional<ParseError>& manager_error) {
  constexpr CommandForm kForm = CommandForm::kPin;
  if (!allow_pin) return Fail(kForm, keyword, "the PIN is given twice");
  Lexer lex(args);
  std::string_view digits = lex.Next();
  if (!AllDigits(digits) || digits.size() < 4 || digits.size() > 8) return Fail(kForm, keyword);
  pin = std::string(digits);
  std::string_view rest = lex.Rest();
  if (rest.empty()) return Fail(kForm, keyword, "a command must follow the PIN");
  std::string ignored;
  return ParseCommandAt(rest, /*allow_pin=*/false, ignored, manager_error);
}

// Parses normalized text that starts with the keyword.
Outcome ParseCommandAt(std::string_view text, bool allow_pin, std::string& pin,
                       std::optional<ParseError>& manager_error) {
  size_t n = 0;
  const Keyword* found = KeywordAt(text, n);
  if (found == nullptr) return Unknown{};
  const std::string keyword = Upper(text.substr(0, n));
  const CommandForm form = found->form;
  const std::string_view args = text.substr(n);
  Lexer lex(args);

  // Commands on one order number: OK 123, KIRIM 123, SELESAI 123.
  auto order_number = [&]() -> std::variant<OrderNumber, ParseError> {
    std::string_view token = lex.Next();
    if (token.empty()) return Fail(form, keyword);
    std::optional<OrderNumber> number = ReadOrderNumber(token);
    if (!number) return Fail(form, keyword, Quote(token) + " is not an order number");
    return *number;
  };
  auto single_order = [&](auto make) -> Outcome {
    // "terima kasih", "ok siap", "selesai deh" are conversation rather than a command missing
    // its number.
    Lexer peek = lex;
    if (std::string_view first = peek.Next(); !first.empty() && IsLetter(first[0])) {
      manager_error = Fail(form, keyword, Quote(first) + " is not an order number");
      return Unknown{};
    }
    auto number = order_number();
    if (number.index() == 1) return std::get<1>(number);
    if (lex.AnyDigitRunLeft()) return Fail(form, keyword, "one order number at a time");
    return make(std::get<0>(number));
  };

  switch (form) {
    case CommandForm::kOrder:
      return ParseOrder(keyword, args);
    case CommandForm::kAddress: {
      std::string address = FreeText(args);
      if (address.empty()) return Fail(form, keyword);
      return SetAddress{std::move(address)};
    }
    case CommandForm::kStatus:
      return OrderStatus{ReadOrderNumber(lex.Next())};
    case CommandForm::kCancel: {
      std::string_view token = lex.Next();
      if (token.empty()) return CancelOrder{};
      std::optional<OrderNumber> number = ReadOrderNumber(token);
      if (!number) return Fail(form, keyword, Quote(token) + " is not an order number");
      return CancelOrder{number};
    }
    case CommandForm::kPriceList:
      return ReadPriceList(lex);
    case CommandForm::kHelp: {
      // "BANTUAN 2": a page; other words ("HELP me") are ignored.
      const std::string_view first = lex.Next();
      if (AllDigits(first) && first.size() <= 3)
        return Help{std::max(1, std::stoi(std::string(first)))};
      return Help{};
    }
    case CommandForm::kConfirm:
      return Confirm{};
    case CommandForm::kDecline:
      return Decline{};
    case CommandForm::kAccept:
      return single_order([](OrderNumber n) { return AcceptOrder{n}; });
    case CommandForm::kShip:
      return single_order([](OrderNumber n) { return ShipOrder{n}; });
    case CommandForm::kComplete:
      return single_order([](OrderNumber n) { return CompleteOrder{n}; });
    case CommandForm::kReject: {
      auto number = order_number();
      if (number.index() == 1) return std::get<1>(number);
      std::string reason = FreeText(lex.Rest());
      return RejectOrder{std::get<0>(number), std::move(reason)};
    }
    case CommandForm::kStock: {
      Lexer peek = lex;
      const std::string_view first = peek.Next();
      if (first.empty()) return StockList{};
      if (AllDigits(first) && first.size() <= 3 && peek.Next().empty()) {
        return StockList{std::max(1, std::stoi(std::string(first)))};  // "STOK 2": a page
      }
      auto code = ReadCode(lex, form, keyword);
      if (code.index() == 1) return std::get<1>(code);
      const std::string_view run = lex.Next();
      if (run.empty()) return Fail(form, keyword);
      // "STOK B1 HABIS": sold out, none left.
      const std::string word = Upper(run);
      if (word == "HABIS" || word == "KOSONG" || word == "OUT" || word == "EMPTY") {
        return SetStock{std::move(std::get<0>(code)), 0, false};
      }
      if (!AllDigits(run))
        return Fail(form, keyword, "stock " + Quote(run) + " is not a whole number");
      // "+5" and "+ 5" add, "-5" and "- 5" take away.
      const char sign = lex.LastSign(/*spaced=*/true);
      const bool negative = sign == '-';
      const bool relative = sign != 0;
      // "1.000" and "1,000" are a thousand, as in an order's quantity.
      const std::string digits = lex.WithThousands(run);
      std::string_view token = digits;
      while (token.size() > 1 && token.front() == '0') token.remove_prefix(1);
      if (token.size() > 9) {
        ParseError e = Fail(form, keyword, "stock is more than " + std::to_string(kMaxStock));
        e.max_stock = kMaxStock;
        return e;
      }
      std::int64_t stock = 0;
      for (char c : token) stock = stock * 10 + (c - '0');
      if (!lex.Next().empty()) {
        return Fail(form, keyword, keyword + " takes one product code and one number");
      }
      return SetStock{std::move(std::get<0>(code)), negative ? -stock : stock, relative};
    }
    case CommandForm::kSetPrice: {
      // "HARGA" alone or with a word is the price list; a code and an amount change a price.
      Lexer peek = lex;
      std::string_view first = peek.Next();
      const std::string_view amount = SkipSeparators(peek.Remainder(), " :=#");
      const bool is_change =
          !first.empty() && IsLetter(first[0]) && !amount.empty() &&
          (IsDigit(amount[0]) || (amount.size() > 1 && amount[0] == '-' && IsDigit(amount[1])) ||
           Upper(amount.substr(0, 2)) == "RP");
      if (first.empty() ||
          (AllDigits(first) && first.size() <= 3 && SkipSeparators(peek.Remainder()).empty())) {
        return ReadPriceList(lex);  // "HARGA", "HARGA 2": a page of the list
      }
      const Lexer words = lex;
      Outcome change = [&]() -> Outcome {
        auto code = ReadCode(lex, form, keyword);
        if (code.index() == 1) return std::get<1>(code);
        if (amount.empty()) return Fail(form, keyword);
        // A last word YA, YES or IYA: the price is meant, however far from the old one.
        std::string_view written = amount;
        bool sure = false;
        if (const size_t space = written.rfind(' '); space != std::string_view::npos) {
          const std::string last = Upper(written.substr(space + 1));
          if (last == "YA" || last == "YES" || last == "IYA") {
            sure = true;
            written = written.substr(0, space);
          }
        }
        std::optional<Rupiah> price = ReadPrice(written);
        if (!price)
          return Fail(form, keyword, "price " + Quote(amount) + " is not a whole rupiah amount");
        return SetPrice{std::move(std::get<0>(code)), *price, sure};
      }();
      if (is_change) return change;
      if (change.index() == 1) manager_error = std::move(std::get<1>(change));
      return ReadPriceList(words);
    }
    case CommandForm::kAddProduct: {
      auto code = ReadCode(lex, form, keyword);
      if (code.index() == 1) return std::get<1>(code);
      // The price is one word ("12000", "12.000", "12rb"), or "Rp" and one word.
      std::string_view rest = SkipSeparators(lex.Remainder(), " :=#");
      size_t end = rest.find(' ');
      if (end != std::string_view::npos &&
          (Upper(rest.substr(0, end)) == "RP" || Upper(rest.substr(0, end)) == "RP.")) {
        end = rest.find(' ', end + 1);
      }
      const std::string_view amount = rest.substr(0, end);
      if (amount.empty()) return Fail(form, keyword);
      std::optional<Rupiah> price = ReadPrice(amount);
      if (!price)
        return Fail(form, keyword, "price " + Quote(amount) + " is not a whole rupiah amount");
      std::string name = end == std::string_view::npos ? "" : FreeText(rest.substr(end));
      if (name.empty()) return Fail(form, keyword, "the product name is missing");
      if (CharCount(name) > kMaxNameLength) {
        ParseError e = Fail(
            form, keyword,
            "the product name is longer than " + std::to_string(kMaxNameLength) + " characters");
        e.max_chars = kMaxNameLength;
        return e;
      }
      return AddProduct{std::move(std::get<0>(code)), *price, std::move(name)};
    }
    case CommandForm::kRemoveProduct: {
      auto code = ReadCode(lex, form, keyword);
      if (code.index() == 1) return std::get<1>(code);
      if (!lex.Next().empty()) return Fail(form, keyword, keyword + " takes one product code");
      return RemoveProduct{std::move(std::get<0>(code))};
    }
    case CommandForm::kOpen:
      return OpenShop{};
    case CommandForm::kClose:
      return CloseShop{};
    case CommandForm::kListOrders:
      // "PESANAN 12" is that order; words after PESANAN ("PESANAN hari ini") are ignored.
      return ListOrders{ReadOrderNumber(lex.Next())};
    case CommandForm::kReport:
      return DailyReport{};
    case CommandForm::kPin:
      return ParsePin(keyword, args, allow_pin, pin, manager_error);
    case CommandForm::kUnknown:
      break;
  }
  return Unknown{};
}

// CommandForm of each Command alternative, in the variant's order.
constexpr std::array<CommandForm, std::variant_size_v<Command>> kFormOfAlternative = {
    CommandForm::kOrder,         CommandForm::kAddress,   CommandForm::kStatus,
    CommandForm::kCancel,        CommandForm::kPriceList, CommandForm::kHelp,
    CommandForm::kConfirm,       CommandForm::kDecline,   CommandForm::kAccept,
    CommandForm::kShip,          CommandForm::kComplete,  CommandForm::kReject,
    CommandForm::kStock,         CommandForm::kSetPrice,  CommandForm::kAddProduct,
    CommandForm::kRemoveProduct, CommandForm::kOpen,      CommandForm::kClose,
    CommandForm::kListOrders,    CommandForm::kReport,    CommandForm::kStock,
    CommandForm::kUnknown,
};

template <typename... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <typename... F>
Overloaded(F...) -> Overloaded<F...>;

}  // namespace

std::string Usage(CommandForm form, std::string_view keyword, std::string_view words) {
  return UsageOf(form, keyword, words);
}

std::string NormalizeText(std::string_view utf8_text) { return Normalize(utf8_text); }

ParsedCommand ParseSmsCommand(std::string_view utf8_text) {
  ParsedCommand parsed{Unknown{}, {}, {}, {}};
  const std::string text = Normalize(utf8_text);
  if (text.empty()) {
    if (utf8_text.find('?') != std::string_view::npos) parsed.result = Command{Help{}};
    return parsed;
  }
  size_t n = 0;
  if (const Keyword* keyword = KeywordAt(text, n)) parsed.language = keyword->language;
  Outcome outcome = ParseCommandAt(text, /*allow_pin=*/true, parsed.pin, parsed.manager_error);
  if (outcome.index() == 0) {
    parsed.result = std::move(std::get<0>(outcome));
  } else {
    parsed.result = std::move(std::get<1>(outcome));
  }
  return parsed;
}

CommandForm FormOf(const Command& command) { return kFormOfAlternative[command.index()]; }

bool IsManagerForm(CommandForm form) {
  switch (form) {
    case CommandForm::kAccept:
    case CommandForm::kShip:
    case CommandForm::kComplete:
    case CommandForm::kReject:
    case CommandForm::kStock:
    case CommandForm::kSetPrice:
    case CommandForm::kAddProduct:
    case CommandForm::kRemoveProduct:
    case CommandForm::kOpen:
    case CommandForm::kClose:
    case CommandForm::kListOrders:
    case CommandForm::kReport:
      return true;
    default:
      return false;
  }
}

bool OnlyAsks(const Command& command) {
  return std::holds_alternative<PriceList>(command) || std::holds_alternative<Help>(command) ||
         std::holds_alternative<OrderStatus>(command) ||
         std::holds_alternative<ListOrders>(command) ||
         std::holds_alternative<DailyReport>(command) || std::holds_alternative<StockList>(command);
}

std::string CommandText(const Command& command, CommandLanguage language) {
  const bool en = language == CommandLanguage::kEnglish;
  // The keyword of each language; both read back to the same form.
  auto word = [en](std::string_view id, std::string_view english) {
    return std::string(en ? english : id);
  };
  auto with_number = [](std::string word, std::optional<OrderNumber> n) {
    return n ? word + " " + std::to_string(*n) : word;
  };
  auto with_text = [](std::string text, std::string_view more) {
    if (!more.empty()) text += " " + std::string(more);
    return text;
  };
  return std::visit(
      Overloaded{
          [&](const PlaceOrder& c) {
            std::string text = word("PESAN", "ORDER");
            for (const OrderItem& item : c.items) {
              text += " " + item.code + " " + std::to_string(item.quantity);
            }
            if (!c.address.empty()) text += " " + word("ALAMAT", "ADDRESS") + " " + c.address;
            return text;
          },
          [&](const SetAddress& c) { return with_text(word("ALAMAT", "ADDRESS"), c.address); },
          [&](const OrderStatus& c) { return with_number("STATUS", c.order); },
          [&](const CancelOrder& c) { return with_number(word("BATAL", "CANCEL"), c.order); },
          [&](const PriceList& c) {
            // With words, MENU: "HARGA b1 65000" would be a price change. A query ending in a
            // number keeps its page number, or that number would be read as the page.
            std::string text =
                with_text(c.query.empty() ? word("HARGA", "PRICE") : "MENU", c.query);
            const size_t last = c.query.rfind(' ') + 1;
            const bool number_last =
                !c.query.empty() && AllDigits(c.query.substr(last)) && c.query.size() - last <= 3;
            if (c.page > 1 || number_last) text += " " + std::to_string(c.page);
            return text;
          },
          [&](const Help& c) {
            const std::string help = word("BANTUAN", "HELP");
            return c.page > 1 ? help + " " + std::to_string(c.page) : help;
          },
          [&](const Confirm&) { return word("YA", "YES"); },
          [&](const Decline&) { return word("TIDAK", "NO"); },
          [&](const AcceptOrder& c) { return with_number("OK", c.order); },
          [&](const ShipOrder& c) { return with_number(word("KIRIM", "SHIP"), c.order); },
          [&](const CompleteOrder& c) { return with_number(word("SELESAI", "DONE"), c.order); },
          [&](const RejectOrder& c) {
            return with_text(with_number(word("TOLAK", "REJECT"), c.order), c.reason);
          },
          [&](const SetStock& c) {
            const std::string sign = !c.relative ? "" : c.stock < 0 ? "-" : "+";
            return word("STOK", "STOCK") + " " + c.code + " " + sign +
                   std::to_string(c.stock < 0 ? -c.stock : c.stock);
          },
          [&](const SetPrice& c) {
            return word("HARGA", "PRICE") + " " + c.code + " " + std::to_string(c.price) +
                   (c.sure ? " " + word("YA", "YES") : "");
          },
          [&](const AddProduct& c) {
            return with_text(word("TAMBAH", "ADD") + " " + c.code + " " + std::to_string(c.price),
                             c.name);
          },
          [&](const RemoveProduct& c) { return word("HAPUS", "DELETE") + " " + c.code; },
          [&](const OpenShop&) { return word("BUKA", "OPEN"); },
          [&](const CloseShop&) { return word("TUTUP", "CLOSE"); },
          [&](const ListOrders& c) { return with_number(word("PESANAN", "ORDERS"), c.order); },
          [&](const DailyReport&) { return word("LAPORAN", "REPORT"); },
          [&](const StockList& c) {
            const std::string stock = word("STOK", "STOCK");
            return c.page > 1 ? stock + " " + std::to_string(c.page) : stock;
          },
          [](const Unknown&) { return std::string(); },
      },
      command);
}

}  // namespace pesan::sms
