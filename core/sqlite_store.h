// The SQLite implementation of Store: schema created and migrated by the program (versioned
// migrations in PRAGMA user_version), WAL, foreign keys on, prepared statements only.
//
// Durability: synchronous=FULL in WAL mode, so a committed transaction survives a power cut,
// not only a process crash (https://www.sqlite.org/pragma.html#pragma_synchronous). Throughput
// comes from batching concurrent writes into one commit and flushing the log off the writer's
// thread before anyone hears of the commit (gateway/db_writer.h), not from a weaker setting.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "core/known_phones.h"
#include "core/sqlite_db.h"
#include "core/store.h"
#include "core/wal_checkpointer.h"

namespace pesan {

class SqliteStore final : public Store {
 public:
  // Opens the database and migrates it to the current schema (read-write mode only).
  static Result<std::unique_ptr<SqliteStore>> Open(
      const std::string& path, SqliteDb::Mode mode = SqliteDb::Mode::kReadWrite);
  static constexpr int kSchemaVersion = 3;
  // PRAGMA user_version: kSchemaVersion once migrated (0 for a file no program has set up).
  Result<int> SchemaVersion();

  Status Begin() override;
  Status Commit() override;
  void Rollback() override;
  Status Savepoint() override;
  Status ReleaseSavepoint() override;
  void RollbackToSavepoint() override;
  std::int64_t RowsChanged() override { return sqlite3_total_changes64(db_->handle()); }

  Result<Shop> UpsertShop(const ShopSettings& settings) override;
  Result<Shop> GetShop(const std::string& code) override;
  Result<std::vector<Shop>> ListShops() override;
  Status SetShopOpen(ShopId shop, bool open) override;

  Result<std::vector<Product>> ListProducts(ShopId shop, bool include_inactive) override;
  Result<Product> GetProduct(ShopId shop, const std::string& code) override;
  Status ImportCatalog(ShopId shop, const std::vector<CatalogRow>& rows, bool replace) override;
  Status SetStock(ShopId shop, const std::string& code, std::int64_t stock) override;
  Result<std::int64_t> AdjustStock(ShopId shop, const std::string& code,
                                   std::int64_t delta) override;
  Status SetPrice(ShopId shop, const std::string& code, Rupiah price) override;
  Status AddProduct(ShopId shop, const CatalogRow& row) override;
  Status DeactivateProduct(ShopId shop, const std::string& code) override;

  Result<std::optional<Customer>> GetCustomer(ShopId shop, const std::string& phone) override;
  Status SaveAddress(ShopId shop, const std::string& phone, const std::string& address) override;
  Status SaveLanguage(ShopId shop, const std::string& phone, const std::string& lang) override;

  using Store::CreateOrder;
  Result<Order> CreateOrder(const NewOrder& order, SystemTime now, bool* created) override;
  Result<Order> GetOrder(OrderId id) override;
  Result<std::optional<Order>> FindOrderBySource(const std::string& phone,
                                                 const std::string& source_key) override;
  Result<std::vector<Order>> ListOrders(const OrderFilter& filter) override;
  Result<Order> MoveOrder(OrderId id, OrderStatus to, const std::string& note,
                          SystemTime now) override;

  Result<std::int64_t> QueueSms(const NewSms& sms, SystemTime now) override;
  Result<std::vector<OutboxMessage>> DueSms(SystemTime now, int limit) override;
  Result<std::optional<SystemTime>> NextSmsDue() override;
  Status MarkSmsSent(std::int64_t id, const std::string& provider_id, SystemTime now) override;
  Status MarkSmsRetry(std::int64_t id, const std::string& error, SystemTime next) override;
  Status MarkSmsWaiting(std::int64_t id, const std::string& error) override;
  Status MarkSmsFailed(std::int64_t id, const std::string& error) override;
  Status MarkSmsDelivery(const std::string& provider_id, bool delivered, const std::string& detail,
                         SystemTime now) override;
  using Store::ListSms;
  Result<std::vector<OutboxMessage>> ListSms(int limit,
                                             std::optional<OutboxStatus> status) override;
  Result<std::int64_t> RequeueFailedSms(std::optional<std::int64_t> id, SystemTime now) override;

  Result<std::int64_t> DataVersion() override;
  Result<bool> RememberInbound(const std::string& key, SystemTime now) override;
  Result<bool> RememberInboundText(const std::string& sender, std::uint64_t fingerprint,
                                   SystemTime now, std::chrono::milliseconds window) override;

  Result<std::optional<std::string>> LoadSession(const std::string& key) override;
  Status SaveSession(const std::string& key, const std::string& value, SystemTime now) override;
  Status DeleteSession(const std::string& key) override;
  Status ExpireSessions(SystemTime before) override;

  SqliteDb& db() { return *db_; }
  // Moves WAL checkpoints off this connection's commits onto a thread of their own (see
  // core/wal_checkpointer.h). For the one long-lived writer of a running gateway.
  Status CheckpointInBackground(int frames = 1000);
  std::size_t background_checkpoints() const;
  // Adds every number with a customer row or an order to `known`, then each number this store
  // gives a customer row or an order from now on. For the gateway's writer.
  Status TrackPhones(std::shared_ptr<KnownPhones> known);

 private:
  explicit SqliteStore(std::unique_ptr<SqliteDb> db) : db_(std::move(db)) {}
  Status Migrate();
  Status MigrateOnce(int version);   // kMigrations[version], in its own transaction
  Status Run(std::string_view sql);  // a statement without parameters or rows
  Result<Shop> ReadShop(Statement& s);
  Result<std::vector<Order>> ReadOrders(Statement& s);
  Status LoadItems(std::vector<Order>& orders);
  // The statements each order runs, kept by a slot of their own: no lookup by their text (a
  // hash of the whole SQL) per use.
  enum Hot {
    kGetProduct,
    kFindOrderBySource,
    kReserveStock,
    kInsertOrder,
    kInsertItem,
    kShopCode,
    kQueueSms,
    kSaveAddress,
    kSaveSession,
    kDeleteSession,
    kHotCount
  };
  Result<StatementRef> PrepareHot(Hot which, std::string_view sql);
  Result<std::string> ShopCode(ShopId shop);

  std::unique_ptr<SqliteDb> db_;
  std::unique_ptr<WalCheckpointer> checkpointer_;  // declared after db_: stops first
  int savepoint_depth_ = 0;
  std::shared_ptr<KnownPhones> known_;
  std::array<Statement*, kHotCount> hot_{};                  // into db_'s cache of statements
  std::optional<std::pair<ShopId, std::string>> shop_code_;  // the last ShopCode read
};

}  // namespace pesan
