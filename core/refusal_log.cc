#include "core/refusal_log.h"

#include <spdlog/spdlog.h>

#include <optional>

namespace pesan {

void RefusalLog::Refused(spdlog::logger& log, std::string_view name, std::string_view what,
                         std::string_view from, int status, std::string_view why) {
  std::string shown;
  for (char c : why.substr(0, 240)) {
    shown.push_back(static_cast<unsigned char>(c) < 0x20 || c == 0x7F ? '?' : c);
  }
  if (why.size() > 240) shown += "...";
  const SystemTime now = clock_.Now();
  std::optional<long long> log_with;  // the requests refused since the last line, when logging
  {
    std::lock_guard lock(mu_);
    std::string key = std::string(name) + ": " + std::string(what) + ": " + shown;
    auto it = logged_.find(key);
    if (it == logged_.end()) {
      if (logged_.size() >= kMaxCauses) {
        std::erase_if(logged_, [&](const auto& kv) { return now - kv.second.at >= kWindow; });
      }
      if (logged_.size() < kMaxCauses) {
        logged_.emplace(std::move(key), Logged{now, 0});
        log_with = 0;
      }
    } else if (now - it->second.at >= kWindow) {
      log_with = it->second.since;
      it->second = Logged{now, 0};
    } else {
      ++it->second.since;
    }
  }
  if (!log_with) return;
  log.warn("{}: refused {}{}{} {}: {} ({}; logged at most once an hour)", name, what,
           from.empty() ? "" : " from ", from,
           status ? "with " + std::to_string(status) : std::string("without an answer"), shown,
           *log_with == 0 ? std::string("first for this reason")
                          : std::to_string(*log_with) + " more since the last such line");
}

}  // namespace pesan
