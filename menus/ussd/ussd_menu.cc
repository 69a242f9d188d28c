#include "menus/ussd/ussd_menu.h"

#include <algorithm>
#include <charconv>

#include "core/money.h"
#include "core/text_util.h"
#include "menus/shop_actions.h"

namespace pesan::ussd {
namespace {

enum class Where {
  kMain,
  kCategories,
  kProducts,
  kQuantity,
  kAddressKnown,
  kAddressNew,
  kSummary,
  kCart,
  kDuplicate,
  kOrders,
  kOrderDetail,
  kCancelConfirm,
  kInfo,
  kLanguage,
};

struct Frame {
  Where where = Where::kMain;
  int page = 0;
  int category = -1;  // index into ShopView::categories, -1 = all products
  int product = -1;   // index into ShopView::products
  int order = -1;     // index into CustomerView::recent
};

constexpr size_t kMaxOrdersListed = 4;
constexpr size_t kMaxNameChars = 22;
constexpr size_t kNoticeReserve = 24;  // room kept on list pages for a one-line notice
constexpr std::int64_t kMaxQty = kMaxItemQuantity;
constexpr size_t kNumberWidth = 3;  // "12 " before each listed line

// Cuts to at most n characters (UTF-8 aware).
std::string Clip(std::string_view s, size_t n) {
  size_t chars = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (chars == n) return std::string(s.substr(0, i));
      ++chars;
    }
  }
  return std::string(s);
}

// A whole number 1..max with nothing else, or nullopt.
std::optional<std::int64_t> Number(std::string_view in, std::int64_t max) {
  in = Trim(in, kBlanks);
  if (in.empty() || in.size() > 6 || in[0] == '0') return std::nullopt;
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(in.data(), in.data() + in.size(), v);
  if (ec != std::errc() || p != in.data() + in.size() || v < 1 || v > max) return std::nullopt;
  return v;
}

std::string Str(std::int64_t v) { return std::to_string(v); }
// `v` in decimal at the end of `out`, without a string of its own.
void AppendNumber(std::string& out, std::int64_t v) {
  char digits[24];
  out.append(digits, std::to_chars(digits, digits + sizeof digits, v).ptr);
}

class Machine {
 public:
  Machine(const ShopView& shop, const CustomerView& customer, const Texts& texts,
          const Limits& limits)
      : shop_(shop), cust_(customer), t_(texts), lim_(limits) {
    lang_ = Texts::IsLanguage(customer.language) ? customer.language : "id";
  }

  void Input(std::string_view in, bool last);
  StepResult Result() const;
  // The screen as built, before it is fitted to Limits::max_chars.
  std::string Screen() const;

 private:
  // Navigation.
  void Go(Frame f) {
    if (back_.empty()) back_.reserve(8);  // a session goes a few screens deep
    back_.push_back(at_);
    at_ = f;
  }
  void Back() {
    if (back_.empty()) {
      at_ = Frame{};
    } else {
      at_ = back_.back();
      back_.pop_back();
    }
  }
  void Home() {
    back_.clear();
    at_ = Frame{};
  }
  void End(std::string screen) {
    ended_ = true;
    end_screen_ = std::move(screen);
  }
  void Notice(std::string_view key) { notice_ = std::string(t_.Get(lang_, key)); }
  std::string T(std::string_view key) const { return std::string(t_.Get(lang_, key)); }
  // The text itself, for appending: no copy.
  std::string_view V(std::string_view key) const { return t_.Get(lang_, key); }

  // What the shop offers.
  Frame BrowseStart() const {
    Frame f;
    f.where = shop_.categories().size() > 1 ? Where::kCategories : Where::kProducts;
    return f;
  }
  const std::string& Name(int idx) const {
    return shop_.catalog->listed_names[static_cast<size_t>(idx)];
  }
  const std::vector<int>& Listed(int category) const {
    return category < 0 ? shop_.catalog->all
                        : shop_.catalog->in_category[static_cast<size_t>(category)];
  }
  std::string CategoryLine(const std::string& category) const {
    return category.empty() ? T("ussd.other_category") : Clip(category, kMaxNameChars);
  }
  std::string ProductLine(int idx) const {
    const Product& p = shop_.products()[static_cast<size_t>(idx)];
    const std::string& name = Name(idx);
    const std::string price = FormatRupiah(p.price);
    std::string line;
    line.reserve(name.size() + 1 + price.size() + 24);
    line.append(name).append(1, ' ').append(price);
    if (shop_.Stock(idx) <= 0) line.append(" (").append(V("ussd.sold_out")).append(1, ')');
    return line;
  }
  // The lines of a list screen (categories or products), without their numbers, each built
  // when paging first needs it: a page near the start of a long catalog costs its own lines,
  // not the whole catalog's.
  class ListLines {
   public:
    ListLines(const Machine& m, const Frame& f)
        : m_(m), categories_(f.where == Where::kCategories) {
      if (!categories_) listed_ = &m.Listed(f.category);
    }
    size_t size() const { return categories_ ? m_.shop_.categories().size() : listed_->size(); }
    const std::string& operator[](size_t i) {
      if (built_.empty()) built_.reserve(std::min<size_t>(size(), 16));
      while (built_.size() <= i) {
        const size_t k = built_.size();
        built_.push_back(categories_ ? m_.CategoryLine(m_.shop_.categories()[k])
                                     : m_.ProductLine((*listed_)[k]));
      }
      return built_[i];
    }
    // The product shown on line i of a product list.
    int Product(size_t i) const { return (*listed_)[i]; }

