#include "core/sqlite_store.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <unordered_map>

#include "core/gsm_text.h"

namespace pesan {
namespace {

// Versioned migrations: kMigrations[i] takes the schema from version i to i + 1. Append only.
constexpr const char* kMigrations[] = {
    R"sql(
CREATE TABLE shops (
  id INTEGER PRIMARY KEY,
  code TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  open INTEGER NOT NULL DEFAULT 1,
  pickup INTEGER NOT NULL DEFAULT 0,
  info TEXT NOT NULL DEFAULT '',
  managers TEXT NOT NULL DEFAULT '',
  pin TEXT NOT NULL DEFAULT ''
);
CREATE TABLE products (
  id INTEGER PRIMARY KEY,
  shop_id INTEGER NOT NULL REFERENCES shops(id),
  code TEXT NOT NULL,
  name TEXT NOT NULL,
  price INTEGER NOT NULL CHECK (price >= 0),
  stock INTEGER NOT NULL DEFAULT 0 CHECK (stock >= 0),
  unit TEXT NOT NULL DEFAULT '',
  category TEXT NOT NULL DEFAULT '',
  active INTEGER NOT NULL DEFAULT 1,
  position INTEGER NOT NULL DEFAULT 0,
  UNIQUE (shop_id, code)
);
CREATE TABLE customers (
  shop_id INTEGER NOT NULL REFERENCES shops(id),
  phone TEXT NOT NULL,
  name TEXT NOT NULL DEFAULT '',
  address TEXT NOT NULL DEFAULT '',
  language TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  PRIMARY KEY (shop_id, phone)
) WITHOUT ROWID;
CREATE TABLE orders (
  id INTEGER PRIMARY KEY,
  shop_id INTEGER NOT NULL REFERENCES shops(id),
  phone TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'new',
  total INTEGER NOT NULL,
  address TEXT NOT NULL DEFAULT '',
  pickup INTEGER NOT NULL DEFAULT 0,
  channel TEXT NOT NULL,
  source_key TEXT UNIQUE,
  note TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX orders_shop_status ON orders (shop_id, status);
CREATE INDEX orders_phone ON orders (phone);
CREATE TABLE order_items (
  order_id INTEGER NOT NULL REFERENCES orders(id),
  product_id INTEGER NOT NULL REFERENCES products(id),
  code TEXT NOT NULL,
  name TEXT NOT NULL,
  qty INTEGER NOT NULL CHECK (qty > 0),
  price INTEGER NOT NULL,
  UNIQUE (order_id, product_id)
);
CREATE TABLE outbox (
  id INTEGER PRIMARY KEY,
  shop_id INTEGER NOT NULL REFERENCES shops(id),
  to_phone TEXT NOT NULL,
  body TEXT NOT NULL,
  segments INTEGER NOT NULL,
  status TEXT NOT NULL DEFAULT 'queued',
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  provider_id TEXT NOT NULL DEFAULT '',
  last_error TEXT NOT NULL DEFAULT '',
  order_id INTEGER REFERENCES orders(id),
  created_at INTEGER NOT NULL,
  sent_at INTEGER,
  delivered_at INTEGER
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE TABLE outbox_refs (
  provider_ref TEXT PRIMARY KEY,
  outbox_id INTEGER NOT NULL REFERENCES outbox(id)
) WITHOUT ROWID;
CREATE TABLE inbound_seen (
  key TEXT PRIMARY KEY,
  seen_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE ussd_sessions (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
)sql",
    // The language each order was taken in, for the news of it; '' for the orders before.
    R"sql(
ALTER TABLE orders ADD COLUMN language TEXT NOT NULL DEFAULT '';
)sql",
    // Fewer pages written per order. orders.source_key without its own unique index: an
    // order's source is looked up with its phone (orders_phone), and one writer checks it before
    // each insert; the index took a page of its own in nearly every commit (session ids are
    // random). order_items keyed by (order_id, line), without a rowid: one b-tree instead of a
    // table and its index, and the lines keep the order the customer named them in. SQLite
    // cannot drop a UNIQUE: the tables are rebuilt (sqlite.org/lang_altertable.html §7), with
    // foreign keys off (see Migrate).
    R"sql(
CREATE TABLE orders_rebuilt (
  id INTEGER PRIMARY KEY,
  shop_id INTEGER NOT NULL REFERENCES shops(id),
  phone TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'new',
  total INTEGER NOT NULL,
  address TEXT NOT NULL DEFAULT '',
  pickup INTEGER NOT NULL DEFAULT 0,
  channel TEXT NOT NULL,
  source_key TEXT,
  note TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  language TEXT NOT NULL DEFAULT ''
);
INSERT INTO orders_rebuilt (id, shop_id, phone, status, total, address, pickup, channel,
                            source_key, note, created_at, updated_at, language)
  SELECT id, shop_id, phone, status, total, address, pickup, channel, source_key, note,
         created_at, updated_at, language FROM orders;
DROP TABLE orders;
ALTER TABLE orders_rebuilt RENAME TO orders;
CREATE INDEX orders_shop_status ON orders (shop_id, status);
CREATE INDEX orders_phone ON orders (phone);
CREATE TABLE order_items_rebuilt (
  order_id INTEGER NOT NULL REFERENCES orders(id),
  line INTEGER NOT NULL,
  product_id INTEGER NOT NULL REFERENCES products(id),
  code TEXT NOT NULL,
  name TEXT NOT NULL,
  qty INTEGER NOT NULL CHECK (qty > 0),
  price INTEGER NOT NULL,
  PRIMARY KEY (order_id, line)
) WITHOUT ROWID;
INSERT INTO order_items_rebuilt (order_id, line, product_id, code, name, qty, price)
  SELECT order_id, row_number() OVER (PARTITION BY order_id ORDER BY rowid), product_id, code,
         name, qty, price FROM order_items;
DROP TABLE order_items;
ALTER TABLE order_items_rebuilt RENAME TO order_items;
)sql",
};

std::string JoinManagers(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& m : v) {
    if (!out.empty()) out += ',';
    out += m;
  }
  return out;
}

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < s.size()) {
    size_t comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    if (comma > start) out.push_back(s.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

Product ReadProduct(const Statement& s) {
  Product p;
  p.id = s.Int(0);
  p.shop_id = s.Int(1);
  p.code = s.Text(2);
  p.name = s.Text(3);
  p.price = s.Int(4);
  p.stock = s.Int(5);
  p.unit = s.Text(6);
  p.category = s.Text(7);
  p.active = s.Int(8) != 0;
  p.position = s.Int(9);
  return p;
}

constexpr const char* kProductColumns =
    "id, shop_id, code, name, price, stock, unit, category, active, position";
constexpr const char* kOrderColumns =
    "o.id, o.shop_id, s.code, o.phone, o.status, o.total, o.address, o.pickup, o.channel, o.note, "
    "o.created_at, o.language";

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path,
                                                       SqliteDb::Mode mode) {
  auto db = SqliteDb::Open(path, mode);
  if (!db) return db.error();
  std::unique_ptr<SqliteStore> store(new SqliteStore(std::move(*db)));
  if (mode == SqliteDb::Mode::kReadWrite) {
    for (const char* pragma :
         {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON",
          // The savepoint journal of a batch stays in memory: spilled, it is a temporary file
          // created, written and deleted for every group commit.
          "PRAGMA temp_store=MEMORY"}) {
      if (auto st = store->db_->Exec(pragma); !st) return st.error();
    }
    if (auto st = store->Migrate(); !st) return st.error();
  } else {
    if (auto st = store->db_->Exec("PRAGMA foreign_keys=ON"); !st) return st.error();
  }
  return store;
}

Status SqliteStore::CheckpointInBackground(int frames) {
  auto c = WalCheckpointer::Attach(*db_, frames);
  if (!c) return c.error();
  checkpointer_ = std::move(*c);
  return Ok{};
}

Status SqliteStore::TrackPhones(std::shared_ptr<KnownPhones> known) {
  auto s = db_->Prepare("SELECT phone FROM customers UNION ALL SELECT phone FROM orders");
  if (!s) return s.error();
  int rc;
  while ((rc = (*s)->Step()) == SQLITE_ROW) known->Add((*s)->Text(0));
  if (rc != SQLITE_DONE) return db_->LastError("read the customers' numbers");
  (*s)->Reset();
  known_ = std::move(known);
  return Ok{};
}

std::size_t SqliteStore::background_checkpoints() const {
  return checkpointer_ ? checkpointer_->checkpoints() : 0;
}

Result<int> SqliteStore::SchemaVersion() {
  auto s = db_->Prepare("PRAGMA user_version");
  if (!s) return s.error();
  if ((*s)->Step() != SQLITE_ROW) return db_->LastError("read schema version");
  return static_cast<int>((*s)->Int(0));
}

Status SqliteStore::Migrate() {
  auto read = SchemaVersion();
  if (!read) return read.error();
  int version = *read;
  constexpr int kCount = static_cast<int>(std::size(kMigrations));
  static_assert(kCount == kSchemaVersion);
  if (version > kCount) {
    return Internal("database schema version " + std::to_string(version) +
                    " is newer than this program knows (" + std::to_string(kCount) + ")");
  }
  if (version == kCount) return Ok{};
  // A migration that rebuilds a table drops it while other tables refer to it: foreign keys are
  // off meanwhile (the pragma cannot change inside a transaction), and each migration checks
  // them before it commits.
  if (auto st = db_->Exec("PRAGMA foreign_keys=OFF"); !st) return st;
  Status migrated = Ok{};
  for (; version < kCount && migrated; ++version) {
    migrated = MigrateOnce(version);
  }
  if (auto st = db_->Exec("PRAGMA foreign_keys=ON"); !st && migrated) return st;
  return migrated;
}

Status SqliteStore::MigrateOnce(int version) {
  if (auto st = db_->Exec("BEGIN IMMEDIATE"); !st) return st;
  auto st = db_->Exec(kMigrations[version]);
  if (st) {
    auto check = db_->Prepare("PRAGMA foreign_key_check");
    if (!check) {
      st = check.error();
    } else if (const int rc = (*check)->Step(); rc == SQLITE_ROW) {
      st = Internal("a row of table " + (*check)->Text(0) + " refers to a missing row of " +
                    (*check)->Text(2));
    } else if (rc != SQLITE_DONE) {
      st = db_->LastError("check foreign keys");
    }
  }
  if (st) st = db_->Exec("PRAGMA user_version=" + std::to_string(version + 1));
  if (!st) {
    db_->Exec("ROLLBACK").ok();
    return Internal("migration to schema " + std::to_string(version + 1) +
                    " failed: " + st.error().message);
  }
  return db_->Exec("COMMIT");
}

Result<StatementRef> SqliteStore::PrepareHot(Hot which, std::string_view sql) {
  if (Statement* s = hot_[which]) return StatementRef(s);
  auto s = db_->Prepare(sql);
  if (!s) return s.error();
  hot_[which] = &**s;
  return s;
}

Status SqliteStore::Run(std::string_view sql) {
  auto s = db_->Prepare(sql);
  if (!s) return s.error();
  int rc = (*s)->Step();
  (*s)->Reset();
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) return db_->LastError(sql);
  return Ok{};
}

Status SqliteStore::Begin() { return Run("BEGIN IMMEDIATE"); }
Status SqliteStore::Commit() { return Run("COMMIT"); }
void SqliteStore::Rollback() {
  if (!sqlite3_get_autocommit(db_->handle())) Run("ROLLBACK").ok();
  savepoint_depth_ = 0;
  shop_code_.reset();
}
Status SqliteStore::Savepoint() {
  auto st = Run("SAVEPOINT job");
  if (st) ++savepoint_depth_;
  return st;
}
Status SqliteStore::ReleaseSavepoint() {
  --savepoint_depth_;
  return Run("RELEASE job");
}
void SqliteStore::RollbackToSavepoint() {
  shop_code_.reset();
  Run("ROLLBACK TO job").ok();
  --savepoint_depth_;
  Run("RELEASE job").ok();
}

// ---- shops

// A shop's code never changes (UpsertShop goes by code) and no shop is deleted: once read, it
// holds, unless the read saw a shop of a transaction rolled back since.
Result<std::string> SqliteStore::ShopCode(ShopId shop) {
  if (shop_code_ && shop_code_->first == shop) return shop_code_->second;
  auto s = PrepareHot(kShopCode, "SELECT code FROM shops WHERE id = ?");
  if (!s) return s.error();
  (*s)->Bind(1, shop);
  if ((*s)->Step() != SQLITE_ROW) return db_->LastError("find the order's shop");
  shop_code_.emplace(shop, (*s)->Text(0));
  (*s)->Reset();
  return shop_code_->second;
}

Result<Shop> SqliteStore::ReadShop(Statement& s) {
  int rc = s.Step();
  if (rc == SQLITE_DONE) return NotFound("no such shop");
  if (rc != SQLITE_ROW) return db_->LastError("read shop");
  Shop shop;
  shop.id = s.Int(0);
  shop.code = s.Text(1);
  shop.name = s.Text(2);
  shop.open = s.Int(3) != 0;
  shop.pickup = s.Int(4) != 0;
  shop.info = s.Text(5);
  shop.managers = SplitList(s.Text(6));
  shop.pin = s.Text(7);
  return shop;
}

Result<Shop> SqliteStore::UpsertShop(const ShopSettings& settings) {
  auto s = db_->Prepare(
      "INSERT INTO shops (code, name, pickup, info, managers, pin) VALUES (?, ?, ?, ?, ?, ?) "
      "ON CONFLICT (code) DO UPDATE SET name = excluded.name, pickup = excluded.pickup, "
      "info = excluded.info, managers = excluded.managers, pin = excluded.pin");
  if (!s) return s.error();
  const std::string managers = JoinManagers(settings.managers);
  (*s)->Bind(1, settings.code)
      .Bind(2, settings.name)
      .Bind(3, settings.pickup ? 1 : 0)
      .Bind(4, settings.info)
      .Bind(5, managers)
      .Bind(6, settings.pin);
  if ((*s)->Step() != SQLITE_DONE) return db_->LastError("save shop");
  return GetShop(settings.code);
}

Result<Shop> SqliteStore::GetShop(const std::string& code) {
  auto s = db_->Prepare(
      "SELECT id, code, name, open, pickup, info, managers, pin FROM shops WHERE code = ?");
  if (!s) return s.error();
  (*s)->Bind(1, code);
  auto shop = ReadShop(**s);
  if (!shop && shop.error().code == ErrorCode::kNotFound) return NotFound("no shop '" + code + "'");
  return shop;
}

Result<std::vector<Shop>> SqliteStore::ListShops() {
  auto s = db_->Prepare(
      "SELECT id, code, name, open, pickup, info, managers, pin FROM shops ORDER BY id");
  if (!s) return s.error();
  std::vector<Shop> shops;
  while (true) {
    auto shop = ReadShop(**s);
    if (!shop) {
      if (shop.error().code == ErrorCode::kNotFound) break;
      return shop.error();
    }
    shops.push_back(std::move(*shop));
  }
  return shops;
}

Status SqliteStore::SetShopOpen(ShopId shop, bool open) {
  auto s = db_->Prepare("UPDATE shops SET open = ? WHERE id = ?");
  if (!s) return s.error();
  (*s)->Bind(1, open ? 1 : 0).Bind(2, shop);
  if ((*s)->Step() != SQLITE_DONE) return db_->LastError("open/close shop");
  return Ok{};
}

// ---- products

Result<std::vector<Product>> SqliteStore::ListProducts(ShopId shop, bool include_inactive) {
  auto s =
      db_->Prepare(include_inactive ? std::string("SELECT ") + kProductColumns +
                                          " FROM products WHERE shop_id = ? ORDER BY position, id"
                                    : std::string("SELECT ") + kProductColumns +
                                          " FROM products WHERE shop_id = ? AND active = 1 "
                                          "ORDER BY position, id");
  if (!s) return s.error();
  (*s)->Bind(1, shop);
  std::vector<Product> out;
  int rc;
  while ((rc = (*s)->Step()) == SQLITE_ROW) out.push_back(ReadProduct(**s));
  if (rc != SQLITE_DONE) return db_->LastError("list products");
  return out;
}

Result<Product> SqliteStore::GetProduct(ShopId shop, const std::string& code) {
  static const std::string kSql =
      std::string("SELECT ") + kProductColumns + " FROM products WHERE shop_id = ? AND code = ?";
  auto s = PrepareHot(kGetProduct, kSql);
  if (!s) return s.error();
  (*s)->Bind(1, shop).Bind(2, code);
  int rc = (*s)->Step();
  if (rc == SQLITE_DONE) return NotFound("no product '" + code + "'");
  if (rc != SQLITE_ROW) return db_->LastError("read product");
  return ReadProduct(**s);
}

Status SqliteStore::ImportCatalog(ShopId shop, const std::vector<CatalogRow>& rows, bool replace) {
  if (replace) {
    auto d = db_->Prepare("UPDATE products SET active = 0 WHERE shop_id = ?");
    if (!d) return d.error();
    (*d)->Bind(1, shop);
    if ((*d)->Step() != SQLITE_DONE) return db_->LastError("deactivate products");
  }
  auto s = db_->Prepare(
      "INSERT INTO products (shop_id, code, name, price, stock, unit, category, active, position) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (shop_id, code) DO UPDATE SET "
      "name = excluded.name, price = excluded.price, "
      "stock = iif(?10, excluded.stock, stock), unit = iif(?11, excluded.unit, unit), "
      "category = iif(?12, excluded.category, category), active = excluded.active, "
      "position = excluded.position");
  if (!s) return s.error();
  std::int64_t position = 0;
  for (const auto& r : rows) {
    (*s)->Reset();
    (*s)->Bind(1, shop)
        .Bind(2, r.code)
        .Bind(3, r.name)
        .Bind(4, r.price)
        .Bind(5, r.stock)
        .Bind(6, r.unit)
        .Bind(7, r.category)
        .Bind(8, r.active ? 1 : 0)
        .Bind(9, ++position)
        .Bind(10, (r.given & CatalogRow::kStock) ? 1 : 0)
        .Bind(11, (r.given & CatalogRow::kUnit) ? 1 : 0)
        .Bind(12, (r.given & CatalogRow::kCategory) ? 1 : 0);
    if ((*s)->Step() != SQLITE_DONE) return db_->LastError("import product " + r.code);
  }
  return Ok{};
}

namespace {
Status RequireOneRow(SqliteDb& db, const std::string& code) {
  if (db.Changes() == 0) return NotFound("no product '" + code + "'");
  return Ok{};
}
}  // namespace

Status SqliteStore::SetStock(ShopId shop, const std::string& code, std::int64_t stock) {
  if (stock < 0) return InvalidInput("stock cannot be negative");
  auto s =
      db_->Prepare("UPDATE products SET stock = ? WHERE shop_id = ? AND code = ? AND active = 1");
  if (!s) return s.error();
  (*s)->Bind(1, stock).Bind(2, shop).Bind(3, code);
  if ((*s)->Step() != SQLITE_DONE) return db_->LastError("set stock");
  return RequireOneRow(*db_, code);
}

Result<std::int64_t> SqliteStore::AdjustStock(ShopId shop, const std::string& code,
                                              std::int64_t delta) {
  auto s = db_->Prepare(
      "UPDATE products SET stock = stock + ?1 "
      "WHERE shop_id = ?2 AND code = ?3 AND active = 1 AND stock + ?1 >= 0");
  if (!s) return s.error();
  (*s)->Bind(1, delta).Bind(2, shop).Bind(3, code);
  if ((*s)->Step() != SQLITE_DONE) return db_->LastError("adjust stock");
  const bool changed = db_->Changes() > 0;
  auto product = GetProduct(shop, code);
  if (!product || !product->active) return NotFound("no product '" + code + "'");
  if (!changed) {
    return Error{ErrorCode::kOutOfStock, ShortageMessage({product->code, product->stock})};
  }
  return product->stock;
}

Status SqliteStore::SetPrice(ShopId shop, const std::string& code, Rupiah price) {
  if (price < 0) return InvalidInput("price cannot be negative");
  auto s =
      db_->Prepare("UPDATE products SET price = ? WHERE shop_id = ? AND code = ? AND active = 1");
  if (!s) return s.error();
  (*s)->Bind(1, price).Bind(2, shop).Bind(3, code);
  if ((*s)->Step() != SQLITE_DONE) return db_->LastError("set price");
  return RequireOneRow(*db_, code);
}

Status SqliteStore::AddProduct(ShopId shop, const CatalogRow& row) {
  auto existing = GetProduct(shop, row.code);
  if (existing && existing->active) return Conflict("product '" + row.code + "' exists already");
  auto s = db_->Prepare(
      "INSERT INTO products (shop_id, code, name, price, stock, unit, category, active, position) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, 1, (SELECT COALESCE(MAX(position), 0) + 1 FROM products "
      "WHERE shop_id = ?1)) ON CONFLICT (shop_id, code) DO UPDATE SET name = excluded.name, "
      "price = excluded.price, stock = excluded.stock, unit = excluded.unit, "
      "category = excluded.category, active = 1, position = excluded.position");
  if (!s) return s.error();
  (*s)->Bind(1, shop)
      .Bind(2, row.code)
      .Bind(3, row.name)
      .Bind(4, row.price)
      .Bind(5, row.stock)
      .Bind(6, row.unit)
      .Bind(7, row.category);
  if ((*s)->Step() != SQLITE_DONE) return db_->LastError("add product");
  return Ok{};
}

Status SqliteStore::DeactivateProduct(ShopId shop, const std::string& code) {
  auto s =
      db_->Prepare("UPDATE products SET active = 0 WHERE shop_id = ? AND code = ? AND active = 1");
  if (!s) return s.error();
  (*s)->Bind(1, shop).Bind(2, code);
  if ((*s)->Step() != SQLITE_DONE) return db_->LastError("remove product");
  return RequireOneRow(*db_, code);
}

// ---- customers

Result<std::optional<Customer>> SqliteStore::GetCustomer(ShopId shop, const std::string& phone) {
  auto s =
      db_->Prepare("SELECT name, address, language FROM customers WHERE shop_id = ? AND phone = ?");
  if (!s) return s.error();
  (*s)->Bind(1, shop).Bind(2, phone);
  int rc = (*s)->Step();
  if (rc == SQLITE_DONE) return std::optional<Customer>();
  if (rc != SQLITE_ROW) return db_->LastError("read customer");
  Customer c{shop, phone, (*s)->Text(0), (*s)->Text(1), (*s)->Text(2)};
  return std::optional<Customer>(std::move(c));
}

Status SqliteStore::SaveAddress(ShopId shop, const std::string& phone, const std::string& address) {
  auto s = PrepareHot(
      kSaveAddress,
      "INSERT INTO customers (shop_id, phone, address, created_at) VALUES (?, ?, ?, "
      "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)) ON CONFLICT (shop_id, phone) DO "
      "UPDATE SET "
      "address = excluded.address");
  if (!s) return s.error();
  (*s)->Bind(1, shop).Bind(2, phone).Bind(3, address);
  if ((*s)->Step() != SQLITE_DONE) return db_->LastError("save address");
  if (known_) known_->Add(phone);
  return Ok{};
}

Status SqliteStore::SaveLanguage(ShopId shop, const std::string& phone, const std::string& lang) {
  auto s = db_->Prepare(
      "INSERT INTO customers (shop_id, phone, language, created_at) VALUES (?, ?, ?, "
      "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)) ON CONFLICT (shop_id, phone) DO "
      "UPDATE SET "
      "language = excluded.language");
  if (!s) return s.error();
  (*s)->Bind(1, shop).Bind(2, phone).Bind(3, lang);
  if ((*s)->Step() != SQLITE_DONE) return db_->LastError("save language");
  if (known_) known_->Add(phone);
  return Ok{};
}

// ---- orders

Result<Order> SqliteStore::CreateOrder(const NewOrder& order, SystemTime now, bool* created) {
  if (created) *created = false;
  if (!order.source_key.empty()) {
    auto earlier = FindOrderBySource(order.phone, order.source_key);
    if (!earlier) return earlier.error();
    if (*earlier) return std::move(**earlier);
  }
  if (order.lines.empty()) return InvalidInput("an order needs at least one product");
  // Merge repeated codes, keeping the customer's order of first mention.
  std::vector<NewOrder::Line> lines;
  for (const auto& l : order.lines) {
    if (l.qty <= 0) return InvalidInput("quantity of '" + l.code + "' must be at least 1");
    auto it = std::find_if(lines.begin(), lines.end(), [&](auto& x) { return x.code == l.code; });
    if (it == lines.end()) {
      lines.push_back(l);
    } else {
      it->qty += l.qty;
    }
  }
  // Every refusal comes before the first write.
  std::vector<OrderItem> items;
  Rupiah total = 0;
  for (const auto& l : lines) {
    if (l.qty > kMaxItemQuantity) {
      return InvalidInput("the quantity of '" + l.code + "' is more than " +
                          std::to_string(kMaxItemQuantity));
    }
    auto p = GetProduct(order.shop_id, l.code);
    if (!p || !p->active) return NotFound("no product '" + l.code + "'");
    if (p->stock < l.qty) {
      return Error{ErrorCode::kOutOfStock, ShortageMessage({p->code, p->stock})};
    }
    items.push_back({p->id, p->code, p->name, l.qty, p->price});
    auto sum = AddToTotal(total, p->price, l.qty);
    if (!sum) return TotalTooLarge();
    total = *sum;
  }
  auto dec = PrepareHot(kReserveStock, "UPDATE products SET stock = stock - ? WHERE id = ?");
  if (!dec) return dec.error();
  for (const auto& it : items) {
    (*dec)->Reset();
    (*dec)->Bind(1, it.qty).Bind(2, it.product_id);
    if ((*dec)->Step() != SQLITE_DONE) return db_->LastError("reserve stock");
  }
  auto ins =
      PrepareHot(kInsertOrder,
                 "INSERT INTO orders (shop_id, phone, total, address, pickup, channel, source_key, "
                 "created_at, updated_at, language) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?8, ?9)");
  if (!ins) return ins.error();
  (*ins)
      ->Bind(1, order.shop_id)
      .Bind(2, order.phone)
      .Bind(3, total)
      .Bind(4, order.address)
      .Bind(5, order.pickup ? 1 : 0)
      .Bind(6, order.channel);
  if (order.source_key.empty()) {
    (*ins)->BindNull(7);
  } else {
    (*ins)->Bind(7, order.source_key);
  }
  (*ins)->Bind(8, UnixMillis(now)).Bind(9, order.language);
  if ((*ins)->Step() != SQLITE_DONE) return db_->LastError("save order");
  OrderId id = db_->LastInsertId();
  if (known_) known_->Add(order.phone);
  auto item = PrepareHot(kInsertItem,
                         "INSERT INTO order_items (order_id, line, product_id, code, name, qty, "
                         "price) VALUES (?, ?, ?, ?, ?, ?, ?)");
  if (!item) return item.error();
  std::int64_t line = 0;
  for (const auto& it : items) {
    (*item)->Reset();
    (*item)
        ->Bind(1, id)
        .Bind(2, ++line)
        .Bind(3, it.product_id)
        .Bind(4, it.code)
        .Bind(5, it.name)
        .Bind(6, it.qty)
        .Bind(7, it.price);
    if ((*item)->Step() != SQLITE_DONE) return db_->LastError("save order item");
  }
  // The order as GetOrder would read it back, from what was just written.
  auto code = ShopCode(order.shop_id);
  if (!code) return code.error();
  Order placed;
  placed.id = id;
  placed.shop_id = order.shop_id;
  placed.shop_code = std::move(*code);
  placed.phone = order.phone;
  placed.items = std::move(items);
  placed.total = total;
  placed.address = order.address;
  placed.pickup = order.pickup;
  placed.channel = order.channel;
  placed.language = order.language;
  placed.created_at = FromUnixMillis(UnixMillis(now));
  if (created) *created = true;
  return placed;
}

Result<std::vector<Order>> SqliteStore::ReadOrders(Statement& s) {
  std::vector<Order> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    Order o;
    o.id = s.Int(0);
    o.shop_id = s.Int(1);
    o.shop_code = s.Text(2);
    o.phone = s.Text(3);
    o.status = ParseOrderStatus(s.Text(4)).value_or(OrderStatus::kNew);
    o.total = s.Int(5);
    o.address = s.Text(6);
    o.pickup = s.Int(7) != 0;
    o.channel = s.Text(8);
    o.note = s.Text(9);
    o.created_at = FromUnixMillis(s.Int(10));
    o.language = s.Text(11);
    out.push_back(std::move(o));
  }
  if (rc != SQLITE_DONE) return db_->LastError("list orders");
  s.Reset();
  if (auto st = LoadItems(out); !st) return st.error();
  return out;
}

