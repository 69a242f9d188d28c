// The `pesan` subcommands. Each returns the process exit code; errors go to stderr.
#pragma once

#include <string>
#include <vector>

namespace pesan {

struct DataOptions {   // what every data subcommand takes
  std::string config;  // "" = the built-in demo configuration
  std::string db;      // overrides [gateway] database
};

int RunServe(const DataOptions& data, const std::string& listen, const std::string& log_level);
// Without `file_stock` a product already in the shop keeps its stock (a file exported earlier
// would otherwise undo the sales made since); new products take the file's stock.
int RunCatalogImport(const DataOptions& data, const std::string& file, const std::string& shop,
                     bool replace, bool file_stock);
int RunCatalogExport(const DataOptions& data, const std::string& file, const std::string& shop);
int RunOrdersList(const DataOptions& data, const std::string& status, int limit, bool json);
// `status`: "" (all), queued, sent, delivered or failed.
int RunOutboxList(const DataOptions& data, const std::string& status, int limit, bool json);
// Puts failed messages back in the queue with their tries reset: those of `ids`, or with
// `all_failed` every one. A running `serve` sends them within seconds.
int RunOutboxRetry(const DataOptions& data, const std::vector<long long>& ids, bool all_failed);
// Talks to the modem as `serve` would and reports in plain words; `device`/`pin` override the
// config's [sms.modem]. Exits 1 when the modem cannot be used (no device, no answer, SIM locked).
int RunModemCheck(const std::string& config, const std::string& device, const std::string& pin);
int RunSim(const std::string& url, const std::string& phone, const std::string& manager);

}  // namespace pesan
