// Reassembly of concatenated SMS (3GPP TS 23.040 §9.2.3.24.1) from any channel: a modem's
// UDH, SMPP sar_* TLVs or an aggregator's part fields all give (sender, ref, total, seq).
//
// Pure data structure: no I/O, time comes in as arguments. Not thread-safe; the owner
// serialises calls (one reassembler per channel strand).
#pragma once

#include <chrono>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"

namespace pesan {

// Parts belong to one message when sender, reference and total agree.
struct ConcatKey {
  std::string sender;
  uint16_t ref = 0;
  uint8_t total = 0;

  auto operator<=>(const ConcatKey&) const = default;
  bool operator==(const ConcatKey&) const = default;
};

// A message given up on: its parts joined in order, each missing part shown as the marker.
struct IncompleteMessage {
  ConcatKey key;
  std::string text;
  size_t parts_received = 0;
  SystemTime first_seen;
};

class SmsReassembler {
 public:
  struct Options {
    size_t max_pending = 256;          // incomplete messages kept; beyond, the oldest is evicted
    std::string missing_marker = "…";  // stands for a part that never came
  };

  SmsReassembler() : SmsReassembler(Options{}) {}
  explicit SmsReassembler(Options options);

  // Adds part `seq` (1-based) of `key`. Returns the whole text once every part is in, in
  // sequence order, whatever order they came in; nullopt while parts are missing or when the
  // part repeats one already held (the first copy is kept). A part that cannot belong to a
  // concatenated message (total 0 or 1, seq 0 or above total) is returned as it is.
  std::optional<std::string> Add(const ConcatKey& key, int seq, std::string text, SystemTime now);

  // Removes and returns the messages whose first part came more than `max_age` before `now`,
  // and the messages evicted since the last call (oldest first).
  std::vector<IncompleteMessage> Expire(SystemTime now, std::chrono::nanoseconds max_age);

  size_t pending() const { return pending_.size(); }

 private:
  struct Pending {
    std::vector<std::optional<std::string>> parts;
    size_t received = 0;
    SystemTime first_seen;
  };

  IncompleteMessage Incomplete(const ConcatKey& key, const Pending& p) const;
  void EvictOldest();

  Options options_;
  std::map<ConcatKey, Pending> pending_;
  std::vector<IncompleteMessage> evicted_;  // at most max_pending; older evictions are lost
};

}  // namespace pesan
