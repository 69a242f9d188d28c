// Brings a database to what the configuration says: schema migrated (on open), every shop
// present with its settings, and each shop's catalog imported when it has no products yet.
#pragma once

#include <string>
#include <vector>

#include "core/store.h"
#include "gateway/config.h"

namespace pesan {

// Reads a catalog file (a path, or "embedded:<name>" for a built-in one) and parses it.
Result<std::vector<CatalogRow>> ReadCatalogFile(const std::string& path);

// `seeded`, when given, gets the codes of the shops whose catalog this call imported.
Status PrepareDatabase(const Config& config, Store& store,
                       std::vector<std::string>* seeded = nullptr);

// What the configuration asks that the customers' screens cannot show, each as
// "file:line: what": a shop info longer than the USSD info screen shows (it is cut there).
std::vector<std::string> ConfigWarnings(const Config& config);

}  // namespace pesan
