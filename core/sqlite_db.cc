#include "core/sqlite_db.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <thread>

#include "core/wal_gather_vfs.h"

namespace pesan {
namespace {

std::atomic<std::uint64_t> g_lock_waits{0};

// Waits for a lock another connection holds (the checkpointer's RESTART holds the writer's for
// a few milliseconds): 100 us at a time for the first 10 ms, then 1 ms at a time, about 5 s in
// all. SQLite's busy timeout sleeps 1, 2, 5, 10, ... ms, so a lock held for 3 ms could stop an
// order batch for 8.
int WaitForLock(void*, int tries) {
  constexpr int kShort = 100;           // 100 x 100 us
  constexpr int kLong = kShort + 4990;  // then 1 ms at a time
  if (tries >= kLong) return 0;         // SQLITE_BUSY to the caller
  g_lock_waits.fetch_add(1, std::memory_order_relaxed);
  std::this_thread::sleep_for(tries < kShort ? std::chrono::microseconds(100)
                                             : std::chrono::microseconds(1000));
  return 1;
}

// Before SQLite starts (the first open): no memory statistics, which nothing here reads and
// which cost a process-wide mutex on every allocation SQLite makes (about 50 per order).
void ConfigureSqlite() {
  static std::once_flag once;
  std::call_once(once, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}

}  // namespace

std::uint64_t SqliteDb::LockWaits() { return g_lock_waits.load(std::memory_order_relaxed); }

Result<std::unique_ptr<SqliteDb>> SqliteDb::Open(const std::string& path, Mode mode) {
  if (mode == Mode::kReadWrite && path != ":memory:" && !path.empty()) {
    // Create the file ourselves so that it is 0600 from the first byte; SQLite then makes its
    // -wal and -shm files with the same permissions. Only a new file: close() on a descriptor
    // of a file this process already has open in SQLite would drop every POSIX lock the
    // process holds on it (fcntl(2)), and another process could then take the WAL away.
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 && errno != EEXIST) {
      return Unavailable("cannot open database " + path + ": " + strerror(errno));
    }
    if (fd >= 0) ::close(fd);
  }
  sqlite3* db = nullptr;
  int flags = (mode == Mode::kReadWrite ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                                        : SQLITE_OPEN_READONLY) |
              SQLITE_OPEN_NOMUTEX;
  ConfigureSqlite();
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, WalGatherVfs());
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return Unavailable("cannot open database " + path + ": " + msg);
  }
  sqlite3_busy_handler(db, WaitForLock, nullptr);
  return std::unique_ptr<SqliteDb>(new SqliteDb(db, path));
}

SqliteDb::~SqliteDb() {
  cache_.clear();
  sqlite3_close(db_);
}

Error SqliteDb::LastError(std::string_view what) const {
  if (IsLockError(sqlite3_errcode(db_))) return LockedError();
  return Internal(std::string(what) + ": " + sqlite3_errmsg(db_));
}

bool SqliteDb::IsLockError(int code) {
  return (code & 0xff) == SQLITE_BUSY || (code & 0xff) == SQLITE_LOCKED;
}

Error SqliteDb::LockedError() const {
  // Another connection held its lock past the wait of WaitForLock: say so plainly rather than
  // "BEGIN IMMEDIATE: database is locked".
  return Unavailable("the database " + path_ +
                     " is locked by another program (database is locked); try again");
}

Status SqliteDb::Exec(std::string_view sql) {
  char* err = nullptr;
  std::string text(sql);
  if (int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err); rc != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    if (IsLockError(rc)) return LockedError();
    return Internal("sqlite: " + msg);
  }
  return Ok{};
}

Result<StatementRef> SqliteDb::Prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                           &s, nullptr) != SQLITE_OK) {
      return LastError("prepare");
    }
    it = cache_.emplace(std::string(sql), Statement(s)).first;
  }
  return StatementRef(&it->second);
}

}  // namespace pesan