// The items of all these orders in one statement (the ids as a JSON array), not one per order;
// CROSS JOIN keeps the ids the outer loop, so each is one index search (no scan of all items).
Status SqliteStore::LoadItems(std::vector<Order>& orders) {
  if (orders.empty()) return Ok{};
  std::string ids = "[";
  std::unordered_map<OrderId, Order*> by_id;
  for (auto& o : orders) {
    if (ids.size() > 1) ids += ',';
    ids += std::to_string(o.id);
    by_id[o.id] = &o;
    o.items.clear();
  }
  ids += ']';
  auto s = db_->Prepare(
      "SELECT i.order_id, i.product_id, i.code, i.name, i.qty, i.price FROM json_each(?) j "
      "CROSS JOIN order_items i ON i.order_id = j.value ORDER BY i.order_id, i.line");
  if (!s) return s.error();
  (*s)->Bind(1, ids);
  int rc;
  while ((rc = (*s)->Step()) == SQLITE_ROW) {
    auto it = by_id.find((*s)->Int(0));
    if (it == by_id.end()) continue;
    it->second->items.push_back(
        {(*s)->Int(1), (*s)->Text(2), (*s)->Text(3), (*s)->Int(4), (*s)->Int(5)});
  }
  if (rc != SQLITE_DONE) return db_->LastError("read order items");
  return Ok{};
}

