// A thin RAII layer over sqlite3: a connection and prepared statements, errors as Status.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/result.h"

namespace pesan {

class Statement {
 public:
  Statement() = default;
  explicit Statement(sqlite3_stmt* s) : s_(s) {}
  Statement(Statement&& o) noexcept : s_(o.s_) { o.s_ = nullptr; }
  Statement& operator=(Statement&& o) noexcept {
    std::swap(s_, o.s_);
    return *this;
  }
  Statement(const Statement&) = delete;
  ~Statement() { sqlite3_finalize(s_); }

  // Binds by 1-based index; chainable. Text is bound without a copy (SQLITE_STATIC): the
  // caller's string must outlive the statement's use, which a StatementRef ends (it resets the
  // statement) before the strings declared after it go. A temporary string cannot be bound.
  Statement& Bind(int i, std::int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  Statement& Bind(int i, int v) { return Bind(i, static_cast<std::int64_t>(v)); }
  Statement& Bind(int i, std::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
    return *this;
  }
  Statement& Bind(int i, const char* v) { return Bind(i, std::string_view(v)); }
  Statement& Bind(int i, const std::string& v) { return Bind(i, std::string_view(v)); }
  Statement& Bind(int i, const std::string&& v) = delete;
  Statement& BindNull(int i) {
    sqlite3_bind_null(s_, i);
    return *this;
  }

  // SQLITE_ROW, SQLITE_DONE or an error code.
  int Step() { return sqlite3_step(s_); }
  void Reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }

  std::int64_t Int(int col) const { return sqlite3_column_int64(s_, col); }
  bool IsNull(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
  std::string Text(int col) const {
    auto p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
    return p ? std::string(p, sqlite3_column_bytes(s_, col)) : std::string();
  }
  sqlite3_stmt* get() const { return s_; }

 private:
  sqlite3_stmt* s_ = nullptr;
};

// A borrowed cached statement; resets it when it goes out of scope, so no statement keeps a
// read transaction (and an old WAL snapshot) open between calls.
class StatementRef {
 public:
  explicit StatementRef(Statement* s) : s_(s) {}
  StatementRef(StatementRef&& o) noexcept : s_(o.s_) { o.s_ = nullptr; }
  StatementRef(const StatementRef&) = delete;
  ~StatementRef() {
    if (s_) s_->Reset();
  }
  Statement* operator->() const { return s_; }
  Statement& operator*() const { return *s_; }

 private:
  Statement* s_;
};

class SqliteDb {
 public:
  enum class Mode { kReadWrite, kReadOnly };
  // Opens (creating when kReadWrite) the file; ":memory:" works for tests. A new file is made
  // readable by its owner only (customers' numbers and addresses are personal data).
  static Result<std::unique_ptr<SqliteDb>> Open(const std::string& path, Mode mode);
  // Times a connection of this process waited for a lock another connection held (for tests).
  static std::uint64_t LockWaits();
  ~SqliteDb();

  Status Exec(std::string_view sql);
  // A cached prepared statement, ready to bind. One user of the same SQL text at a time.
  Result<StatementRef> Prepare(std::string_view sql);
  std::int64_t LastInsertId() const { return sqlite3_last_insert_rowid(db_); }
  int Changes() const { return sqlite3_changes(db_); }
  std::string ErrorMessage() const { return sqlite3_errmsg(db_); }
  // The last call's error, prefixed by `what`; a lock another connection held too long is
  // kUnavailable: "the database PATH is locked by another program ...; try again".
  Error LastError(std::string_view what) const;
  static bool IsLockError(int sqlite_code);  // SQLITE_BUSY or SQLITE_LOCKED, extended or not
  Error LockedError() const;
  sqlite3* handle() const { return db_; }
  const std::string& path() const { return path_; }

 private:
  SqliteDb(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  // Looked up by the caller's string_view: no copy of the SQL text per statement run.
  struct SqlHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view sql) const {
      return std::hash<std::string_view>{}(sql);
    }
  };
  sqlite3* db_;
  std::string path_;
  std::unordered_map<std::string, Statement, SqlHash, std::equal_to<>> cache_;
};

}  // namespace pesan
