// The shop's storage behind one narrow interface. SQLite (core/sqlite_store.h) is the embedded
// implementation; a server database can implement the same interface later.
//
// A Store is bound to one connection and used by one thread at a time. Methods that write do
// so in the caller's transaction when one is open (see Transaction), else in their own.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/catalog_csv.h"
#include "core/domain.h"
#include "core/gsm_text.h"
#include "core/result.h"

namespace pesan {

struct ShopSettings {  // what the config says of a shop
  std::string code;
  std::string name;
  std::vector<std::string> managers;
  bool pickup = false;
  std::string info;
  std::string pin;
};

struct NewOrder {
  ShopId shop_id = 0;
  std::string phone;
  struct Line {
    std::string code;
    std::int64_t qty = 0;
  };
  std::vector<Line> lines;
  std::string address;
  bool pickup = false;
  std::string channel;     // "ussd" / "sms"
  std::string language;    // the language the order is taken in ("id", "en"; "" unknown)
  std::string source_key;  // unique per originating request ("ussd:at:<session>"); "" = none
};

// Sessions of SMS orders that wait for an answer (an address, YA or TIDAK) start with this key
// prefix and live this long after their last change, however short the USSD idle time.
inline constexpr std::string_view kSmsPendingPrefix = "sms-pending:";
inline constexpr std::chrono::hours kSmsPendingLife{24};

struct OrderFilter {
  std::optional<ShopId> shop_id;
  std::optional<OrderStatus> status;
  std::optional<std::string> phone;
  bool open_only = false;  // new, accepted or shipped
  std::optional<SystemTime> since;
  int limit = 0;  // 0 = all
};

struct NewSms {
  ShopId shop_id = 0;
  std::string to;
  std::string text;
  std::optional<OrderId> order_id;
  std::optional<SegmentInfo> counted;  // CountSegments(text) when the caller has it
};

class Store {
 public:
  virtual ~Store() = default;

  // Transactions. Begin() starts an immediate (write) transaction. Savepoints nest inside.
  virtual Status Begin() = 0;
  virtual Status Commit() = 0;
  virtual void Rollback() = 0;
  virtual Status Savepoint() = 0;
  virtual Status ReleaseSavepoint() = 0;
  virtual void RollbackToSavepoint() = 0;
  // Rows inserted, updated or deleted through this store since it opened (a statement that
  // failed and was undone counts none).
  virtual std::int64_t RowsChanged() = 0;

  // Shops.
  virtual Result<Shop> UpsertShop(const ShopSettings& settings) = 0;
  virtual Result<Shop> GetShop(const std::string& code) = 0;
  virtual Result<std::vector<Shop>> ListShops() = 0;
  virtual Status SetShopOpen(ShopId shop, bool open) = 0;

  // Products.
  virtual Result<std::vector<Product>> ListProducts(ShopId shop, bool include_inactive) = 0;
  virtual Result<Product> GetProduct(ShopId shop, const std::string& code) = 0;
  // Adds or updates rows by code; with `replace`, active products not named are deactivated.
  virtual Status ImportCatalog(ShopId shop, const std::vector<CatalogRow>& rows, bool replace) = 0;
  virtual Status SetStock(ShopId shop, const std::string& code, std::int64_t stock) = 0;
  // Adds `delta` (negative: takes away) to an active product's stock in one statement and
  // returns the new stock: kNotFound without the product, kOutOfStock (its message as
  // ShortageMessage writes it) when it would go below 0.
  virtual Result<std::int64_t> AdjustStock(ShopId shop, const std::string& code,
                                           std::int64_t delta) = 0;
  virtual Status SetPrice(ShopId shop, const std::string& code, Rupiah price) = 0;
  virtual Status AddProduct(ShopId shop, const CatalogRow& row) = 0;
  virtual Status DeactivateProduct(ShopId shop, const std::string& code) = 0;

  // Customers.
  virtual Result<std::optional<Customer>> GetCustomer(ShopId shop, const std::string& phone) = 0;
  virtual Status SaveAddress(ShopId shop, const std::string& phone, const std::string& address) = 0;
  virtual Status SaveLanguage(ShopId shop, const std::string& phone, const std::string& lang) = 0;