Result<Order> SqliteStore::GetOrder(OrderId id) {
  auto s = db_->Prepare(std::string("SELECT ") + kOrderColumns +
                        " FROM orders o JOIN shops s ON s.id = o.shop_id WHERE o.id = ?");
  if (!s) return s.error();
  (*s)->Bind(1, id);
  auto orders = ReadOrders(**s);
  if (!orders) return orders.error();
  if (orders->empty()) return NotFound("no order " + std::to_string(id));
  return std::move(orders->front());
}

Result<std::optional<Order>> SqliteStore::FindOrderBySource(const std::string& phone,
                                                            const std::string& source_key) {
  auto s =
      PrepareHot(kFindOrderBySource, "SELECT id FROM orders WHERE phone = ? AND source_key = ?");
  if (!s) return s.error();
  (*s)->Bind(1, phone).Bind(2, source_key);
  int rc = (*s)->Step();
  if (rc == SQLITE_DONE) return std::optional<Order>();
  if (rc != SQLITE_ROW) return db_->LastError("find order");
  OrderId id = (*s)->Int(0);
  (*s)->Reset();
  auto o = GetOrder(id);
  if (!o) return o.error();
  return std::optional<Order>(std::move(*o));
}

Result<std::vector<Order>> SqliteStore::ListOrders(const OrderFilter& f) {
  std::string sql = std::string("SELECT ") + kOrderColumns +
                    " FROM orders o JOIN shops s ON s.id = o.shop_id WHERE 1";
  if (f.shop_id) sql += " AND o.shop_id = ?1";
  if (f.status) sql += " AND o.status = ?2";
  if (f.phone) sql += " AND o.phone = ?3";
  if (f.open_only) sql += " AND o.status IN ('new', 'accepted', 'shipped')";
  if (f.since) sql += " AND o.created_at >= ?4";
  sql += " ORDER BY o.id DESC";
  if (f.limit > 0) sql += " LIMIT ?5";
  auto s = db_->Prepare(sql);
  if (!s) return s.error();
  if (f.shop_id) (*s)->Bind(1, *f.shop_id);
  if (f.status) (*s)->Bind(2, OrderStatusName(*f.status));
  if (f.phone) (*s)->Bind(3, *f.phone);
  if (f.since) (*s)->Bind(4, UnixMillis(*f.since));
  if (f.limit > 0) (*s)->Bind(5, f.limit);
  return ReadOrders(**s);
}

