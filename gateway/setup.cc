#include "gateway/setup.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/embedded.h"
#include "menus/ussd/ussd_menu.h"

namespace pesan {

Result<std::vector<CatalogRow>> ReadCatalogFile(const std::string& path) {
  std::string bytes;
  if (path.starts_with("embedded:")) {
    auto data = EmbeddedFile(path.substr(9));
    if (!data) return NotFound("no built-in catalog " + path.substr(9));
    bytes = std::string(*data);
  } else {
    errno = 0;
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      return InvalidInput(path + ": cannot read the file" +
                          (errno != 0 ? std::string(": ") + std::strerror(errno) : ""));
    }
    std::stringstream ss;
    ss << in.rdbuf();
    bytes = ss.str();
  }
  auto rows = ParseCatalogCsv(bytes);
  if (!rows) return InvalidInput(path + ": " + rows.error().message);
  return rows;
}

std::vector<std::string> ConfigWarnings(const Config& config) {
  std::vector<std::string> warnings;
  for (const auto& shop : config.shops) {
    const size_t chars = ussd::CharCount(shop.info);
    if (chars <= ussd::kMaxInfoChars) continue;
    warnings.push_back(config.origin + ":" + std::to_string(shop.info_line) + ": [shops] info is " +
                       std::to_string(chars) +
                       " characters; the USSD shop info screen shows the first " +
                       std::to_string(ussd::kMaxInfoChars) + ", the rest is cut");
  }
  return warnings;
}

Status PrepareDatabase(const Config& config, Store& store, std::vector<std::string>* seeded) {
  if (auto st = store.Begin(); !st) return st;
  for (const auto& sc : config.shops) {
    ShopSettings settings{sc.code, sc.name, sc.managers, sc.pickup, sc.info, sc.pin};
    auto shop = store.UpsertShop(settings);
    if (!shop) {
      store.Rollback();
      return shop.error();
    }
    if (sc.catalog.empty()) continue;
    auto products = store.ListProducts(shop->id, true);
    if (!products) {
      store.Rollback();
      return products.error();
    }
    if (!products->empty()) continue;
    auto rows = ReadCatalogFile(sc.catalog);
    if (!rows) {
      store.Rollback();
      // The path came from the config: say where, as the config's own errors do.
      if (sc.catalog_line > 0) {
        return InvalidInput(config.origin + ":" + std::to_string(sc.catalog_line) +
                            ": [shops] catalog: " + rows.error().message);
      }
      return rows.error();
    }
    // The shop has no products yet: every row is new and takes the file's stock.
    if (auto st = store.ImportCatalog(shop->id, *rows, false); !st) {
      store.Rollback();
      return st;
    }
    if (seeded) seeded->push_back(sc.code);
  }
  return store.Commit();
}

}  // namespace pesan
