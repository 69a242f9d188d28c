// The outbox against a scripted channel, on a real SQLite file, with a manual clock: a channel
// whose link is down costs no attempts, and its ready event sends what waited for it at once;
// sends whose outcome is unknown wait their backoff, across reconnects.
#include "gateway/outbox.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include "core/sqlite_store.h"
#include "gateway/setup.h"
#include "tests/support/flush_hold.h"
#include "tests/support/test_support.h"

namespace pesan::testing {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;

// A channel whose answer the test sets: accepted when `ready`, else what `down` says.
class ScriptedChannel final : public SmsChannel {
 public:
  void Start() override {}
  void Send(OutgoingSms sms, std::function<void(SendResult)> done) override {
    ++sends;
    SendResult r;
    {
      std::lock_guard lock(mu_);
      if (clock_) times[sms.id].push_back(clock_->Now());
      if (hold_) {
        held_.push_back(std::move(done));
        return;
      }
      if (ready) {
        r = {SendResult::Kind::kAccepted, "ref-" + std::to_string(sms.id), ""};
      } else if (auto it = once_.find(sms.id); it != once_.end()) {
        r = it->second;
        once_.erase(it);
      } else {
        r = down;
      }
    }
    done(std::move(r));
  }
  void Stop() override {}
  const char* Name() const override { return "scripted"; }

  // The next send of message `id` (while not ready) gets `r`.
  void Once(long long id, SendResult r) {
    std::lock_guard lock(mu_);
    once_[id] = std::move(r);
  }
  void SetReady(bool r) {
    std::lock_guard lock(mu_);
    ready = r;
  }
  // What sends get while not ready, once the outbox runs (before it, set `down`).
  void SetDown(SendResult r) {
    std::lock_guard lock(mu_);
    down = std::move(r);
  }

  // Sends are answered only by Release().
  void Hold() {
    std::lock_guard lock(mu_);
    hold_ = true;
  }
  std::size_t held() {
    std::lock_guard lock(mu_);
    return held_.size();
  }
  void Release(const SendResult& r) {
    std::vector<std::function<void(SendResult)>> held;
    {
      std::lock_guard lock(mu_);
      held.swap(held_);
    }
    for (auto& done : held) done(r);
  }
  // Sends record the time of `clock` (read on the outbox's thread, as the outbox does).
  void RecordTimes(const Clock* clock) { clock_ = clock; }
  std::vector<SystemTime> TimesOf(long long id) {
    std::lock_guard lock(mu_);
    return times[id];
  }

  std::atomic<int> sends{0};
  SendResult down{SendResult::Kind::kNotReady, "", "link down: bind refused"};

 private:
  std::mutex mu_;
  const Clock* clock_ = nullptr;
  std::map<long long, std::vector<SystemTime>> times;
  bool hold_ = false;
  std::vector<std::function<void(SendResult)>> held_;
  bool ready = false;
  std::map<long long, SendResult> once_;
};

class OutboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cfg = ParseConfig(DemoConfig(dir_), "test.toml", dir_.path().string());
    ASSERT_TRUE(cfg.ok()) << cfg.error().message;
    auto store = SqliteStore::Open(dir_.File("shop.db"));
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE(PrepareDatabase(*cfg, **store).ok());
    shop_id_ = (*store)->GetShop("majubersama")->id;
    writer_ = std::make_unique<DbWriter>(std::move(*store));
    reads_ = std::make_unique<ReadStores>(dir_.File("shop.db"));
  }

  void TearDown() override {
    if (outbox_) outbox_->Stop();
    writer_->Stop();
    guard_.reset();
    if (thread_.joinable()) thread_.join();
  }

  std::vector<std::int64_t> Queue(int n) {
    std::vector<std::int64_t> ids;
    for (int i = 0; i < n; ++i) {
      std::promise<void> done;
      writer_->Submit(
          [&](Store& s) -> Status {
            auto id = s.QueueSms({shop_id_, "+628120000030" + std::to_string(i), "pesan", {}, {}},
                                 clock_.Now());
            if (!id) return id.error();
            ids.push_back(*id);
            return Ok{};
          },
          [&](Status) { done.set_value(); });
      done.get_future().wait();
    }
    return ids;
  }

  // Queues a message to `to` in a job of its own, without waiting for its answer (its flush may
  // be held).
  void QueueOneWithoutWaiting(const std::string& to) {
    writer_->Submit(
        [this, to](Store& s) -> Status {
          auto id = s.QueueSms({shop_id_, to, "pesan", {}, {}}, clock_.Now());
          if (!id) return id.error();
          return Ok{};
        },
        [](Status) {});
  }

  void Start(OutboxOptions o) {
    outbox_ = std::make_unique<Outbox>(ioc_, channel_, *writer_, *reads_, clock_, o);
    outbox_->Start();
    thread_ = std::thread([this] { ioc_.run(); });
  }

  // The clock is read on the outbox's thread: move it there.
  void Advance(std::chrono::nanoseconds d) {
    boost::asio::post(ioc_, [this, d] { clock_.Advance(d); });
  }
  // Waits until what was posted to the outbox's thread so far has run and no send is in flight.
  void Settle() {
    std::promise<void> ran;
    boost::asio::post(ioc_, [&] { ran.set_value(); });
    ran.get_future().wait();
    ASSERT_TRUE(WaitFor([&] { return outbox_->in_flight() == 0; }));
  }

  std::vector<OutboxMessage> Rows() {  // oldest first
    auto db = SqliteStore::Open(dir_.File("shop.db"));
    auto rows = (*db)->ListSms(0);
    std::reverse(rows->begin(), rows->end());
    return *rows;
  }
  bool All(OutboxStatus status) {
    auto rows = Rows();
    return std::all_of(rows.begin(), rows.end(), [&](auto& m) { return m.status == status; });
  }

  TempDir dir_;
  ManualClock clock_;
  ShopId shop_id_ = 0;
  std::unique_ptr<DbWriter> writer_;
  std::unique_ptr<ReadStores> reads_;
  ScriptedChannel channel_;
  boost::asio::io_context ioc_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_{
      ioc_.get_executor()};
  std::unique_ptr<Outbox> outbox_;
  std::thread thread_;
};

