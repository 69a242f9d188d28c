#include "core/domain.h"

#include <charconv>

namespace pesan {

std::optional<Rupiah> AddToTotal(Rupiah total, Rupiah price, std::int64_t qty) {
  if (total < 0 || price < 0 || qty < 0 || total > kMaxOrderTotal) return std::nullopt;
  if (qty > 0 && price > (kMaxOrderTotal - total) / qty) return std::nullopt;
  return total + price * qty;
}

namespace {
constexpr std::string_view kTotalTooLarge = "the order total is over ";
}  // namespace

Error TotalTooLarge() {
  return InvalidInput(std::string(kTotalTooLarge) + FormatRupiah(kMaxOrderTotal));
}

bool IsTotalTooLarge(const Error& e) {
  return e.code == ErrorCode::kInvalidInput && e.message.starts_with(kTotalTooLarge);
}

std::string_view OrderStatusName(OrderStatus s) {
  switch (s) {
    case OrderStatus::kNew:
      return "new";
    case OrderStatus::kAccepted:
      return "accepted";
    case OrderStatus::kShipped:
      return "shipped";
    case OrderStatus::kDone:
      return "done";
    case OrderStatus::kRejected:
      return "rejected";
    case OrderStatus::kCancelled:
      return "cancelled";
  }
  return "new";
}

std::optional<OrderStatus> ParseOrderStatus(std::string_view name) {
  for (auto s : {OrderStatus::kNew, OrderStatus::kAccepted, OrderStatus::kShipped,
                 OrderStatus::kDone, OrderStatus::kRejected, OrderStatus::kCancelled}) {
    if (OrderStatusName(s) == name) return s;
  }
  return std::nullopt;
}

bool CanMove(OrderStatus from, OrderStatus to) {
  using S = OrderStatus;
  switch (to) {
    case S::kAccepted:
      return from == S::kNew;
    case S::kShipped:
      return from == S::kNew || from == S::kAccepted;
    case S::kDone:
      return from == S::kAccepted || from == S::kShipped;
    case S::kRejected:
      // A shipped order too: a delivery paid on arrival can fail (nobody home, the goods
      // refused), and the stock comes back.
      return from == S::kNew || from == S::kAccepted || from == S::kShipped;
    case S::kCancelled:
      return from == S::kNew || from == S::kAccepted;
    case S::kNew:
      return false;
  }
  return false;
}

bool HoldsStock(OrderStatus s) {
  return s != OrderStatus::kRejected && s != OrderStatus::kCancelled;
}

bool IsOpen(OrderStatus s) {
  return s == OrderStatus::kNew || s == OrderStatus::kAccepted || s == OrderStatus::kShipped;
}

std::string ShortageMessage(const StockShortage& s) {
  return s.code + " " + std::to_string(s.left);
}

StockShortage ReadShortage(std::string_view message) {
  const size_t space = message.find(' ');
  StockShortage s{std::string(message.substr(0, space)), 0};
  if (space != std::string_view::npos) {
    std::from_chars(message.data() + space + 1, message.data() + message.size(), s.left);
  }
  return s;
}

std::string_view OutboxStatusName(OutboxStatus s) {
  switch (s) {
    case OutboxStatus::kQueued:
      return "queued";
    case OutboxStatus::kSent:
      return "sent";
    case OutboxStatus::kDelivered:
      return "delivered";
    case OutboxStatus::kFailed:
      return "failed";
  }
  return "queued";
}

}  // namespace pesan
