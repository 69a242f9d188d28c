// The database writer's batches over a real SQLite file: group commit, and a failing job undone
// alone whether it failed before or after changing rows.
#include "gateway/db_writer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <future>
#include <latch>
#include <map>
#include <mutex>
#include <set>
#include <vector>

#include "core/sqlite_store.h"
#include "core/wal_gather_vfs.h"
#include "tests/support/flush_hold.h"
#include "tests/support/test_support.h"

namespace pesan::testing {
namespace {

class DbWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = SqliteStore::Open(path_);
    ASSERT_TRUE(store.ok()) << store.error().message;
    ASSERT_TRUE((*store)->db().Exec("CREATE TABLE t (k TEXT PRIMARY KEY)").ok());
    writer_ = std::make_unique<DbWriter>(std::move(*store));
  }
  // Holds the writer in a job until `release`, so that the jobs submitted meanwhile queue up
  // and run as the next batch.
  void HoldWriter(std::latch& held, std::latch& release) {
    writer_->Submit(
        [&](Store&) -> Status {
          held.count_down();
          release.wait();
          return Ok{};
        },
        [](Status) {});
  }
  // A job inserting `key`, failing afterwards if `fail_after` (before inserting if `fail_before`).
  std::future<Status> Insert(const std::string& key, bool fail_before = false,
                             bool fail_after = false) {
    auto done = std::make_shared<std::promise<Status>>();
    auto future = done->get_future();
    writer_->Submit(
        [this, key, fail_before, fail_after](Store& s) -> Status {
          ++ran_[key];
          if (fail_before) return InvalidInput("refused before writing");
          auto& db = static_cast<SqliteStore&>(s).db();
          if (auto st = db.Exec("INSERT INTO t VALUES ('" + key + "')"); !st) return st;
          if (fail_after) return InvalidInput("refused after writing");
          return Ok{};
        },
        [this, key, done](Status st) {
          {
            std::lock_guard lock(heard_mu_);
            heard_.push_back(key);
          }
          done->set_value(std::move(st));
        });
    return future;
  }
  std::set<std::string> Keys() {
    auto db = SqliteDb::Open(path_, SqliteDb::Mode::kReadOnly);
    EXPECT_TRUE(db.ok());
    auto s = (*db)->Prepare("SELECT k FROM t");
    std::set<std::string> out;
    while ((*s)->Step() == SQLITE_ROW) out.insert((*s)->Text(0));
    return out;
  }

  TempDir dir_;
  std::string path_ = dir_.File("writer.db");
  std::unique_ptr<DbWriter> writer_;
  std::map<std::string, int> ran_;  // work called (writer thread; read after its done)
  std::mutex heard_mu_;
  std::vector<std::string> heard_;  // keys whose done ran, in that order
};

TEST_F(DbWriterTest, QueuedJobsCommitTogetherAndEachIsDurableWhenDone) {
  std::latch held(1), release(1);
  HoldWriter(held, release);
  held.wait();
  const std::size_t commits = writer_->commits();
  std::vector<std::future<Status>> done;
  for (int i = 0; i < 20; ++i) done.push_back(Insert("k" + std::to_string(i)));
  release.count_down();
  for (auto& f : done) EXPECT_TRUE(f.get().ok());
  EXPECT_EQ(Keys().size(), 20u);                // each done came after its commit
  EXPECT_EQ(writer_->commits() - commits, 2u);  // the holding job's batch, then all 20
  EXPECT_EQ(writer_->reruns(), 0u);
}

TEST_F(DbWriterTest, AJobFailingBeforeWritingFailsAloneAndNothingRunsTwice) {
  std::latch held(1), release(1);
  HoldWriter(held, release);
  held.wait();
  auto a = Insert("a");
  auto b = Insert("b", /*fail_before=*/true);
  auto c = Insert("c");
  release.count_down();
  EXPECT_TRUE(a.get().ok());
  EXPECT_FALSE(b.get().ok());
  EXPECT_TRUE(c.get().ok());
  EXPECT_EQ(Keys(), (std::set<std::string>{"a", "c"}));
  EXPECT_EQ(writer_->reruns(), 0u);
  EXPECT_EQ(ran_, (std::map<std::string, int>{{"a", 1}, {"b", 1}, {"c", 1}}));
}

TEST_F(DbWriterTest, AJobFailingAfterWritingIsUndoneAloneAndTheOthersKeepTheirRows) {
  std::latch held(1), release(1);
  HoldWriter(held, release);
  held.wait();
  auto a = Insert("a");
  auto b = Insert("b", false, /*fail_after=*/true);
  auto c = Insert("c");
  release.count_down();
  EXPECT_TRUE(a.get().ok());
  EXPECT_FALSE(b.get().ok());
  EXPECT_TRUE(c.get().ok());
  EXPECT_EQ(Keys(), (std::set<std::string>{"a", "c"}));  // b's row undone, a's and c's kept
  EXPECT_EQ(writer_->reruns(), 1u);
  // a ran before b failed and again in the run with savepoints; b twice; c once.
  EXPECT_EQ(ran_, (std::map<std::string, int>{{"a", 2}, {"b", 2}, {"c", 1}}));
}