TEST_F(OutboxTest, LinkDownIsNoAttemptAndFailsNothing) {
  Queue(3);
  OutboxOptions o;
  o.retry_min = o.retry_max = milliseconds(2);
  o.max_attempts = 3;
  Start(o);
  // Many hold-backs and tries, over hours of clock time: far past max_attempts.
  ASSERT_TRUE(WaitFor([&] {
    Advance(minutes(5));
    return channel_.sends >= 60;
  }));
  for (const auto& m : Rows()) {
    EXPECT_EQ(m.status, OutboxStatus::kQueued);
    EXPECT_EQ(m.attempts, 0);
    EXPECT_EQ(m.last_error, "link down: bind refused");  // the row says why it waits
  }
  channel_.SetReady(true);
  outbox_->ChannelReady();
  ASSERT_TRUE(WaitFor([&] { return All(OutboxStatus::kSent); }));
  for (const auto& m : Rows()) {
    EXPECT_EQ(m.attempts, 1);
    EXPECT_EQ(m.provider_id, "ref-" + std::to_string(m.id));
  }
  EXPECT_FALSE(outbox_->holding_back());
}

TEST_F(OutboxTest, ReadySendsWhatWaitedForTheLinkButARetryWaitsItsTime) {
  auto ids = Queue(3);
  // The first message was taken in but not acknowledged (the link dropped under it): an
  // attempt, with a retry an hour away; it may have reached the phone. The two others found the
  // link down.
  channel_.Once(ids[0], {SendResult::Kind::kRetry, "", "link lost before the answer"});
  OutboxOptions o;
  o.retry_min = o.retry_max = hours(1);
  o.idle_poll = hours(1);
  Start(o);
  ASSERT_TRUE(WaitFor([&] {
    auto rows = Rows();
    return outbox_->holding_back() && rows[0].attempts == 1 &&
           rows[1].last_error == "link down: bind refused" &&
           rows[2].last_error == "link down: bind refused";
  }));
  EXPECT_EQ(channel_.sends, 3);
  EXPECT_GT(Rows()[0].next_attempt_at, clock_.Now() + minutes(59));
  // The hold-back (an hour) is not waited for: the ready event sends the two that waited for
  // the link. The retry keeps its time.
  channel_.SetReady(true);
  outbox_->ChannelReady();
  ASSERT_TRUE(WaitFor([&] {
    auto rows = Rows();
    return rows[1].status == OutboxStatus::kSent && rows[2].status == OutboxStatus::kSent;
  }));
  Settle();
  outbox_->ChannelReady();  // the link comes back once more: still not its time
  Settle();
  auto rows = Rows();
  EXPECT_EQ(rows[0].status, OutboxStatus::kQueued);
  EXPECT_EQ(rows[0].attempts, 1);
  EXPECT_EQ(rows[1].attempts, 1);
  EXPECT_EQ(rows[2].attempts, 1);
  EXPECT_EQ(channel_.sends, 5);
  // Its time comes.
  Advance(hours(1));
  outbox_->Kick();
  ASSERT_TRUE(WaitFor([&] { return All(OutboxStatus::kSent); }));
  EXPECT_EQ(Rows()[0].attempts, 2);
  EXPECT_EQ(channel_.sends, 6);
}