   private:
    const Machine& m_;
    const bool categories_;
    const std::vector<int>* listed_ = nullptr;  // product indexes, for a product list
    std::vector<std::string> built_;
  };
  struct Page {
    size_t begin = 0, end = 0;  // lines shown
    int index = 0;              // the page's number, from 0
    bool next = false;          // lines follow on later pages
  };
  // Page `page` (the last one when there are fewer) of numbered `lines` split into pages that
  // fit the screen with `header` and the navigation lines.
  Page FindPage(ListLines& lines, std::string_view header, int page) const;
  std::string ListScreen(std::string_view header, ListLines lines, int page) const;
  // `out`, a newline and the navigation lines.
  void AppendNav(std::string& out, bool prev, bool next) const;
  // The characters of the navigation lines with both paging keys.
  size_t NavChars() const;
  // `s` with the navigation lines of a screen without paging.
  std::string WithNav(std::string s) const {
    AppendNav(s, false, false);
    return s;
  }

  void PlaceOrInform(bool last);
  // Whether a price in the cart differs from what the customer saw (the cart then shows the new
  // prices, which the customer confirms again).
  bool PricesChanged() const;
  void Apply(std::string_view in, bool last);
  std::string Render() const;
  std::string Summary() const;
  // The cart's items as the summary and the cart screens list them, at today's prices.
  std::vector<std::string> CartLines() const;
  // Where each page of the cart screen begins in `lines`.
  std::vector<size_t> CartPages(const std::vector<std::string>& lines) const;
  std::string CartHeader(size_t page, size_t pages) const {
    return t_.Format(lang_, "ussd.cart_head",
                     {{"page", Str(static_cast<std::int64_t>(page))},
                      {"pages", Str(static_cast<std::int64_t>(pages))}});
  }
  bool Cancellable(const PastOrder& o) const {
    return o.status == OrderStatus::kNew || o.status == OrderStatus::kAccepted;
  }

  const ShopView& shop_;
  const CustomerView& cust_;
  const Texts& t_;
  const Limits& lim_;

  Frame at_;
  std::vector<Frame> back_;
  struct CartLine {
    int product = -1;
    std::int64_t qty = 0;
    Rupiah price = 0;  // as the customer last saw it
  };
  std::vector<CartLine> cart_;
  // The first line of the cart with more than the shop has left now (but some left), or nullptr.
  const CartLine* Short() const;
  // The inputs that took effect; `product` >= 0 for a product chosen from a list.
  struct Kept {
    std::string input;
    int product = -1;
  };
  std::vector<Kept> kept_;
  Rupiah seen_price_ = 0;  // of the product on the quantity screen, as the customer saw it
  bool derailed_ = false;  // a chosen product left the catalog: later inputs meant other screens
  bool address_chosen_ = false;
  std::string address_;
  bool pickup_ = false;
  bool save_address_ = false;
  std::string lang_;
  std::string notice_;
  bool ended_ = false;
  bool closed_ = false;  // ended by the shop being closed
  std::string end_screen_;
  std::optional<Effect> effect_;
};

size_t Machine::NavChars() const {
  std::string nav;
  AppendNav(nav, true, true);
  return CharCount(nav) - 1;  // without the newline before them
}

void Machine::AppendNav(std::string& out, bool prev, bool next) const {
  const std::string_view p = prev ? V("ussd.nav_prev") : std::string_view();
  const std::string_view n = next ? V("ussd.nav_next") : std::string_view();
  const std::string_view back = V("ussd.nav_back"), home = V("ussd.nav_home");
  out.reserve(out.size() + p.size() + n.size() + back.size() + home.size() + 4);
  out.push_back('\n');
  const size_t start = out.size();
  out.append(p);
  if (next) {
    if (out.size() != start) out.push_back(' ');
    out.append(n);
  }
  if (out.size() != start) out.push_back('\n');
  out.append(back).append(1, ' ').append(home);
}

Machine::Page Machine::FindPage(ListLines& lines, std::string_view header, int page) const {
  // Budget as if both paging keys were shown, and keep room for a notice line: a page alone
  // stays near the target, a page with a notice within the maximum.
  const size_t fixed = CharCount(header) + 1 + NavChars();
  const size_t budget =
      lim_.max_chars > fixed + kNoticeReserve ? lim_.max_chars - fixed - kNoticeReserve : 0;
  // Pages are filled one after the other from the first line, so only the pages up to the
  // one wanted are looked at.
  const size_t count = lines.size();
  const int wanted = std::max(page, 0);
  Page p;
  while (true) {
    size_t end = p.begin, used = 0;
    while (end < count) {
      size_t add = kNumberWidth + CharCount(lines[end]) + 1;
      if (end > p.begin && used + add > budget) break;
      used += add;
      ++end;
    }
    p.end = end;
    if (p.index == wanted || end >= count) break;
    p.begin = end;
    ++p.index;
  }
  p.next = p.end < count;
  return p;
}

