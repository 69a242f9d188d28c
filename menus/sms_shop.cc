#include "menus/sms_shop.h"

#include <algorithm>
#include <functional>
#include <nlohmann/json.hpp>

#include "core/gsm_text.h"
#include "core/money.h"
#include "core/phone.h"
#include "menus/sms/command.h"

namespace pesan {
namespace {

using Lines = std::vector<std::pair<std::string, std::int64_t>>;  // code, quantity

std::string PendingKey(const Shop& shop, const std::string& phone) {
  return std::string(kSmsPendingPrefix) + shop.code + ":" + phone;
}

bool IsManager(const Shop& shop, const std::string& phone) {
  return std::find(shop.managers.begin(), shop.managers.end(), phone) != shop.managers.end();
}

// Whether a typed address is longer than the USSD menu takes one: the same shop, the same limit.
bool AddressTooLong(const std::string& address) {
  return ussd::CharCount(address) > ussd::kMaxAddressChars;
}

// Whether a typed address can be kept: long enough to find the house (USSD's least length), and
// no longer than USSD takes.
bool AddressUsable(const std::string& address) {
  const size_t n = ussd::CharCount(address);
  return n >= ussd::kMinAddressChars && n <= ussd::kMaxAddressChars;
}

// Whether a waiting order (the pending session's JSON) waits for its address: none was sent, or
// one read from a text without ALAMAT waits for the customer's YA.
bool WaitsForAddress(const nlohmann::json& pending) {
  const std::string kind = pending.value("kind", "");
  return kind == "address" || kind == "address_guess";
}

std::string StatusName(const Texts& t, std::string_view lang, OrderStatus s) {
  return std::string(t.Get(lang, "status." + std::string(OrderStatusName(s))));
}

// The status as a word inside a sentence ("Order 12 is shipped already"): its first letter in
// lower case, where the status names are written as labels ("Shipped").
std::string StatusWord(const Texts& t, std::string_view lang, OrderStatus s) {
  std::string word = StatusName(t, lang, s);
  if (!word.empty() && word[0] >= 'A' && word[0] <= 'Z') word[0] = static_cast<char>(word[0] + 32);
  return word;
}

// A count as the language writes it: "99.999" in Indonesian, "99,999" in English.
std::string CountText(std::string_view lang, std::int64_t n) {
  std::string text = FormatRupiah(n).substr(2);
  if (lang == "en") std::replace(text.begin(), text.end(), '.', ',');
  return text;
}

// What a word after HARGA looks like: a product code ("B1", "S12"), letters then digits.
bool LooksLikeCode(std::string_view word) {
  size_t i = 0;
  while (i < word.size() && std::isalpha(static_cast<unsigned char>(word[i]))) ++i;
  if (i == 0 || i == word.size()) return false;
  while (i < word.size() && std::isdigit(static_cast<unsigned char>(word[i]))) ++i;
  return i == word.size();
}

// The last words of `text` in at most `max_chars` characters, after "..." when the front is cut.
std::string TailAtWord(std::string_view text, size_t max_chars) {
  if (ussd::CharCount(text) <= max_chars) return std::string(text);
  if (max_chars < 4) return "";
  size_t from = text.size();
  for (size_t chars = 0; from > 0 && chars < max_chars - 3;) {
    --from;
    chars += (static_cast<unsigned char>(text[from]) & 0xC0) != 0x80;
  }
  const size_t space = text.find(' ', from);
  if (from > 0 && text[from - 1] != ' ' && space != std::string_view::npos) from = space + 1;
  return "..." + std::string(text.substr(from));
}

// The budgets for cutting one part of a reply until it fits one SMS: the part's whole length in
// characters, then one less at a time, down to 0.
std::vector<size_t> EveryLength(std::string_view part) {
  std::vector<size_t> lengths(ussd::CharCount(part) + 1);
  for (size_t i = 0; i < lengths.size(); ++i) lengths[i] = lengths.size() - 1 - i;
  return lengths;
}

// The text between the first pair of single quotes in an error message ("no product 'B9'").
std::string Quoted(const std::string& message) {
  auto a = message.find('\'');
  auto b = message.find('\'', a + 1);
  if (a == std::string::npos || b == std::string::npos) return "";
  return message.substr(a + 1, b - a - 1);
}

// Joins `parts` with `sep` while the whole, with `tail`, stays one SMS segment. When some parts
// do not fit, `more` follows the last that does, its {count} replaced by how many were left out.
std::string JoinFitting(const std::vector<std::string>& parts, const std::string& sep,
                        const std::string& more, const std::string& tail) {
  const auto left_out = [&](size_t n) {
    return sep + Substitute(more, {{"count", std::to_string(n)}});
  };
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    std::string next = out.empty() ? parts[i] : out + sep + parts[i];
    std::string rest = i + 1 < parts.size() ? left_out(parts.size() - i - 1) : "";
    if (CountSegments(ToGsmFriendly(next + rest + tail)).segments > 1) {
      return out + left_out(parts.size() - i) + tail;
    }
    out = std::move(next);
  }
  return out + tail;
}

// Cuts `parts` into pages of one SMS each: a page's parts joined by `sep`, then ". " and
// `more(next page)`, or `last` on the final page; the first page starts with `head`. A part too
// long for a page alone is a page.
std::vector<std::string> Pages(const std::vector<std::string>& parts, const std::string& sep,
                               const std::function<std::string(int)>& more, const std::string& last,
                               const std::string& head = "") {
  const auto fits = [](const std::string& text) {
    return CountSegments(ToGsmFriendly(text)).segments == 1;
  };
  std::vector<std::string> pages;
  for (size_t i = 0; i < parts.size();) {
    const int next = static_cast<int>(pages.size()) + 2;
    std::string out = (pages.empty() ? head : "") + parts[i++];
    while (i < parts.size()) {
      std::string candidate = out + sep + parts[i];
      if (!fits(candidate + ". " + (i + 1 < parts.size() ? more(next) : last))) break;
      out = std::move(candidate);
      ++i;
    }
    pages.push_back(out + ". " + (i < parts.size() ? more(next) : last));
  }
  return pages;
}

// Lower-case ASCII.
std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

class Conversation {
 public:
  Conversation(Store& store, const Voice& voice, const ussd::ShopView& view,
               const std::string& from, const std::string& customer_language, SmsGuard& guard,
               SystemTime now, SmsEffects& effects)
      : store_(store),
        v_(voice),
        t_(*voice.texts),
        view_(view),
        shop_(view.shop),
        from_(from),
        guard_(guard),
        now_(now),
        effects_(effects) {
    lang_ = customer_language;
    customer_default_ = customer_language;
    auto c = store_.GetCustomer(shop_.id, from_);
    if (c && *c) {
      customer_ = **c;
      if (Texts::IsLanguage(customer_->language)) {
        lang_ = customer_->language;
        lang_chosen_ = true;
      }
    }
    if (IsManager(shop_, from_)) {
      lang_ = v_.manager_language;
      lang_chosen_ = true;
    }
  }

  pesan::Status Handle(const std::string& text, bool automatic, bool repeated = false);

