// The SMS command grammar: what customers and managers type, read into plain values.
//
// Keywords are Bahasa Indonesia with English aliases, in any case. Spacing is forgiving
// (several spaces, tabs, newlines), leading and trailing punctuation is ignored ("#PESAN B1 2.")
// and the keyword may be followed by ':', '#' or '.' ("PESAN: B1 2", "BATAL#12").
//
// Customers
//   PESAN B1 2 M3 1 [ALAMAT Jl Mawar 3]  order (ORDER, BELI, BUY, PESEN); also "B1=2", "B1x2",
//                                        "B1 x 2", "B1*2", "B1 2, M3 1"; a missing quantity is 1;
//                                        a code given twice is summed; quantities 1 to
//                                        kMaxQuantity, with thousands dots or commas ("2.500")
//   ALAMAT Jl Mawar 3                    set the delivery address (ADDRESS)
//   STATUS [123]                         my orders, or one of them (CEK)
//   BATAL [123]                          cancel an order; without a number, the order waiting
//                                        for YA or an address, else the latest (CANCEL)
//   HARGA [beras] [2]                    the price list, or the products whose code, name or
//                                        category has those words; a last number is the page
//                                        (MENU, PRICE, PRICES, LIST, DAFTAR)
//   BANTUAN [2]                          help (HELP, INFO, TOLONG, or a lone "?"); a number is
//                                        the page of the managers' help
//   YA / TIDAK                           confirm or drop a pending duplicate order (YES, IYA, Y /
//                                        NO, TDK, GAK, N)
// Managers
//   OK 123                               accept an order (TERIMA, ACCEPT)
//   KIRIM 123                            the order is on its way (SHIP)
//   SELESAI 123                          delivered and paid (DONE)
//   TOLAK 123 [alasan]                   reject, with an optional reason of any length (REJECT)
//   STOK B1 20                           set the stock (STOCK); "STOK B1 +5" (or "+ 5") adds 5,
//                                        "STOK B1 -5" (or "- 5") takes 5 away; 0 to kMaxStock,
//                                        with thousands dots or commas ("1.000"); "STOK B1 HABIS"
//                                        (KOSONG, OUT, EMPTY) is 0
//   STOK [2]                             every product's stock, one SMS a page
//   HARGA B1 65000                       set a price (PRICE); "65.000", "Rp65.000", "65rb", "65k";
//                                        "HARGA B1 500 YA" (YES, IYA) when it is meant, however
//                                        far from the old price
//   TAMBAH B9 12000 Gula Aren 1kg        add a product: code, price, name of at most
//                                        kMaxNameLength characters (ADD)
//   HAPUS B9                             remove a product (DELETE, REMOVE)
//   BUKA / TUTUP                         open or close the shop (OPEN / CLOSE)
//   PESANAN [123]                        the open orders, or one order in full (ORDERS)
//   LAPORAN                              today's summary (REPORT)
// Order numbers are digits, optionally after '#' ("OK #123"). Product codes are as
// IsProductCode (core/catalog_csv.h) allows, upper-cased. A manager PIN, where the shop sets one,
// goes first: "PIN 1234 OK 123" (4 to 8 digits, before any command); after the PIN, text that is no
// command ("PIN 1234 KRIM 1") is Unknown, with the PIN kept, as it is without one.
//
// "HARGA" alone, or followed by words ("HARGA beras", "HARGA 2") is the price list; "HARGA <code>
// <amount>" is a price change. Commands without arguments ignore trailing words
// ("STATUS pesanan saya"). OK, KIRIM and SELESAI followed by a word rather than a number ("terima
// kasih", "ok siap") are Unknown: conversation, not a command. For these, and for HARGA followed
// by anything but a price change, ParsedCommand::manager_error says what the manager's command
// would need ("kirim no 13", "HARGA B1"), for a reply to a manager. Free text (addresses, reasons,
// names) has its whitespace collapsed to single spaces and keeps its case; its bytes are otherwise
// as given.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/domain.h"
#include "core/money.h"

