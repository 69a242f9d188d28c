#include "gateway/outbox.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

namespace pesan {

Outbox::Outbox(boost::asio::io_context& ioc, SmsChannel& channel, DbWriter& writer,
               ReadStores& reads, const Clock& clock, OutboxOptions options)
    : ioc_(ioc),
      channel_(channel),
      writer_(writer),
      reads_(reads),
      clock_(clock),
      opt_(options),
      timer_(ioc),
      hold_timer_(ioc) {}

void Outbox::Start() { Kick(); }

void Outbox::Kick() {
  boost::asio::post(ioc_, [this] {
    if (stopped_ || poll_pending_) return;
    poll_pending_ = true;
    boost::asio::post(ioc_, [this] {
      poll_pending_ = false;
      Poll();
    });
  });
}

void Outbox::ChannelReady() {
  boost::asio::post(ioc_, [this] {
    if (stopped_) return;
    if (holding_back_) spdlog::info("outbox: {} is ready again, sending", channel_.Name());
    ChannelFine();
    EndHoldBack();
    // What waited for the link is due already. A retry keeps its time: a send the link lost
    // before the answer may have reached the phone, and a link that drops on every send comes
    // back every few seconds.
    Poll();
  });
}

void Outbox::Stop() {
  stopped_ = true;
  boost::asio::post(ioc_, [this] {
    timer_.cancel();
    hold_timer_.cancel();
  });
}

std::optional<HeldBack> Outbox::held_back() const {
  std::lock_guard lock(held_mu_);
  return held_;
}

void Outbox::ChannelFine() {
  hold_backs_ = 0;
  std::lock_guard lock(held_mu_);
  held_.reset();
}

void Outbox::HoldBack(const std::string& why) {
  if (holding_back_) return;
  holding_back_ = true;
  {
    std::lock_guard lock(held_mu_);
    if (held_) {
      held_->why = why;
    } else {
      held_ = HeldBack{clock_.Now(), why};
    }
  }
  auto wait = Backoff(hold_backs_++, std::min(opt_.hold_max, opt_.retry_max));
  spdlog::info("outbox: {} not ready ({}); holding messages back until it is, {:g} s at most",
               channel_.Name(), why, std::chrono::duration<double>(wait).count());
  hold_timer_.expires_after(wait);
  hold_timer_.async_wait([this, gen = ++hold_gen_](boost::system::error_code ec) {
    if (ec || gen != hold_gen_ || stopped_) return;
    holding_back_ = false;
    Poll();
  });
}

void Outbox::EndHoldBack() {
  if (!holding_back_) return;
  holding_back_ = false;
  ++hold_gen_;
  hold_timer_.cancel();
}

void Outbox::Schedule(std::chrono::milliseconds after) {
  timer_.expires_after(after);
  timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec && !stopped_) Poll();
  });
}

std::chrono::milliseconds Outbox::Backoff(int attempts, std::chrono::milliseconds max) const {
  auto d = opt_.retry_min;
  for (int i = 0; i < attempts && d < max; ++i) d *= 2;
  return std::min(d, max);
}

void Outbox::Poll() {
  // While holding back, the hold-back timer or ChannelReady() polls again.
  if (stopped_ || holding_back_) return;
  auto store = reads_.ForThisThread();
  if (!store) {
    spdlog::error("outbox: {}", store.error().message);
    return Schedule(opt_.retry_min);
  }
  const SystemTime now = clock_.Now();
  if (in_flight_.size() < opt_.window) {
    auto due = (*store)->DueSms(now, static_cast<int>(opt_.window + in_flight_.size()));
    if (!due) {
      spdlog::error("outbox: {}", due.error().message);
      return Schedule(opt_.retry_min);
    }
    if (due->empty() && in_flight_.empty()) ChannelFine();  // sent, failed or cancelled meanwhile
    std::vector<OutboxMessage> taken;
    for (auto& m : *due) {
      if (in_flight_.size() >= opt_.window) break;
      if (!in_flight_.insert(m.id).second) continue;
      ++in_flight_count_;
      taken.push_back(std::move(m));
    }
    // A row read here may come from a commit the disk has not flushed yet: the messages go once
    // it has, so that no SMS tells of an order a power cut could still undo.
    if (!taken.empty()) {
      writer_.WhenDurable([this, taken = std::move(taken)](bool durable) mutable {
        boost::asio::post(ioc_, [this, durable, taken = std::move(taken)] {
          if (durable) return Send(taken);
          // The database writer fails (or stops): what was read may never reach the disk, and
          // a send it cannot record would go again. Nothing goes; look again later.
          for (const auto& m : taken) {
            in_flight_.erase(m.id);
            --in_flight_count_;
          }
          if (!stopped_) Schedule(opt_.retry_min);
        });
      });
    }
  }
  // Wake for the next retry that falls due, or look again after a while.
  auto next = (*store)->NextSmsDue();
  auto wait = opt_.idle_poll;
  if (next && *next) {
    auto until = std::chrono::duration_cast<std::chrono::milliseconds>(**next - now);
    wait = std::clamp(until, std::chrono::milliseconds(10), opt_.idle_poll);
  }
  Schedule(wait);
}