Result<Order> SqliteStore::MoveOrder(OrderId id, OrderStatus to, const std::string& note,
                                     SystemTime now) {
  auto order = GetOrder(id);
  if (!order) return order.error();
  if (!CanMove(order->status, to)) {
    return Conflict("order " + std::to_string(id) + " is " +
                    std::string(OrderStatusName(order->status)));
  }
  if (HoldsStock(order->status) && !HoldsStock(to)) {
    auto back = db_->Prepare("UPDATE products SET stock = stock + ? WHERE id = ?");
    if (!back) return back.error();
    for (const auto& it : order->items) {
      (*back)->Reset();
      (*back)->Bind(1, it.qty).Bind(2, it.product_id);
      if ((*back)->Step() != SQLITE_DONE) return db_->LastError("return stock");
    }
  }
  auto s = db_->Prepare("UPDATE orders SET status = ?, note = ?, updated_at = ? WHERE id = ?");
  if (!s) return s.error();
  (*s)->Bind(1, OrderStatusName(to)).Bind(2, note).Bind(3, UnixMillis(now)).Bind(4, id);
  if ((*s)->Step() != SQLITE_DONE) return db_->LastError("update order");
  order->status = to;
  order->note = note;
  return order;
}

// ---- outbox

Result<std::int64_t> SqliteStore::QueueSms(const NewSms& sms, SystemTime now) {
  auto s = PrepareHot(
      kQueueSms,
      "INSERT INTO outbox (shop_id, to_phone, body, segments, next_attempt_at, order_id, "
      "created_at) VALUES (?, ?, ?, ?, ?5, ?, ?5)");
  if (!s) return s.error();
  (*s)->Bind(1, sms.shop_id)
      .Bind(2, sms.to)
      .Bind(3, sms.text)
      .Bind(4, static_cast<std::int64_t>(
                   (sms.counted ? *sms.counted : CountSegments(sms.text)).segments))
      .Bind(5, UnixMillis(now));
  if (sms.order_id) {
    (*s)->Bind(6, *sms.order_id);
  } else {
    (*s)->BindNull(6);
  }
  if ((*s)->Step() != SQLITE_DONE) return db_->LastError("queue sms");
  return db_->LastInsertId();
}

