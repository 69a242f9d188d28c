#include "core/sqlite_db.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/wal_gather_vfs.h"

namespace pesan {

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
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, WalGatherVfs());
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return Unavailable("cannot open database " + path + ": " + msg);
  }
  sqlite3_busy_timeout(db, 5000);
  return std::unique_ptr<SqliteDb>(new SqliteDb(db, path));
}

SqliteDb::~SqliteDb() {
  cache_.clear();
  sqlite3_close(db_);
}

Error SqliteDb::LastError(std::string_view what) const {
  return Internal(std::string(what) + ": " + sqlite3_errmsg(db_));
}

Status SqliteDb::Exec(std::string_view sql) {
  char* err = nullptr;
  std::string text(sql);
  if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
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
