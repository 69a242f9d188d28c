#include "gateway/shop_registry.h"

namespace pesan {

Result<ShopRegistry::View> ShopRegistry::Load(Store& store, const Shop& shop) {
  auto products = store.ListProducts(shop.id, false);
  if (!products) return products.error();
  return View(std::make_shared<const ussd::ShopView>(ussd::MakeShopView(shop, std::move(*products))));
}

Status ShopRegistry::LoadAll(Store& store) {
  auto shops = store.ListShops();
  if (!shops) return shops.error();
  std::vector<View> views;
  for (const auto& s : *shops) {
    auto v = Load(store, s);
    if (!v) return v.error();
    views.push_back(std::move(*v));
  }
  std::lock_guard lock(mu_);
  views_ = std::move(views);
  dirty_.clear();
  return Ok{};
}

void ShopRegistry::MarkDirty(ShopId shop) {
  std::lock_guard lock(mu_);
  dirty_.insert(shop);
}

Status ShopRegistry::RefreshDirty(Store& store) {
  std::set<ShopId> dirty;
  {
    std::lock_guard lock(mu_);
    dirty.swap(dirty_);
  }
  for (ShopId id : dirty) {
    View old = ById(id);
    if (!old) continue;
    auto shop = store.GetShop(old->shop.code);
    if (!shop) return shop.error();
    auto v = Load(store, *shop);
    if (!v) return v.error();
    std::lock_guard lock(mu_);
    for (auto& slot : views_) {
      if (slot->shop.id == id) slot = *v;
    }
  }
  return Ok{};
}

ShopRegistry::View ShopRegistry::ByCode(const std::string& code) const {
  std::lock_guard lock(mu_);
  for (const auto& v : views_) {
    if (v->shop.code == code) return v;
  }
  return nullptr;
}

ShopRegistry::View ShopRegistry::ById(ShopId id) const {
  std::lock_guard lock(mu_);
  for (const auto& v : views_) {
    if (v->shop.id == id) return v;
  }
  return nullptr;
}

ShopRegistry::View ShopRegistry::Default() const {
  std::lock_guard lock(mu_);
  return views_.empty() ? nullptr : views_.front();
}

std::vector<ShopRegistry::View> ShopRegistry::All() const {
  std::lock_guard lock(mu_);
  return views_;
}

}  // namespace pesan