std::string Machine::ListScreen(std::string_view header, ListLines lines, int page) const {
  const Page p = FindPage(lines, header, page);
  std::string out;
  out.reserve(2 * lim_.max_chars);
  out.append(header);
  for (size_t i = p.begin; i < p.end; ++i) {
    out.push_back('\n');
    AppendNumber(out, static_cast<std::int64_t>(i - p.begin + 1));
    out.append(1, ' ').append(lines[i]);
  }
  if (lines.size() == 0) out.append(1, '\n').append(V("ussd.no_products"));
  AppendNav(out, p.index > 0, p.next);
  return out;
}

void Machine::Input(std::string_view raw, bool last) {
  if (derailed_) return;
  if (ended_) {
    // Inputs after the end of a session change nothing; the last one is told so. A session the
    // shop's closing cut short (its path went through "1 Belanja" before) keeps saying that.
    if (last && !closed_)
      end_screen_ = t_.Format(lang_, "ussd.ended", {{"code", lim_.service_code}});
    return;
  }
  if (kept_.empty()) kept_.reserve(8);
  const size_t kept = kept_.size();
  Apply(raw, last);
  if (derailed_ || !notice_.empty() || kept_.size() != kept) return;
  kept_.push_back({std::string(raw), -1});
}

void Machine::Apply(std::string_view raw, bool last) {
  notice_.clear();
  std::string_view in = Trim(raw, kBlanks);
  if (CharCount(raw) > lim_.max_input) {
    Notice("ussd.too_long");
    return;
  }
  if (in == "00") {
    Home();
    return;
  }
  if (in == "0") {
    Back();
    return;
  }
  switch (at_.where) {
    case Where::kMain:
      if (in == "1") {
        if (!shop_.shop.open) {
          closed_ = true;
          End(t_.Format(lang_, "ussd.closed", {{"shop", shop_.shop.name}}));
        } else {
          Go(BrowseStart());
        }
      } else if (in == "2") {
        Go({Where::kOrders});
      } else if (in == "3") {
        Go({Where::kInfo});
      } else if (in == "4") {
        Go({Where::kLanguage});
      } else {
        Notice("ussd.bad_option");
      }
      return;

    case Where::kCategories:
    case Where::kProducts: {
      const bool categories = at_.where == Where::kCategories;
      if (!categories && in.starts_with('#')) {
        // A product chosen on an earlier hop, by code and the price then shown.
        const size_t colon = in.find(':');
        const int idx = shop_.Find(std::string(in.substr(1, colon - 1)));
        if (idx < 0 || colon == std::string_view::npos) {
          Notice("ussd.catalog_changed");
          derailed_ = true;
          return;
        }
        std::from_chars(in.data() + colon + 1, in.data() + in.size(), seen_price_);
        kept_.push_back({std::string(in), idx});
        Go({Where::kQuantity, 0, at_.category, idx});
        return;
      }
      ListLines lines(*this, at_);
      const std::string_view header = V(categories ? "ussd.categories" : "ussd.products");
      const Page page = FindPage(lines, header, at_.page);
      if (in == "99" && page.next) {
        at_.page = page.index + 1;
        return;
      }
      if (in == "98" && page.index > 0) {
        at_.page = page.index - 1;
        return;
      }
      const auto count = static_cast<std::int64_t>(page.end - page.begin);
      auto n = Number(in, count);
      if (!n) {
        Notice("ussd.bad_option");
        return;
      }
      const size_t pos = page.begin + static_cast<size_t>(*n) - 1;
      if (categories) {
        Go({Where::kProducts, 0, static_cast<int>(pos)});
        return;
      }
      const int idx = lines.Product(pos);
      const Product& p = shop_.products()[static_cast<size_t>(idx)];
      // Stock is checked on the hop it is typed; inputs replayed from earlier hops were
      // accepted then, and the store checks stock again when the order is placed.
      if (last && shop_.Stock(idx) <= 0) {
        notice_ = t_.Format(lang_, "ussd.product_sold_out", {{"name", Name(idx)}});
        return;
      }
      seen_price_ = p.price;
      kept_.push_back({std::string(in), idx});
      Go({Where::kQuantity, 0, at_.category, idx});
      return;
    }

    case Where::kQuantity: {
      // Sold out since it was chosen (another order took the last, or the shop set its stock to
      // 0): no quantity can be taken. The list again, saying so, as when a sold-out product is
      // chosen there; the next hop goes on from the list, as after "0 Back".
      if (last && shop_.Stock(at_.product) <= 0) {
        notice_ = t_.Format(lang_, "ussd.product_sold_out", {{"name", Name(at_.product)}});
        Back();
        kept_.push_back({"0", -1});
        return;
      }
      // The quantity of a product already in the cart is set anew (its screen says how many the
      // cart has): "0 Back" from the next screen and a new number corrects it.
      const std::int64_t max = last ? std::min(shop_.Stock(at_.product), kMaxQty) : kMaxQty;
      auto it = std::find_if(cart_.begin(), cart_.end(),
                             [&](const CartLine& l) { return l.product == at_.product; });
      auto qty = Number(in, max);
      if (!qty) {
        notice_ = t_.Format(lang_, "ussd.bad_qty", {{"max", Str(max)}});
        return;
      }
      // The cart with this quantity must come to a total an order can have. Checked on the hop it
      // is typed, as the stock is: a replayed input must mean what it meant then, and placing the
      // order checks the total again.
      std::optional<Rupiah> total =
          AddToTotal(0, shop_.products()[static_cast<size_t>(at_.product)].price, *qty);
      for (const CartLine& l : cart_) {
        if (total && l.product != at_.product) {
          total = AddToTotal(*total, shop_.products()[static_cast<size_t>(l.product)].price, l.qty);
        }
      }
      if (last && !total) {
        notice_ = t_.Format(lang_, "ussd.bad_total", {{"max", FormatRupiah(kMaxOrderTotal)}});
        return;
      }
      if (it == cart_.end()) {
        cart_.push_back({at_.product, *qty, seen_price_});
      } else {
        it->qty = *qty;
        it->price = seen_price_;
      }
      if (address_chosen_) {
        Go({Where::kSummary});
      } else if (!cust_.address.empty()) {
        Go({Where::kAddressKnown});
      } else {
        Go({Where::kAddressNew});
      }
      return;
    }

    case Where::kAddressKnown:
      if (in == "1") {
        address_chosen_ = true;
        address_ = cust_.address;
        pickup_ = false;
        save_address_ = false;
        Go({Where::kSummary});
      } else if (in == "2") {
        Go({Where::kAddressNew});
      } else if (in == "3" && shop_.shop.pickup) {
        address_chosen_ = true;
        address_.clear();
        pickup_ = true;
        Go({Where::kSummary});
      } else {
        Notice("ussd.bad_option");
      }
      return;

    case Where::kAddressNew: {
      if (in == "1" && shop_.shop.pickup) {
        address_chosen_ = true;
        address_.clear();
        pickup_ = true;
        Go({Where::kSummary});
        return;
      }
      const size_t chars = CharCount(in);
      if (chars < kMinAddressChars || chars > kMaxAddressChars) {
        Notice("ussd.bad_address");
        return;
      }
      address_chosen_ = true;
      address_ = std::string(in);
      pickup_ = false;
      save_address_ = true;
      Go({Where::kSummary});
      return;
    }

    case Where::kSummary:
      if (in == "1" && last && PricesChanged()) {
        Notice("ussd.price_changed");
        return;
      }
      if (const CartLine* l = in == "1" && last ? Short() : nullptr) {
        // Another order took some since the quantity was typed: the summary again, saying how
        // many are left, rather than an order the shop refuses and a cart lost with it. (None
        // left: the order is refused as before, the product cannot stay in the cart.)
        notice_ =
            t_.Format(lang_, "ussd.stock_changed",
                      {{"product", Name(l->product)}, {"stock", Str(shop_.Stock(l->product))}});
        return;
      }
      if (in == "1") {
        // The same items and quantities ordered on the same local day: ask first.
        std::vector<std::pair<std::string, std::int64_t>> wanted;
        for (const CartLine& l : cart_)
          wanted.emplace_back(shop_.products()[static_cast<size_t>(l.product)].code, l.qty);
        std::sort(wanted.begin(), wanted.end());
        for (const auto& o : cust_.recent) {
          if (o.day != cust_.today || !HoldsStock(o.status)) continue;
          std::vector<std::pair<std::string, std::int64_t>> had;
          for (const auto& it : o.items) had.emplace_back(it.code, it.qty);
          std::sort(had.begin(), had.end());
          if (had == wanted) {
            Go({Where::kDuplicate, 0, -1, -1, static_cast<int>(&o - cust_.recent.data())});
            return;
          }
        }
        PlaceOrInform(last);
      } else if (in == "2") {
        Go(BrowseStart());
      } else if (in == "3") {
        End(T("ussd.cancelled_cart"));
      } else if (in == "4") {
        // Accepted whether or not the summary had to leave items out: what an input does must
        // not depend on the shop's data, or replaying it on a later hop could mean another thing.
        Go({Where::kCart});
      } else {
        Notice("ussd.bad_option");
      }
      return;

    case Where::kCart: {
      const size_t pages = CartPages(CartLines()).size();
      if (in == "99" && static_cast<size_t>(at_.page) + 1 < pages) {
        ++at_.page;
      } else if (in == "98" && at_.page > 0) {
        --at_.page;
      } else {
        Notice("ussd.bad_option");
      }
      return;
    }

    case Where::kDuplicate:
      if (in == "1" && last && PricesChanged()) {
        Back();
        Notice("ussd.price_changed");
        return;
      }
      if (in == "1") {
        PlaceOrInform(last);
      } else if (in == "2") {
        End(T("ussd.duplicate_dropped"));
      } else {
        Notice("ussd.bad_option");
      }
      return;

    case Where::kOrders: {
      const auto listed =
          static_cast<std::int64_t>(std::min(cust_.recent.size(), kMaxOrdersListed));
      auto n = Number(in, listed);
      if (!n) {
        Notice("ussd.bad_option");
        return;
      }
      Go({Where::kOrderDetail, 0, -1, -1, static_cast<int>(*n - 1)});
      return;
    }

    case Where::kOrderDetail: {
      const PastOrder& o = cust_.recent[at_.order];
      if (in == "1" && Cancellable(o)) {
        Go({Where::kCancelConfirm, 0, -1, -1, at_.order});  // one key press cancels nothing
      } else {
        Notice("ussd.bad_option");
      }
      return;
    }

    case Where::kCancelConfirm: {
      const PastOrder& o = cust_.recent[at_.order];
      if (in == "1") {
        End(std::string());
        if (last) effect_ = CancelOrder{o.id, lang_};
      } else {
        Notice("ussd.bad_option");
      }
      return;
    }

    case Where::kInfo:
      Notice("ussd.bad_option");
      return;

    case Where::kLanguage:
      if (in == "1" || in == "2") {
        lang_ = in == "1" ? "id" : "en";
        if (last) effect_ = SetLanguage{lang_};
        Home();
      } else {
        Notice("ussd.bad_option");
      }
      return;
  }
}

