#include "core/wal_gather_vfs.h"

#include <gtest/gtest.h>

#include "core/sqlite_db.h"
#include "tests/support/test_support.h"

namespace pesan {
namespace {

using testing::TempDir;

class WalGatherVfsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto w = SqliteDb::Open(path_, SqliteDb::Mode::kReadWrite);
    ASSERT_TRUE(w.ok()) << w.error().message;
    writer_ = std::move(*w);
    ASSERT_TRUE(writer_->Exec("PRAGMA journal_mode=WAL").ok());
    ASSERT_TRUE(writer_->Exec("PRAGMA synchronous=FULL").ok());
    ASSERT_TRUE(writer_->Exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB)").ok());
  }
  // Rows of `t` as another connection (its own file handles) sees them.
  long long RowsSeenByAnother() {
    auto r = SqliteDb::Open(path_, SqliteDb::Mode::kReadOnly);
    EXPECT_TRUE(r.ok());
    auto s = (*r)->Prepare("SELECT count(*) FROM t");
    EXPECT_TRUE(s.ok() && (*s)->Step() == SQLITE_ROW);
    return (*s)->Int(0);
  }
  void Insert(int rows, int bytes) {
    ASSERT_TRUE(writer_->Exec("BEGIN").ok());
    for (int i = 0; i < rows; ++i) {
      ASSERT_TRUE(
          writer_->Exec("INSERT INTO t (v) VALUES (randomblob(" + std::to_string(bytes) + "))")
              .ok());
    }
    ASSERT_TRUE(writer_->Exec("COMMIT").ok());
  }

  TempDir dir_;
  std::string path_ = dir_.File("gather.db");
  std::unique_ptr<SqliteDb> writer_;
};

TEST_F(WalGatherVfsTest, ACommitOfManyPagesIsOneWriteToTheLog) {
  Insert(1, 10);  // the log's header and first frames
  const auto before = WalGatherLogWrites();
  Insert(20, 3000);  // about 20 pages: 40 writes of SQLite (a header and a page each)
  const auto writes = WalGatherLogWrites() - before;
  EXPECT_GE(writes, 1u);
  EXPECT_LE(writes, 2u);
  EXPECT_EQ(RowsSeenByAnother(), 21);
}

TEST_F(WalGatherVfsTest, ACommitLargerThanOneWriteIsWrittenWhole) {
  // About 1 MiB in one transaction: past the gathering limit and the unix VFS's largest write.
  Insert(300, 3500);
  EXPECT_EQ(RowsSeenByAnother(), 300);
  auto s = writer_->Prepare("PRAGMA integrity_check");
  ASSERT_TRUE(s.ok() && (*s)->Step() == SQLITE_ROW);
  EXPECT_EQ((*s)->Text(0), "ok");
}

TEST_F(WalGatherVfsTest, ACommitIsInTheFileForOtherConnectionsWithoutASync) {
  // synchronous=OFF: SQLite syncs nothing, so only the commit frame can send the writes out
  // before the commit is published to other connections.
  ASSERT_TRUE(writer_->Exec("PRAGMA synchronous=OFF").ok());
  for (int i = 1; i <= 5; ++i) {
    Insert(3, 3000);
    EXPECT_EQ(RowsSeenByAnother(), 3 * i);
  }
}

TEST_F(WalGatherVfsTest, AThreadDeferringLogSyncsOwesThemInsteadOfWaitingForTheDisk) {
  Insert(1, 10);
  DeferLogSyncs(true);
  const auto syncs = WalGatherLogSyncs();
  Insert(3, 100);
  EXPECT_EQ(WalGatherLogSyncs(), syncs);  // committed without a flush
  EXPECT_EQ(RowsSeenByAnother(), 4);      // and published
  auto owed = TakeOwedLogSync();
  ASSERT_NE(owed, nullptr);
  EXPECT_EQ(TakeOwedLogSync(), nullptr);  // handed over once
  Insert(2, 100);
  EXPECT_EQ(TakeOwedLogSync(), owed);  // the same log
  EXPECT_EQ(owed->Run(), 0);           // one flush for both commits
  EXPECT_EQ(WalGatherLogSyncs(), syncs + 1);
  DeferLogSyncs(false);
  Insert(1, 10);
  EXPECT_EQ(WalGatherLogSyncs(), syncs + 2);  // in place again
  EXPECT_EQ(TakeOwedLogSync(), nullptr);
  EXPECT_EQ(RowsSeenByAnother(), 7);
}

TEST_F(WalGatherVfsTest, TheFirstSyncOfALogIsNeverDeferred) {
  // The default VFS syncs the folder with a log's first sync, so that a power cut cannot lose
  // the new file itself. SQLite syncs a new log's header before the first commit's frames
  // (synchronous=FULL): that sync is made in place, the commit's own is owed.
  DeferLogSyncs(true);
  auto other = SqliteDb::Open(dir_.File("fresh.db"), SqliteDb::Mode::kReadWrite);
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE((*other)->Exec("PRAGMA journal_mode=WAL").ok());
  ASSERT_TRUE((*other)->Exec("PRAGMA synchronous=FULL").ok());
  const auto syncs = WalGatherLogSyncs();
  ASSERT_TRUE((*other)->Exec("CREATE TABLE u (k INTEGER PRIMARY KEY)").ok());
  EXPECT_EQ(WalGatherLogSyncs(), syncs + 1);
  auto owed = TakeOwedLogSync();
  ASSERT_NE(owed, nullptr);
  EXPECT_EQ(owed->Run(), 0);
  EXPECT_EQ(WalGatherLogSyncs(), syncs + 2);
  DeferLogSyncs(false);
}

TEST_F(WalGatherVfsTest, EverythingSurvivesACheckpointAndReopening) {
  for (int i = 0; i < 10; ++i) Insert(10, 2000);
  ASSERT_TRUE(writer_->Exec("PRAGMA wal_checkpoint(TRUNCATE)").ok());
  Insert(5, 2000);
  writer_.reset();
  EXPECT_EQ(RowsSeenByAnother(), 105);
}

}  // namespace
}  // namespace pesan
