// The phone simulator's SMS channel: messages to any number land in an in-memory mailbox that
// `pesan sim` reads over HTTP (GET /sim/inbox), so a newcomer sees the manager's alerts and the
// customer's confirmations without a modem. Also a loopback channel for tests.
#pragma once

#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "core/channel.h"

namespace pesan {

struct SimMessage {
  long long seq = 0;  // increasing across all mailboxes
  std::string to;
  std::string text;
};

class SimChannel final : public SmsChannel {
 public:
  explicit SimChannel(std::size_t per_phone = 50) : per_phone_(per_phone) {}
  void Start() override {}
  void Send(OutgoingSms sms, std::function<void(SendResult)> done) override;
  void Stop() override {}
  const char* Name() const override { return "sim"; }

  // Messages to `phone` (E.164) with seq > after, oldest first.
  std::vector<SimMessage> Inbox(const std::string& phone, long long after) const;
  // Every message still kept, oldest first (for tests and the simulator's overview).
  std::vector<SimMessage> All() const;

 private:
  const std::size_t per_phone_;
  mutable std::mutex mu_;
  long long next_seq_ = 1;
  std::map<std::string, std::deque<SimMessage>> boxes_;
};

}  // namespace pesan