 private:
  pesan::Status Reply(std::string_view text) {
    return QueueText(store_, shop_.id, from_, text, std::nullopt, now_);
  }
  pesan::Status ReplyKey(
      std::string_view key,
      std::initializer_list<std::pair<std::string_view, std::string_view>> v = {}) {
    return Reply(t_.Format(lang_, key, v));
  }
  // Commands quoted in a reply, with the keywords of the reader's language.
  sms::CommandLanguage Keywords() const {
    return lang_ == "en" ? sms::CommandLanguage::kEnglish : sms::CommandLanguage::kIndonesian;
  }
  // The usage of a command written wrong, its example words in the reader's language.
  std::string UsageOf(const sms::ParseError& e) const {
    std::string_view words;
    if (e.form == sms::CommandForm::kReject) words = t_.Get(lang_, "sms.example_reason");
    if (e.form == sms::CommandForm::kAddProduct) words = t_.Get(lang_, "sms.example_name");
    return sms::Usage(e.form, e.keyword, words);
  }
  // The reply to a manager's command written wrong.
  pesan::Status ManagerFormat(const sms::ParseError& e) {
    if (e.form == sms::CommandForm::kAddProduct && e.max_chars > 0) {
      return ReplyKey("sms.manager_name_too_long",
                      {{"max", std::to_string(e.max_chars)}, {"usage", UsageOf(e)}});
    }
    if (e.form == sms::CommandForm::kStock && e.max_stock > 0) {
      return ReplyKey("sms.manager_stock_too_large",
                      {{"max", CountText(lang_, e.max_stock)}, {"usage", UsageOf(e)}});
    }
    return ReplyKey("sms.manager_bad_format", {{"usage", UsageOf(e)}});
  }
  // Help or a format error: only a few per hour per number, never to machines.
  pesan::Status Guarded(std::string_view text) {
    if (automatic_ || !guard_.AllowReply(from_, now_, IsManager(shop_, from_))) return Ok{};
    return Reply(text);
  }

  // The refusal of an order: its text says no order was made, so nothing is left waiting for a
  // later ALAMAT or YA to make one after all.
  pesan::Status Refuse(
      std::string_view key,
      std::initializer_list<std::pair<std::string_view, std::string_view>> v = {}) {
    if (auto st = store_.DeleteSession(PendingKey(shop_, from_)); !st) return st;
    return ReplyKey(key, v);
  }

  // The reply to a manager locked out by wrong PINs: for how many minutes more.
  pesan::Status PinLocked(std::chrono::minutes left) {
    return ReplyKey("sms.manager_pin_locked", {{"minutes", std::to_string(left.count())}});
  }

  // The refusal of an order that would come to more than any total can be.
  pesan::Status RefuseTotal() {
    return Refuse("sms.total_too_large", {{"max", FormatRupiah(kMaxOrderTotal)}});
  }

  // `joined`: the lines are those of an order that waited for its address and a new PESAN's.
  // `bad_address`: the address the order came with, which the shop cannot take (too short, too
  // long); the order waits for another rather than go to the address on file.
  pesan::Status Place(const Lines& lines, std::string address, bool allow_repeat,
                      bool joined = false, const std::string& bad_address = "");
  // A new PESAN: while an earlier order waits for its address, the two are one order, the
  // quantities of a product in both added up.
  pesan::Status TakeOrder(const sms::PlaceOrder& order);
  // The reply to an address too short or too long: the least or the most it may be, and whether
  // an order waits for another.
  pesan::Status BadAddressReply(const std::string& address, bool order_waits);
  pesan::Status SavePending(const std::string& kind, const Lines& lines,
                            const std::string& address);
  // The order waiting for the sender's address or YA (its session's JSON object), or null.
  Result<nlohmann::json> LoadPending();
  // YA (confirm), TIDAK, or BATAL (drop) to what waits. TIDAK to an address read from a text
  // without ALAMAT keeps the order waiting for the right one; BATAL drops it.
  pesan::Status Pending(bool confirm, bool drop = false);
  // A customer's text that is no command. While an order waits for its address, the text is
  // likely the address, sent without ALAMAT in answer to "where should we deliver?": the
  // customer is asked to confirm it with YA rather than to type it again.
  pesan::Status NotUnderstood(const std::string& text);
  // A text in neither language ("Y", "N", "STATUS") that goes on with a waiting order is
  // answered, and the order taken, in the language the order was started in.
  void ResumeLanguage(const nlohmann::json& pending);
  pesan::Status SetAddress(const std::string& address);
  pesan::Status StatusOf(std::optional<std::int64_t> order);
  pesan::Status Cancel(std::optional<std::int64_t> order);
  pesan::Status PriceList(const std::string& query, int page);
  // The products a query finds: its words (of two letters or more), how many of them each
  // product's code, name and category hold, and the most any holds.
  struct Matches {
    std::vector<std::string> words;
    std::vector<size_t> hits;
    size_t best = 0;
  };
  // `codes` false: only names and categories are searched, for a word that is no code of the
  // shop's ("beras"), which a code search would find inside longer codes (S1 in S10).
  Matches Match(const std::string& query, bool codes = true) const;
  // The products holding the most words of a query, in the catalogue's order; none when no
  // product holds any.
  std::vector<size_t> BestMatches(const Matches& m) const;
  // `make(list)` with as many of the products `found` listed ("B1 Beras 5kg Rp65.000, M1 ...")
  // as one SMS holds, then how many more; at least one is listed. `sold_out` marks the products
  // out of stock.
  std::string WithMatches(const std::vector<size_t>& found, bool sold_out,
                          const std::function<std::string(const std::string&)>& make) const;
  // The refusal of an order with a code no product has. When the code and the codes unknown
  // after it are words of product names ("PESAN beras 2", "PESAN minyak goreng 2"), it names
  // those products and shows the order written with the first.
  pesan::Status RefuseUnknownCode(const Lines& lines, const std::string& code);
  // A code the shop has not, from a manager changing a product ("HARGA beras 2", "STOK beras
  // 20"): the products that the code finds as a word (`found_key`, with the command `again` makes
  // for the first of them), else `none_key`.
  pesan::Status NoSuchCode(const std::string& code, std::string_view found_key,
                           std::string_view none_key,
                           const std::function<sms::Command(const Product&)>& again);
  pesan::Status Move(std::int64_t order, OrderStatus to, const std::string& reason);
  pesan::Status Manage(const sms::Command& cmd, const std::string& usage);
  pesan::Status OpenOrders();
  pesan::Status ShowOrder(std::int64_t id);
  pesan::Status StockList(int page);
  pesan::Status Report();
  std::string ManagerHelpText(int page) const;
  pesan::Status ManagerHelp(int page);
  // Whether a manager's HARGA with words and no price ("HARGA beras") asks for the price list
  // rather than a price change gone wrong ("HARGA B1").
  bool SearchesProducts(const sms::Command& cmd) const;

