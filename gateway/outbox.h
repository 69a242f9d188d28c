// The outbox worker: sends every queued SMS through the configured channel, records the
// result through the database writer, and retries with exponential backoff while the channel
// is down. Rows live in the database from the transaction that queued them, so nothing is lost
// across a restart; a row is marked sent only after the channel accepted it (a crash between
// the two may send that one message again, never lose it).
//
// Runs on the io_context given (the channels' context). Kick() may be called from any thread.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <set>

#include "core/channel.h"
#include "core/clock.h"
#include "gateway/db_writer.h"
#include "gateway/read_stores.h"

namespace pesan {

struct OutboxOptions {
  std::chrono::milliseconds retry_min{5000};
  std::chrono::milliseconds retry_max{300000};
  int max_attempts = 20;
  std::size_t window = 8;                      // messages handed to the channel at once
  std::chrono::milliseconds idle_poll{30000};  // look again even when nobody kicks
};

class Outbox {
 public:
  Outbox(boost::asio::io_context& ioc, SmsChannel& channel, DbWriter& writer, ReadStores& reads,
         const Clock& clock, OutboxOptions options);

  void Start();
  // Something was queued or the channel came back: look for due messages now.
  void Kick();
  // Stops taking new rows; results of sends in flight are still recorded.
  void Stop();
  std::size_t in_flight() const { return in_flight_count_.load(); }

 private:
  void Poll();
  void Schedule(std::chrono::milliseconds after);
  void OnResult(const OutboxMessage& m, SendResult r);
  std::chrono::milliseconds Backoff(int attempts) const;

  boost::asio::io_context& ioc_;
  SmsChannel& channel_;
  DbWriter& writer_;
  ReadStores& reads_;
  const Clock& clock_;
  OutboxOptions opt_;
  boost::asio::steady_timer timer_;
  std::set<std::int64_t> in_flight_;  // touched on ioc_ only
  std::atomic<std::size_t> in_flight_count_{0};
  std::atomic<bool> stopped_{false};
  bool poll_pending_ = false;
};

}  // namespace pesan