TEST_F(OutboxTest, ALinkThatDropsOnEverySendTakesOverAnHourToUseUpTheTries) {
  // An SMSC that drops the link on each submit_sm, and binds again right away: every send ends
  // without an answer and the link is ready again seconds later.
  auto ids = Queue(1);
  channel_.down = {SendResult::Kind::kRetry, "",
                   "link down before the SMSC acknowledged: connection reset"};
  channel_.RecordTimes(&clock_);
  OutboxOptions o;  // the defaults: 5 s doubling to 300 s, 20 tries
  const SystemTime start = clock_.Now();
  Start(o);
  Settle();
  SystemTime failed_at{};
  for (int i = 0; i < 2000; ++i) {
    Advance(std::chrono::seconds(5));
    outbox_->ChannelReady();
    Settle();
    if (channel_.sends >= o.max_attempts) {
      failed_at = channel_.TimesOf(ids[0]).back();
      break;
    }
    if (i == 120) {
      EXPECT_LE(channel_.sends, 7) << "tries used up in the first ten minutes";
    }
  }
  ASSERT_TRUE(WaitFor([&] { return All(OutboxStatus::kFailed); }));
  EXPECT_EQ(Rows()[0].attempts, o.max_attempts);
  // Each send waited its backoff, reconnects or not.
  auto times = channel_.TimesOf(ids[0]);
  ASSERT_EQ(times.size(), static_cast<std::size_t>(o.max_attempts));
  for (std::size_t k = 1; k < times.size(); ++k) {
    milliseconds backoff = o.retry_min;
    for (std::size_t j = 1; j < k; ++j) backoff = std::min(backoff * 2, o.retry_max);
    EXPECT_GE(times[k] - times[k - 1], backoff) << "send " << k + 1;
  }
  // 5+10+20+40+80+160 s, then 300 s thirteen times: 4215 s.
  EXPECT_GE(failed_at - start, std::chrono::seconds(4215));
}

TEST_F(OutboxTest, ASendCutShortByTheStopCostsNoTry) {
  Queue(1);
  channel_.Hold();
  Start({});
  ASSERT_TRUE(WaitFor([&] { return channel_.held() == 1; }));
  // The gateway stops the outbox, then the channel, which gives back the send it had on the way.
  outbox_->Stop();
  channel_.Release({SendResult::Kind::kRetry, "", "channel stopped"});
  ASSERT_TRUE(WaitFor([&] { return Rows()[0].last_error == "channel stopped"; }));
  Settle();
  auto row = Rows()[0];
  EXPECT_EQ(row.status, OutboxStatus::kQueued);
  EXPECT_EQ(row.attempts, 0);
  EXPECT_LE(row.next_attempt_at, clock_.Now());  // due at the next start
}

TEST_F(OutboxTest, WithoutAReadyEventTheHoldBackEndsAfterItsBackoff) {
  // A channel that cannot tell when it is back (Kannel): the outbox tries again by itself.
  Queue(2);
  OutboxOptions o;
  o.retry_min = milliseconds(20);
  o.retry_max = milliseconds(80);
  Start(o);
  ASSERT_TRUE(WaitFor([&] { return channel_.sends >= 6; }));
  channel_.SetReady(true);
  ASSERT_TRUE(WaitFor([&] { return All(OutboxStatus::kSent); }));
  for (const auto& m : Rows()) EXPECT_EQ(m.attempts, 1);
  EXPECT_FALSE(outbox_->holding_back());
}

TEST_F(OutboxTest, HeldBackSaysSinceWhenUntilTheChannelTakesMessages) {
  Queue(2);
  OutboxOptions o;
  o.retry_min = o.retry_max = milliseconds(20);
  const SystemTime start = clock_.Now();
  Start(o);
  ASSERT_TRUE(WaitFor([&] { return outbox_->holding_back(); }));
  Advance(minutes(5));
  // Hold-back after hold-back: the time messages began to wait stays, the reason is the last.
  channel_.SetDown({SendResult::Kind::kNotReady, "", "link down: no answer to bind"});
  const int sends = channel_.sends;
  ASSERT_TRUE(WaitFor([&] { return channel_.sends >= sends + 4; }));
  auto held = outbox_->held_back();
  ASSERT_TRUE(held);
  EXPECT_EQ(held->since, start);
  EXPECT_EQ(held->why, "link down: no answer to bind");
  channel_.SetReady(true);
  ASSERT_TRUE(WaitFor([&] { return All(OutboxStatus::kSent); }));
  Settle();
  EXPECT_FALSE(outbox_->held_back());
}