namespace pesan::sms {

using OrderNumber = std::int64_t;

inline constexpr int kMaxQuantity = static_cast<int>(kMaxItemQuantity);
inline constexpr size_t kMaxOrderItems = 20;
inline constexpr std::int64_t kMaxStock = 999'999'999;
inline constexpr size_t kMaxNameLength = 100;  // characters
inline constexpr int kMaxPage = 999;
inline constexpr size_t kMaxQueryWords = 6;

struct OrderItem {
  // A product code, upper case; or a word of a product's name that starts with digits ("5KG" of
  // "beras 5kg 2", as the price list writes the name), which no code does: the shop names the
  // products such words find. At most kMaxProductCodeLength characters either way.
  std::string code;
  int quantity = 1;  // 1..kMaxQuantity
  bool operator==(const OrderItem&) const = default;
};

// Whether `code` of an OrderItem is a word of a name rather than a product code.
inline bool IsNameWord(std::string_view code) {
  return !code.empty() && code[0] >= '0' && code[0] <= '9';
}

// Customer commands.
struct PlaceOrder {
  std::vector<OrderItem> items;  // as written, 1..kMaxOrderItems products: a code written
                                 // twice is there twice (the shop adds them up); at most
                                 // 4 * kMaxOrderItems items
  std::string address;           // empty when none was given; as long as written (the shop says
                                 // when it is longer than it takes)
  bool operator==(const PlaceOrder&) const = default;
};
struct SetAddress {
  std::string address;  // never empty; as long as written
  bool operator==(const SetAddress&) const = default;
};
struct OrderStatus {
  std::optional<OrderNumber> order;  // none: all of the sender's open orders
  bool operator==(const OrderStatus&) const = default;
};
struct CancelOrder {
  std::optional<OrderNumber> order;  // none: the sender's latest open order
  bool operator==(const CancelOrder&) const = default;
};
struct PriceList {
  std::string query;  // lower-case words to look for ("beras 5kg"); empty: every product
  int page = 1;       // 1..kMaxPage, of the list cut into one-SMS pages
  bool operator==(const PriceList&) const = default;
};
struct Help {
  int page = 1;  // 1..kMaxPage; only the managers' help has more than one
  bool operator==(const Help&) const = default;
};
struct Confirm {
  bool operator==(const Confirm&) const = default;
};
struct Decline {
  bool operator==(const Decline&) const = default;
};

// Manager commands.
struct AcceptOrder {
  OrderNumber order = 0;
  bool operator==(const AcceptOrder&) const = default;
};
struct ShipOrder {
  OrderNumber order = 0;
  bool operator==(const ShipOrder&) const = default;
};
struct CompleteOrder {
  OrderNumber order = 0;
  bool operator==(const CompleteOrder&) const = default;
};
struct RejectOrder {
  OrderNumber order = 0;
  std::string reason;  // may be empty; as long as written (the reply shortens what it must)
  bool operator==(const RejectOrder&) const = default;
};
struct SetStock {
  std::string code;
  std::int64_t stock = 0;  // 0..kMaxStock; when relative, -kMaxStock..kMaxStock
  bool relative = false;   // "STOK B1 +5" adds 5, "STOK B1 -5" takes 5 away
  bool operator==(const SetStock&) const = default;
};
struct SetPrice {
  std::string code;
  Rupiah price = 0;   // more than 0
  bool sure = false;  // "HARGA B1 500 YA": meant, however far from the old price
  bool operator==(const SetPrice&) const = default;
};
struct AddProduct {
  std::string code;
  Rupiah price = 0;  // more than 0
  std::string name;  // never empty, at most kMaxNameLength characters
  bool operator==(const AddProduct&) const = default;
};
struct RemoveProduct {
  std::string code;
  bool operator==(const RemoveProduct&) const = default;
};
struct OpenShop {
  bool operator==(const OpenShop&) const = default;
};
struct CloseShop {
  bool operator==(const CloseShop&) const = default;
};
struct ListOrders {
  std::optional<OrderNumber> order;  // none: the open orders; a number: that order in full
  bool operator==(const ListOrders&) const = default;
};
struct DailyReport {
  bool operator==(const DailyReport&) const = default;
};
struct StockList {
  int page = 1;  // 1..kMaxPage
  bool operator==(const StockList&) const = default;
};

// Text that is not a command at all; the caller decides whether to answer with help.
struct Unknown {
  bool operator==(const Unknown&) const = default;
};

using Command = std::variant<PlaceOrder, SetAddress, OrderStatus, CancelOrder, PriceList, Help,
                             Confirm, Decline, AcceptOrder, ShipOrder, CompleteOrder, RejectOrder,
                             SetStock, SetPrice, AddProduct, RemoveProduct, OpenShop, CloseShop,
                             ListOrders, DailyReport, StockList, Unknown>;

// Which command a text meant, whether or not it parsed.
enum class CommandForm {
  kOrder,
  kAddress,
  kStatus,
  kCancel,
  kPriceList,
  kHelp,
  kConfirm,
  kDecline,
  kAccept,
  kShip,
  kComplete,
  kReject,
  kStock,
  kSetPrice,
  kAddProduct,
  kRemoveProduct,
  kOpen,
  kClose,
  kListOrders,
  kReport,
  kPin,  // only in a ParseError: "PIN" without digits or with nothing after them
  kUnknown,
};

// A text that names a command but does not follow its form.
struct ParseError {
  CommandForm form = CommandForm::kUnknown;  // the command that was meant
  std::string usage;     // that command written correctly, with the keyword as the sender wrote
                         // it: "STOK B1 20", "STOCK B1 20"
  std::string message;   // what was wrong, then the usage: "STOK needs a product code and a
                         // number: STOK B1 20"
  std::string keyword;   // the keyword as the sender wrote it, upper case: "STOCK"
  size_t max_chars = 0;  // when free text was too long (a product name): the most it may have
  int max_quantity = 0;  // when a quantity was 0 or too large: the most one product may have
  std::int64_t max_stock = 0;  // when a stock (or its change) was too large: the most it may be
  bool operator==(const ParseError&) const = default;
};

// The keywords a command is written with: Bahasa Indonesia, or the English aliases.
enum class CommandLanguage { kIndonesian, kEnglish };

struct ParsedCommand {
  std::variant<Command, ParseError> result;
  std::string pin;  // the digits of a leading "PIN 1234"; empty when none was given
  // For text read as Unknown or as the price list that starts with a manager's keyword ("OK
  // abc", "HARGA B1"): the error it has as that manager's command. Empty otherwise.
  std::optional<ParseError> manager_error;
  // The language of the text's first keyword, whether or not the command parsed: "ORDER",
  // "CANCEL", "HELP" are English, "PESAN", "BATAL", "BANTUAN" Indonesian. Empty for keywords
  // both languages write alike (STATUS, MENU, INFO, OK, Y, N, PIN) and for text that is no
  // command.
  std::optional<CommandLanguage> language;

