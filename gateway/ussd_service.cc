#include "gateway/ussd_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/phone.h"

namespace pesan {

UssdService::UssdService(ShopRegistry& shops, const Voice& voice, DbWriter& writer,
                         ReadStores& reads, const Clock& clock, UssdOptions options)
    : shops_(shops), voice_(voice), writer_(writer), reads_(reads), clock_(clock), opt_(options) {
  opt_.limits.service_code = opt_.service_code;
}

Result<std::shared_ptr<const ussd::CustomerView>> UssdService::LoadCustomer(
    const ussd::ShopView& shop, const std::string& phone) {
  auto view = std::make_shared<ussd::CustomerView>();
  view->phone = phone;
  view->language = opt_.default_language;
  view->today = LocalDay(clock_.Now(), voice_.utc_offset_minutes);
  // A number never seen has nothing to read.
  if (opt_.known && !opt_.known->MayContain(phone)) {
    return std::shared_ptr<const ussd::CustomerView>(std::move(view));
  }
  auto store = reads_.ForThisThread();
  if (!store) return store.error();
  auto customer = (*store)->GetCustomer(shop.shop.id, phone);
  if (!customer) return customer.error();
  // The orders still open first (the customer may want to cancel one, however many came after
  // it), then the newest of the others: as many as the menu lists and one more.
  OrderFilter f;
  f.shop_id = shop.shop.id;
  f.phone = phone;
  f.limit = 5;
  f.open_only = true;
  auto orders = (*store)->ListOrders(f);
  if (!orders) return orders.error();
  if (orders->size() < static_cast<size_t>(f.limit)) {
    f.open_only = false;
    auto newest = (*store)->ListOrders(f);
    if (!newest) return newest.error();
    for (auto& o : *newest) {
      if (orders->size() == static_cast<size_t>(f.limit)) break;
      if (!IsOpen(o.status)) orders->push_back(std::move(o));
    }
  }
  if (*customer) {
    view->address = (*customer)->address;
    if (Texts::IsLanguage((*customer)->language)) view->language = (*customer)->language;
  }
  for (auto& o : *orders) {
    view->recent.push_back({o.id, o.status, o.total, std::move(o.items),
                            LocalDay(o.created_at, voice_.utc_offset_minutes)});
  }
  return std::shared_ptr<const ussd::CustomerView>(std::move(view));
}

namespace {

// The inputs of `text` that take effect, given the last path answered (`last_text`, as sent)
// and its inputs that took effect (`last_path`): when `text` goes on from `last_text`, those
// and the new inputs; otherwise (a session this gateway lost track of) all of `text`.
std::string PathToRun(const std::string& text, const std::string& last_text,
                      const std::string& last_path) {
  const bool goes_on = last_text.empty()
                           ? !text.empty()
                           : text.size() > last_text.size() && text.starts_with(last_text) &&
                                 text[last_text.size()] == '*';
  if (!goes_on) return text;
  const std::string_view added =
      std::string_view(text).substr(last_text.empty() ? 0 : last_text.size() + 1);
  return last_path.empty() ? std::string(added) : last_path + "*" + std::string(added);
}

}  // namespace

Result<std::optional<UssdAnswer>> UssdService::Lookup(
    const std::string& key, const std::string& phone, const std::string& text, long long seq,
    std::shared_ptr<const ussd::CustomerView>& customer, std::string& path) {
  const SystemTime now = clock_.Now();
  Shard& shard = ShardFor(key);
  path = text;
  {
    std::lock_guard lock(shard.mu);
    auto it = shard.map.find(key);
    if (it != shard.map.end() && now - it->second.last_seen <= opt_.idle) {
      Entry& e = it->second;
      e.last_seen = now;
      if (e.answered && e.last_text == text && e.last_seq == seq) return {e.last_answer};
      if (e.answered) path = PathToRun(text, e.last_text, e.path);
      customer = e.customer;
      return std::optional<UssdAnswer>();
    }
  }
  auto shop = shops_.Default();
  if (!text.empty()) {
    // A session this gateway does not hold (it restarted, or the session ended with an order
    // and was let go) may already have ordered: its order answers the resent confirmation,
    // whatever the menus would make of the path now. Not a new session: not counted.
    auto store = reads_.ForThisThread();
    if (!store) return store.error();
    auto placed = (*store)->FindOrderBySource(phone, "ussd:" + key);
    if (!placed) return placed.error();
    if (*placed) {
      auto loaded = LoadCustomer(*shop, phone);
      if (!loaded) return loaded.error();
      return std::optional<UssdAnswer>(
          UssdAnswer{ussd::PlacedScreen(*voice_.texts, (*loaded)->language, **placed), true});
    }
  }
  // A session this gateway does not know: a new one (or one forgotten, which counts as new).
  if (auto refused = AdmitSession(phone, now)) return std::optional<UssdAnswer>(*refused);
  auto loaded = LoadCustomer(*shop, phone);
  if (!loaded) return loaded.error();
  customer = *loaded;
  NoteLanguage(phone, customer->language);
  // Full: forget the least recently seen quarter of the first shard that has any, in one pass
  // over that shard (idle sessions, the least recently seen, go first). Not one session a pass:
  // while sessions left open (a network dropping them, a dialer) keep the cap reached, every
  // new session would walk a shard; nor a sweep of every shard, which held up this hop and the
  // others of its thread for milliseconds. (Other threads inserting meanwhile can pass the cap
  // by at most one session each.)
  for (size_t i = 0; count_.load() >= opt_.max_sessions && i < kShards; ++i) {
    Shard& victim = shards_[(std::hash<std::string>{}(key) + i) % kShards];
    std::lock_guard lock(victim.mu);
    if (victim.map.empty()) continue;
    count_ -= ForgetOldest(victim.map, std::max<std::size_t>(1, victim.map.size() / 4));
  }
  std::lock_guard lock(shard.mu);
  auto [it, inserted] = shard.map.try_emplace(key);
  if (inserted) ++count_;
  it->second.customer = customer;
  it->second.last_seen = now;
  it->second.answered = false;
  return std::optional<UssdAnswer>();
}

std::size_t UssdService::ForgetOldest(std::unordered_map<std::string, Entry>& map, std::size_t n) {
  if (n == 0 || map.empty()) return 0;
  n = std::min(n, map.size());
  std::vector<SystemTime> seen;
  seen.reserve(map.size());
  for (const auto& kv : map) seen.push_back(kv.second.last_seen);
  const auto nth = seen.begin() + static_cast<std::ptrdiff_t>(n - 1);
  std::nth_element(seen.begin(), nth, seen.end());
  const SystemTime cut = *nth;
  // Every session seen before `cut`, then as many seen at `cut` as make n.
  std::size_t ties = n - static_cast<std::size_t>(std::count_if(
                             seen.begin(), seen.end(), [&](SystemTime t) { return t < cut; }));
  return std::erase_if(map, [&](const auto& kv) {
    if (kv.second.last_seen < cut) return true;
    if (kv.second.last_seen > cut || ties == 0) return false;
    --ties;
    return true;
  });
}

std::uint64_t UssdService::NumberKey(std::string_view phone) {
  constexpr std::uint64_t kHashed = std::uint64_t{1} << 63;
  if (phone.size() >= 2 && phone.size() <= 19 && phone[0] == '+') {
    std::uint64_t n = 0;
    bool digits = true;
    for (char c : phone.substr(1)) {
      if (c < '0' || c > '9') {
        digits = false;
        break;
      }
      n = n * 10 + static_cast<std::uint64_t>(c - '0');  // < 10^18 < 2^63
    }
    // A leading 0 would make two texts one number; E.164 has none.
    if (digits && phone[1] != '0') return n;
  }
  return std::hash<std::string_view>{}(phone) | kHashed;
}

std::optional<UssdAnswer> UssdService::AdmitSession(const std::string& phone, SystemTime now) {
  if (opt_.sessions_per_hour <= 0) return std::nullopt;
  const std::uint64_t number = NumberKey(phone);
  std::lock_guard lock(opened_mu_);
  auto it = opened_.find(number);
  if (it == opened_.end()) {
    if (opened_.size() >= opt_.max_sessions) SweepOpened(now);
    if (opened_.size() >= opt_.max_sessions) {
      // Still full (that many numbers within the hour): forget the older half of the windows in
      // one pass, so that a flood of new numbers costs a pass per max_sessions / 2 of them, not
      // one per number.
      std::vector<SystemTime> starts;
      starts.reserve(opened_.size());
      for (const auto& kv : opened_) starts.push_back(kv.second.window_start);
      auto mid = starts.begin() + static_cast<std::ptrdiff_t>(starts.size() / 2);
      std::nth_element(starts.begin(), mid, starts.end());
      const SystemTime cut = *mid;
      std::erase_if(opened_, [&](const auto& kv) { return kv.second.window_start <= cut; });
    }
    it = opened_.emplace(number, Opened{now, 0, false, 0}).first;
  }
  Opened& o = it->second;
  if (now - o.window_start >= kRateWindow) o = Opened{now, 0, false, o.language};
  if (o.count < opt_.sessions_per_hour) {
    ++o.count;
    return std::nullopt;
  }
  auto left = std::chrono::ceil<std::chrono::minutes>(o.window_start + kRateWindow - now);
  const int minutes = static_cast<int>(std::max<std::int64_t>(left.count(), 1));
  if (!o.logged) {
    o.logged = true;
    spdlog::warn("ussd: {} reached its limit of {} sessions an hour; new ones refused for {} min",
                 MaskPhone(phone), o.count, minutes);
  }
  const std::string& lang = o.language == 0 ? opt_.default_language : languages_[o.language - 1];
  return UssdAnswer{
      voice_.texts->Format(lang, "ussd.too_many_sessions", {{"minutes", std::to_string(minutes)}}),
      true};
}

void UssdService::NoteLanguage(const std::string& phone, const std::string& language) {
  if (opt_.sessions_per_hour <= 0) return;
  const std::uint64_t number = NumberKey(phone);
  std::lock_guard lock(opened_mu_);
  auto it = opened_.find(number);
  if (it == opened_.end()) return;
  auto known = std::find(languages_.begin(), languages_.end(), language);
  if (known == languages_.end()) {
    if (languages_.size() >= 255) return;  // the texts have a handful of languages
    known = languages_.insert(languages_.end(), language);
  }
  it->second.language = static_cast<std::uint8_t>(known - languages_.begin() + 1);
}

void UssdService::SweepOpened(SystemTime now) {
  std::erase_if(opened_,
                [&](const auto& kv) { return now - kv.second.window_start >= kRateWindow; });
}

void UssdService::Remember(const std::string& key, const std::string& text, const std::string& path,
                           long long seq, const UssdAnswer& answer) {
  Shard& shard = ShardFor(key);
  std::lock_guard lock(shard.mu);
  auto it = shard.map.find(key);
  if (it == shard.map.end()) return;  // swept meanwhile
  it->second.last_text = text;
  it->second.path = path;
  it->second.last_seq = seq;
  it->second.last_answer = answer;
  it->second.answered = true;
}

void UssdService::Hop(const std::string& key, const std::string& phone, const std::string& text,
                      Done done) {
  if (text.size() > opt_.max_text) {
    return done({std::string(voice_.texts->Get(opt_.default_language, "ussd.too_long")), true});
  }
  std::shared_ptr<const ussd::CustomerView> customer;
  std::string path;
  auto cached = Lookup(key, phone, text, -1, customer, path);
  if (!cached) {
    spdlog::error("ussd: cannot load the customer: {}", cached.error().message);
    return done({"Maaf, terjadi gangguan. Silakan coba lagi.", true});
  }
  if (*cached) return done(std::move(**cached));
  Run(key, text, path, -1, std::move(customer), false, std::move(done));
}

void UssdService::HopLatest(const std::string& key, const std::string& phone,
                            const std::string& input, long long seq, bool opening, Done done) {
  if (input.size() > opt_.limits.max_input * 2) {
    return done({std::string(voice_.texts->Get(opt_.default_language, "ussd.too_long")), true});
  }
  // The path so far: from memory, else from the database (after a restart).
  std::string path;
  long long last_seq = -1;
  bool known = false;
  {
    Shard& shard = ShardFor(key);
    std::lock_guard lock(shard.mu);
    auto it = shard.map.find(key);
    if (it != shard.map.end() && it->second.answered) {
      if (it->second.last_seq == seq) {
        it->second.last_seen = clock_.Now();
        return done(it->second.last_answer);
      }
      path = it->second.path;
      last_seq = it->second.last_seq;
      known = true;
    }
  }
  if (!known && !opening) {
    auto store = reads_.ForThisThread();
    if (!store) {
      spdlog::error("ussd: session {}: cannot read the database: {}", key, store.error().message);
      return done({"Maaf, terjadi gangguan. Silakan coba lagi.", true});
    }
    auto row = (*store)->LoadSession(key);
    if (row && *row) {
      auto j = nlohmann::json::parse(**row, nullptr, false);
      if (j.is_object()) {
        path = j.value("path", "");
        last_seq = j.value("seq", -1LL);
        known = true;
      }
    }
  }
  std::string text;
  if (opening || !known) {
    text = input;
  } else if (seq == last_seq) {
    text = path;  // a resend after a restart: the same path again
  } else {
    text = path + "*" + input;
  }
  if (text.size() > opt_.max_text) {
    return done({std::string(voice_.texts->Get(opt_.default_language, "ussd.too_long")), true});
  }
  std::shared_ptr<const ussd::CustomerView> customer;
  std::string run;  // the same as text: built from the inputs that took effect
  auto cached = Lookup(key, phone, text, seq, customer, run);
  if (!cached) {
    spdlog::error("ussd: cannot load the customer: {}", cached.error().message);
    return done({"Maaf, terjadi gangguan. Silakan coba lagi.", true});
  }
  if (*cached) return done(std::move(**cached));
  Run(key, text, text, seq, std::move(customer), true, std::move(done));
}

void UssdService::Forget(const std::string& key) {
  Shard& shard = ShardFor(key);
  std::lock_guard lock(shard.mu);
  if (shard.map.erase(key)) --count_;
}

void UssdService::Release(const std::string& key) {
  Forget(key);
  writer_.Submit([key](Store& s) { return s.DeleteSession(key); }, [](Status) {});
}

void UssdService::Run(const std::string& key, const std::string& text, const std::string& path,
                      long long seq, std::shared_ptr<const ussd::CustomerView> customer,
                      bool persist_path, Done done) {
  auto shop = shops_.Default();
  auto inputs = ussd::SplitInputs(path);
  ussd::StepResult step = ussd::Step(*shop, *customer, *voice_.texts, inputs, opt_.limits);
  UssdAnswer answer{std::move(step.screen), step.end};
  // What the next hop goes on from: the inputs that took effect, products pinned by code.
  std::string kept = std::move(step.kept);
  std::function<Status(Store&)> persist;
  if (persist_path) {
    persist = [key, value = nlohmann::json{{"path", kept}, {"seq", seq}}.dump(),
               now = clock_.Now()](Store& s) { return s.SaveSession(key, value, now); };
  }

  if (!step.effect) {
    // A session that ends here (the customer left, or cancelled the cart) is let go at once, as
    // one that ordered is: a resent last hop runs the same inputs to the same screen. Held until
    // it idled out, every such session stayed in memory for `idle`, and under load they filled
    // max_sessions.
    auto settle = [this, key, text, kept, seq](const UssdAnswer& a) {
      if (a.end) return Forget(key);
      Remember(key, text, kept, seq, a);
    };
    if (!persist) {
      settle(answer);
      return done(std::move(answer));
    }
    writer_.Submit(std::move(persist), [settle, key, answer, done](Status st) {
      if (!st) {
        spdlog::error("ussd: session {}: the step could not be stored: {}", key,
                      st.error().message);
        return done({"Maaf, terjadi gangguan. Silakan coba lagi.", true});
      }
      settle(answer);
      done(answer);
    });
    return;
  }

  const SystemTime now = clock_.Now();
  const std::string lang = step.language;
  auto result = std::make_shared<std::optional<Result<Order>>>();
  DbWriter::Work work;
  std::function<UssdAnswer()> render;

  if (auto* place = std::get_if<ussd::PlaceOrder>(&*step.effect)) {
    NewOrder order;
    order.shop_id = shop->shop.id;
    order.phone = customer->phone;
    for (auto& [code, qty] : place->lines) order.lines.push_back({code, qty});
    order.address = place->address;
    order.pickup = place->pickup;
    order.channel = "ussd";
    order.language = lang;  // the session's: the confirmation's, and then the order's news
    order.source_key = "ussd:" + key;
    bool save = place->save_address;
    work = [this, shop, order, save, now, result, persist](Store& s) -> Status {
      auto placed = PlaceOrderAndNotify(s, voice_, shop->shop, order, save, now);
      *result = placed;
      if (!placed) return placed.error();
      std::vector<std::string> codes;
      for (const auto& item : placed->items) codes.push_back(item.code);
      shops_.MarkStockChanged(shop->shop.id, codes);
      if (persist) return persist(s);
      return Ok{};
    };
    render = [this, key, lang, result, shop]() -> UssdAnswer {
      const auto& r = **result;
      if (r.ok()) return {ussd::PlacedScreen(*voice_.texts, lang, *r), true};
      if (r.error().code == ErrorCode::kInternal || r.error().code == ErrorCode::kUnavailable) {
        // Not the customer's order but the database (a full disk, a lock held elsewhere).
        spdlog::error("ussd: session {}: the order was not stored: {}", key, r.error().message);
      } else {
        spdlog::info("ussd: order not placed: {}", r.error().message);
      }
      return {ussd::NotPlacedScreen(*voice_.texts, lang, r.error(), *shop), true};
    };
  } else if (auto* cancel = std::get_if<ussd::CancelOrder>(&*step.effect)) {
    OrderId id = cancel->order;
    std::string phone = customer->phone;
    work = [this, shop, id, phone, now, result, persist](Store& s) -> Status {
      auto order = s.GetOrder(id);
      if (!order || order->phone != phone || order->shop_id != shop->shop.id) {
        *result = Result<Order>(NotFound("no such order"));
        return NotFound("no such order");
      }
      auto moved = s.MoveOrder(id, OrderStatus::kCancelled, "", now);
      *result = moved;
      if (!moved) return moved.error();
      std::vector<std::string> codes;
      for (const auto& item : moved->items) codes.push_back(item.code);
      shops_.MarkStockChanged(shop->shop.id, codes);
      for (const auto& m : shop->shop.managers) {
        auto text = voice_.texts->Format(voice_.manager_language, "sms.manager_cancelled",
                                         {{"order", std::to_string(id)}});
        if (auto st = QueueText(s, shop->shop.id, m, text, id, now); !st) return st;
      }
      if (persist) return persist(s);
      return Ok{};
    };
    render = [this, lang, result]() -> UssdAnswer {
      return {ussd::CancelledScreen(*voice_.texts, lang, **result), true};
    };
  } else {
    std::string language = std::get<ussd::SetLanguage>(*step.effect).language;
    std::string phone = customer->phone;
    work = [shop, phone, language, persist](Store& s) -> Status {
      if (auto st = s.SaveLanguage(shop->shop.id, phone, language); !st) return st;
      if (persist) return persist(s);
      return Ok{};
    };
    render = [answer]() { return answer; };
  }

  const bool places = std::holds_alternative<ussd::PlaceOrder>(*step.effect);
  writer_.Submit(std::move(work), [this, key, text, kept = std::move(kept), seq, render, result,
                                   places, done](Status st) {
    UssdAnswer a;
    if (!st && !(result->has_value() && !(*result)->ok())) {
      // The commit itself failed: nothing was stored, say so.
      spdlog::error("ussd: session {}: {} not stored: {}", key,
                    places ? "the order was" : "the step was", st.error().message);
      a = {"Maaf, terjadi gangguan. Silakan coba lagi.", true};
    } else {
      a = render();
    }
    if (places && st && a.end) {
      // The order is stored under the session's key and answers a resent confirmation (see
      // Lookup): the session need not be held until it idles out. Under load most sessions
      // end this way, and holding each for `idle` would hold thousands.
      Forget(key);
    } else {
      Remember(key, text, kept, seq, a);
    }
    done(std::move(a));
  });
}

std::size_t UssdService::Sweep() {
  const SystemTime now = clock_.Now();
  const SystemTime cutoff = now - opt_.idle;
  for (auto& shard : shards_) {
    std::lock_guard lock(shard.mu);
    for (auto it = shard.map.begin(); it != shard.map.end();) {
      if (it->second.last_seen < cutoff) {
        it = shard.map.erase(it);
        --count_;
      } else {
        ++it;
      }
    }
  }
  {
    std::lock_guard lock(opened_mu_);
    SweepOpened(now);
  }
  return count_.load();
}

std::size_t UssdService::live_sessions() const { return count_.load(); }

std::size_t UssdService::counted_numbers() const {
  std::lock_guard lock(opened_mu_);
  return opened_.size();
}

}  // namespace pesan
