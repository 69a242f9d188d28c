// The served shop as the menus see it: an immutable snapshot (shop settings plus active
// products), replaced after every commit that changed it. Readers on any thread take a
// shared_ptr and keep a consistent view for the whole hop.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "core/store.h"
#include "menus/ussd/ussd_menu.h"

namespace pesan {

class ShopRegistry {
 public:
  using View = std::shared_ptr<const ussd::ShopView>;

  // Loads the shop the gateway serves (the configured one, by its code). A database may hold
  // shops of earlier configurations (another code); those are not served.
  Status LoadServed(Store& store, const std::string& code);
  // Marks a shop changed; RefreshDirty reloads it (the writer calls it after each commit).
  void MarkDirty(ShopId shop);
  // Marks only the stock of these products changed (orders, cancellations): RefreshDirty then
  // reads their stock and patches a copy of the view instead of reloading the catalog.
  void MarkStockChanged(ShopId shop, const std::vector<std::string>& codes);
  Status RefreshDirty(Store& store);

  View ById(ShopId id) const;
  // The shop customers and managers reach.
  View Default() const;

 private:
  Result<View> Load(Store& store, const Shop& shop);
  mutable std::mutex mu_;
  View view_;  // the served shop
  std::set<ShopId> dirty_;
  std::map<ShopId, std::set<std::string>> stock_changed_;
};

}  // namespace pesan