void Machine::PlaceOrInform(bool last) {
  End(std::string());
  if (!last) return;  // placed on its own hop already
  PlaceOrder order;
  for (const CartLine& l : cart_)
    order.lines.emplace_back(shop_.products()[static_cast<size_t>(l.product)].code, l.qty);
  order.address = pickup_ ? std::string() : address_;
  order.pickup = pickup_;
  order.save_address = save_address_;
  order.language = lang_;
  effect_ = std::move(order);
}

const Machine::CartLine* Machine::Short() const {
  for (const CartLine& l : cart_) {
    const std::int64_t left = shop_.Stock(l.product);
    if (left > 0 && l.qty > left) return &l;
  }
  return nullptr;
}

bool Machine::PricesChanged() const {
  return std::any_of(cart_.begin(), cart_.end(), [&](const CartLine& l) {
    return shop_.products()[static_cast<size_t>(l.product)].price != l.price;
  });
}

std::vector<std::string> Machine::CartLines() const {
  std::vector<std::string> lines;
  for (const CartLine& l : cart_) {
    const Product& p = shop_.products()[static_cast<size_t>(l.product)];
    lines.push_back(Str(l.qty) + "x " + Name(l.product) + " " + FormatRupiah(p.price * l.qty));
  }
  return lines;
}

