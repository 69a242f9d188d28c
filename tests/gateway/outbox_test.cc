// The outbox against a scripted channel, on a real SQLite file, with a manual clock: a channel
// whose link is down costs no attempts, and its ready event sends at once.
#include "gateway/outbox.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include "core/sqlite_store.h"
#include "gateway/setup.h"
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

  std::atomic<int> sends{0};
  SendResult down{SendResult::Kind::kNotReady, "", "link down: bind refused"};

 private:
  std::mutex mu_;
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
            auto id = s.QueueSms({shop_id_, "+628120000030" + std::to_string(i), "pesan", {}},
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

  void Start(OutboxOptions o) {
    outbox_ = std::make_unique<Outbox>(ioc_, channel_, *writer_, *reads_, clock_, o);
    outbox_->Start();
    thread_ = std::thread([this] { ioc_.run(); });
  }

  // The clock is read on the outbox's thread: move it there.
  void Advance(std::chrono::nanoseconds d) {
    boost::asio::post(ioc_, [this, d] { clock_.Advance(d); });
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

TEST_F(OutboxTest, ReadySendsAtOnceWithoutWaitingForAnyBackoff) {
  auto ids = Queue(3);
  // The first message was taken in but not acknowledged (the link dropped under it): an
  // attempt, with a retry an hour away. The two others found the link down.
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
  // Neither the hold-back (an hour) nor the retry (an hour of a clock that does not move) is
  // waited for: the ready event sends all three.
  channel_.SetReady(true);
  outbox_->ChannelReady();
  ASSERT_TRUE(WaitFor([&] { return All(OutboxStatus::kSent); }, std::chrono::seconds(5)));
  auto rows = Rows();
  EXPECT_EQ(rows[0].attempts, 2);
  EXPECT_EQ(rows[1].attempts, 1);
  EXPECT_EQ(rows[2].attempts, 1);
  EXPECT_EQ(channel_.sends, 6);
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

}  // namespace
}  // namespace pesan::testing
