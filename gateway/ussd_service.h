// USSD sessions for every transport: finds the customer, runs the menus (menus/ussd), applies
// their effects through the database writer and remembers each session's last answer, so a
// resent hop gets the same answer and never a second order.
//
// Two ways in: Hop() for transports that send the whole path of inputs (Africa's Talking), and
// HopLatest() for those that send only the newest input (Hubtel, SMPP); their paths are kept in
// the database so a restarted gateway goes on where the customer was.
//
// Each number may open at most `sessions_per_hour` sessions in an hour (counted from its first
// one); a session beyond that gets a short END screen at once. Hops of a session already open,
// and resent hops, are never refused or counted.
//
// Thread-safe: any network thread may call in; `done` runs on that thread or on the writer's.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/known_phones.h"
#include "gateway/db_writer.h"
#include "gateway/read_stores.h"
#include "gateway/shop_registry.h"
#include "menus/shop_actions.h"

namespace pesan {

struct UssdAnswer {
  std::string text;
  bool end = false;
  int http_status = 200;  // 4xx for requests that are not a session hop at all
};

struct UssdOptions {
  std::chrono::seconds idle{300};     // a session unseen this long is forgotten
  std::size_t max_sessions = 100000;  // also bounds the numbers counted for sessions_per_hour
  int sessions_per_hour = 30;         // new sessions one number may open in an hour; 0 = no limit
  std::size_t max_text = 640;         // longest whole path accepted
  std::string default_language = "id";
  std::string service_code = "*123#";
  ussd::Limits limits;
  // The numbers that may have a customer row or an order (kept by the writer's store); a new
  // session of any other number starts without reading the database. Null: every one reads.
  std::shared_ptr<const KnownPhones> known;
};

class UssdService {
 public:
  UssdService(ShopRegistry& shops, const Voice& voice, DbWriter& writer, ReadStores& reads,
              const Clock& clock, UssdOptions options);

  using Done = std::function<void(UssdAnswer)>;

  // `key` names the session uniquely across transports ("at:<sessionId>"); `phone` is E.164;
  // `text` is every input so far joined by '*'.
  void Hop(const std::string& key, const std::string& phone, const std::string& text, Done done);

  // For transports that send one input at a time. `seq` orders the hops of a session (a hop
  // with the last seen seq is a resend); `opening` is the first hop, whose `input` may be empty.
  void HopLatest(const std::string& key, const std::string& phone, const std::string& input,
                 long long seq, bool opening, Done done);
  // The transport ended the session (timeout, release).
  void Release(const std::string& key);

  // Forgets sessions idle since before now - idle, and the session counts of numbers whose hour
  // is over; returns how many sessions are left.
  std::size_t Sweep();
  std::size_t live_sessions() const;
  // Numbers whose sessions are being counted (for sessions_per_hour).
  std::size_t counted_numbers() const;

 private:
  struct Entry {
    std::shared_ptr<const ussd::CustomerView> customer;
    std::string last_text;  // the path last answered, as the transport sent it
    std::string path;       // its inputs that took effect (without those the menus refused)
    long long last_seq = -1;
    UssdAnswer last_answer;
    bool answered = false;
    SystemTime last_seen{};
  };
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<std::string, Entry> map;
  };
  static constexpr std::size_t kShards = 16;
  static constexpr std::chrono::hours kRateWindow{1};
  // The sessions one number opened in its current window. Up to max_sessions numbers are
  // counted, so an entry is kept small: the number as an integer, its language as an index.
  struct Opened {
    SystemTime window_start{};
    int count = 0;
    bool logged = false;        // the refusal was logged in this window
    std::uint8_t language = 0;  // of the number's last session (1 + index in languages_); 0: none
  };
  // The key of a number in opened_: its digits for "+" and up to 18 digits (every E.164
  // number), else a hash of the text with the top bit set.
  static std::uint64_t NumberKey(std::string_view phone);

  // Forgets the n sessions of `map` seen least recently, in one pass; returns how many.
  static std::size_t ForgetOldest(std::unordered_map<std::string, Entry>& map, std::size_t n);
  Shard& ShardFor(const std::string& key) {
    return shards_[std::hash<std::string>{}(key) % kShards];
  }
  Result<std::shared_ptr<const ussd::CustomerView>> LoadCustomer(const ussd::ShopView& shop,
                                                                 const std::string& phone);
  // The cached answer when (text, seq) repeats the last hop answered, else nullopt; creates
  // the entry (loading the customer) for a new session. `path` is set to the inputs of `text`
  // to run: those that took effect on earlier hops, then the new ones.
  Result<std::optional<UssdAnswer>> Lookup(const std::string& key, const std::string& phone,
                                           const std::string& text, long long seq,
                                           std::shared_ptr<const ussd::CustomerView>& customer,
                                           std::string& path);
  // Counts a new session of `phone`: the refusal screen when the number already opened
  // sessions_per_hour sessions in its window, else nullopt.
  std::optional<UssdAnswer> AdmitSession(const std::string& phone, SystemTime now);
  void NoteLanguage(const std::string& phone, const std::string& language);
  void SweepOpened(SystemTime now);  // REQUIRES: opened_mu_ held
  void Remember(const std::string& key, const std::string& text, const std::string& path,
                long long seq, const UssdAnswer& answer);
  void Forget(const std::string& key);
  // Runs the menus on `path` (the inputs of `text` that take effect) and applies the effect;
  // with `persist`, the session's path is written to the database in the same transaction.
  void Run(const std::string& key, const std::string& text, const std::string& path, long long seq,
           std::shared_ptr<const ussd::CustomerView> customer, bool persist, Done done);

  ShopRegistry& shops_;
  const Voice& voice_;
  DbWriter& writer_;
  ReadStores& reads_;
  const Clock& clock_;
  UssdOptions opt_;
  std::array<Shard, kShards> shards_;
  std::atomic<std::size_t> count_{0};
  mutable std::mutex opened_mu_;
  std::unordered_map<std::uint64_t, Opened> opened_;  // by NumberKey; at most max_sessions
  std::vector<std::string> languages_;                // named by opened_; under opened_mu_
};

}  // namespace pesan