TEST_F(OutboxTest, NothingLeftToSendEndsTheWait) {
  auto ids = Queue(1);
  OutboxOptions o;
  o.retry_min = o.retry_max = milliseconds(20);
  Start(o);
  ASSERT_TRUE(WaitFor([&] { return outbox_->held_back().has_value(); }));
  // The operator gives the message up (`pesan outbox` on the database): nothing waits.
  std::promise<void> done;
  writer_->Submit([&](Store& s) { return s.MarkSmsFailed(ids[0], "given up"); },
                  [&](Status) { done.set_value(); });
  done.get_future().wait();
  ASSERT_TRUE(WaitFor([&] { return !outbox_->held_back(); }));
  EXPECT_EQ(Rows()[0].status, OutboxStatus::kFailed);
}

TEST_F(OutboxTest, AChannelThatCannotTellIsAskedAgainWithinHoldMax) {
  // Kannel with a wrong password, put right in Kannel's configuration: the gateway's retry_max
  // of an hour must not keep the messages back for an hour.
  Queue(1);
  OutboxOptions o;
  o.retry_min = milliseconds(10);
  o.retry_max = hours(1);
  o.hold_max = milliseconds(20);
  Start(o);
  // Doubling to an hour, the twelfth ask would come 20 s after the first.
  ASSERT_TRUE(WaitFor([&] { return channel_.sends >= 12; }));
  channel_.SetReady(true);
  ASSERT_TRUE(WaitFor([&] { return All(OutboxStatus::kSent); }));
}

TEST_F(OutboxTest, RefusalsStillCountAndFailAfterMaxAttempts) {
  Queue(1);
  channel_.down = {SendResult::Kind::kRetry, "", "ESME_RSYSERR"};
  OutboxOptions o;
  o.retry_min = o.retry_max = milliseconds(10);
  o.max_attempts = 3;
  Start(o);
  ASSERT_TRUE(WaitFor([&] {
    Advance(minutes(1));  // each retry falls due on the clock
    return All(OutboxStatus::kFailed);
  }));
  EXPECT_EQ(Rows()[0].attempts, 3);
  EXPECT_EQ(Rows()[0].last_error, "ESME_RSYSERR");
  EXPECT_EQ(channel_.sends, 3);
  EXPECT_FALSE(outbox_->holding_back());
}

// The outbox may look while a commit is readable but not yet on the disk (a kick after the
// flush before it, a retry falling due): what it finds goes only once the disk has it.
TEST_F(OutboxTest, AMessageGoesOnlyOnceTheCommitThatQueuedItIsOnTheDisk) {
  channel_.SetReady(true);
  FlushHold hold(*writer_);
  QueueOneWithoutWaiting("+6281200000301");
  ASSERT_TRUE(hold.Held());  // the message is committed, readable, and not on the disk
  const auto commits = writer_->commits();
  OutboxOptions o;
  o.idle_poll = hours(1);
  Start(o);                                                                 // looks at once
  ASSERT_TRUE(WaitFor([&] { return outbox_->in_flight() == 1; }));          // taken
  ASSERT_TRUE(WaitFor([&] { return writer_->commits() == commits + 1; }));  // waits its flush
  EXPECT_EQ(channel_.sends, 0);
  hold.Release();
  ASSERT_TRUE(WaitFor([&] { return All(OutboxStatus::kSent); }));
  EXPECT_EQ(channel_.sends, 1);
}

// The flush of the commit that queued it failed: the writer stores nothing more, so a send could
// be neither trusted to stay queued nor recorded. It is never sent, however often the outbox
// looks.
TEST_F(OutboxTest, AMessageWhoseCommitFailedToFlushIsNotSent) {
  channel_.SetReady(true);
  FlushHold hold(*writer_);
  QueueOneWithoutWaiting("+6281200000302");
  ASSERT_TRUE(hold.Held());
  OutboxOptions o;
  o.idle_poll = hours(1);
  Start(o);
  ASSERT_TRUE(WaitFor([&] { return outbox_->in_flight() == 1; }));  // taken, waits its flush
  hold.Release(EIO);
  Settle();  // given back
  ASSERT_TRUE(writer_->Failing().has_value());
  for (int i = 0; i < 3; ++i) {
    boost::asio::post(ioc_, [this] { outbox_->Kick(); });
    Settle();
  }
  EXPECT_EQ(channel_.sends, 0);
  EXPECT_TRUE(All(OutboxStatus::kQueued));
}

}  // namespace
}  // namespace pesan::testing
