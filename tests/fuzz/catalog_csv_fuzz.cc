// ParseCatalogCsv on arbitrary bytes: never crashes, and whatever it accepts survives a
// write-then-parse round trip unchanged.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/catalog_csv.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto rows = pesan::ParseCatalogCsv(bytes);
  if (!rows.ok()) {
    if (rows.error().message.empty()) std::abort();
    return 0;
  }
  for (const pesan::CatalogRow& row : *rows) {
    if (!pesan::IsProductCode(row.code) || row.name.empty() || row.price <= 0 || row.stock < 0) {
      std::abort();
    }
  }
  auto again = pesan::ParseCatalogCsv(pesan::WriteCatalogCsv(*rows));
  if (!again.ok() || *again != *rows) std::abort();
  return 0;
}