  Store& store_;
  const Voice& v_;
  const Texts& t_;
  const ussd::ShopView& view_;
  const Shop& shop_;
  std::string from_;
  std::string lang_;
  std::optional<Customer> customer_;
  SmsGuard& guard_;
  SystemTime now_;
  SmsEffects& effects_;
  bool automatic_ = false;
  // The sender's language is set: the manager's, or one the customer chose. Otherwise a text's
  // keyword says which language its reply is in ("ORDER" English, "PESAN" Indonesian).
  bool lang_chosen_ = false;
  bool lang_from_text_ = false;   // this text's keyword set lang_
  std::string customer_default_;  // the language of customers who chose none
};

pesan::Status Conversation::Handle(const std::string& text, bool automatic, bool repeated) {
  automatic_ = automatic;
  const bool manager = IsManager(shop_, from_);
  sms::ParsedCommand parsed = sms::ParseSmsCommand(text);
  if (!lang_chosen_ && parsed.language) {
    lang_ = *parsed.language == sms::CommandLanguage::kEnglish ? "en" : "id";
    lang_from_text_ = true;
  }
  if (repeated) {
    // Maybe the same message delivered again. An order, a cancellation, a YA is made once, and
    // a customer's text that is no command is answered once; a question, an address and the
    // managers' commands are safe twice (a relative stock change is seen to below).
    if (!parsed.ok() && !manager) return Ok{};
    if (parsed.ok()) {
      const sms::Command& cmd = parsed.command();
      if (!sms::IsManagerForm(sms::FormOf(cmd)) && !sms::OnlyAsks(cmd) &&
          !std::holds_alternative<sms::SetAddress>(cmd)) {
        return Ok{};
      }
    }
  }

  if (!parsed.ok()) {
    const auto& err = std::get<sms::ParseError>(parsed.result);
    if (manager && sms::IsManagerForm(err.form)) {
      // Managers get the right form of what they meant, every time.
      return ManagerFormat(err);
    }
    if (!manager && sms::IsManagerForm(err.form)) return Guarded(t_.Get(lang_, "sms.help"));
    // A customer's own command written wrong ("PESAN B1 100000") is an order being tried: it is
    // answered every time, like the command would be. Only text that is no command is capped.
    if (automatic_) return Ok{};
    if (err.max_quantity > 0) {
      return ReplyKey("sms.bad_quantity",
                      {{"max", CountText(lang_, err.max_quantity)}, {"usage", UsageOf(err)}});
    }
    return ReplyKey("sms.manager_bad_format", {{"usage", UsageOf(err)}});
  }
  const sms::Command& cmd = std::get<sms::Command>(parsed.result);
  if (manager && parsed.manager_error && !SearchesProducts(cmd)) {
    // "OK abc", "kirim no 13", "HARGA B1": a manager means the command, not conversation.
    return ManagerFormat(*parsed.manager_error);
  }

  if (const auto* change = std::get_if<sms::SetPrice>(&cmd); change && !manager) {
    // "HARGA beras 2" from a customer asks for the price of rice, not to set one: the number is
    // the page, as in "MENU beras 2", which the reply's "Lanjut: ..." asks for.
    const int page = change->price <= sms::kMaxPage ? static_cast<int>(change->price) : 1;
    return PriceList(Lower(change->code), page);
  }
  if (sms::IsManagerForm(sms::FormOf(cmd))) {
    // From anyone else a manager's command changes nothing; it is answered like any unknown text.
    if (!manager) return Guarded(t_.Get(lang_, "sms.help"));
    if (!shop_.pin.empty()) {
      if (auto left = guard_.PinLockLeft(from_, now_); left.count() > 0) return PinLocked(left);
      // The command as it should follow the PIN, without whatever PIN was given.
      const std::string usage = ShortenAtWord(sms::CommandText(cmd, Keywords()), 60);
      if (parsed.pin.empty()) {
        // No PIN at all is no guess at it: the manager who answered the alert as it reads
        // learns the form, and no lockout comes nearer.
        return ReplyKey("sms.manager_pin_missing", {{"usage", usage}});
      }
      if (parsed.pin != shop_.pin) {
        if (guard_.PinFailed(from_, now_)) return PinLocked(guard_.PinLockLeft(from_, now_));
        return ReplyKey("sms.manager_pin_wrong", {{"usage", usage}});
      }
      guard_.PinPassed(from_);
    }
    if (const auto* stock = std::get_if<sms::SetStock>(&cmd);
        repeated && stock && stock->relative) {
      // STOK B1 +5 twice would add 10: done once, and the manager learns how to go on.
      auto p = store_.GetProduct(shop_.id, stock->code);
      if (!p) return Manage(cmd, text);  // no such product: changes nothing, says so
      return ReplyKey("sms.manager_stock_repeated", {{"usage", sms::CommandText(cmd, Keywords())},
                                                     {"code", p->code},
                                                     {"stock", std::to_string(p->stock)}});
    }
    return Manage(cmd, text);
  }

  return std::visit(
      [&](const auto& c) -> pesan::Status {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, sms::PlaceOrder>) {
          return TakeOrder(c);
        } else if constexpr (std::is_same_v<T, sms::SetAddress>) {
          return SetAddress(c.address);
        } else if constexpr (std::is_same_v<T, sms::OrderStatus>) {
          return StatusOf(c.order);
        } else if constexpr (std::is_same_v<T, sms::CancelOrder>) {
          return Cancel(c.order);
        } else if constexpr (std::is_same_v<T, sms::PriceList>) {
          return PriceList(c.query, c.page);
        } else if constexpr (std::is_same_v<T, sms::Confirm>) {
          return Pending(true);
        } else if constexpr (std::is_same_v<T, sms::Decline>) {
          return Pending(false);
        } else if constexpr (std::is_same_v<T, sms::Help>) {
          if (manager) return ManagerHelp(c.page);
          return Reply(t_.Get(lang_, "sms.help"));
        } else if (manager) {
          // "KRIM 1", "0K 1": a manager meant one of the managers' commands, whose list is the
          // answer, after a word that the text was not understood where one SMS has room.
          const std::string help = ManagerHelpText(1);
          const std::string said =
              std::string(t_.Get(lang_, "sms.manager_not_understood")) + " " + help;
          return Guarded(CountSegments(ToGsmFriendly(said)).segments == 1 ? said : help);
        } else {
          return NotUnderstood(text);  // Unknown
        }
      },
      cmd);
}

Result<nlohmann::json> Conversation::LoadPending() {
  auto row = store_.LoadSession(PendingKey(shop_, from_));
  if (!row) return row.error();
  if (!*row) return nlohmann::json();
  auto j = nlohmann::json::parse(**row, nullptr, false);
  return j.is_object() ? j : nlohmann::json();
}

pesan::Status Conversation::SavePending(const std::string& kind, const Lines& lines,
                                        const std::string& address) {
  nlohmann::json j{{"kind", kind}, {"lines", lines}, {"address", address}, {"lang", lang_}};
  return store_.SaveSession(PendingKey(shop_, from_), j.dump(), now_);
}

pesan::Status Conversation::TakeOrder(const sms::PlaceOrder& order) {
  // An address too short or too long is not saved: the order waits for another.
  const bool usable = order.address.empty() || AddressUsable(order.address);
  const std::string address = usable ? order.address : "";
  const std::string bad = usable ? "" : order.address;
  auto j = LoadPending();
  if (!j) return j.error();
  const bool joins = j->is_object() && WaitsForAddress(*j);
  // The order waiting for its address, if any, then these lines: a product written twice, or
  // waiting already, is one line with its quantities added up; a code the shop has not (a word
  // of a name) stays where it was written, for RefuseUnknownCode to read the name.
  Lines lines = joins ? j->value("lines", Lines{}) : Lines{};
  for (const auto& item : order.items) {
    auto same = view_.Find(item.code) < 0
                    ? lines.end()
                    : std::find_if(lines.begin(), lines.end(),
                                   [&](const auto& had) { return had.first == item.code; });
    if (same == lines.end()) {
      lines.emplace_back(item.code, item.quantity);
    } else if ((same->second += item.quantity) > sms::kMaxQuantity) {
      // Too many of one product for one order: nothing changes, a waiting order stays as it was.
      const std::string usage = sms::CommandText(sms::PlaceOrder{{{item.code, 1}}, ""}, Keywords());
      return ReplyKey("sms.bad_quantity",
                      {{"max", CountText(lang_, sms::kMaxQuantity)}, {"usage", usage}});
    }
  }
  return Place(lines, address, false, joins, bad);
}

