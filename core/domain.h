// The shop's data: shops, products, customers, orders and the SMS they cause. Plain values;
// the rules that change them live in core/store.h (storage) and menus/ (what to say).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/money.h"
#include "core/result.h"

namespace pesan {

using ShopId = std::int64_t;
using OrderId = std::int64_t;

struct Shop {
  ShopId id = 0;
  std::string code;  // "majubersama": stable, from the config
  std::string name;  // "BUMDes Maju Bersama"
  bool open = true;
  bool pickup = false;                // customers may collect instead of delivery
  std::string info;                   // hours, contact, delivery area: one short paragraph
  std::vector<std::string> managers;  // E.164
  std::string pin;                    // when set, manager commands need it
};

struct Product {
  std::int64_t id = 0;
  ShopId shop_id = 0;
  std::string code;  // "B1": what customers and managers type
  std::string name;
  Rupiah price = 0;
  std::int64_t stock = 0;
  std::string unit;      // "karung", "tabung", "kg"
  std::string category;  // "" when the shop uses none
  bool active = true;
  std::int64_t position = 0;  // listing order
};

struct Customer {
  ShopId shop_id = 0;
  std::string phone;  // E.164
  std::string name;
  std::string address;   // "" until given
  std::string language;  // "id", "en", or "" for the gateway's default
};

// new -> accepted -> shipped -> done, or rejected (by the shop, also once shipped: the delivery
// failed) / cancelled (by the customer, before it is shipped). done, rejected, cancelled are final.
enum class OrderStatus { kNew, kAccepted, kShipped, kDone, kRejected, kCancelled };

std::string_view OrderStatusName(OrderStatus s);  // "new", "accepted", ...
std::optional<OrderStatus> ParseOrderStatus(std::string_view name);
// Whether the lifecycle allows from -> to.
bool CanMove(OrderStatus from, OrderStatus to);
// Whether the order still holds stock (it is not rejected or cancelled).
bool HoldsStock(OrderStatus s);
// Whether the customer still waits for the order (new, accepted or shipped), as
// OrderFilter::open_only selects.
bool IsOpen(OrderStatus s);

// The product an order found short of stock, as CreateOrder's kOutOfStock error says it: its
// message is "<code> <stock left>" ("B1 3").
struct StockShortage {
  std::string code;
  std::int64_t left = 0;  // 0 (or below): sold out
};
std::string ShortageMessage(const StockShortage& s);
StockShortage ReadShortage(std::string_view message);

// The most of one product one order may have: a yard's paving blocks, counted by the piece.
inline constexpr std::int64_t kMaxItemQuantity = 99'999;
// The most an order may come to: the most money core/money.h reads back.
inline constexpr Rupiah kMaxOrderTotal = 999'999'999'999;

// `total` with `qty` at `price` added, or nullopt when that comes to more than kMaxOrderTotal.
std::optional<Rupiah> AddToTotal(Rupiah total, Rupiah price, std::int64_t qty);
// The refusal of an order that would come to more than kMaxOrderTotal, and whether `e` is one.
Error TotalTooLarge();
bool IsTotalTooLarge(const Error& e);

struct OrderItem {
  std::int64_t product_id = 0;
  std::string code;
  std::string name;
  std::int64_t qty = 0;
  Rupiah price = 0;  // unit price when ordered
};

struct Order {
  OrderId id = 0;  // the order number customers and managers see and type
  ShopId shop_id = 0;
  std::string shop_code;
  std::string phone;  // the customer's, E.164
  OrderStatus status = OrderStatus::kNew;
  std::vector<OrderItem> items;
  Rupiah total = 0;
  std::string address;  // "" for pickup
  bool pickup = false;
  std::string channel;  // "ussd" or "sms"
  std::string note;     // the shop's reason on rejection
  // The language the customer was answered in when ordering ("id", "en"): the order's news goes
  // in it unless the customer chose a language. "" for orders stored before it was kept.
  std::string language;
  SystemTime created_at{};
};

enum class OutboxStatus { kQueued, kSent, kDelivered, kFailed };
std::string_view OutboxStatusName(OutboxStatus s);

struct OutboxMessage {
  std::int64_t id = 0;
  ShopId shop_id = 0;
  std::string to;  // E.164
  std::string text;
  int segments = 1;
  OutboxStatus status = OutboxStatus::kQueued;
  int attempts = 0;
  std::string provider_id;
  std::string last_error;
  std::optional<OrderId> order_id;
  SystemTime created_at{};
  std::optional<SystemTime> sent_at;
  SystemTime next_attempt_at{};
};

}  // namespace pesan