std::vector<size_t> Machine::CartPages(const std::vector<std::string>& lines) const {
  // As a list page: budgeted with both paging keys and room for a notice, so that a page alone
  // stays near the target and a page with a notice within the maximum.
  const size_t fixed = CharCount(CartHeader(99, 99)) + 1 + NavChars();
  const size_t budget =
      lim_.max_chars > fixed + kNoticeReserve ? lim_.max_chars - fixed - kNoticeReserve : 0;
  std::vector<size_t> starts = {0};
  size_t used = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    const size_t add = CharCount(lines[i]) + 1;
    if (i > starts.back() && used + add > budget) {
      starts.push_back(i);
      used = 0;
    }
    used += add;
  }
  return starts;
}

std::string Machine::Summary() const {
  std::string head = T("ussd.summary_head");
  Rupiah total = 0;
  for (const CartLine& l : cart_) {
    total += shop_.products()[static_cast<size_t>(l.product)].price * l.qty;
  }
  const std::vector<std::string> lines = CartLines();
  std::string tail = t_.Format(lang_, "ussd.summary_total", {{"total", FormatRupiah(total)}});
  std::string where = pickup_ ? T("ussd.summary_pickup")
                              : t_.Format(lang_, "ussd.summary_to", {{"address", address_}});
  std::string options = T("ussd.summary_options");
  // Fit: drop item lines into "+N more", then shorten the address.
  auto build = [&](size_t shown, std::string_view to) {
    std::string s = head;
    for (size_t i = 0; i < shown; ++i) s += "\n" + lines[i];
    if (shown < lines.size()) {
      s += "\n" + t_.Format(lang_, "ussd.summary_more", {{"count", Str(lines.size() - shown)}});
    }
    return s + "\n" + tail + "\n" + std::string(to) + "\n" + options;
  };
  // A notice goes above the summary: the two together keep within the screen's limit.
  const size_t above = notice_.empty() ? 0 : CharCount(notice_) + 1;
  const size_t target =
      std::min(lim_.target_chars, lim_.max_chars > above ? lim_.max_chars - above : 0);
  size_t shown = lines.size();
  std::string s = build(shown, where);
  while (CharCount(s) > target && shown > 1) s = build(--shown, where);
  if (CharCount(s) > target) {
    // Cut at a word with "...", as the manager's alert cuts it: the address, not the words before
    // it.
    const size_t over = CharCount(s) - target;
    const auto shorten = [&](std::string_view text) {
      const size_t chars = CharCount(text);
      return ShortenAtWord(text, chars > over + 8 ? chars - over : 8);
    };
    s = build(shown, pickup_
                         ? shorten(where)
                         : t_.Format(lang_, "ussd.summary_to", {{"address", shorten(address_)}}));
  }
  return s;
}

