#include "tests/support/shop_db.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace pesan::testing {

std::unique_ptr<SqliteStore> ShopDb::Open() const {
  auto db = SqliteStore::Open(path_, SqliteDb::Mode::kReadOnly);
  if (!db.ok()) {
    ADD_FAILURE() << db.error().message;
    return nullptr;
  }
  return std::move(*db);
}

std::vector<Order> ShopDb::Orders() const {
  auto db = Open();
  auto orders = db ? db->ListOrders({}) : Result<std::vector<Order>>(Internal("no database"));
  if (!orders.ok()) ADD_FAILURE() << orders.error().message;
  return orders.ok() ? *orders : std::vector<Order>{};
}

std::vector<OutboxMessage> ShopDb::Outbox() const {
  auto db = Open();
  auto rows = db ? db->ListSms(0) : Result<std::vector<OutboxMessage>>(Internal("no database"));
  if (!rows.ok()) {
    ADD_FAILURE() << rows.error().message;
    return {};
  }
  std::reverse(rows->begin(), rows->end());
  return *rows;
}

std::vector<OutboxMessage> ShopDb::OutboxTo(const std::string& to) const {
  auto rows = Outbox();
  std::erase_if(rows, [&](const OutboxMessage& m) { return m.to != to; });
  return rows;
}

bool ShopDb::AllOutbox(OutboxStatus status, size_t count) const {
  auto rows = Outbox();
  return rows.size() == count &&
         std::all_of(rows.begin(), rows.end(), [&](const auto& m) { return m.status == status; });
}

}  // namespace pesan::testing