pesan::Status Conversation::BadAddressReply(const std::string& address, bool order_waits) {
  if (AddressTooLong(address)) {
    return ReplyKey(order_waits ? "sms.address_too_long_order" : "sms.address_too_long",
                    {{"max", std::to_string(ussd::kMaxAddressChars)}});
  }
  return ReplyKey(order_waits ? "sms.bad_address_order" : "sms.bad_address");
}

pesan::Status Conversation::Place(const Lines& lines, std::string address, bool allow_repeat,
                                  bool joined, const std::string& bad_address) {
  if (!address.empty()) {
    // Kept even when the shop is closed: the next order needs it all the same.
    if (auto st = store_.SaveAddress(shop_.id, from_, address); !st) return st;
  } else if (customer_ && bad_address.empty()) {
    address = customer_->address;
  }
  if (!shop_.open) return Refuse("sms.shop_closed", {{"shop", shop_.name}});
  if (address.empty()) {
    // An order that cannot be made is said so now, not after the customer sends an address.
    std::optional<Rupiah> total = 0;
    std::vector<OrderItem> items;
    for (const auto& [code, qty] : lines) {
      const int at = view_.Find(code);
      if (at < 0) return RefuseUnknownCode(lines, code);
      const std::int64_t left = view_.Stock(at);
      if (left <= 0) return Refuse("sms.sold_out", {{"code", code}});
      if (qty > left) {
        return Refuse("sms.out_of_stock", {{"code", code}, {"stock", std::to_string(left)}});
      }
      const Product& p = view_.products()[static_cast<size_t>(at)];
      if (total) total = AddToTotal(*total, p.price, qty);
      items.push_back({0, code, p.name, qty, p.price});
    }
    if (!total) return RefuseTotal();
    if (auto st = SavePending("address", lines, ""); !st) return st;
    if (!bad_address.empty()) return BadAddressReply(bad_address, true);
    if (!joined) return ReplyKey("sms.ask_address");
    // The customer reads the whole order now waiting, and so sees what was added to what.
    const std::string more(t_.Get(lang_, "sms.more"));
    const auto ask = [&](size_t budget) {
      return t_.Format(lang_, "sms.ask_address_joined",
                       {{"items", ItemsLine(items, budget, more)}});
    };
    return Reply(FitOneSegment(ask, {100, 80, 64, 48, 32, 24}, SegmentFit::kFirstThatFits).text);
  }
  if (!allow_repeat) {
    // The same items and quantities already ordered today: ask before making a second order.
    OrderFilter f;
    f.shop_id = shop_.id;
    f.phone = from_;
    f.since = LocalDayStart(now_, v_.utc_offset_minutes);
    auto today = store_.ListOrders(f);
    if (!today) return today.error();
    Lines wanted = lines;
    std::sort(wanted.begin(), wanted.end());
    for (const auto& o : *today) {
      if (!HoldsStock(o.status)) continue;
      Lines had;
      for (const auto& it : o.items) had.emplace_back(it.code, it.qty);
      std::sort(had.begin(), had.end());
      if (had == wanted) {
        if (auto st = SavePending("repeat", lines, address); !st) return st;
        return ReplyKey("sms.duplicate_ask", {{"order", std::to_string(o.id)}});
      }
    }
  }
  NewOrder order;
  order.shop_id = shop_.id;
  order.phone = from_;
  for (const auto& [code, qty] : lines) order.lines.push_back({code, qty});
  order.address = address;
  order.channel = "sms";
  order.language = lang_;  // as the confirmation reads, and then the order's news
  auto placed = PlaceOrderAndNotify(store_, v_, shop_, order, false, now_);
  if (!placed) {
    // An order that could not be made does not wait for a later ALAMAT or YA.
    if (auto st = store_.DeleteSession(PendingKey(shop_, from_)); !st) return st;
    const Error& e = placed.error();
    if (e.code == ErrorCode::kNotFound) return RefuseUnknownCode(lines, Quoted(e.message));
    if (IsTotalTooLarge(e)) return RefuseTotal();
    if (e.code == ErrorCode::kOutOfStock) {
      const StockShortage s = ReadShortage(e.message);
      if (s.left <= 0) return ReplyKey("sms.sold_out", {{"code", s.code}});
      return ReplyKey("sms.out_of_stock", {{"code", s.code}, {"stock", std::to_string(s.left)}});
    }
    return e;
  }
  effects_.shop_changed = true;
  return store_.DeleteSession(PendingKey(shop_, from_));
}

pesan::Status Conversation::NotUnderstood(const std::string& text) {
  const std::string address = sms::NormalizeText(text);
  if (!automatic_ && AddressUsable(address)) {
    auto j = LoadPending();
    if (!j) return j.error();
    if (j->is_object() && WaitsForAddress(*j)) {
      ResumeLanguage(*j);
      if (auto st = SavePending("address_guess", j->value("lines", Lines{}), address); !st) {
        return st;
      }
      const auto ask = [&](size_t budget) {
        return t_.Format(lang_, "sms.address_guess", {{"address", ShortenAtWord(address, budget)}});
      };
      return Reply(FitOneSegment(ask, EveryLength(address), SegmentFit::kFirstThatFits).text);
    }
  }
  return Guarded(t_.Get(lang_, "sms.help"));
}

pesan::Status Conversation::Pending(bool confirm, bool drop) {
  auto row = store_.LoadSession(PendingKey(shop_, from_));
  if (!row) return row.error();
  if (!*row) return Guarded(t_.Get(lang_, "sms.nothing_pending"));
  auto j = nlohmann::json::parse(**row, nullptr, false);
  if (j.is_object()) ResumeLanguage(j);
  if (j.is_object() && j.value("kind", "") == "address_guess") {
    if (confirm) return Place(j.value("lines", Lines{}), j.value("address", ""), false);
    if (!drop) {
      // Not that address: the order waits for the right one.
      if (auto st = SavePending("address", j.value("lines", Lines{}), ""); !st) return st;
      return ReplyKey("sms.ask_address");
    }
  }
  if (!confirm || !j.is_object()) {
    if (auto st = store_.DeleteSession(PendingKey(shop_, from_)); !st) return st;
    return ReplyKey("sms.duplicate_dropped");
  }
  Lines lines = j.value("lines", Lines{});
  std::string kind = j.value("kind", "");
  if (kind == "address") return Guarded(t_.Get(lang_, "sms.ask_address"));
  return Place(lines, j.value("address", ""), true);
}

void Conversation::ResumeLanguage(const nlohmann::json& pending) {
  if (lang_chosen_ || lang_from_text_) return;
  const std::string lang = pending.value("lang", "");
  if (Texts::IsLanguage(lang)) lang_ = lang;
}