namespace {
constexpr const char* kOutboxColumns =
    "id, shop_id, to_phone, body, segments, status, attempts, provider_id, last_error, order_id, "
    "created_at, sent_at, next_attempt_at";

OutboxMessage ReadOutbox(const Statement& s) {
  OutboxMessage m;
  m.id = s.Int(0);
  m.shop_id = s.Int(1);
  m.to = s.Text(2);
  m.text = s.Text(3);
  m.segments = static_cast<int>(s.Int(4));
  std::string st = s.Text(5);
  m.status = st == "sent"        ? OutboxStatus::kSent
             : st == "delivered" ? OutboxStatus::kDelivered
             : st == "failed"    ? OutboxStatus::kFailed
                                 : OutboxStatus::kQueued;
  m.attempts = static_cast<int>(s.Int(6));
  m.provider_id = s.Text(7);
  m.last_error = s.Text(8);
  if (!s.IsNull(9)) m.order_id = s.Int(9);
  m.created_at = FromUnixMillis(s.Int(10));
  if (!s.IsNull(11)) m.sent_at = FromUnixMillis(s.Int(11));
  m.next_attempt_at = FromUnixMillis(s.Int(12));
  return m;
}
}  // namespace

Result<std::vector<OutboxMessage>> SqliteStore::DueSms(SystemTime now, int limit) {
  auto s = db_->Prepare(std::string("SELECT ") + kOutboxColumns +
                        " FROM outbox WHERE status = 'queued' AND next_attempt_at <= ? "
                        "ORDER BY next_attempt_at, id LIMIT ?");
  if (!s) return s.error();
  (*s)->Bind(1, UnixMillis(now)).Bind(2, limit);
  std::vector<OutboxMessage> out;
  int rc;
  while ((rc = (*s)->Step()) == SQLITE_ROW) out.push_back(ReadOutbox(**s));
  if (rc != SQLITE_DONE) return db_->LastError("due sms");
  return out;
}