void Outbox::Send(const std::vector<OutboxMessage>& taken) {
  for (const auto& m : taken) {
    if (stopped_) {  // not sent: due again at the next start
      in_flight_.erase(m.id);
      --in_flight_count_;
      continue;
    }
    channel_.Send(OutgoingSms{m.id, m.to, m.text}, [this, m](SendResult r) {
      boost::asio::post(ioc_, [this, m, r = std::move(r)]() mutable { OnResult(m, std::move(r)); });
    });
  }
}

void Outbox::OnResult(const OutboxMessage& m, SendResult r) {
  const SystemTime now = clock_.Now();
  DbWriter::Work work;
  switch (r.kind) {
    case SendResult::Kind::kAccepted:
      spdlog::debug("outbox: message {} accepted by {} as {}", m.id, channel_.Name(),
                    r.provider_id);
      // The channel takes messages (one that cannot say when it is ready, e.g. Kannel).
      ChannelFine();
      EndHoldBack();
      work = [id = m.id, pid = r.provider_id, now](Store& s) {
        return s.MarkSmsSent(id, pid, now);
      };
      break;
    case SendResult::Kind::kRetry:
      if (stopped_) {
        // Cut short by the stop (the channel stops right after the outbox): no attempt. The
        // message is due again at the next start.
        spdlog::info("outbox: message {} not sent ({}), no try counted: stopping", m.id, r.reason);
        work = [id = m.id, why = r.reason](Store& s) { return s.MarkSmsWaiting(id, why); };
        break;
      }
      if (m.attempts + 1 >= opt_.max_attempts) {
        spdlog::warn("outbox: message {} failed after {} attempts: {}", m.id, m.attempts + 1,
                     r.reason);
        work = [id = m.id, why = r.reason](Store& s) { return s.MarkSmsFailed(id, why); };
      } else {
        auto wait = Backoff(m.attempts, opt_.retry_max);
        spdlog::info("outbox: message {} not sent ({}), try {} of {}; next in {:g} s", m.id,
                     r.reason, m.attempts + 1, opt_.max_attempts,
                     std::chrono::duration<double>(wait).count());
        auto next = now + wait;
        work = [id = m.id, why = r.reason, next](Store& s) {
          return s.MarkSmsRetry(id, why, next);
        };
      }
      break;
    case SendResult::Kind::kNotReady:
      // Not an attempt: the message stays due, and waits with the others for the channel.
      spdlog::debug("outbox: message {} not taken by {}: {}", m.id, channel_.Name(), r.reason);
      HoldBack(r.reason);
      if (r.reason == m.last_error) return Settled(m.id);
      work = [id = m.id, why = r.reason](Store& s) { return s.MarkSmsWaiting(id, why); };
      break;
    case SendResult::Kind::kFailed:
      spdlog::warn("outbox: message {} rejected: {}", m.id, r.reason);
      work = [id = m.id, why = r.reason](Store& s) { return s.MarkSmsFailed(id, why); };
      break;
  }
  writer_.Submit(std::move(work), [this, id = m.id](Status st) {
    if (!st) spdlog::error("outbox: cannot record message {}: {}", id, st.error().message);
    boost::asio::post(ioc_, [this, id] { Settled(id); });
  });
}

void Outbox::Settled(std::int64_t id) {
  in_flight_.erase(id);
  --in_flight_count_;
  if (!stopped_) Poll();
}

}  // namespace pesan
