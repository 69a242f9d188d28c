#include "menus/shop_actions.h"

#include <algorithm>

#include "core/gsm_text.h"
#include "core/money.h"
#include "core/phone.h"
#include "menus/ussd/ussd_menu.h"

namespace pesan {
namespace {

std::string ClipChars(std::string_view s, size_t n) {
  size_t chars = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80 && chars++ == n) {
      return std::string(s.substr(0, i));
    }
  }
  return std::string(s);
}

std::string TrimEnd(std::string s) {
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

// The budgets of the order texts' variable parts (the items, the address, the shop's name).
constexpr size_t kOrderTextBudgets[] = {1000, 70, 48, 32, 20, 12, 8};

}  // namespace

std::string LocalDay(SystemTime t, int utc_offset_minutes) {
  using namespace std::chrono;
  auto local = floor<days>(t + minutes(utc_offset_minutes));
  year_month_day ymd{local};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

std::string LocalDayTime(SystemTime t, int utc_offset_minutes) {
  using namespace std::chrono;
  const auto local = t + minutes(utc_offset_minutes);
  const auto day = floor<days>(local);
  const year_month_day ymd{day};
  const hh_mm_ss hms{floor<minutes>(local - day)};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02u/%02u %02d:%02d", static_cast<unsigned>(ymd.day()),
                static_cast<unsigned>(ymd.month()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()));
  return buf;
}

SystemTime LocalDayStart(SystemTime t, int utc_offset_minutes) {
  using namespace std::chrono;
  auto local = floor<days>(t + minutes(utc_offset_minutes));
  return SystemTime(local.time_since_epoch()) - minutes(utc_offset_minutes);
}

std::string ItemsLine(const std::vector<OrderItem>& items, size_t max_chars,
                      std::string_view more) {
  const auto left_out = [&](size_t n) {
    return " " + Substitute(more, {{"count", std::to_string(n)}});
  };
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    std::string part = std::to_string(items[i].qty) + "x " + items[i].name;
    std::string rest = i + 1 < items.size() ? left_out(items.size() - i - 1) : "";
    std::string candidate = out.empty() ? part : out + ", " + part;
    if (ussd::CharCount(candidate) + ussd::CharCount(rest) > max_chars) {
      if (out.empty()) {
        // The first item alone is too long: cut it, and say how many more there are, if any.
        if (items.size() == 1) return TrimEnd(ClipChars(part, max_chars));
        const std::string others = left_out(items.size() - 1);
        const size_t used = ussd::CharCount(others) + 1;
        return TrimEnd(ClipChars(part, max_chars > used + 2 ? max_chars - used : 2)) + others;
      }
      return out + left_out(items.size() - i);
    }
    out = std::move(candidate);
  }
  return out;
}

std::string ShortenAtWord(std::string_view text, size_t max_chars) {
  if (ussd::CharCount(text) <= max_chars) return std::string(text);
  if (max_chars < 4) return "";
  std::string kept = ClipChars(text, max_chars - 3);
  if (text[kept.size()] != ' ') {
    const size_t space = kept.rfind(' ');
    if (space != std::string::npos && space > 0) kept.resize(space);
  }
  while (!kept.empty() && std::string_view(" ,.;:-").find(kept.back()) != std::string_view::npos)
    kept.pop_back();
  return kept + "...";
}

std::string ManagerAlert(const Voice& v, const Shop& shop, const Order& order) {
  const std::string& lang = v.manager_language;
  // With a PIN set, the reply it asks for is written with the PIN's place, never the PIN itself.
  const std::string key = shop.pin.empty() ? "sms.manager_alert" : "sms.manager_alert_pin";
  const std::string id = std::to_string(order.id);
  const std::string phone = NationalPhone(order.phone, v.country_code);
  const auto build = [&](size_t budget) {
    std::string where = order.pickup ? std::string(v.texts->Get(lang, "sms.manager_alert_pickup"))
                                     : ShortenAtWord(order.address, budget);
    return v.texts->Format(
        lang, key,
        {{"order", id},
         {"items", ItemsLine(order.items, budget, v.texts->Get(lang, "sms.more"))},
         {"total", FormatRupiah(order.total)},
         {"address", where},
         {"phone", phone}});
  };
  return FitOneSegment(build, kOrderTextBudgets, SegmentFit::kKeepScript).text;
}

std::string CustomerConfirmation(const Voice& v, std::string_view lang, const Shop& shop,
                                 const Order& order) {
  const std::string id = std::to_string(order.id);
  const auto build = [&](size_t budget) {
    return v.texts->Format(
        lang, "sms.customer_placed",
        {{"order", id},
         {"items", ItemsLine(order.items, budget, v.texts->Get(lang, "sms.more"))},
         {"total", FormatRupiah(order.total)},
         {"shop", ClipChars(shop.name, budget)}});
  };
  return FitOneSegment(build, kOrderTextBudgets, SegmentFit::kKeepScript).text;
}

Status QueueText(Store& store, ShopId shop, const std::string& to, std::string_view text,
                 std::optional<OrderId> order, SystemTime now) {
  auto [friendly, info] = ToGsmFriendlyCounted(text);
  auto id = store.QueueSms({shop, to, std::move(friendly), order, info}, now);
  if (!id) return id.error();
  return Ok{};
}

Result<Order> PlaceOrderAndNotify(Store& store, const Voice& voice, const Shop& shop,
                                  const NewOrder& order, bool save_address, SystemTime now) {
  // An earlier order of the same source key comes back as it is, with nothing more queued.
  bool created = false;
  auto placed = store.CreateOrder(order, now, &created);
  if (!placed || !created) return placed;
  if (save_address && !order.pickup && !order.address.empty()) {
    if (auto st = store.SaveAddress(shop.id, order.phone, order.address); !st) return st.error();
  }
  if (auto st =
          QueueText(store, shop.id, order.phone,
                    CustomerConfirmation(voice, order.language, shop, *placed), placed->id, now);
      !st) {
    return st.error();
  }
  for (const auto& manager : shop.managers) {
    if (auto st =
            QueueText(store, shop.id, manager, ManagerAlert(voice, shop, *placed), placed->id, now);
        !st) {
      return st.error();
    }
  }
  return placed;
}

std::string NewsLanguage(const std::optional<Customer>& customer, const Order& order,
                         const std::string& shop_default) {
  if (customer && Texts::IsLanguage(customer->language)) return customer->language;
  if (Texts::IsLanguage(order.language)) return order.language;
  return shop_default;
}

}  // namespace pesan
