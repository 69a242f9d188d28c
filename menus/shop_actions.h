// What happens when a customer orders or an order moves, whichever channel asked: the change
// in the store and the SMS it causes, queued in the outbox in the same transaction. Every
// function here runs inside the caller's (writer's) transaction.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "core/gsm_text.h"
#include "core/store.h"
#include "menus/texts.h"

namespace pesan {

// How the shop speaks: texts, the managers' language, local time, the phone country.
struct Voice {
  const Texts* texts = nullptr;
  std::string manager_language = "id";
  int utc_offset_minutes = 420;
  std::string country_code = "62";
};

// The shop's local day of `t`: "2026-11-28".
std::string LocalDay(SystemTime t, int utc_offset_minutes);
// The shop's local date and time of `t`: "28/11 14:05".
std::string LocalDayTime(SystemTime t, int utc_offset_minutes);
// The start of the local day containing `t`, as a time point.
SystemTime LocalDayStart(SystemTime t, int utc_offset_minutes);

// "2x Beras 5kg, 1x Minyak goreng 1L", shortened to fit `max_chars` with `more` after the items
// that fit, its {count} replaced by how many were left out ("+3 lainnya").
std::string ItemsLine(const std::vector<OrderItem>& items, size_t max_chars, std::string_view more);

// `text` in at most `max_chars` characters: whole when it fits, else cut after a word (inside the
// first word when that alone is too long) with "..." added; empty when `max_chars` < 4.
std::string ShortenAtWord(std::string_view text, size_t max_chars);

// How FitOneSegment chooses among the texts its budgets give.
enum class SegmentFit {
  // A text in UCS-2 (a name or an address in Javanese or Arabic script) is never cut down to
  // GSM-7: that would drop the only words its reader can read. When no budget gives one segment,
  // the least cut text among those with the fewest segments.
  kKeepScript,
  // The first text of one segment, whatever its coding; when no budget gives one, the last (the
  // most cut).
  kFirstThatFits,
};

// A text fitted to one SMS segment, and the budget it was built with.
struct FittedText {
  std::string text;  // as sent: ToGsmFriendly applied
  size_t budget = 0;
};

// Builds `build(budget)` for each of `budgets` in turn, largest first, until the text (made GSM
// friendly, as it is sent) is one SMS segment; a budget is how many characters the text's
// variable parts may have. `fit` says which text goes when a cut would change the coding or no
// budget gives one segment.
template <typename Build, typename Budgets = std::initializer_list<size_t>>
FittedText FitOneSegment(Build build, const Budgets& budgets, SegmentFit fit) {
  FittedText best;
  SegmentInfo best_info{};
  bool built = false;
  for (size_t budget : budgets) {
    auto [text, info] = ToGsmFriendlyCounted(build(budget));
    if (fit == SegmentFit::kKeepScript && built && info.coding != best_info.coding) continue;
    if (info.segments == 1) return {std::move(text), budget};
    if (!built || fit == SegmentFit::kFirstThatFits || info.segments < best_info.segments) {
      best = {std::move(text), budget};
      best_info = info;
      built = true;
    }
  }
  return best;
}

// The manager's alert for a new order: number, items, total, address, the customer's number in
// national form, how to answer (after the PIN's place, "PIN <PIN> OK 12", where the shop has a
// PIN). One GSM-7 segment whenever the text is Latin.
std::string ManagerAlert(const Voice& voice, const Shop& shop, const Order& order);
// The customer's confirmation SMS.
std::string CustomerConfirmation(const Voice& voice, std::string_view lang, const Shop& shop,
                                 const Order& order);

// Stores the order (reserving stock), keeps a newly typed address on file when asked, and
// queues the customer's confirmation, in the order's language (which the order keeps for its
// news: NewsLanguage), and every manager's alert. Idempotent per source_key: a repeated request
// returns the first order and queues nothing more. Refusals of the store's CreateOrder (too many
// of one product, a total too large: IsTotalTooLarge) write nothing.
Result<Order> PlaceOrderAndNotify(Store& store, const Voice& voice, const Shop& shop,
                                  const NewOrder& order, bool save_address, SystemTime now);

// The language the customer reads the news of an order in (accepted, shipped, done, rejected):
// the one they chose, else the one they ordered in, else `shop_default`, the language the shop
// speaks to customers.
std::string NewsLanguage(const std::optional<Customer>& customer, const Order& order,
                         const std::string& shop_default);

// Queues one SMS (texts are folded to GSM-7 where they can be, see core/gsm_text.h).
Status QueueText(Store& store, ShopId shop, const std::string& to, std::string_view text,
                 std::optional<OrderId> order, SystemTime now);

}  // namespace pesan