pesan::Status Conversation::SetAddress(const std::string& address) {
  auto j = LoadPending();
  if (!j) return j.error();
  std::optional<Lines> waiting;  // an order waiting for its address
  if (j->is_object() && WaitsForAddress(*j)) {
    waiting = j->value("lines", Lines{});
    ResumeLanguage(*j);
  }
  // Too short or too long: nothing is saved, and the waiting order goes on waiting.
  if (!AddressUsable(address)) return BadAddressReply(address, waiting.has_value());
  if (auto st = store_.SaveAddress(shop_.id, from_, address); !st) return st;
  customer_ = Customer{shop_.id, from_, "", address, lang_};
  if (waiting) return Place(*waiting, address, false);
  return ReplyKey("sms.address_saved", {{"address", address}});
}

pesan::Status Conversation::StatusOf(std::optional<std::int64_t> order) {
  const auto line = [&](const Order& o) {
    return t_.Format(lang_, "sms.status_line",
                     {{"order", std::to_string(o.id)},
                      {"total", FormatRupiah(o.total)},
                      {"status", StatusName(t_, lang_, o.status)}});
  };
  if (order) {
    auto one = store_.GetOrder(*order);
    if (!one || one->phone != from_ || one->shop_id != shop_.id)
      return ReplyKey("sms.no_such_order", {{"order", std::to_string(*order)}});
    return Reply(line(*one));
  }
  // The open orders first, newest first, however many were closed since; then, while there is
  // room for three lines, the latest closed ones.
  constexpr size_t kRecent = 3;
  OrderFilter f;
  f.shop_id = shop_.id;
  f.phone = from_;
  f.open_only = true;
  auto open = store_.ListOrders(f);
  if (!open) return open.error();
  std::vector<std::string> lines;
  // An order waiting for its address is no order yet, but it is the customer's: it goes first.
  auto pending = LoadPending();
  if (!pending) return pending.error();
  if (pending->is_object() && WaitsForAddress(*pending)) {
    ResumeLanguage(*pending);
    std::vector<OrderItem> items;
    for (const auto& [code, qty] : pending->value("lines", Lines{})) {
      const int at = view_.Find(code);
      items.push_back(
          {0, code, at < 0 ? code : view_.products()[static_cast<size_t>(at)].name, qty, 0});
    }
    // Short enough to leave room for the orders after it.
    lines.push_back(t_.Format(lang_, "sms.status_waiting",
                              {{"items", ItemsLine(items, 48, t_.Get(lang_, "sms.more"))}}));
  }
  for (const auto& o : *open) lines.push_back(line(o));
  if (lines.size() < kRecent) {
    f.open_only = false;
    f.limit = static_cast<int>(kRecent + open->size());
    auto recent = store_.ListOrders(f);
    if (!recent) return recent.error();
    for (const auto& o : *recent) {
      if (lines.size() >= kRecent) break;
      if (!IsOpen(o.status)) lines.push_back(line(o));
    }
  }
  if (lines.empty()) return ReplyKey("sms.status_none");
  return Reply(JoinFitting(lines, "; ", std::string(t_.Get(lang_, "sms.more")), ""));
}

pesan::Status Conversation::Cancel(std::optional<std::int64_t> order) {
  if (!order) {
    // A repeat question or an order waiting for its address (or for a YA to one read back): BATAL
    // drops that order.
    auto pending = store_.LoadSession(PendingKey(shop_, from_));
    if (!pending) return pending.error();
    if (*pending) return Pending(false, /*drop=*/true);
  }
  std::optional<Order> target;
  if (order) {
    auto o = store_.GetOrder(*order);
    if (o && o->phone == from_ && o->shop_id == shop_.id) target = *o;
    if (o && o->phone != from_ && o->shop_id == shop_.id && IsManager(shop_, from_)) {
      // A manager's BATAL of a customer's order: the shop rejects orders, with a reason.
      const std::string id = std::to_string(*order);
      if (!CanMove(o->status, OrderStatus::kRejected)) {
        return ReplyKey("sms.manager_conflict",
                        {{"order", id}, {"status", StatusWord(t_, lang_, o->status)}});
      }
      return ReplyKey("sms.manager_cancel_is_reject", {{"order", id}});
    }
  } else {
    OrderFilter f;
    f.shop_id = shop_.id;
    f.phone = from_;
    f.open_only = true;
    f.limit = 1;
    auto open = store_.ListOrders(f);
    if (!open) return open.error();
    if (!open->empty()) target = open->front();
  }
  if (!target) {
    return order ? ReplyKey("sms.no_such_order", {{"order", std::to_string(*order)}})
                 : ReplyKey("sms.status_none");
  }
  const std::string id = std::to_string(target->id);
  if (target->status == OrderStatus::kCancelled)
    return ReplyKey("sms.already_cancelled", {{"order", id}});
  if (!CanMove(target->status, OrderStatus::kCancelled)) {
    return ReplyKey("sms.cannot_cancel",
                    {{"order", id}, {"status", StatusWord(t_, lang_, target->status)}});
  }
  auto moved = store_.MoveOrder(target->id, OrderStatus::kCancelled, "", now_);
  if (!moved) return moved.error();
  effects_.shop_changed = true;
  for (const auto& m : shop_.managers) {
    auto text = t_.Format(v_.manager_language, "sms.manager_cancelled", {{"order", id}});
    if (auto st = QueueText(store_, shop_.id, m, text, target->id, now_); !st) return st;
  }
  return ReplyKey("sms.cancelled", {{"order", id}});
}

// The price list, one SMS a page. With a query, the products whose code, name and category
// hold the most of its words ("beras berapa" finds the rice); when none holds any, the first page
// of all of them, after saying that nothing matched.
Conversation::Matches Conversation::Match(const std::string& query, bool codes) const {
  const auto& products = view_.products();
  Matches m;
  for (size_t at = 0; at < query.size();) {
    size_t end = std::min(query.find(' ', at), query.size());
    if (end - at >= 2) m.words.push_back(query.substr(at, end - at));
    at = end + 1;
  }
  m.hits.assign(products.size(), 0);
  for (size_t i = 0; i < products.size(); ++i) {
    const Product& p = products[i];
    const std::string text = Lower((codes ? p.code + " " : "") + p.name + " " + p.category);
    for (const auto& w : m.words) m.hits[i] += text.find(w) != std::string::npos;
    m.best = std::max(m.best, m.hits[i]);
  }
  return m;
}

std::vector<size_t> Conversation::BestMatches(const Matches& m) const {
  std::vector<size_t> found;
  for (size_t i = 0; i < m.hits.size() && m.best > 0; ++i) {
    if (m.hits[i] == m.best) found.push_back(i);
  }
  return found;
}

std::string Conversation::WithMatches(
    const std::vector<size_t>& found, bool sold_out,
    const std::function<std::string(const std::string&)>& make) const {
  const auto& products = view_.products();
  const std::string out = " " + std::string(t_.Get(lang_, "sms.price_list_sold_out"));
  std::string text;
  for (size_t shown = found.size(); shown > 0; --shown) {
    std::string list;
    for (size_t i = 0; i < shown; ++i) {
      const Product& p = products[found[i]];
      list += (i == 0 ? "" : ", ") + p.code + " " + p.name + " " + FormatRupiah(p.price);
      if (sold_out && view_.Stock(static_cast<int>(found[i])) <= 0) list += out;
    }
    if (shown < found.size()) {
      list += " " + t_.Format(lang_, "sms.more", {{"count", std::to_string(found.size() - shown)}});
    }
    text = make(list);
    if (CountSegments(ToGsmFriendly(text)).segments == 1) break;
  }
  return text;
}

