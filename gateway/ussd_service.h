// USSD sessions for every transport: finds the customer, runs the menus (menus/ussd), applies
// their effects through the database writer and remembers each session's last answer, so a
// resent hop gets the same answer and never a second order.
//
// Two ways in: Hop() for transports that send the whole path of inputs (Africa's Talking), and
// HopLatest() for those that send only the newest input (Hubtel, SMPP); their paths are kept in
// the database so a restarted gateway goes on where the customer was.
//
// Thread-safe: any network thread may call in; `done` runs on that thread or on the writer's.
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "core/clock.h"
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
  std::chrono::seconds idle{300};  // a session unseen this long is forgotten
  std::size_t max_sessions = 100000;
  std::size_t max_text = 640;  // longest whole path accepted
  std::string default_language = "id";
  std::string service_code = "*123#";
  ussd::Limits limits;
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

  // Forgets sessions idle since before now - idle; returns how many are left.
  std::size_t Sweep();
  std::size_t live_sessions() const;

 private:
  struct Entry {
    std::shared_ptr<const ussd::CustomerView> customer;
    std::string last_text;  // the path last answered
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

  Shard& ShardFor(const std::string& key) {
    return shards_[std::hash<std::string>{}(key) % kShards];
  }
  Result<std::shared_ptr<const ussd::CustomerView>> LoadCustomer(const ussd::ShopView& shop,
                                                                 const std::string& phone);
  // The cached answer when (text, seq) repeats the last hop answered, else nullopt; creates
  // the entry (loading the customer) for a new session.
  Result<std::optional<UssdAnswer>> Lookup(const std::string& key, const std::string& phone,
                                           const std::string& text, long long seq,
                                           std::shared_ptr<const ussd::CustomerView>& customer);
  void Remember(const std::string& key, const std::string& text, long long seq,
                const UssdAnswer& answer);
  // Runs the menus on `text` and applies the effect; `persist` (may be empty) is written in
  // the same transaction.
  void Run(const std::string& key, const std::string& text, long long seq,
           std::shared_ptr<const ussd::CustomerView> customer,
           std::function<Status(Store&)> persist, Done done);

  ShopRegistry& shops_;
  const Voice& voice_;
  DbWriter& writer_;
  ReadStores& reads_;
  const Clock& clock_;
  UssdOptions opt_;
  std::array<Shard, kShards> shards_;
  std::atomic<std::size_t> count_{0};
};

}  // namespace pesan