  bool ok() const { return result.index() == 0; }
  const Command& command() const { return std::get<0>(result); }   // REQUIRES: ok()
  const ParseError& error() const { return std::get<1>(result); }  // REQUIRES: !ok()
};

// `form` written correctly with `keyword` ("TOLAK 123 stok habis"), as ParseError::usage has it.
// `words`, when not empty, stand for the example's own words, so that a reply in another language
// can show its own: the reason of TOLAK ("REJECT 123 out of stock"), the name of TAMBAH.
std::string Usage(CommandForm form, std::string_view keyword, std::string_view words = {});

// Text as the commands read it: white space collapsed to single spaces, punctuation gone from
// its start and its end ("  Jl Mawar 3,\nRT 02. " -> "Jl Mawar 3, RT 02"). For text that is no
// command but an answer, such as an address sent without ALAMAT.
std::string NormalizeText(std::string_view utf8_text);

// Reads one SMS. Never fails on any input: text that names no command is Unknown.
ParsedCommand ParseSmsCommand(std::string_view utf8_text);

CommandForm FormOf(const Command& command);

// True for the commands only a shop's manager may give (OK, KIRIM, ..., LAPORAN).
bool IsManagerForm(CommandForm form);

// True for the commands that only ask (HARGA, STATUS, BANTUAN, PESANAN, STOK, LAPORAN): answered
// twice they cost an SMS and change nothing.
bool OnlyAsks(const Command& command);

// The command written the canonical way ("PESAN B1 2 M3 1 ALAMAT Jl Mawar 3", "OK 123"; in
// English "ORDER B1 2 M3 1 ADDRESS Jl Mawar 3"), as a reply can quote it back; empty for Unknown.
// ParseSmsCommand reads it back to the same command.
std::string CommandText(const Command& command,
                        CommandLanguage language = CommandLanguage::kIndonesian);

}  // namespace pesan::sms