pesan::Status Conversation::NoSuchCode(const std::string& code, std::string_view found_key,
                                       std::string_view none_key,
                                       const std::function<sms::Command(const Product&)>& again) {
  const std::string query = Lower(code);
  const std::vector<size_t> found = BestMatches(Match(query));
  if (found.empty()) return ReplyKey(none_key, {{"code", code}});
  const std::string example = sms::CommandText(again(view_.products()[found[0]]), Keywords());
  return Reply(WithMatches(found, false, [&](const std::string& list) {
    return t_.Format(lang_, found_key,
                     {{"code", code},
                      {"query", ShortenAtWord(query, 24)},
                      {"matches", list},
                      {"example", example}});
  }));
}

pesan::Status Conversation::RefuseUnknownCode(const Lines& lines, const std::string& code) {
  // The words of a name are codes to the parser: "minyak goreng 2" is MINYAK 1 and GORENG 2,
  // "beras 5kg 2" BERAS 1 and 5KG 2. An unknown code and the unknown ones after it, while the one
  // before has a quantity of 1 (as a word without its own reads), are one name, whose quantity
  // is the last one's.
  const auto at = std::find_if(lines.begin(), lines.end(),
                               [&](const auto& line) { return line.first == code; });
  if (at == lines.end()) return Refuse("sms.order_unknown_product", {{"code", code}});
  const auto& products = view_.products();
  // The order again, each name replaced by the first product in stock that it names; the reply
  // lists what the first one (`code`'s) names.
  std::string words;
  std::vector<size_t> found;
  std::optional<sms::OrderItem> named;
  sms::PlaceOrder whole;
  for (auto it = lines.begin(); it != lines.end(); ++it) {
    if (it != at && view_.Find(it->first) >= 0) {
      whole.items.push_back({it->first, static_cast<int>(it->second)});
      continue;
    }
    auto last = it;
    while (last->second == 1 && last + 1 != lines.end() && view_.Find((last + 1)->first) < 0) {
      ++last;
    }
    std::string name;
    for (auto w = it; w <= last; ++w) name += (name.empty() ? "" : " ") + Lower(w->first);
    const std::vector<size_t> matches = BestMatches(Match(name, /*codes=*/false));
    if (matches.empty()) return Refuse("sms.order_unknown_product", {{"code", it->first}});
    size_t pick = matches[0];
    for (size_t i : matches) {
      if (view_.Stock(static_cast<int>(i)) > 0) {
        pick = i;
        break;
      }
    }
    whole.items.push_back({products[pick].code, static_cast<int>(last->second)});
    if (!named) {
      named = whole.items.back();
      words = name;
      found = matches;
    }
    it = last;
  }
  const auto text = [&](const sms::PlaceOrder& order) {
    const std::string example = sms::CommandText(order, Keywords());
    return WithMatches(found, true, [&](const std::string& list) {
      return t_.Format(
          lang_, "sms.order_unknown_product_match",
          {{"code", ShortenAtWord(words, 24)}, {"matches", list}, {"example", example}});
    });
  };
  std::string reply = text(whole);
  // An order of many lines may leave no room: then the example is the named product alone.
  if (CountSegments(ToGsmFriendly(reply)).segments > 1) reply = text(sms::PlaceOrder{{*named}, ""});
  if (auto st = store_.DeleteSession(PendingKey(shop_, from_)); !st) return st;
  return Reply(reply);
}

pesan::Status Conversation::PriceList(const std::string& query, int page) {
  const auto& products = view_.products();
  const Matches m = Match(query);
  const std::vector<std::string>& words = m.words;
  const std::vector<size_t>& hits = m.hits;
  const size_t best = m.best;
  std::vector<std::string> parts;
  const std::string sold_out = " " + std::string(t_.Get(lang_, "sms.price_list_sold_out"));
  for (size_t i = 0; i < products.size(); ++i) {
    if (hits[i] != best) continue;
    const Product& p = products[i];
    std::string price = FormatRupiah(p.price).substr(2);  // "65.000"
    const bool out = view_.Stock(static_cast<int>(i)) <= 0;
    parts.push_back(p.code + " " + p.name + " " + price + (out ? sold_out : ""));
  }
  if (parts.empty()) return ReplyKey("sms.status_none");
  const std::string kept_query = best > 0 ? query : "";
  const bool no_match = best == 0 && !words.empty();
  const std::string head =
      no_match
          ? t_.Format(lang_, "sms.price_list_no_match", {{"query", ShortenAtWord(query, 24)}}) + " "
          : "";
  auto pages = Pages(
      parts, ", ",
      [&](int next) {
        return t_.Format(
            lang_, "sms.price_list_more",
            {{"next", sms::CommandText(sms::PriceList{kept_query, next}, Keywords())}});
      },
      std::string(t_.Get(lang_, "sms.price_list_tail")), head);
  if (no_match) page = 1;  // the list's other pages are asked for without the words
  return Reply(pages[std::min<size_t>(page, pages.size()) - 1]);
}

pesan::Status Conversation::Move(std::int64_t id, OrderStatus to, const std::string& reason) {
  const std::string sid = std::to_string(id);
  auto order = store_.GetOrder(id);
  if (!order || order->shop_id != shop_.id) return ReplyKey("sms.no_such_order", {{"order", sid}});
  if (!CanMove(order->status, to)) {
    if (order->status == OrderStatus::kNew && to == OrderStatus::kDone)
      return ReplyKey("sms.manager_ship_first", {{"order", sid}});
    return ReplyKey("sms.manager_conflict",
                    {{"order", sid}, {"status", StatusWord(t_, lang_, order->status)}});
  }
  // Tell the customer, in the language they chose, else the one they ordered in, else the one
  // the shop speaks to customers.
  auto customer = store_.GetCustomer(shop_.id, order->phone);
  const std::string clang =
      NewsLanguage(customer ? *customer : std::nullopt, *order, customer_default_);
  const char* key = to == OrderStatus::kAccepted  ? "sms.customer_accepted"
                    : to == OrderStatus::kShipped ? "sms.customer_shipped"
                    : to == OrderStatus::kDone    ? "sms.customer_done"
                                                  : "sms.customer_rejected";
  auto text_with = [&](const std::string& why) {
    return t_.Format(clang, key,
                     {{"order", sid},
                      {"total", FormatRupiah(order->total)},
                      {"shop", shop_.name},
                      {"reason", why.empty() ? "" : ": " + why}});
  };
  // A reason too long for one segment is shortened at a word until the text fits; the order keeps
  // the reason as the customer read it.
  const FittedText text =
      FitOneSegment([&](size_t budget) { return text_with(ShortenAtWord(reason, budget)); },
                    EveryLength(reason), SegmentFit::kFirstThatFits);
  const std::string told = ShortenAtWord(reason, text.budget);
  auto moved = store_.MoveOrder(id, to, told, now_);
  if (!moved) return moved.error();
  if (!HoldsStock(to)) effects_.shop_changed = true;
  if (auto st = QueueText(store_, shop_.id, order->phone, text.text, id, now_); !st) return st;
  if (told != reason) {
    // The manager learns how the reason reads now: its length, and its end where the reply has
    // no room for all of it.
    const std::string chars = std::to_string(ussd::CharCount(told));
    const auto reply = [&](size_t budget) {
      return t_.Format(lang_, "sms.manager_reason_shortened",
                       {{"order", sid}, {"count", chars}, {"reason", TailAtWord(told, budget)}});
    };
    return Reply(FitOneSegment(reply, EveryLength(told), SegmentFit::kFirstThatFits).text);
  }
  return ReplyKey("sms.manager_moved", {{"order", sid}, {"status", StatusWord(t_, lang_, to)}});
}