TEST_F(DbWriterTest, ABatchOfOneFailingAfterWritingLeavesNothing) {
  auto b = Insert("b", false, /*fail_after=*/true);
  EXPECT_FALSE(b.get().ok());
  EXPECT_TRUE(Keys().empty());
  EXPECT_EQ(writer_->reruns(), 0u);
  EXPECT_TRUE(Insert("c").get().ok());  // the writer goes on
  EXPECT_EQ(Keys(), (std::set<std::string>{"c"}));
}

TEST_F(DbWriterTest, AJobHearsOfItsCommitOnlyOnceTheDiskHasIt) {
  std::atomic<std::uint64_t> syncs_at_commit{0};
  writer_->SetAfterCommit([&](Store&) { syncs_at_commit = WalGatherLogSyncs(); });
  for (int i = 0; i < 3; ++i) {
    std::promise<std::uint64_t> heard;
    writer_->Submit(
        [i](Store& s) {
          return static_cast<SqliteStore&>(s).db().Exec("INSERT INTO t VALUES ('k" +
                                                        std::to_string(i) + "')");
        },
        [&](Status st) {
          EXPECT_TRUE(st.ok());
          heard.set_value(WalGatherLogSyncs());
        });
    EXPECT_GT(heard.get_future().get(), syncs_at_commit.load()) << i;  // a flush in between
  }
}

TEST_F(DbWriterTest, TheNextBatchCommitsWhileTheDiskFlushesTheLast) {
  FlushHold hold(*writer_);
  auto a = Insert("a");
  ASSERT_TRUE(hold.Held());  // a is committed, its flush held
  EXPECT_EQ(a.wait_for(std::chrono::seconds(0)), std::future_status::timeout);
  auto b = Insert("b");
  ASSERT_TRUE(WaitFor([&] { return writer_->jobs_committed() == 2; }));
  EXPECT_EQ(Keys(), (std::set<std::string>{"a", "b"}));
  EXPECT_EQ(b.wait_for(std::chrono::seconds(0)), std::future_status::timeout);
  hold.Release();
  EXPECT_TRUE(a.get().ok());
  EXPECT_TRUE(b.get().ok());
  EXPECT_EQ(heard_, (std::vector<std::string>{"a", "b"}));  // in commit order
}

// A failed flush may have lost log pages that a later flush would not write again: the batches
// it covered and every job after it fail, none runs, and the writer says why until it restarts.
TEST_F(DbWriterTest, AFailedFlushFailsEveryJobFromThenOnAndNoneRunsAfterIt) {
  FlushHold hold(*writer_);
  auto a = Insert("a");
  ASSERT_TRUE(hold.Held());
  auto b = Insert("b");  // committed while a's flush is held: covered by the same flush
  ASSERT_TRUE(WaitFor([&] { return writer_->jobs_committed() == 2; }));
  hold.Release(EIO);
  const Status sa = a.get(), sb = b.get();
  ASSERT_FALSE(sa.ok());
  ASSERT_FALSE(sb.ok());
  EXPECT_EQ(sa.error().code, ErrorCode::kInternal);
  EXPECT_NE(sa.error().message.find("disk flush failed"), std::string::npos) << sa.error().message;
  ASSERT_TRUE(writer_->Failing().has_value());
  EXPECT_NE(writer_->Failing()->find("until the gateway restarts"), std::string::npos)
      << *writer_->Failing();

  auto c = Insert("c");
  const Status sc = c.get();
  ASSERT_FALSE(sc.ok());
  EXPECT_NE(sc.error().message.find("disk flush failed"), std::string::npos) << sc.error().message;
  std::promise<bool> durable;
  writer_->WhenDurable([&](bool d) { durable.set_value(d); });
  EXPECT_FALSE(durable.get_future().get());
  writer_->Stop();
  EXPECT_EQ(ran_.count("c"), 0u);
  EXPECT_EQ(Keys().count("c"), 0u);
  EXPECT_EQ(writer_->flushes(), 0u);
  EXPECT_TRUE(writer_->Failing().has_value());  // still: nothing cleared it
}

TEST_F(DbWriterTest, AnswersKeepTheOrderOfTheirCommitsAcrossFlushes) {
  std::vector<std::future<Status>> done;
  std::vector<std::string> keys;
  for (int i = 0; i < 200; ++i) {
    keys.push_back("k" + std::to_string(i));
    // Every third job is refused without writing: a batch of refusals owes no flush, and still
    // answers after the batches before it.
    done.push_back(Insert(keys.back(), /*fail_before=*/i % 3 == 1));
  }
  for (auto& f : done) f.wait();
  EXPECT_EQ(heard_, keys);
  EXPECT_GE(writer_->flushes(), 1u);
}

}  // namespace
}  // namespace pesan::testing