std::string Machine::Render() const {
  switch (at_.where) {
    case Where::kMain: {
      std::string s = t_.Format(lang_, "ussd.welcome", {{"shop", shop_.shop.name}});
      if (!shop_.shop.open) s.append(1, '\n').append(V("ussd.closed_banner"));
      s.append(1, '\n').append(V("ussd.menu"));
      return s;
    }
    case Where::kCategories:
      return ListScreen(V("ussd.categories"), ListLines(*this, at_), at_.page);
    case Where::kProducts:
      return ListScreen(V("ussd.products"), ListLines(*this, at_), at_.page);
    case Where::kQuantity: {
      const Product& p = shop_.products()[static_cast<size_t>(at_.product)];
      const std::int64_t stock = shop_.Stock(at_.product);
      auto it = std::find_if(cart_.begin(), cart_.end(),
                             [&](const CartLine& l) { return l.product == at_.product; });
      const std::int64_t had = it == cart_.end() ? 0 : it->qty;
      std::string s = t_.Format(lang_, "ussd.product",
                                {{"name", Clip(p.name, 40)},
                                 {"price", FormatRupiah(p.price)},
                                 {"unit", p.unit.empty() ? std::string() : "/" + p.unit},
                                 {"stock", Str(stock)},
                                 {"max", Str(std::min(stock, kMaxQty))}});
      if (had > 0) s.append(1, '\n').append(t_.Format(lang_, "ussd.in_cart", {{"qty", Str(had)}}));
      return WithNav(std::move(s));
    }
    case Where::kAddressKnown: {
      std::string s =
          t_.Format(lang_, "ussd.address_known", {{"address", ShortenAtWord(cust_.address, 80)}});
      if (shop_.shop.pickup) s.append(1, '\n').append(V("ussd.pickup_option"));
      return WithNav(std::move(s));
    }
    case Where::kAddressNew: {
      std::string s = T("ussd.address_new");
      if (shop_.shop.pickup) s.append(1, '\n').append(V("ussd.pickup_option_new"));
      return WithNav(std::move(s));
    }
    case Where::kSummary:
      return Summary();
    case Where::kCart: {
      const std::vector<std::string> lines = CartLines();
      const std::vector<size_t> pages = CartPages(lines);
      const size_t page = std::min(static_cast<size_t>(at_.page), pages.size() - 1);
      const size_t end = page + 1 < pages.size() ? pages[page + 1] : lines.size();
      std::string s = CartHeader(page + 1, pages.size());
      for (size_t i = pages[page]; i < end; ++i) s += "\n" + lines[i];
      AppendNav(s, page > 0, page + 1 < pages.size());
      return s;
    }
    case Where::kDuplicate:
      return t_.Format(lang_, "ussd.duplicate", {{"order", Str(cust_.recent[at_.order].id)}});
    case Where::kOrders: {
      if (cust_.recent.empty()) return WithNav(T("ussd.orders_none"));
      std::string s = T("ussd.orders_head");
      for (size_t i = 0; i < std::min(cust_.recent.size(), kMaxOrdersListed); ++i) {
        const auto& o = cust_.recent[i];
        s += "\n" + t_.Format(lang_, "ussd.order_line",
                              {{"n", Str(static_cast<std::int64_t>(i + 1))},
                               {"order", Str(o.id)},
                               {"total", FormatRupiah(o.total)},
                               {"status", T("status." + std::string(OrderStatusName(o.status)))}});
      }
      return WithNav(std::move(s));
    }
    case Where::kOrderDetail: {
      const PastOrder& o = cust_.recent[at_.order];
      // Every item that fits the screen, then "+N lainnya" for the rest.
      std::string s;
      for (size_t budget : {400u, 120u, 90u, 70u, 50u, 30u}) {
        s = t_.Format(lang_, "ussd.order_detail",
                      {{"order", Str(o.id)},
                       {"status", T("status." + std::string(OrderStatusName(o.status)))},
                       {"items", ItemsLine(o.items, budget, T("ussd.more"))},
                       {"total", FormatRupiah(o.total)}});
        if (Cancellable(o)) s += "\n" + T("ussd.order_cancel_option");
        AppendNav(s, false, false);
        if (CharCount(s) <= lim_.target_chars) break;
      }
      return s;
    }
    case Where::kCancelConfirm:
      return WithNav(
          t_.Format(lang_, "ussd.cancel_confirm", {{"order", Str(cust_.recent[at_.order].id)}}));
    case Where::kInfo: {
      std::string info = shop_.shop.info.empty()
                             ? t_.Format(lang_, "ussd.info_empty", {{"shop", shop_.shop.name}})
                             : Clip(shop_.shop.info, kMaxInfoChars);
      return WithNav(std::move(info));
    }
    case Where::kLanguage:
      return WithNav(T("ussd.language"));
  }
  return std::string();
}

StepResult Machine::Result() const {
  StepResult r;
  r.language = lang_;
  r.effect = effect_;
  r.refused = !ended_ && !notice_.empty();  // every refusal leaves a notice, and only they do
  for (const Kept& k : kept_) {
    if (!r.kept.empty()) r.kept += '*';
    if (k.product < 0) {
      r.kept += k.input;
    } else {
      // The price now: the screen of this hop shows it.
      const Product& p = shop_.products()[static_cast<size_t>(k.product)];
      r.kept.append(1, '#').append(p.code).append(1, ':');
      AppendNumber(r.kept, p.price);
    }
  }
  r.end = ended_;
  r.screen = FitScreen(Screen(), lim_.max_chars);
  return r;
}

std::string Machine::Screen() const {
  if (ended_) return end_screen_;
  std::string screen = Render();
  if (!notice_.empty()) screen = notice_ + "\n" + screen;
  return screen;
}

