// A queue one thread fills and a test thread takes from, waiting with a deadline: tests wait
// for events instead of sleeping.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>

namespace pesan::testing {

template <typename T>
class BlockingQueue {
 public:
  // Notifies under the lock: the test thread may destroy the queue as soon as Pop returns.
  void Push(T v) {
    std::lock_guard lock(mu_);
    items_.push_back(std::move(v));
    cv_.notify_all();
  }

  // The oldest item, or nullopt when none arrives within `wait`.
  std::optional<T> Pop(std::chrono::milliseconds wait = std::chrono::seconds(10)) {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, wait, [this] { return !items_.empty(); })) return std::nullopt;
    T v = std::move(items_.front());
    items_.pop_front();
    return v;
  }

  size_t size() const {
    std::lock_guard lock(mu_);
    return items_.size();
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<T> items_;
};

}  // namespace pesan::testing
