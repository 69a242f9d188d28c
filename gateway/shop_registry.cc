#include "gateway/shop_registry.h"

namespace pesan {

Result<ShopRegistry::View> ShopRegistry::Load(Store& store, const Shop& shop) {
  auto products = store.ListProducts(shop.id, false);
  if (!products) return products.error();
  return View(
      std::make_shared<const ussd::ShopView>(ussd::MakeShopView(shop, std::move(*products))));
}

Status ShopRegistry::LoadServed(Store& store, const std::string& code) {
  auto shop = store.GetShop(code);
  if (!shop) return shop.error();
  auto v = Load(store, *shop);
  if (!v) return v.error();
  std::lock_guard lock(mu_);
  view_ = std::move(*v);
  dirty_.clear();
  return Ok{};
}

void ShopRegistry::MarkDirty(ShopId shop) {
  std::lock_guard lock(mu_);
  dirty_.insert(shop);
}

void ShopRegistry::MarkStockChanged(ShopId shop, const std::vector<std::string>& codes) {
  std::lock_guard lock(mu_);
  stock_changed_[shop].insert(codes.begin(), codes.end());
}

Status ShopRegistry::RefreshDirty(Store& store) {
  std::set<ShopId> dirty;
  std::map<ShopId, std::set<std::string>> stock_changed;
  {
    std::lock_guard lock(mu_);
    dirty.swap(dirty_);
    stock_changed.swap(stock_changed_);
  }
  for (const auto& [id, codes] : stock_changed) {
    if (dirty.count(id)) continue;  // reloaded whole below
    View old = ById(id);
    if (!old) continue;
    // A copy of the view shares the catalog and copies the stock figures only.
    auto view = std::make_shared<ussd::ShopView>(*old);
    bool patched = true;
    for (const auto& code : codes) {
      auto p = store.GetProduct(id, code);
      if (!p && p.error().code != ErrorCode::kNotFound) return p.error();
      const int idx = view->Find(code);
      if (!p || !p->active || idx < 0) {
        patched = false;  // not the catalog this view shows any more: reload it
        break;
      }
      view->stock[static_cast<size_t>(idx)] = p->stock;
    }
    if (!patched) {
      dirty.insert(id);
      continue;
    }
    std::lock_guard lock(mu_);
    if (view_ && view_->shop.id == id) view_ = view;
  }
  for (ShopId id : dirty) {
    View old = ById(id);
    if (!old) continue;
    auto shop = store.GetShop(old->shop.code);
    if (!shop) return shop.error();
    auto v = Load(store, *shop);
    if (!v) return v.error();
    std::lock_guard lock(mu_);
    if (view_ && view_->shop.id == id) view_ = *v;
  }
  return Ok{};
}

ShopRegistry::View ShopRegistry::ById(ShopId id) const {
  std::lock_guard lock(mu_);
  return view_ && view_->shop.id == id ? view_ : nullptr;
}

ShopRegistry::View ShopRegistry::Default() const {
  std::lock_guard lock(mu_);
  return view_;
}

}  // namespace pesan
