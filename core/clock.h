// The clock seam: every timeout, retry, "same day" and timestamp reads a Clock, so tests
// advance time instead of sleeping.
#pragma once

#include <chrono>
#include <cstdint>

namespace pesan {

using SystemTime = std::chrono::system_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time, for timestamps and the shop's local day.
  virtual SystemTime Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  SystemTime Now() const override { return std::chrono::system_clock::now(); }
};

// A clock that moves only when told to. Thread-compatible (tests drive it from one thread).
class ManualClock final : public Clock {
 public:
  explicit ManualClock(SystemTime start = SystemTime(std::chrono::seconds(1'790'000'000)))
      : now_(start) {}
  SystemTime Now() const override { return now_; }
  void Advance(std::chrono::nanoseconds d) {
    now_ += std::chrono::duration_cast<SystemTime::duration>(d);
  }
  void Set(SystemTime t) { now_ = t; }

 private:
  SystemTime now_;
};

inline std::int64_t UnixMillis(SystemTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
inline SystemTime FromUnixMillis(std::int64_t ms) {
  return SystemTime(std::chrono::milliseconds(ms));
}

}  // namespace pesan
