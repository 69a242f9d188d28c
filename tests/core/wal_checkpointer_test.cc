#include "core/wal_checkpointer.h"

#include <gtest/gtest.h>

#include "core/sqlite_store.h"
#include "tests/support/test_support.h"

namespace pesan {
namespace {

using testing::TempDir;
using testing::WaitFor;

// Frames in the log and frames copied into the database, as a PASSIVE checkpoint of another
// connection sees them (it copies nothing new once the background one has done its work; while
// that one runs, it answers SQLITE_BUSY and is asked again).
std::pair<int, int> LogFrames(const std::string& path) {
  auto db = SqliteDb::Open(path, SqliteDb::Mode::kReadWrite);
  EXPECT_TRUE(db.ok());
  EXPECT_TRUE((*db)->Exec("SELECT count(*) FROM sqlite_master").ok());  // opens the log
  int log = -1, done = -1;
  EXPECT_TRUE(WaitFor([&] {
    return sqlite3_wal_checkpoint_v2((*db)->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &log,
                                     &done) == SQLITE_OK;
  }));
  return {log, done};
}

class WalCheckpointerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = SqliteStore::Open(path_);
    ASSERT_TRUE(s.ok()) << s.error().message;
    store_ = std::move(*s);
    ASSERT_TRUE(store_->db().Exec("CREATE TABLE scratch (x BLOB)").ok());
  }
  // One transaction that adds about one page to the log.
  void Commit() {
    ASSERT_TRUE(store_->db().Exec("INSERT INTO scratch VALUES (randomblob(3000))").ok());
  }
  int WalAutocheckpoint() {
    auto s = store_->db().Prepare("PRAGMA wal_autocheckpoint");
    EXPECT_TRUE(s.ok() && (*s)->Step() == SQLITE_ROW);
    return static_cast<int>((*s)->Int(0));
  }

  TempDir dir_;
  std::string path_ = dir_.File("shop.db");
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(WalCheckpointerTest, ALogPastTheThresholdIsCheckpointedAndThenReused) {
  EXPECT_EQ(WalAutocheckpoint(), 1000);  // SQLite's default: the commit past it checkpoints
  ASSERT_TRUE(store_->CheckpointInBackground(16).ok());
  EXPECT_EQ(WalAutocheckpoint(), 0);  // the writer's commits never checkpoint themselves
  int commits = 0;
  while (store_->background_checkpoints() == 0 && commits < 16) {
    Commit();
    ++commits;
  }
  ASSERT_TRUE(WaitFor([&] { return store_->background_checkpoints() >= 1; }));
  auto [log, done] = LogFrames(path_);
  EXPECT_GE(log, 16);
  EXPECT_EQ(done, log);  // everything copied into the database file
  // The next transaction starts the log again from its beginning.
  Commit();
  EXPECT_LT(LogFrames(path_).first, 16);
  // Nothing lost: a fresh connection reads every row.
  auto other = SqliteDb::Open(path_, SqliteDb::Mode::kReadOnly);
  ASSERT_TRUE(other.ok());
  auto n = (*other)->Prepare("SELECT count(*) FROM scratch");
  ASSERT_TRUE(n.ok() && (*n)->Step() == SQLITE_ROW);
  EXPECT_EQ((*n)->Int(0), commits + 1);
}

// A reader inside its transaction keeps SQLite from starting the log over, as a busy writer does
// under load: the log stays past the threshold, and still one checkpoint runs per `frames` pages
// added, not one after every commit.
TEST_F(WalCheckpointerTest, AGrowingLogIsCheckpointedOncePerThresholdOfNewPages) {
  ASSERT_TRUE(store_->CheckpointInBackground(16).ok());
  for (int i = 0; i < 16; ++i) Commit();
  ASSERT_TRUE(WaitFor([&] { return store_->background_checkpoints() >= 1; }));
  auto [log0, done0] = LogFrames(path_);
  ASSERT_EQ(done0, log0);
  Commit();  // starts the log over (nothing reads it)
  ASSERT_LT(LogFrames(path_).first, 16);
  auto reader = SqliteDb::Open(path_, SqliteDb::Mode::kReadOnly);
  ASSERT_TRUE(reader.ok());
  ASSERT_TRUE((*reader)->Exec("BEGIN").ok());
  ASSERT_TRUE((*reader)->Exec("SELECT count(*) FROM scratch").ok());  // holds its snapshot
  const std::size_t before = store_->background_checkpoints();
  int log = 0;
  while (log < 80) {
    for (int i = 0; i < 10; ++i) Commit();
    log = LogFrames(path_).first;
  }
  ASSERT_LT(log, 8 * 16);  // below the RESTART size, which would wait for the reader
  ASSERT_TRUE(WaitFor([&] { return store_->background_checkpoints() >= before + 1; }));
  EXPECT_LE(store_->background_checkpoints() - before, static_cast<std::size_t>(log / 16 + 1));
  ASSERT_TRUE((*reader)->Exec("COMMIT").ok());
}

// RESTART holds the writer while it copies: when the log is past 8 x `frames`, a PASSIVE pass
// copies it first, and RESTART is left only what was committed meanwhile (here nothing).
TEST_F(WalCheckpointerTest, ARestartIsLeftOnlyWhatThePassivePassCouldNotCopy) {
  auto checkpointer = WalCheckpointer::Attach(store_->db(), 16);
  ASSERT_TRUE(checkpointer.ok()) << checkpointer.error().message;
  ASSERT_TRUE(store_->db().Exec("BEGIN").ok());
  for (int i = 0; i < 8 * 16 + 8; ++i) Commit();  // one transaction past 8 x 16 pages
  ASSERT_TRUE(store_->db().Exec("COMMIT").ok());
  ASSERT_TRUE(WaitFor([&] { return (*checkpointer)->checkpoints() >= 1; }));
  EXPECT_EQ((*checkpointer)->frames_copied_holding_writer(), 0u);
  auto [log, done] = LogFrames(path_);
  EXPECT_EQ(done, log);  // all of it in the database file
  Commit();              // and the log starts over
  EXPECT_LT(LogFrames(path_).first, 16);
}

TEST_F(WalCheckpointerTest, StopsCleanlyWithTheStoreWhileCheckpointing) {
  ASSERT_TRUE(store_->CheckpointInBackground(1).ok());
  for (int i = 0; i < 20; ++i) Commit();
  store_.reset();  // joins the thread, then closes the writer (which checkpoints the rest)
  auto [log, done] = LogFrames(path_);
  EXPECT_EQ(log, 0);
  EXPECT_EQ(done, 0);
}

}  // namespace
}  // namespace pesan
