#include "core/sqlite_store.h"

#include <gtest/gtest.h>

#include "tests/support/test_support.h"

namespace pesan {
namespace {

using testing::ReadFile;
using testing::TempDir;

// A store on a fresh file with one shop.
class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = SqliteStore::Open(dir_.File("shop.db"));
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(*opened);
    auto shop = store_->UpsertShop({"tokoku", "Toko Ku", {"+6281200000001"}, true, "", ""});
    ASSERT_TRUE(shop.ok());
    shop_ = *shop;
  }
  TempDir dir_;
  std::unique_ptr<SqliteStore> store_;
  Shop shop_;
};

// CreateOrder answers with the order it wrote, without reading it back: it must be the order
// GetOrder reads, field by field.
TEST_F(SqliteStoreTest, CreateOrderAnswersTheOrderAsStored) {
  ASSERT_TRUE(
      store_->AddProduct(shop_.id, {"B1", "Beras 5 kg", 68000, 10, "karung", "", true}).ok());
  ASSERT_TRUE(
      store_->AddProduct(shop_.id, {"M2", "Minyak 1 L", 17500, 10, "botol", "", true}).ok());
  NewOrder order;
  order.shop_id = shop_.id;
  order.phone = "+6281311112222";
  order.lines = {{"M2", 1}, {"B1", 2}, {"M2", 2}};  // M2 twice: one line of 3
  order.address = "Jl Mawar 3 RT02";
  order.channel = "ussd";
  order.language = "en";
  order.source_key = "ussd:s1";
  const SystemTime now = SystemTime(std::chrono::nanoseconds(1'790'000'000'123'456'789));
  auto placed = store_->CreateOrder(order, now);
  ASSERT_TRUE(placed.ok()) << placed.error().message;
  auto read = store_->GetOrder(placed->id);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(placed->id, read->id);
  EXPECT_EQ(placed->shop_id, read->shop_id);
  EXPECT_EQ(placed->shop_code, "tokoku");
  EXPECT_EQ(placed->shop_code, read->shop_code);
  EXPECT_EQ(placed->phone, read->phone);
  EXPECT_EQ(placed->status, read->status);
  EXPECT_EQ(placed->total, 68000 * 2 + 17500 * 3);
  EXPECT_EQ(placed->total, read->total);
  EXPECT_EQ(placed->address, read->address);
  EXPECT_EQ(placed->pickup, read->pickup);
  EXPECT_EQ(placed->channel, read->channel);
  EXPECT_EQ(placed->note, read->note);
  EXPECT_EQ(placed->language, "en");
  EXPECT_EQ(placed->language, read->language);
  EXPECT_EQ(placed->created_at, read->created_at);
  ASSERT_EQ(placed->items.size(), 2u);
  ASSERT_EQ(read->items.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(placed->items[i].product_id, read->items[i].product_id) << i;
    EXPECT_EQ(placed->items[i].code, read->items[i].code) << i;
    EXPECT_EQ(placed->items[i].name, read->items[i].name) << i;
    EXPECT_EQ(placed->items[i].qty, read->items[i].qty) << i;
    EXPECT_EQ(placed->items[i].price, read->items[i].price) << i;
  }
  EXPECT_EQ(placed->items[0].code, "M2");
  EXPECT_EQ(placed->items[0].qty, 3);
}

