// The shop views the menus read, over a real SQLite file: a stock change patches the stock of
// a new view that shares the catalog of the old one; any other change reloads the catalog.
#include "gateway/shop_registry.h"

#include <gtest/gtest.h>

#include "core/sqlite_store.h"
#include "tests/support/test_support.h"

namespace pesan::testing {
namespace {

class ShopRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = SqliteStore::Open(dir_.File("shop.db"));
    ASSERT_TRUE(store.ok()) << store.error().message;
    store_ = std::move(*store);
    auto shop = store_->UpsertShop({"toko", "Toko Desa", {"+6281200000000"}, false, "", ""});
    ASSERT_TRUE(shop.ok()) << shop.error().message;
    shop_ = shop->id;
    std::vector<CatalogRow> rows = {{"B1", "Beras 5kg", 65000, 10, "karung", "Sembako", true},
                                    {"T1", "Telur 1kg", 28000, 5, "kg", "Lauk", true},
                                    {"G1", "Gula 1kg", 17500, 7, "kg", "Sembako", true},
                                    {"X1", "Lama", 1000, 1, "", "", false}};
    ASSERT_TRUE(store_->ImportCatalog(shop_, rows, true).ok());
    ASSERT_TRUE(registry_.LoadServed(*store_, "toko").ok());
  }

  TempDir dir_;
  std::unique_ptr<SqliteStore> store_;
  ShopId shop_ = 0;
  ShopRegistry registry_;
};

TEST_F(ShopRegistryTest, TheViewListsActiveProductsByCategory) {
  auto view = registry_.ById(shop_);
  ASSERT_TRUE(view);
  ASSERT_EQ(view->products().size(), 3u);  // X1 is not offered
  EXPECT_EQ(view->categories(), (std::vector<std::string>{"Sembako", "Lauk"}));
  EXPECT_EQ(view->catalog->in_category[0], (std::vector<int>{0, 2}));
  EXPECT_EQ(view->catalog->in_category[1], (std::vector<int>{1}));
  EXPECT_EQ(view->catalog->all, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(view->Find("G1"), 2);
  EXPECT_EQ(view->Find("X1"), -1);
  EXPECT_EQ(view->Stock(view->Find("T1")), 5);
}

TEST_F(ShopRegistryTest, AStockChangeSharesTheCatalogAndLeavesTheOldViewAsItWas) {
  auto before = registry_.ById(shop_);
  ASSERT_TRUE(store_->SetStock(shop_, "T1", 2).ok());
  registry_.MarkStockChanged(shop_, {"T1"});
  ASSERT_TRUE(registry_.RefreshDirty(*store_).ok());
  auto after = registry_.ById(shop_);
  ASSERT_NE(after, before);
  EXPECT_EQ(after->catalog, before->catalog);  // no copy of the products
  EXPECT_EQ(after->Stock(after->Find("T1")), 2);
  EXPECT_EQ(after->Stock(after->Find("B1")), 10);
  EXPECT_EQ(before->Stock(before->Find("T1")), 5);  // a hop holding it sees one snapshot
}

TEST_F(ShopRegistryTest, AnyOtherChangeReloadsTheCatalog) {
  auto before = registry_.ById(shop_);
  ASSERT_TRUE(store_->SetPrice(shop_, "B1", 66000).ok());
  registry_.MarkDirty(shop_);
  ASSERT_TRUE(registry_.RefreshDirty(*store_).ok());
  auto after = registry_.ById(shop_);
  EXPECT_NE(after->catalog, before->catalog);
  EXPECT_EQ(after->products()[static_cast<size_t>(after->Find("B1"))].price, 66000);
}

TEST_F(ShopRegistryTest, AStockChangeOfAProductNoLongerOfferedReloadsTheCatalog) {
  auto before = registry_.ById(shop_);
  ASSERT_TRUE(
      store_->ImportCatalog(shop_, {{"T1", "Telur 1kg", 28000, 4, "kg", "Lauk", false}}, false)
          .ok());
  registry_.MarkStockChanged(shop_, {"T1"});
  ASSERT_TRUE(registry_.RefreshDirty(*store_).ok());
  auto after = registry_.ById(shop_);
  EXPECT_NE(after->catalog, before->catalog);
  EXPECT_EQ(after->Find("T1"), -1);
  EXPECT_EQ(after->categories(), (std::vector<std::string>{"Sembako"}));
}

}  // namespace
}  // namespace pesan::testing
