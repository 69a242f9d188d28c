// ParseSmsCommand on arbitrary bytes: never crashes, keeps the invariants its header states,
// and reads the canonical text of whatever it accepted back to the same command.
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <variant>

#include "core/catalog_csv.h"
#include "menus/sms/command.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

bool IsTrimmed(const std::string& text) {
  return text.empty() ||
         (text.front() != ' ' && text.back() != ' ' && text.find("  ") == std::string::npos);
}

void CheckInvariants(const pesan::sms::Command& command) {
  using namespace pesan::sms;
  if (const auto* order = std::get_if<PlaceOrder>(&command)) {
    // As written: at most kMaxOrderItems products (a word of a name counts each time) in at
    // most 4 * kMaxOrderItems items.
    Check(!order->items.empty() && order->items.size() <= 4 * kMaxOrderItems);
    size_t products = 0;
    for (size_t i = 0; i < order->items.size(); ++i) {
      const std::string& code = order->items[i].code;
      bool seen = false;
      for (size_t k = 0; k < i && !IsNameWord(code); ++k)
        seen = seen || order->items[k].code == code;
      products += !seen;
    }
    Check(products <= kMaxOrderItems);
    for (const OrderItem& item : order->items) {
      // A code, or a word of a name: digits, then upper-case letters.
      if (IsNameWord(item.code)) {
        Check(item.code.size() <= pesan::kMaxProductCodeLength);
        const size_t letters = item.code.find_first_not_of("0123456789");
        Check(letters != std::string::npos &&
              item.code.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ", letters) ==
                  std::string::npos);
      } else {
        Check(pesan::IsProductCode(item.code));
      }
      Check(item.quantity >= 1 && item.quantity <= kMaxQuantity);
    }
    Check(IsTrimmed(order->address));
  } else if (const auto* address = std::get_if<SetAddress>(&command)) {
    Check(!address->address.empty() && IsTrimmed(address->address));
  } else if (const auto* stock = std::get_if<SetStock>(&command)) {
    Check(pesan::IsProductCode(stock->code) && stock->stock <= kMaxStock);
    Check(stock->relative ? stock->stock >= -kMaxStock : stock->stock >= 0);
  } else if (const auto* price = std::get_if<SetPrice>(&command)) {
    Check(pesan::IsProductCode(price->code) && price->price > 0);
  } else if (const auto* add = std::get_if<AddProduct>(&command)) {
    Check(pesan::IsProductCode(add->code) && add->price > 0 && !add->name.empty());
    size_t chars = 0;
    for (char c : add->name) chars += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    Check(IsTrimmed(add->name) && chars <= kMaxNameLength);
  } else if (const auto* list = std::get_if<PriceList>(&command)) {
    Check(list->page >= 1 && list->page <= kMaxPage && IsTrimmed(list->query));
    size_t words = list->query.empty() ? 0 : 1;
    for (char c : list->query) {
      Check(c == ' ' || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'));
      words += c == ' ';
    }
    Check(words <= kMaxQueryWords);
  } else if (const auto* stock_list = std::get_if<StockList>(&command)) {
    Check(stock_list->page >= 1 && stock_list->page <= kMaxPage);
  } else if (const auto* help = std::get_if<Help>(&command)) {
    Check(help->page >= 1 && help->page <= kMaxPage);
  } else if (const auto* reject = std::get_if<RejectOrder>(&command)) {
    Check(reject->order > 0 && IsTrimmed(reject->reason));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pesan::sms;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const ParsedCommand parsed = ParseSmsCommand(text);
  if (!parsed.ok()) {
    const ParseError& e = parsed.error();
    Check(e.form != CommandForm::kUnknown && !e.usage.empty());
    Check(e.message.size() > e.usage.size() && e.message.ends_with(": " + e.usage));
    Check(e.usage == Usage(e.form, e.keyword));
    return 0;
  }
  const Command& command = parsed.command();
  CheckInvariants(command);
  for (CommandLanguage language : {CommandLanguage::kIndonesian, CommandLanguage::kEnglish}) {
    const ParsedCommand again = ParseSmsCommand(CommandText(command, language));
    Check(again.ok() && again.command() == command && again.pin.empty());
    // A reply quoting the command in the reader's language is read as that language.
    Check(!again.language || *again.language == language);
  }
  Check(FormOf(command) != CommandForm::kUnknown || CommandText(command).empty());
  return 0;
}