// A file of schema 1, from before orders kept their language, opens and is migrated: its orders
// read with no language (their news goes in the shop's) and go on through their lifecycle, and
// orders placed since keep theirs. Opened again, there is nothing left to do.
TEST(SqliteStoreMigration, ASchemaOneDatabaseIsMigratedAndKeepsItsOrders) {
  TempDir dir;
  const std::string path = dir.File("old.db");
  {
    auto old = SqliteDb::Open(path, SqliteDb::Mode::kReadWrite);
    ASSERT_TRUE(old.ok()) << old.error().message;
    auto st = (*old)->Exec(ReadFile(PESAN_SOURCE_DIR "/tests/core/data/schema-1.sql"));
    ASSERT_TRUE(st.ok()) << st.error().message;
  }
  const SystemTime now = SystemTime(std::chrono::milliseconds(1'790'000'120'000));
  {
    auto opened = SqliteStore::Open(path);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    SqliteStore& store = **opened;
    EXPECT_EQ(*store.SchemaVersion(), SqliteStore::kSchemaVersion);
    {  // off while the tables were rebuilt, on again after
      auto fk = store.db().Prepare("PRAGMA foreign_keys");
      ASSERT_TRUE(fk.ok());
      ASSERT_EQ((*fk)->Step(), SQLITE_ROW);
      EXPECT_EQ((*fk)->Int(0), 1);
    }
    auto old = store.GetOrder(7);
    ASSERT_TRUE(old.ok()) << old.error().message;
    EXPECT_EQ(old->language, "");
    EXPECT_EQ(old->status, OrderStatus::kAccepted);
    EXPECT_EQ(old->total, 148000);
    EXPECT_EQ(old->address, "Jl Mawar 3");
    // Its lines in the order they were named (M1 first), not by product.
    ASSERT_EQ(old->items.size(), 2u);
    EXPECT_EQ(old->items[0].code, "M1");
    EXPECT_EQ(old->items[1].code, "B1");
    EXPECT_EQ(old->items[1].qty, 2);
    auto shipped = store.MoveOrder(7, OrderStatus::kShipped, "", now);
    ASSERT_TRUE(shipped.ok()) << shipped.error().message;

    auto shop = store.GetShop("majubersama");
    ASSERT_TRUE(shop.ok());
    NewOrder order;
    order.shop_id = shop->id;
    order.phone = "+6281200000002";
    order.lines = {{"M1", 1}, {"B1", 1}};
    order.address = "Jl Melati 4";
    order.channel = "sms";
    order.language = "en";
    auto placed = store.CreateOrder(order, now);
    ASSERT_TRUE(placed.ok()) << placed.error().message;
    auto read = store.GetOrder(placed->id);
    ASSERT_TRUE(read.ok()) << read.error().message;
    EXPECT_EQ(read->language, "en");
    ASSERT_EQ(read->items.size(), 2u);
    EXPECT_EQ(read->items[0].code, "M1");
    EXPECT_EQ(read->items[1].code, "B1");
    EXPECT_EQ(store.GetProduct(shop->id, "B1")->stock, 7);

    // Schema 3: the old order's source key still finds it, and a resent order of that key is
    // the old order, with no index of its own on source_key left.
    auto found = store.FindOrderBySource("+6281200000001", "ussd:at:old");
    ASSERT_TRUE(found.ok() && *found) << (found.ok() ? "not found" : found.error().message);
    EXPECT_EQ((*found)->id, 7);
    order.phone = "+6281200000001";
    order.source_key = "ussd:at:old";
    bool created = true;
    auto again = store.CreateOrder(order, now, &created);
    ASSERT_TRUE(again.ok()) << again.error().message;
    EXPECT_FALSE(created);
    EXPECT_EQ(again->id, 7);
    EXPECT_EQ(store.GetProduct(shop->id, "B1")->stock, 7);
  }
  {
    auto db = SqliteDb::Open(path, SqliteDb::Mode::kReadOnly);
    ASSERT_TRUE(db.ok()) << db.error().message;
    auto indexes = (*db)->Prepare("SELECT name FROM pragma_index_list('orders') ORDER BY name");
    ASSERT_TRUE(indexes.ok());
    std::vector<std::string> names;
    while ((*indexes)->Step() == SQLITE_ROW) names.push_back((*indexes)->Text(0));
    EXPECT_EQ(names, (std::vector<std::string>{"orders_phone", "orders_shop_status"}));
    auto fk = (*db)->Prepare(
        "SELECT \"table\" FROM pragma_foreign_key_list('order_items') WHERE \"from\" = 'order_id'");
    ASSERT_TRUE(fk.ok());
    ASSERT_EQ((*fk)->Step(), SQLITE_ROW);
    EXPECT_EQ((*fk)->Text(0), "orders");
  }
  auto again = SqliteStore::Open(path);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(*(*again)->SchemaVersion(), SqliteStore::kSchemaVersion);
  auto orders = (*again)->ListOrders({});
  ASSERT_TRUE(orders.ok());
  ASSERT_EQ(orders->size(), 2u);
  EXPECT_EQ((*orders)[0].language, "en");
  EXPECT_EQ((*orders)[1].id, 7);
  EXPECT_EQ((*orders)[1].status, OrderStatus::kShipped);
  EXPECT_EQ((*orders)[1].language, "");
}

