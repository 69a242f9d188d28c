// Holds the database writer's next disk flush until Release() or the end of the scope: the
// commits made meanwhile stay off the disk, and a test sees what waits for them. Release(errno)
// lets the held flush fail as fdatasync(2) does on a failing disk. A failing test never leaves
// the flushing thread stuck (the state the hook uses outlives this object).
#pragma once

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>

#include "gateway/db_writer.h"

namespace pesan::testing {

class FlushHold {
 public:
  explicit FlushHold(DbWriter& writer) : writer_(writer), state_(std::make_shared<State>()) {
    writer_.SetBeforeFlush([s = state_] {
      if (s->held.exchange(true)) return 0;  // the first flush only
      s->reached.set_value();
      s->released.wait();
      return s->fail.load();
    });
  }
  ~FlushHold() {
    Release();
    writer_.SetBeforeFlush(nullptr);
  }
  FlushHold(const FlushHold&) = delete;
  FlushHold& operator=(const FlushHold&) = delete;

  // True once the flushing thread is held (within 10 s).
  bool Held() {
    return state_->reached_future.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
  }
  void Release(int fail_with = 0) {
    std::call_once(state_->once, [this, fail_with] {
      state_->fail = fail_with;
      state_->release.set_value();
    });
  }

 private:
  struct State {
    std::atomic<bool> held{false};
    std::promise<void> reached;
    std::future<void> reached_future = reached.get_future();
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    std::once_flag once;
    std::atomic<int> fail{0};
  };
  DbWriter& writer_;
  std::shared_ptr<State> state_;
};

}  // namespace pesan::testing
