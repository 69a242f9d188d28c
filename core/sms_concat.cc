#include "core/sms_concat.h"

#include <algorithm>
#include <utility>

namespace pesan {

SmsReassembler::SmsReassembler(Options options) : options_(std::move(options)) {
  options_.max_pending = std::max<size_t>(options_.max_pending, 1);
}

std::optional<std::string> SmsReassembler::Add(const ConcatKey& key, int seq, std::string text,
                                               SystemTime now) {
  // 23.040 §9.2.3.24.1: a receiver ignores the IE when the numbers make no sense; the text
  // itself is still a message.
  if (key.total <= 1 || seq < 1 || seq > key.total) return text;
  auto it = pending_.find(key);
  if (it == pending_.end()) {
    if (pending_.size() >= options_.max_pending) EvictOldest();
    Pending p;
    p.parts.resize(key.total);
    p.first_seen = now;
    it = pending_.emplace(key, std::move(p)).first;
  }
  Pending& p = it->second;
  std::optional<std::string>& slot = p.parts[static_cast<size_t>(seq - 1)];
  if (slot) return std::nullopt;  // duplicate
  slot = std::move(text);
  if (++p.received < p.parts.size()) return std::nullopt;
  std::string whole;
  for (const auto& part : p.parts) whole += *part;
  pending_.erase(it);
  return whole;
}

std::vector<IncompleteMessage> SmsReassembler::Expire(SystemTime now,
                                                      std::chrono::nanoseconds max_age) {
  std::vector<IncompleteMessage> out = std::move(evicted_);
  evicted_.clear();
  std::vector<IncompleteMessage> expired;
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (now - it->second.first_seen > max_age) {
      expired.push_back(Incomplete(it->first, it->second));
      it = pending_.erase(it);
    } else {
      ++it;
    }
  }
  std::stable_sort(expired.begin(), expired.end(),
                   [](const auto& a, const auto& b) { return a.first_seen < b.first_seen; });
  for (auto& m : expired) out.push_back(std::move(m));
  return out;
}

IncompleteMessage SmsReassembler::Incomplete(const ConcatKey& key, const Pending& p) const {
  IncompleteMessage m{key, {}, p.received, p.first_seen};
  for (const auto& part : p.parts) m.text += part ? *part : options_.missing_marker;
  return m;
}

void SmsReassembler::EvictOldest() {
  auto oldest = std::min_element(
      pending_.begin(), pending_.end(),
      [](const auto& a, const auto& b) { return a.second.first_seen < b.second.first_seen; });
  if (oldest == pending_.end()) return;
  if (evicted_.size() >= options_.max_pending) evicted_.erase(evicted_.begin());
  evicted_.push_back(Incomplete(oldest->first, oldest->second));
  pending_.erase(oldest);
}

}  // namespace pesan