pesan::Status Conversation::Manage(const sms::Command& cmd, const std::string& usage) {
  (void)usage;
  auto product_reply =
      [&](pesan::Status st, const std::string& code, std::string_view ok_key,
          std::initializer_list<std::pair<std::string_view, std::string_view>> v) -> pesan::Status {
    if (!st) {
      if (st.error().code == ErrorCode::kNotFound)
        return ReplyKey("sms.unknown_product", {{"code", code}});
      if (st.error().code == ErrorCode::kConflict)
        return ReplyKey("sms.manager_exists", {{"code", code}});
      return st;
    }
    effects_.shop_changed = true;
    return ReplyKey(ok_key, v);
  };
  return std::visit(
      [&](const auto& c) -> pesan::Status {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, sms::AcceptOrder>) {
          return Move(c.order, OrderStatus::kAccepted, "");
        } else if constexpr (std::is_same_v<T, sms::ShipOrder>) {
          return Move(c.order, OrderStatus::kShipped, "");
        } else if constexpr (std::is_same_v<T, sms::CompleteOrder>) {
          return Move(c.order, OrderStatus::kDone, "");
        } else if constexpr (std::is_same_v<T, sms::RejectOrder>) {
          return Move(c.order, OrderStatus::kRejected, c.reason);
        } else if constexpr (std::is_same_v<T, sms::SetStock>) {
          // A name for the code ("STOK beras 20"): the products it finds, and the command.
          const auto no_such_code = [&] {
            return NoSuchCode(c.code, "sms.manager_stock_no_code", "sms.unknown_product",
                              [&](const Product& p) {
                                sms::SetStock again = c;
                                again.code = p.code;
                                return again;
                              });
          };
          if (c.relative) {
            auto now = store_.AdjustStock(shop_.id, c.code, c.stock);
            if (!now && now.error().code == ErrorCode::kNotFound) return no_such_code();
            if (!now && now.error().code == ErrorCode::kOutOfStock) {
              const StockShortage s = ReadShortage(now.error().message);
              return ReplyKey("sms.manager_stock_below_zero",
                              {{"code", c.code},
                               {"stock", std::to_string(s.left)},
                               {"count", std::to_string(-c.stock)}});
            }
            if (!now) return product_reply(now.error(), c.code, "", {});
            const std::string n = std::to_string(*now);
            return product_reply(Ok{}, c.code, "sms.manager_stock",
                                 {{"code", c.code}, {"stock", n}});
          }
          auto set = store_.SetStock(shop_.id, c.code, c.stock);
          if (!set && set.error().code == ErrorCode::kNotFound) return no_such_code();
          std::string n = std::to_string(c.stock);
          return product_reply(set, c.code, "sms.manager_stock", {{"code", c.code}, {"stock", n}});
        } else if constexpr (std::is_same_v<T, sms::SetPrice>) {
          std::string p = FormatRupiah(c.price);
          // A price under a tenth of the old one or over ten times it is most likely a slip ("65"
          // for 65000, a zero too many): it is changed when the manager says it is meant.
          if (auto old = store_.GetProduct(shop_.id, c.code);
              old && !c.sure && (c.price * 10 < old->price || c.price > old->price * 10)) {
            sms::SetPrice sure = c;
            sure.sure = true;
            return ReplyKey("sms.manager_price_check",
                            {{"code", c.code},
                             {"price", p},
                             {"old", FormatRupiah(old->price)},
                             {"usage", sms::CommandText(sure, Keywords())}});
          }
          auto changed = store_.SetPrice(shop_.id, c.code, c.price);
          if (!changed && changed.error().code == ErrorCode::kNotFound) {
            return NoSuchCode(c.code, "sms.manager_price_no_code", "sms.manager_price_no_match",
                              [&](const Product& p) {
                                return sms::SetPrice{p.code, p.price};
                              });
          }
          return product_reply(changed, c.code, "sms.manager_price",
                               {{"code", c.code}, {"price", p}});
        } else if constexpr (std::is_same_v<T, sms::AddProduct>) {
          CatalogRow row{c.code, c.name, c.price, 0, "", "", true};
          const std::string p = FormatRupiah(c.price);
          // The product keeps its whole name; the reply, one SMS, may show it cut at a word.
          const auto added = [&](size_t budget) {
            return t_.Format(
                lang_, "sms.manager_added",
                {{"code", c.code}, {"name", ShortenAtWord(c.name, budget)}, {"price", p}});
          };
          const std::string name = ShortenAtWord(
              c.name, FitOneSegment(added, EveryLength(c.name), SegmentFit::kFirstThatFits).budget);
          return product_reply(store_.AddProduct(shop_.id, row), c.code, "sms.manager_added",
                               {{"code", c.code}, {"name", name}, {"price", p}});
        } else if constexpr (std::is_same_v<T, sms::RemoveProduct>) {
          return product_reply(store_.DeactivateProduct(shop_.id, c.code), c.code,
                               "sms.manager_removed", {{"code", c.code}});
        } else if constexpr (std::is_same_v<T, sms::OpenShop> ||
                             std::is_same_v<T, sms::CloseShop>) {
          const bool open = std::is_same_v<T, sms::OpenShop>;
          if (auto st = store_.SetShopOpen(shop_.id, open); !st) return st;
          effects_.shop_changed = true;
          return ReplyKey(open ? "sms.manager_opened" : "sms.manager_closed");
        } else if constexpr (std::is_same_v<T, sms::ListOrders>) {
          return c.order ? ShowOrder(*c.order) : OpenOrders();
        } else if constexpr (std::is_same_v<T, sms::DailyReport>) {
          return Report();
        } else if constexpr (std::is_same_v<T, sms::StockList>) {
          return StockList(c.page);
        } else {
          return Ok{};
        }
      },
      cmd);
}

pesan::Status Conversation::OpenOrders() {
  OrderFilter f;
  f.shop_id = shop_.id;
  f.open_only = true;
  auto orders = store_.ListOrders(f);
  if (!orders) return orders.error();
  if (orders->empty()) return ReplyKey("sms.manager_orders_none");
  // The longest waiting first (the newest came with an alert just now); those that do not fit
  // are counted.
  std::vector<std::string> parts;
  for (auto it = orders->rbegin(); it != orders->rend(); ++it) {
    const Order& o = *it;
    parts.push_back(std::to_string(o.id) + " " + StatusName(t_, lang_, o.status) + " " +
                    ItemsLine(o.items, 24, t_.Get(lang_, "sms.more")) + " " +
                    NationalPhone(o.phone, v_.country_code));
  }
  return Reply(JoinFitting(parts, "; ", std::string(t_.Get(lang_, "sms.more")), ""));
}