std::string PlacedText(const Texts& texts, std::string_view lang, const Order& order) {
  return texts.Format(lang, "ussd.placed",
                      {{"order", Str(order.id)}, {"total", FormatRupiah(order.total)}});
}

std::string NotPlacedText(const Texts& texts, std::string_view lang, const Error& why,
                          const ShopView* shop) {
  std::string reason;
  if (why.code == ErrorCode::kOutOfStock) {
    const StockShortage s = ReadShortage(why.message);
    // The customer chose by name: name the product, not its code.
    const int idx = shop ? shop->Find(s.code) : -1;
    const std::string product =
        idx < 0 ? s.code : shop->catalog->listed_names[static_cast<size_t>(idx)];
    reason = s.left <= 0 ? texts.Format(lang, "ussd.sold_out_now", {{"product", product}})
                         : texts.Format(lang, "ussd.out_of_stock",
                                        {{"product", product}, {"stock", std::to_string(s.left)}});
  } else if (IsTotalTooLarge(why)) {
    reason = texts.Format(lang, "ussd.total_too_large", {{"max", FormatRupiah(kMaxOrderTotal)}});
  } else {
    reason = std::string(texts.Get(lang, "ussd.unavailable"));
  }
  return texts.Format(lang, "ussd.not_placed", {{"reason", reason}});
}

}  // namespace

int ShopView::Find(const std::string& code) const {
  auto it = catalog->by_code.find(code);
  return it == catalog->by_code.end() ? -1 : it->second;
}

ShopView MakeShopView(Shop shop, std::vector<Product> products) {
  auto c = std::make_shared<Catalog>();
  ShopView v;
  v.shop = std::move(shop);
  std::vector<int> without_category;
  for (auto& p : products) {
    if (!p.active) continue;
    const int idx = static_cast<int>(c->products.size());
    if (p.category.empty()) {
      without_category.push_back(idx);
    } else {
      auto it = std::find(c->categories.begin(), c->categories.end(), p.category);
      if (it == c->categories.end()) {
        c->categories.push_back(p.category);
        c->in_category.emplace_back();
        it = c->categories.end() - 1;
      }
      c->in_category[static_cast<size_t>(it - c->categories.begin())].push_back(idx);
    }
    c->all.push_back(idx);
    c->by_code.emplace(p.code, idx);
    v.stock.push_back(p.stock);
    c->products.push_back(std::move(p));
  }
  if (c->categories.size() > 1 && !without_category.empty()) {
    c->categories.emplace_back();
    c->in_category.push_back(std::move(without_category));
  }
  // Names cut to a list line's width; where two are then the same, the codes tell them apart.
  std::unordered_map<std::string, int> cut_count;
  for (const Product& p : c->products) {
    std::string cut = Clip(p.name, kMaxNameChars);
    while (!cut.empty() && cut.back() == ' ') cut.pop_back();
    ++cut_count[cut];
    c->listed_names.push_back(std::move(cut));
  }
  for (size_t i = 0; i < c->products.size(); ++i) {
    if (cut_count[c->listed_names[i]] > 1) {
      c->listed_names[i] += " (" + c->products[i].code + ")";
    }
  }
  v.catalog = std::move(c);
  return v;
}

std::vector<std::string_view> SplitInputs(std::string_view text) {
  std::vector<std::string_view> out;
  if (text.empty()) return out;
  out.reserve(static_cast<size_t>(std::count(text.begin(), text.end(), '*')) + 1);
  size_t start = 0;
  while (true) {
    size_t star = text.find('*', start);
    out.push_back(text.substr(start, star == std::string_view::npos ? text.npos : star - start));
    if (star == std::string_view::npos) break;
    start = star + 1;
  }
  return out;
}

StepResult Step(const ShopView& shop, const CustomerView& customer, const Texts& texts,
                const std::vector<std::string_view>& inputs, const Limits& limits) {
  Machine m(shop, customer, texts, limits);
  for (size_t i = 0; i < inputs.size(); ++i) m.Input(inputs[i], i + 1 == inputs.size());
  return m.Result();
}