Result<std::optional<SystemTime>> SqliteStore::NextSmsDue() {
  auto s = db_->Prepare("SELECT MIN(next_attempt_at) FROM outbox WHERE status = 'queued'");
  if (!s) return s.error();
  if ((*s)->Step() != SQLITE_ROW) return db_->LastError("next sms");
  if ((*s)->IsNull(0)) return std::optional<SystemTime>();
  return std::optional<SystemTime>(FromUnixMillis((*s)->Int(0)));
}

Status SqliteStore::MarkSmsSent(std::int64_t id, const std::string& provider_id, SystemTime now) {
  auto s = db_->Prepare(
      "UPDATE outbox SET status = 'sent', attempts = attempts + 1, provider_id = ?, sent_at = ?, "
      "last_error = '' WHERE id = ?");
  if (!s) return s.error();
  (*s)->Bind(1, provider_id).Bind(2, UnixMillis(now)).Bind(3, id);
  if ((*s)->Step() != SQLITE_DONE) return db_->LastError("mark sent");
  auto ref =
      db_->Prepare("INSERT OR REPLACE INTO outbox_refs (provider_ref, outbox_id) VALUES (?, ?)");
  if (!ref) return ref.error();
  for (const auto& r : SplitList(provider_id)) {
    (*ref)->Reset();
    (*ref)->Bind(1, r).Bind(2, id);
    if ((*ref)->Step() != SQLITE_DONE) return db_->LastError("remember provider id");
  }
  return Ok{};
}

