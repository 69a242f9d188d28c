// Connections of one process waiting for each other's locks, over a real SQLite file.
#include "core/sqlite_db.h"

#include <gtest/gtest.h>

#include <thread>

#include "tests/support/test_support.h"

namespace pesan {
namespace {

using testing::TempDir;
using testing::WaitFor;

// Memory statistics cost a process-wide mutex on every allocation SQLite makes; nothing reads
// them, so they are off from the first open on (sqlite3_memory_used() stays 0).
TEST(SqliteDb, KeepsNoMemoryStatistics) {
  TempDir dir;
  auto db = SqliteDb::Open(dir.File("stats.db"), SqliteDb::Mode::kReadWrite);
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)->Exec("CREATE TABLE t (v TEXT)").ok());
  ASSERT_TRUE((*db)->Exec("INSERT INTO t VALUES (randomblob(100000))").ok());
  EXPECT_EQ(sqlite3_memory_used(), 0);
}

// A write that finds another connection's write transaction open waits for it to end instead
// of failing with SQLITE_BUSY (the writer, held by a RESTART checkpoint).
TEST(SqliteDb, AWriteWaitsForTheTransactionHoldingTheLock) {
  TempDir dir;
  const std::string path = dir.File("shop.db");
  auto holder = SqliteDb::Open(path, SqliteDb::Mode::kReadWrite);
  ASSERT_TRUE(holder.ok()) << holder.error().message;
  ASSERT_TRUE((*holder)->Exec("PRAGMA journal_mode=WAL").ok());
  ASSERT_TRUE((*holder)->Exec("CREATE TABLE t (x INTEGER)").ok());
  auto waiter = SqliteDb::Open(path, SqliteDb::Mode::kReadWrite);
  ASSERT_TRUE(waiter.ok());

  ASSERT_TRUE((*holder)->Exec("BEGIN IMMEDIATE").ok());
  ASSERT_TRUE((*holder)->Exec("INSERT INTO t VALUES (1)").ok());
  const std::uint64_t before = SqliteDb::LockWaits();
  Status written = Ok{};
  std::thread other([&] { written = (*waiter)->Exec("INSERT INTO t VALUES (2)"); });
  // The other connection is waiting for the lock: only now does the holder let go.
  EXPECT_TRUE(WaitFor([&] { return SqliteDb::LockWaits() > before; }));
  ASSERT_TRUE((*holder)->Exec("COMMIT").ok());
  other.join();
  ASSERT_TRUE(written.ok()) << written.error().message;
  auto n = (*holder)->Prepare("SELECT count(*) FROM t");
  ASSERT_TRUE(n.ok() && (*n)->Step() == SQLITE_ROW);
  EXPECT_EQ((*n)->Int(0), 2);
}

}  // namespace
}  // namespace pesan
