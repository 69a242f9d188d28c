// The gateway's database file, read by a test while the gateway runs: each call opens its own
// read-only connection. A read that fails is recorded as a test failure (ADD_FAILURE) and gives
// an empty result, so a test goes on to report what it expected.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/domain.h"
#include "core/sqlite_store.h"

namespace pesan::testing {

class ShopDb {
 public:
  explicit ShopDb(std::string path) : path_(std::move(path)) {}

  std::unique_ptr<SqliteStore> Open() const;  // nullptr (and a failure) if it cannot
  std::vector<Order> Orders() const;          // newest first
  std::vector<OutboxMessage> Outbox() const;  // oldest first
  std::vector<OutboxMessage> OutboxTo(const std::string& to) const;
  // Exactly `count` rows, all in `status`.
  bool AllOutbox(OutboxStatus status, size_t count) const;

 private:
  std::string path_;
};

}  // namespace pesan::testing