Status SqliteStore::MarkSmsRetry(std::int64_t id, const std::string& error, SystemTime next) {
  auto s = db_->Prepare(
      "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? "
      "WHERE id = ? AND status = 'queued'");
  if (!s) return s.error();
  (*s)->Bind(1, error).Bind(2, UnixMillis(next)).Bind(3, id);
  if ((*s)->Step() != SQLITE_DONE) return db_->LastError("mark retry");
  return Ok{};
}

Status SqliteStore::MarkSmsWaiting(std::int64_t id, const std::string& error) {
  auto s = db_->Prepare("UPDATE outbox SET last_error = ? WHERE id = ? AND status = 'queued'");
  if (!s) return s.error();
  (*s)->Bind(1, error).Bind(2, id);
  if ((*s)->Step() != SQLITE_DONE) return db_->LastError("mark waiting");
  return Ok{};
}

Status SqliteStore::MarkSmsFailed(std::int64_t id, const std::string& error) {
  auto s = db_->Prepare(
      "UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ? WHERE id = ?");
  if (!s) return s.error();
  (*s)->Bind(1, error).Bind(2, id);
  if ((*s)->Step() != SQLITE_DONE) return db_->LastError("mark failed");
  return Ok{};
}

Status SqliteStore::MarkSmsDelivery(const std::string& provider_id, bool delivered,
                                    const std::string& detail, SystemTime now) {
  auto s = db_->Prepare(
      "UPDATE outbox SET status = CASE WHEN ?1 THEN 'delivered' ELSE 'failed' END, "
      "delivered_at = CASE WHEN ?1 THEN ?2 ELSE delivered_at END, last_error = ?3 "
      "WHERE id = (SELECT outbox_id FROM outbox_refs WHERE provider_ref = ?4) "
      "AND status IN ('sent', 'delivered', 'failed')");
  if (!s) return s.error();
  (*s)->Bind(1, delivered ? 1 : 0)
      .Bind(2, UnixMillis(now))
      .Bind(3, delivered ? std::string_view("") : std::string_view(detail))
      .Bind(4, provider_id);
  if ((*s)->Step() != SQLITE_DONE) return db_->LastError("mark delivery");
  if (db_->Changes() == 0) return NotFound("no sent message with provider id " + provider_id);
  return Ok{};
}

Result<std::vector<OutboxMessage>> SqliteStore::ListSms(int limit,
                                                        std::optional<OutboxStatus> status) {
  std::string sql = std::string("SELECT ") + kOutboxColumns + " FROM outbox";
  if (status) sql += " WHERE status = ?1";
  sql += " ORDER BY id DESC";
  if (limit > 0) sql += " LIMIT ?2";
  auto s = db_->Prepare(sql);
  if (!s) return s.error();
  if (status) (*s)->Bind(1, OutboxStatusName(*status));
  if (limit > 0) (*s)->Bind(2, limit);
  std::vector<OutboxMessage> out;
  int rc;
  while ((rc = (*s)->Step()) == SQLITE_ROW) out.push_back(ReadOutbox(**s));
  if (rc != SQLITE_DONE) return db_->LastError("list outbox");
  return out;
}