// A shipped order can still be rejected by the shop (the delivery failed), which returns its
// stock; the customer's cancellation, as the USSD menu asks for it, is refused once shipped.
TEST_F(SqliteStoreTest, AShippedOrderCanBeRejectedButNotCancelled) {
  ASSERT_TRUE(
      store_->AddProduct(shop_.id, {"B1", "Beras 5 kg", 68000, 10, "karung", "", true}).ok());
  NewOrder order;
  order.shop_id = shop_.id;
  order.phone = "+6281311112222";
  order.lines = {{"B1", 3}};
  order.address = "Jl Mawar 3 RT02";
  order.channel = "ussd";
  const SystemTime now = SystemTime(std::chrono::seconds(1'790'000'000));
  auto placed = store_->CreateOrder(order, now);
  ASSERT_TRUE(placed.ok()) << placed.error().message;
  ASSERT_TRUE(store_->MoveOrder(placed->id, OrderStatus::kShipped, "", now).ok());
  EXPECT_EQ(store_->GetProduct(shop_.id, "B1")->stock, 7);

  auto cancelled = store_->MoveOrder(placed->id, OrderStatus::kCancelled, "", now);
  ASSERT_FALSE(cancelled.ok());
  EXPECT_EQ(cancelled.error().code, ErrorCode::kConflict);
  EXPECT_EQ(store_->GetOrder(placed->id)->status, OrderStatus::kShipped);

  auto rejected = store_->MoveOrder(placed->id, OrderStatus::kRejected, "tidak ada orang", now);
  ASSERT_TRUE(rejected.ok()) << rejected.error().message;
  EXPECT_EQ(store_->GetOrder(placed->id)->status, OrderStatus::kRejected);
  EXPECT_EQ(store_->GetProduct(shop_.id, "B1")->stock, 10);
  // Final: no second return of the stock, no way to done.
  EXPECT_FALSE(store_->MoveOrder(placed->id, OrderStatus::kRejected, "", now).ok());
  EXPECT_FALSE(store_->MoveOrder(placed->id, OrderStatus::kDone, "", now).ok());
  EXPECT_EQ(store_->GetProduct(shop_.id, "B1")->stock, 10);
}

// A list of orders reads the items of all of them at once: each order gets its own items, in
// the order they were written, and an order listed alone gets the same.
TEST_F(SqliteStoreTest, ListedOrdersEachCarryTheirOwnItems) {
  for (const char* code : {"B1", "M2", "G3"}) {
    ASSERT_TRUE(
        store_->AddProduct(shop_.id, {code, std::string("Barang ") + code, 1000, 100, "", "", true})
            .ok());
  }
  const std::vector<std::vector<NewOrder::Line>> carts = {
      {{"G3", 1}, {"B1", 2}}, {{"M2", 5}}, {{"B1", 1}, {"M2", 2}, {"G3", 3}}};
  const SystemTime now = SystemTime(std::chrono::seconds(1'790'000'000));
  for (size_t k = 0; k < carts.size(); ++k) {
    NewOrder order;
    order.shop_id = shop_.id;
    order.phone = k == 1 ? "+6281399990000" : "+6281311112222";
    order.lines = carts[k];
    order.channel = "sms";
    ASSERT_TRUE(store_->CreateOrder(order, now).ok());
  }
  OrderFilter all;
  all.shop_id = shop_.id;
  auto listed = store_->ListOrders(all);
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  ASSERT_EQ(listed->size(), 3u);
  for (const Order& o : *listed) {  // newest first
    const auto& cart = carts[static_cast<size_t>(o.id - (*listed).back().id)];
    ASSERT_EQ(o.items.size(), cart.size()) << o.id;
    for (size_t i = 0; i < cart.size(); ++i) {
      EXPECT_EQ(o.items[i].code, cart[i].code) << o.id;
      EXPECT_EQ(o.items[i].qty, cart[i].qty) << o.id;
    }
    auto alone = store_->GetOrder(o.id);
    ASSERT_TRUE(alone.ok());
    ASSERT_EQ(alone->items.size(), o.items.size());
  }
  OrderFilter mine;
  mine.phone = "+6281399990000";
  auto one = store_->ListOrders(mine);
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->size(), 1u);
  ASSERT_EQ(one->front().items.size(), 1u);
  EXPECT_EQ(one->front().items[0].code, "M2");
  EXPECT_EQ(one->front().items[0].qty, 5);
}

// A message without an id of its own is the same message delivered again only when it repeats
// the sender's last one within the window.
TEST_F(SqliteStoreTest, AMessageRepeatingTheSendersLastOneIsTheSameMessage) {
  using std::chrono::milliseconds;
  const milliseconds window(600'000);
  SystemTime t = SystemTime(std::chrono::hours(24 * 365 * 56));
  auto remember = [&](const std::string& sender, std::uint64_t text, milliseconds later) {
    t += later;
    auto r = store_->RememberInboundText(sender, text, t, window);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() && *r;
  };
  const std::string a = "sms:smpp:from:+6281200000001";
  EXPECT_TRUE(remember(a, 1, milliseconds(0)));         // TUTUP
  EXPECT_FALSE(remember(a, 1, milliseconds(2'000)));    // TUTUP delivered again
  EXPECT_TRUE(remember(a, 2, milliseconds(1'000)));     // BUKA
  EXPECT_TRUE(remember(a, 1, milliseconds(1'000)));     // TUTUP, sent again on purpose
  EXPECT_FALSE(remember(a, 1, milliseconds(599'000)));  // within the window of the last one
  EXPECT_TRUE(remember(a, 1, milliseconds(600'001)));   // past it
  // Other senders, one whose number goes on after this one's, keep their own last message.
  EXPECT_TRUE(remember(a + "9", 2, milliseconds(1)));
  EXPECT_TRUE(remember("sms:sim:from:+6281200000001", 1, milliseconds(1)));
  EXPECT_FALSE(remember(a, 1, milliseconds(1)));
  // Survives a reopen: the rows are in the file.
  store_.reset();
  store_ = std::move(SqliteStore::Open(dir_.File("shop.db")).value());
  EXPECT_FALSE(remember(a, 1, milliseconds(1)));
  EXPECT_TRUE(remember(a, 3, milliseconds(1)));
}

}  // namespace
}  // namespace pesan
