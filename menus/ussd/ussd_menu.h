// The USSD shop as a pure function: the screen is a function of the shop's data, the customer
// and the inputs typed so far in the session. A gateway that restarts mid-session rebuilds
// where the customer was by calling Step again with the same inputs; no session state is kept
// here. Effects (place an order, cancel one, change language) come back as data, and only the
// last input's effect is returned, since earlier inputs' effects were applied on their own hop.
//
// Keys, the same on every screen: 0 back, 00 main menu, 99 next page, 98 previous page. The
// order summary also takes 4: the whole cart, a page at a time, then 0 back to the summary.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "core/domain.h"
#include "menus/texts.h"

namespace pesan::ussd {

// The shop's active products, as loaded. Orders move stock all the time and the catalog
// itself rarely: ShopView keeps the stock beside it, so that a new stock figure copies one
// number per product instead of the catalog.
struct Catalog {
  std::vector<Product> products;  // in listing order; `stock` as loaded (stale:
                                  // read ShopView::Stock)
  // Distinct categories in first-seen order. With two or more, the products that have none are
  // listed last, under "" (shown as the "other" text), so that every product can be reached.
  std::vector<std::string> categories;
  std::vector<std::vector<int>> in_category;  // product indexes of each category
  std::vector<int> all;                       // every product index, in order
  std::unordered_map<std::string, int> by_code;
  // Each product's name as lists, the cart and notices show it: cut to fit a list line, and
  // followed by "(<code>)" when another product's name is the same once cut.
  std::vector<std::string> listed_names;
};

// Everything of the shop a screen can show. Immutable once built; shared between threads.
struct ShopView {
  Shop shop;
  std::shared_ptr<const Catalog> catalog;
  std::vector<std::int64_t> stock;  // of catalog->products[i]

  const std::vector<Product>& products() const { return catalog->products; }
  const std::vector<std::string>& categories() const { return catalog->categories; }
  std::int64_t Stock(int product) const { return stock[static_cast<size_t>(product)]; }
  // The index of the product with this code, -1 when the catalog has none.
  int Find(const std::string& code) const;
};
ShopView MakeShopView(Shop shop, std::vector<Product> products);

struct PastOrder {
  OrderId id = 0;
  OrderStatus status = OrderStatus::kNew;
  Rupiah total = 0;
  std::vector<OrderItem> items;
  std::string day;  // the shop's local day it was placed, "2026-11-28"
};

struct CustomerView {
  std::string phone;              // E.164
  std::string language;           // the language to start in
  std::string address;            // on file, "" when none
  std::vector<PastOrder> recent;  // the open ones first, newest first within each
  std::string today;              // the shop's local day now
};

struct PlaceOrder {
  std::vector<std::pair<std::string, std::int64_t>> lines;  // product code, quantity
  std::string address;                                      // "" for pickup
  bool pickup = false;
  bool save_address = false;  // a new address the customer typed: keep it on file
  std::string language;       // the session's language, for the confirmation texts
};
struct CancelOrder {
  OrderId order = 0;
  std::string language;
};
struct SetLanguage {
  std::string language;
};
using Effect = std::variant<PlaceOrder, CancelOrder, SetLanguage>;

struct StepResult {
  std::string screen;  // without "CON "/"END "
  bool end = false;
  std::optional<Effect> effect;  // to apply before answering; see the Screen functions below
  std::string language;          // the session's language after this step
  // The last input changed nothing (the screen says why: an unknown option, a quantity over the
  // stock, a sold-out product). Later steps must not replay it: a check that depends on the
  // shop's data runs on the hop an input is typed only, so replayed it would be taken.
  bool refused = false;
  // The inputs the next hop goes on from, joined by '*': those that took effect, with each
  // product chosen by its place in a list written as "#<code>:<price shown>". A catalog changed
  // mid-session then cannot swap the product, and a price changed before the confirmation is
  // shown again instead of being charged unseen.
  std::string kept;
};

struct Limits {
  size_t target_chars = 160;           // screens aim for this (safe on every network)
  size_t max_chars = 182;              // and never exceed this
  size_t max_input = 120;              // longer inputs are refused with a short answer
  std::string service_code = "*123#";  // what customers dial, for the session-over screen
};

// `inputs` are the session's inputs that took effect: without those a step refused.
StepResult Step(const ShopView& shop, const CustomerView& customer, const Texts& texts,
                const std::vector<std::string_view>& inputs, const Limits& limits = {});

// Splits Africa's Talking's `text` ("1*1*2*Jl Mawar 3") into inputs; "" has none.
std::vector<std::string_view> SplitInputs(std::string_view text);

// A screen the menus show, as built before it is fitted to Limits::max_chars: a longer one
// reaches the phone cut at a line end, losing its last lines.
struct SampleScreen {
  std::string name;  // "main menu, after a refused input"
  std::string screen;
};
// Every kind of screen in `lang`, each also with the notice of an input refused on it, for a
// shop and customer whose names and address are as long as the screens keep them (a shop name
// of 24 characters, orders of Rp1.480.000). For checking a shop's own texts at start.
std::vector<SampleScreen> SampleScreens(const Texts& texts, std::string_view lang);

// The final screens once an effect has been applied.
std::string PlacedScreen(const Texts& texts, std::string_view lang, const Order& order);
std::string NotPlacedScreen(const Texts& texts, std::string_view lang, const Error& why,
                            const ShopView& shop);
std::string CancelledScreen(const Texts& texts, std::string_view lang, const Result<Order>& result);

// Cuts a screen to at most `max_chars` characters, at a line end where it can.
std::string FitScreen(std::string screen, size_t max_chars);
// Characters (code points) of a UTF-8 string.
size_t CharCount(std::string_view utf8);

// The shop info screen shows the first this many characters of the shop's info.
inline constexpr size_t kMaxInfoChars = 140;

// The length of a delivery address a customer types, in characters, by USSD or SMS.
inline constexpr size_t kMinAddressChars = 3;
inline constexpr size_t kMaxAddressChars = 100;

}  // namespace pesan::ussd