Result<std::int64_t> SqliteStore::RequeueFailedSms(std::optional<std::int64_t> id, SystemTime now) {
  auto s = db_->Prepare(
      "UPDATE outbox SET status = 'queued', attempts = 0, next_attempt_at = ?1 "
      "WHERE status = 'failed' AND (?2 IS NULL OR id = ?2)");
  if (!s) return s.error();
  (*s)->Bind(1, UnixMillis(now));
  if (id) {
    (*s)->Bind(2, *id);
  } else {
    (*s)->BindNull(2);
  }
  if ((*s)->Step() != SQLITE_DONE) return db_->LastError("requeue failed sms");
  return static_cast<std::int64_t>(db_->Changes());
}

// ---- inbound and sessions

// https://sqlite.org/pragma.html#pragma_data_version
Result<std::int64_t> SqliteStore::DataVersion() {
  auto s = db_->Prepare("PRAGMA data_version");
  if (!s) return s.error();
  if ((*s)->Step() != SQLITE_ROW) return db_->LastError("read data_version");
  return (*s)->Int(0);
}

Result<bool> SqliteStore::RememberInbound(const std::string& key, SystemTime now) {
  auto s = db_->Prepare("INSERT OR IGNORE INTO inbound_seen (key, seen_at) VALUES (?, ?)");
  if (!s) return s.error();
  (*s)->Bind(1, key).Bind(2, UnixMillis(now));
  if ((*s)->Step() != SQLITE_DONE) return db_->LastError("remember inbound");
  return db_->Changes() == 1;
}

// The sender's messages are rows "<sender>:<15-digit unix ms>:<16 hex digits of the
// fingerprint>" of inbound_seen: in key order, the last of the sender's rows is its newest.
Result<bool> SqliteStore::RememberInboundText(const std::string& sender, std::uint64_t fingerprint,
                                              SystemTime now, std::chrono::milliseconds window) {
  constexpr size_t kTimeDigits = 15, kPrintDigits = 16;
  const std::string prefix = sender + ":";
  char tail[kTimeDigits + 1 + kPrintDigits + 1];
  const std::int64_t ms = UnixMillis(now);
  std::snprintf(tail, sizeof tail, "%015lld:%016llx", static_cast<long long>(ms),
                static_cast<unsigned long long>(fingerprint));
  auto last = db_->Prepare(
      "SELECT key FROM inbound_seen WHERE key > ? AND key < ? ORDER BY key DESC LIMIT 1");
  if (!last) return last.error();
  const std::string after = sender + ";";  // ';' follows ':'
  (*last)->Bind(1, prefix).Bind(2, after);
  const int rc = (*last)->Step();
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return db_->LastError("find the sender's last message");
  if (rc == SQLITE_ROW) {
    const std::string key = (*last)->Text(0);
    // Rows of other senders whose name goes on after this one's (or of another form) differ in
    // length.
    if (key.size() == prefix.size() + sizeof tail - 1 &&
        key.compare(key.size() - kPrintDigits, kPrintDigits, tail + kTimeDigits + 1) == 0) {
      std::int64_t then = 0;
      const char* t = key.data() + prefix.size();
      std::from_chars(t, t + kTimeDigits, then);
      if (ms - then <= window.count()) return false;
    }
  }
  auto s = db_->Prepare("INSERT OR IGNORE INTO inbound_seen (key, seen_at) VALUES (?, ?)");
  if (!s) return s.error();
  const std::string key = prefix + tail;
  (*s)->Bind(1, key).Bind(2, ms);
  if ((*s)->Step() != SQLITE_DONE) return db_->LastError("remember inbound");
  return true;
}

Result<std::optional<std::string>> SqliteStore::LoadSession(const std::string& key) {
  auto s = db_->Prepare("SELECT value FROM ussd_sessions WHERE key = ?");
  if (!s) return s.error();
  (*s)->Bind(1, key);
  int rc = (*s)->Step();
  if (rc == SQLITE_DONE) return std::optional<std::string>();
  if (rc != SQLITE_ROW) return db_->LastError("load session");
  return std::optional<std::string>((*s)->Text(0));
}

Status SqliteStore::SaveSession(const std::string& key, const std::string& value, SystemTime now) {
  auto s =
      PrepareHot(kSaveSession,
                 "INSERT OR REPLACE INTO ussd_sessions (key, value, updated_at) VALUES (?, ?, ?)");
  if (!s) return s.error();
  (*s)->Bind(1, key).Bind(2, value).Bind(3, UnixMillis(now));
  if ((*s)->Step() != SQLITE_DONE) return db_->LastError("save session");
  return Ok{};
}

Status SqliteStore::DeleteSession(const std::string& key) {
  auto s = PrepareHot(kDeleteSession, "DELETE FROM ussd_sessions WHERE key = ?");
  if (!s) return s.error();
  (*s)->Bind(1, key);
  if ((*s)->Step() != SQLITE_DONE) return db_->LastError("delete session");
  return Ok{};
}

Status SqliteStore::ExpireSessions(SystemTime before) {
  auto s = db_->Prepare(
      "DELETE FROM ussd_sessions WHERE updated_at < ?1 AND (substr(key, 1, ?2) != ?3 OR "
      "updated_at < ?4)");
  if (!s) return s.error();
  const std::string prefix(kSmsPendingPrefix);
  (*s)->Bind(1, UnixMillis(before))
      .Bind(2, static_cast<std::int64_t>(prefix.size()))
      .Bind(3, prefix)
      .Bind(4, UnixMillis(before - kSmsPendingLife));
  if ((*s)->Step() != SQLITE_DONE) return db_->LastError("expire sessions");
  return Ok{};
}

}  // namespace pesan
