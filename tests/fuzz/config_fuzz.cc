// ParseConfig on arbitrary bytes: never crashes; a refused file gets a message that names the
// file, and an accepted one holds values within the ranges the reader promises.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "gateway/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto config = pesan::ParseConfig(text, "shop.toml", "/etc/pesan");
  if (!config.ok()) {
    if (config.error().message.rfind("shop.toml", 0) != 0) std::abort();
    return 0;
  }
  const auto& gw = config->gateway;
  if (gw.max_sessions == 0 || gw.max_body_bytes == 0 || gw.threads < 0) std::abort();
  if (gw.database.empty()) std::abort();
  for (const auto& shop : config->shops) {
    if (shop.code.empty()) std::abort();
  }
  return 0;
}
