// Checkpoints of a WAL-mode SQLite database on a thread of their own, so that the writer's
// commits never wait for one. A checkpoint copies the pages of the write-ahead log into the
// database file and syncs that file; SQLite's automatic checkpoint would run it inside the
// commit that crossed the threshold, stalling every order waiting on that commit.
//
// The writer's connection gets wal_autocheckpoint=0 and a WAL hook that wakes this thread
// each time `frames` pages have been added to the log. The checkpoint is PASSIVE (it never
// blocks the writer or the readers). SQLite starts the log over only when a transaction begins
// on a fully copied log with no reader inside it; when readers or a busy writer keep that from
// happening and the log grows past 8 x `frames`, a RESTART checkpoint waits for the readers, so
// that the log is reused from its start and stays bounded. RESTART holds the writer while it
// runs, so a PASSIVE pass copies the log first and RESTART only what was committed meanwhile.
// Durability is unchanged: a checkpoint syncs the log (on its own connection, in place) before
// it copies any page into the database file.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/result.h"
#include "core/sqlite_db.h"

namespace pesan {

class WalCheckpointer {
 public:
  // Opens its own connection to `path` and hooks `writer` (which must outlive this object).
  static Result<std::unique_ptr<WalCheckpointer>> Attach(SqliteDb& writer, int frames = 1000);
  ~WalCheckpointer();  // unhooks the writer, finishes a running checkpoint, joins the thread
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // Checkpoints run so far (for tests and the logs).
  std::size_t checkpoints() const;
  // Pages copied by RESTART checkpoints, which hold the writer while they run (for tests).
  std::size_t frames_copied_holding_writer() const { return held_frames_.load(); }

 private:
  WalCheckpointer(SqliteDb& writer, std::unique_ptr<SqliteDb> own, int frames);
  static int OnCommit(void* self, sqlite3* db, const char* schema, int frames);
  void Run();

  SqliteDb& writer_;
  std::unique_ptr<SqliteDb> own_;
  const int frames_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  int wal_frames_ = 0;  // the log's size after the last commit, from the hook
  int pending_ = 0;     // pages added to the log since the last checkpoint began
  bool stopping_ = false;
  std::size_t checkpoints_ = 0;
  std::atomic<std::size_t> held_frames_{0};
  std::thread thread_;
};

}  // namespace pesan
