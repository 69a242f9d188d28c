// Refused requests logged at warn at most once an hour per cause, with how many were refused
// since: an aggregator set up wrongly, or a scanner, repeats the same mistake on every request,
// and a Raspberry Pi's log would fill with it. One line says it.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "core/clock.h"

namespace spdlog {
class logger;
}

namespace pesan {

class RefusalLog {
 public:
  static constexpr auto kWindow = std::chrono::hours(1);
  // Past this many causes logged within the window (a client inventing new field names) a new
  // cause is not logged.
  static constexpr std::size_t kMaxCauses = 64;

  // `clock` outlives this.
  explicit RefusalLog(const Clock& clock) : clock_(clock) {}

  // Logs "<name>: refused <what> from <from> with <status>: <why> (<count>; logged at most once an
  // hour)" ("without an answer" for `status` 0) on `log` when nothing was logged for the same
  // `name`, `what` and `why` within the window; `what` says which kind of request ("a request", "an
  // MO request"), `from` where it came from (left out when empty; not part of the cause, or a
  // scanner trying from many addresses would fill the log). `why` may quote the client's bytes: it
  // is logged printable and cut at 240 bytes. Any thread.
  void Refused(spdlog::logger& log, std::string_view name, std::string_view what,
               std::string_view from, int status, std::string_view why);

 private:
  struct Logged {
    SystemTime at;
    long long since = 0;  // refused for this cause since that line
  };
  const Clock& clock_;
  std::mutex mu_;
  std::map<std::string, Logged, std::less<>> logged_;  // "<name>: <what>: <why as logged>"
};

}  // namespace pesan