std::vector<SampleScreen> SampleScreens(const Texts& texts, std::string_view lang) {
  // A shop and customers with names, an address and orders as long as the screens keep them.
  Shop shop;
  shop.name = "BUMDes Maju Bersama Jaya";
  shop.pickup = true;
  shop.info = std::string(150, 'i');
  auto product = [](std::string code, std::string category, std::int64_t stock) {
    Product p;
    p.code = std::move(code);
    p.name = "Minyak goreng kemasan premium 2L";
    p.price = 148000;
    p.stock = stock;
    p.unit = "karton";
    p.category = std::move(category);
    return p;
  };
  std::vector<Product> products;
  for (int i = 0; i < 12; ++i) {
    products.push_back(
        product("P" + Str(i), i % 2 ? "Kebutuhan dapur" : "Sembako dan bahan", i == 2 ? 0 : 500));
  }
  const ShopView open = MakeShopView(shop, products);
  shop.open = false;
  shop.info.clear();
  const ShopView closed = MakeShopView(shop, products);

  CustomerView known;
  known.phone = "+6281200000001";
  known.language = std::string(lang);
  known.address = std::string(80, 'a');
  known.today = "2026-11-28";
  for (int i = 0; i < 5; ++i) {
    PastOrder o;
    o.id = 1234 + i;
    o.status = OrderStatus::kAccepted;
    o.total = 1480000;
    o.day = known.today;
    o.items.push_back({0, "P0", open.products()[0].name, 1, 148000});
    if (i < 4) o.items.push_back({0, "P4", open.products()[4].name, 9, 148000});
    known.recent.push_back(std::move(o));
  }
  CustomerView first = known;
  first.address.clear();
  first.recent.clear();

  // Four products in the cart, nine of each: the first chosen from its list, the others as a
  // later hop replays them (pinned by code and price).
  const std::vector<std::string_view> kFour = {
      "1", "1", "1",          "9", "1", "2", "1",          "#P4:148000", "9",
      "2", "2", "#P1:148000", "9", "2", "2", "#P3:148000", "9"};
  auto Then = [](std::vector<std::string_view> inputs, std::vector<std::string_view> more) {
    inputs.insert(inputs.end(), more.begin(), more.end());
    return inputs;
  };
  struct Path {
    const char* name;
    const ShopView& shop;
    const CustomerView& customer;
    std::vector<std::string_view> inputs;
  };
  const Path paths[] = {
      {"main menu", open, known, {}},
      {"main menu of a closed shop", closed, known, {}},
      {"shop closed", closed, known, {"1"}},
      {"categories", open, known, {"1"}},
      {"products", open, known, {"1", "1"}},
      {"products, a sold-out one chosen", open, known, {"1", "1", "2"}},
      {"product", open, known, {"1", "1", "1"}},
      {"address on file", open, known, {"1", "1", "1", "1"}},
      {"new address", open, first, {"1", "1", "1", "1"}},
      {"order summary", open, known, {"1", "1", "1", "1", "1"}},
      {"same order again", open, known, {"1", "1", "1", "1", "1", "1"}},
      {"order not repeated", open, known, {"1", "1", "1", "1", "1", "1", "2"}},
      {"cart cancelled", open, known, {"1", "1", "1", "1", "1", "3"}},
      {"order summary, four products", open, known, kFour},
      {"cart", open, known, Then(kFour, {"4"})},
      {"cart, next page", open, known, Then(kFour, {"4", "99"})},
      {"orders", open, known, {"2"}},
      {"no orders", open, first, {"2"}},
      {"order", open, known, {"2", "1"}},
      {"shop info", open, known, {"3"}},
      {"shop info, none written", closed, known, {"3"}},
      {"language", open, known, {"4"}},
  };
  const Limits limits;
  std::vector<SampleScreen> out;
  for (const Path& path : paths) {
    // Each screen as shown, then with the notice of an input refused on it.
    for (const bool refused : {false, true}) {
      Machine m(path.shop, path.customer, texts, limits);
      auto inputs = path.inputs;
      if (refused) inputs.push_back("x");
      for (size_t i = 0; i < inputs.size(); ++i) m.Input(inputs[i], i + 1 == inputs.size());
      if (refused && m.Result().end) continue;
      out.push_back(
          {path.name + std::string(refused ? ", after a refused input" : ""), m.Screen()});
    }
  }
  Order placed;
  placed.id = 1234;
  placed.total = 1480000;
  out.push_back({"order placed", PlacedText(texts, lang, placed)});
  out.push_back({"order not placed", NotPlacedText(texts, lang, Unavailable(""), &open)});
  for (std::int64_t left : {0, 12}) {
    out.push_back({"order not placed",
                   NotPlacedText(texts, lang,
                                 {ErrorCode::kOutOfStock, ShortageMessage({"P10", left})}, &open)});
  }
  out.push_back(
      {"order cancelled", texts.Format(lang, "ussd.order_cancelled", {{"order", Str(placed.id)}})});
  out.push_back(
      {"too many sessions", texts.Format(lang, "ussd.too_many_sessions", {{"minutes", "60"}})});
  out.push_back({"input too long", std::string(texts.Get(lang, "ussd.too_long"))});
  return out;
}

std::string PlacedScreen(const Texts& texts, std::string_view lang, const Order& order) {
  return FitScreen(PlacedText(texts, lang, order), 182);
}

std::string NotPlacedScreen(const Texts& texts, std::string_view lang, const Error& why,
                            const ShopView& shop) {
  return FitScreen(NotPlacedText(texts, lang, why, &shop), 182);
}

std::string CancelledScreen(const Texts& texts, std::string_view lang, const Result<Order>& r) {
  if (r.ok()) return texts.Format(lang, "ussd.order_cancelled", {{"order", Str(r->id)}});
  return FitScreen(std::string(texts.Get(lang, "ussd.unavailable")), 182);
}

size_t CharCount(std::string_view utf8) {
  size_t n = 0;
  for (unsigned char c : utf8) n += (c & 0xC0) != 0x80;
  return n;
}

std::string FitScreen(std::string screen, size_t max_chars) {
  if (CharCount(screen) <= max_chars) return screen;
  std::string cut = Clip(screen, max_chars);
  auto nl = cut.rfind('\n');
  if (nl != std::string::npos && nl > cut.size() / 2) cut.resize(nl);
  return cut;
}

}  // namespace pesan::ussd
