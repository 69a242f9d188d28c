// The outbox worker: sends every queued SMS through the configured channel, records the
// result through the database writer, and retries with exponential backoff. Rows live in the
// database from the transaction that queued them, so nothing is lost across a restart; a row is
// marked sent only after the channel accepted it (a crash between the two may send that one
// message again, never lose it).
//
// A message the channel took in but did not accept (kRetry) is an attempt: it is retried after
// a backoff that grows with its attempts (retry_min doubling up to retry_max), and marked failed
// after max_attempts. That includes sends whose outcome is unknown (the link dropped before the
// answer, no answer in time): the message may have reached the phone, so it waits its backoff
// like any other retry, also when the link comes back (a link that drops on every send cannot
// use up the tries in minutes: 20 tries at 5 s..300 s take over an hour). A send cut short
// because the gateway is stopping (kRetry after Stop()) is no attempt. A message the
// channel could not even take in because its link is down (kNotReady) is no attempt: it stays
// due, its row says why, and the outbox holds every send back until the channel is ready again
// (ChannelReady(), from ChannelEvents::on_ready) or, for channels that cannot tell, until a
// backoff that grows with each hold-back (retry_min doubling up to hold_max) has passed: a
// channel put right (Kannel's password corrected) is asked again within hold_max. On
// ChannelReady() what is due goes at once; retries still wait for their time. held_back() says
// since when messages wait for the channel (for /health).
//
// Runs on the io_context given (the channels' context). Kick() and ChannelReady() may be called
// from any thread.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

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
  std::chrono::milliseconds hold_max{60000};   // the longest wait before asking the channel again
};

// Messages wait for the channel: since the first hold-back after it was last ready, and why.
struct HeldBack {
  SystemTime since;
  std::string why;
};

class Outbox {
 public:
  Outbox(boost::asio::io_context& ioc, SmsChannel& channel, DbWriter& writer, ReadStores& reads,
         const Clock& clock, OutboxOptions options);

  void Start();
  // Something was queued: look for due messages now.
  void Kick();
  // The channel's link is up again: stop holding back and send what is due now.
  void ChannelReady();
  // Stops taking new rows; results of sends in flight are still recorded, a kRetry (the send
  // cut short by the channel's own stop) as no attempt.
  void Stop();
  std::size_t in_flight() const { return in_flight_count_.load(); }
  // True while sends are held back because the channel said it was not ready.
  bool holding_back() const { return holding_back_.load(); }
  // While messages wait for the channel (held back, or due again after a hold-back and not yet
  // taken): since when and why. Any thread.
  std::optional<HeldBack> held_back() const;

 private:
  void Poll();
  // Hands messages taken by Poll to the channel (on ioc_).
  void Send(const std::vector<OutboxMessage>& taken);
  void Schedule(std::chrono::milliseconds after);
  void OnResult(const OutboxMessage& m, SendResult r);
  // The result of message `id` is recorded: it may be taken again.
  void Settled(std::int64_t id);
  // Stops sending until ChannelReady() or the hold-back backoff has passed.
  void HoldBack(const std::string& why);
  void EndHoldBack();
  std::chrono::milliseconds Backoff(int attempts, std::chrono::milliseconds max) const;
  // Nothing waits for the channel any more: it took a message, said it is ready, or nothing is
  // due.
  void ChannelFine();

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
  // Holding back (ioc_ only, holding_back_ mirrors it for other threads): hold-backs since the
  // channel was last ready, and the generation of the hold-back timer's wait.
  boost::asio::steady_timer hold_timer_;
  std::atomic<bool> holding_back_{false};
  int hold_backs_ = 0;
  std::uint64_t hold_gen_ = 0;
  mutable std::mutex held_mu_;
  std::optional<HeldBack> held_;  // set at the first hold-back, cleared by ChannelFine()
};

}  // namespace pesan