  // Orders. CreateOrder reserves stock (kOutOfStock when short, naming the product) and, when
  // `source_key` was seen before, returns that earlier order unchanged instead. More than
  // kMaxItemQuantity of one product, or a total over kMaxOrderTotal (IsTotalTooLarge), is
  // refused (kInvalidInput) before anything is written. `created`, when given, tells a new order
  // from the earlier one of its source key.
  virtual Result<Order> CreateOrder(const NewOrder& order, SystemTime now, bool* created) = 0;
  Result<Order> CreateOrder(const NewOrder& order, SystemTime now) {
    return CreateOrder(order, now, nullptr);
  }
  virtual Result<Order> GetOrder(OrderId id) = 0;
  virtual Result<std::optional<Order>> FindOrderBySource(const std::string& phone,
                                                         const std::string& source_key) = 0;
  virtual Result<std::vector<Order>> ListOrders(const OrderFilter& filter) = 0;
  // Moves the order along its lifecycle (kConflict when not allowed); stock comes back when it
  // leaves a stock-holding state.
  virtual Result<Order> MoveOrder(OrderId id, OrderStatus to, const std::string& note,
                                  SystemTime now) = 0;

  // Outbox.
  virtual Result<std::int64_t> QueueSms(const NewSms& sms, SystemTime now) = 0;
  virtual Result<std::vector<OutboxMessage>> DueSms(SystemTime now, int limit) = 0;
  virtual Result<std::optional<SystemTime>> NextSmsDue() = 0;
  virtual Status MarkSmsSent(std::int64_t id, const std::string& provider_id, SystemTime now) = 0;
  virtual Status MarkSmsRetry(std::int64_t id, const std::string& error, SystemTime next) = 0;
  // Why a queued message is still waiting (the channel was not ready): not an attempt, and the
  // message stays due.
  virtual Status MarkSmsWaiting(std::int64_t id, const std::string& error) = 0;
  virtual Status MarkSmsFailed(std::int64_t id, const std::string& error) = 0;
  // Records a delivery report against the row with this provider id; kNotFound when none.
  virtual Status MarkSmsDelivery(const std::string& provider_id, bool delivered,
                                 const std::string& detail, SystemTime now) = 0;
  // Newest first; `limit` 0 = all; with `status`, only the rows in that state.
  virtual Result<std::vector<OutboxMessage>> ListSms(int limit,
                                                     std::optional<OutboxStatus> status) = 0;
  Result<std::vector<OutboxMessage>> ListSms(int limit) { return ListSms(limit, std::nullopt); }
  // Puts failed messages back in the queue, due at `now`, with their tries reset (the last error
  // stays until the next try): the one `id` names, or every one; returns how many (0 when `id`
  // names no failed message).
  virtual Result<std::int64_t> RequeueFailedSms(std::optional<std::int64_t> id, SystemTime now) = 0;

  // A number that changes when another connection (another process: `pesan catalog import`)
  // commits to the database; this connection's own commits leave it as it is.
  virtual Result<std::int64_t> DataVersion() = 0;

  // Inbound de-duplication: true the first time `key` is seen.
  virtual Result<bool> RememberInbound(const std::string& key, SystemTime now) = 0;
  // For messages without an id of their own: false when the last message remembered of
  // `sender` had the same `fingerprint` (of its text) and came at most `window` before `now`
  // (the same message delivered again), else remembers this one as the sender's last and
  // returns true. A message with other text in between makes a repeat a new message.
  virtual Result<bool> RememberInboundText(const std::string& sender, std::uint64_t fingerprint,
                                           SystemTime now, std::chrono::milliseconds window) = 0;

  // A key/value record of one USSD session for transports that send only the latest input.
  virtual Result<std::optional<std::string>> LoadSession(const std::string& key) = 0;
  virtual Status SaveSession(const std::string& key, const std::string& value, SystemTime now) = 0;
  virtual Status DeleteSession(const std::string& key) = 0;
  // Deletes the sessions last saved before `before`. SMS orders waiting for an answer (keys
  // starting kSmsPendingPrefix) are kept kSmsPendingLife longer: people take longer over an SMS.
  virtual Status ExpireSessions(SystemTime before) = 0;
};

}  // namespace pesan