// One order in full, for the manager who delivers it: every item, the whole address, the
// customer's number and, when rejected, the reason. It takes as many segments as it needs: the
// alert had to fit one and may have cut the items or the address.
pesan::Status Conversation::ShowOrder(std::int64_t id) {
  const std::string sid = std::to_string(id);
  auto order = store_.GetOrder(id);
  if (!order || order->shop_id != shop_.id) return ReplyKey("sms.no_such_order", {{"order", sid}});
  const std::string where =
      order->pickup ? std::string(t_.Get(lang_, "sms.manager_alert_pickup")) : order->address;
  const std::string reason =
      order->note.empty()
          ? ""
          : " " + t_.Format(lang_, "sms.manager_order_reason", {{"reason", order->note}});
  return ReplyKey("sms.manager_order",
                  {{"order", sid},
                   {"status", StatusName(t_, lang_, order->status)},
                   {"time", LocalDayTime(order->created_at, v_.utc_offset_minutes)},
                   {"items", ItemsLine(order->items, std::string::npos, t_.Get(lang_, "sms.more"))},
                   {"total", FormatRupiah(order->total)},
                   {"address", where},
                   {"phone", NationalPhone(order->phone, v_.country_code)},
                   {"reason", reason}});
}

// Every product's stock as the menus see it, one SMS a page: the manager checks before STOK.
pesan::Status Conversation::StockList(int page) {
  const auto& products = view_.products();
  std::vector<std::string> parts;
  for (size_t i = 0; i < products.size(); ++i) {
    parts.push_back(products[i].code + " " + products[i].name + " " +
                    std::to_string(std::max<std::int64_t>(view_.Stock(static_cast<int>(i)), 0)));
  }
  if (parts.empty()) return ReplyKey("sms.manager_stock_none");
  auto pages = Pages(
      parts, ", ",
      [&](int next) {
        return t_.Format(lang_, "sms.price_list_more",
                         {{"next", sms::CommandText(sms::StockList{next}, Keywords())}});
      },
      std::string(t_.Get(lang_, "sms.manager_stock_tail")));
  return Reply(pages[std::min<size_t>(page, pages.size()) - 1]);
}

// Today's orders: those the shop took (accepted, shipped, done) with their amount and best
// sellers, apart from the new ones still waiting for OK, which may yet be rejected.
pesan::Status Conversation::Report() {
  OrderFilter f;
  f.shop_id = shop_.id;
  f.since = LocalDayStart(now_, v_.utc_offset_minutes);
  auto orders = store_.ListOrders(f);
  if (!orders) return orders.error();
  Rupiah revenue = 0;
  size_t taken = 0, waiting = 0;
  std::map<std::string, std::int64_t> qty;
  for (const auto& o : *orders) {
    if (o.status == OrderStatus::kNew) ++waiting;
    if (o.status == OrderStatus::kNew || !HoldsStock(o.status)) continue;
    ++taken;
    revenue += o.total;
    for (const auto& it : o.items) qty[it.name] += it.qty;
  }
  if (taken == 0 && waiting == 0) return ReplyKey("sms.manager_report_none");
  const std::string new_ones = std::to_string(waiting);
  const auto plural = [](std::string key, size_t n) { return n == 1 ? key + "_one" : key; };
  if (taken == 0) {
    return ReplyKey(plural("sms.manager_report_only_new", waiting), {{"count", new_ones}});
  }
  std::vector<std::pair<std::int64_t, std::string>> top;
  for (auto& [name, n] : qty) top.emplace_back(-n, name);
  std::sort(top.begin(), top.end());
  std::vector<OrderItem> best;
  for (size_t i = 0; i < top.size() && i < 3; ++i)
    best.push_back({0, "", top[i].second, -top[i].first, 0});
  const std::string waiting_text =
      waiting == 0 ? ""
                   : " " + t_.Format(lang_, plural("sms.manager_report_new", waiting),
                                     {{"count", new_ones}});
  const auto report = [&](size_t budget) {
    // The counts are bare numbers: the texts carry the nouns, "_one" the singular.
    return t_.Format(lang_, plural("sms.manager_report", taken),
                     {{"orders", std::to_string(taken)},
                      {"revenue", FormatRupiah(revenue)},
                      {"top", ItemsLine(best, budget, t_.Get(lang_, "sms.more"))},
                      {"waiting", waiting_text}});
  };
  return Reply(FitOneSegment(report, {60, 40, 24}, SegmentFit::kFirstThatFits).text);
}

// The managers' commands, one SMS a page; with a PIN set, each page says how to give it.
std::string Conversation::ManagerHelpText(int page) const {
  const bool second = page >= 2;
  std::string text(t_.Get(lang_, second ? "sms.manager_help_2" : "sms.manager_help"));
  if (!shop_.pin.empty()) {
    // Two sentences: "... BANTUAN 2. Tulis PIN dulu: ...", whether or not the help ends in a stop.
    text += text.ends_with('.') ? " " : ". ";
    text += t_.Get(lang_, "sms.manager_help_pin");
  }
  return text;
}

pesan::Status Conversation::ManagerHelp(int page) { return Reply(ManagerHelpText(page)); }

bool Conversation::SearchesProducts(const sms::Command& cmd) const {
  const auto* list = std::get_if<sms::PriceList>(&cmd);
  if (list == nullptr || list->query.empty()) return false;
  std::string first = list->query.substr(0, list->query.find(' '));
  if (LooksLikeCode(first)) return false;
  for (char& ch : first) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return view_.Find(first) < 0;
}

}  // namespace

bool SmsGuard::AllowReply(const std::string& phone, SystemTime now, bool manager) {
  auto& times = replies_[phone];
  while (!times.empty() && now - times.front() >= std::chrono::hours(1)) times.pop_front();
  const int cap = manager && replies_per_hour_ > 0
                      ? std::max(replies_per_hour_, kManagerRepliesPerHour)
                      : replies_per_hour_;
  if (static_cast<int>(times.size()) >= cap) return false;
  times.push_back(now);
  if (replies_.size() > 100000) replies_.clear();  // bounded: forget everyone rather than grow
  return true;
}

std::chrono::minutes SmsGuard::PinLockLeft(const std::string& phone, SystemTime now) const {
  auto it = pin_.find(phone);
  if (it == pin_.end() || now >= it->second.locked_until) return std::chrono::minutes(0);
  return std::chrono::ceil<std::chrono::minutes>(it->second.locked_until - now);
}

bool SmsGuard::PinFailed(const std::string& phone, SystemTime now) {
  auto& p = pin_[phone];
  if (++p.fails >= pin_attempts_) {
    p.fails = 0;
    p.locked_until = now + lockout_;
    return true;
  }
  return false;
}

bool LooksAutomatic(const std::string& raw_from, const std::string& text) {
  // Operators and services send from alphanumeric names or short codes (3GPP TS 23.040
  // §9.1.2.5 alphanumeric addresses); people send from numbers.
  size_t digits = 0;
  for (char c : raw_from) {
    if (std::isalpha(static_cast<unsigned char>(c))) return true;
    digits += std::isdigit(static_cast<unsigned char>(c)) != 0;
  }
  if (digits < 7) return true;
  std::string lower;
  for (char c : text.substr(0, 200))
    lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  for (const char* mark : {"auto-reply", "autoreply", "auto reply", "balasan otomatis",
                           "pesan otomatis", "out of office", "do not reply", "jangan dibalas"}) {
    if (lower.find(mark) != std::string::npos) return true;
  }
  return false;
}

pesan::Status HandleSms(Store& store, const Voice& voice, const ussd::ShopView& shop,
                        const std::string& from, const std::string& text,
                        const std::string& customer_language, SmsGuard& guard, SystemTime now,
                        SmsEffects& effects, bool repeated) {
  Conversation c(store, voice, shop, from, customer_language, guard, now, effects);
  return c.Handle(text, false, repeated);
}

}  // namespace pesan
