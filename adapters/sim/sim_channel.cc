#include "adapters/sim/sim_channel.h"

#include <algorithm>

namespace pesan {

void SimChannel::Send(OutgoingSms sms, std::function<void(SendResult)> done) {
  long long seq;
  {
    std::lock_guard lock(mu_);
    seq = next_seq_++;
    auto& box = boxes_[sms.to];
    box.push_back({seq, sms.to, std::move(sms.text)});
    while (box.size() > per_phone_) box.pop_front();
  }
  done({SendResult::Kind::kAccepted, "sim-" + std::to_string(seq), ""});
}

std::vector<SimMessage> SimChannel::Inbox(const std::string& phone, long long after) const {
  std::lock_guard lock(mu_);
  std::vector<SimMessage> out;
  auto it = boxes_.find(phone);
  if (it == boxes_.end()) return out;
  for (const auto& m : it->second) {
    if (m.seq > after) out.push_back(m);
  }
  return out;
}

std::vector<SimMessage> SimChannel::All() const {
  std::lock_guard lock(mu_);
  std::vector<SimMessage> out;
  for (const auto& [phone, box] : boxes_) out.insert(out.end(), box.begin(), box.end());
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.seq < b.seq; });
  return out;
}

}  // namespace pesan
