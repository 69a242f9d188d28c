#include "core/wal_checkpointer.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/thread_name.h"

namespace pesan {

Result<std::unique_ptr<WalCheckpointer>> WalCheckpointer::Attach(SqliteDb& writer, int frames) {
  auto own = SqliteDb::Open(writer.path(), SqliteDb::Mode::kReadWrite);
  if (!own) return own.error();
  // The checkpoint syncs the database file before the log may be reused (the checkpointing
  // connection's setting decides).
  if (auto st = (*own)->Exec("PRAGMA synchronous=FULL"); !st) return st.error();
  // A connection opens the log with its first read; until then a checkpoint finds no log.
  if (auto st = (*own)->Exec("SELECT count(*) FROM sqlite_master"); !st) return st.error();
  if (auto st = writer.Exec("PRAGMA wal_autocheckpoint=0"); !st) return st.error();
  std::unique_ptr<WalCheckpointer> c(new WalCheckpointer(writer, std::move(*own), frames));
  sqlite3_wal_hook(writer.handle(), &WalCheckpointer::OnCommit, c.get());
  return c;
}

WalCheckpointer::WalCheckpointer(SqliteDb& writer, std::unique_ptr<SqliteDb> own, int frames)
    : writer_(writer), own_(std::move(own)), frames_(frames), thread_([this] { Run(); }) {}

WalCheckpointer::~WalCheckpointer() {
  sqlite3_wal_hook(writer_.handle(), nullptr, nullptr);
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

std::size_t WalCheckpointer::checkpoints() const {
  std::lock_guard lock(mu_);
  return checkpoints_;
}

// sqlite3_wal_hook: called on the writer's thread after each commit, with the log's size in
// pages. Returns SQLITE_OK: the commit itself is not affected.
//
// What wakes the thread is the pages added since the last checkpoint began, not the log's size:
// under steady load the writer appends while a checkpoint runs, so the log is rarely found fully
// copied when the next transaction starts and SQLite does not start it over. Waking on the size
// would then checkpoint (and sync the database file) after every commit.
int WalCheckpointer::OnCommit(void* self, sqlite3*, const char*, int frames) {
  auto* c = static_cast<WalCheckpointer*>(self);
  bool wake = false;
  {
    std::lock_guard lock(c->mu_);
    // A smaller log than last time: SQLite started it over from its beginning.
    const int added = frames >= c->wal_frames_ ? frames - c->wal_frames_ : frames;
    c->wal_frames_ = frames;
    wake = c->pending_ < c->frames_ && c->pending_ + added >= c->frames_;
    c->pending_ += added;
  }
  if (wake) c->cv_.notify_one();
  return SQLITE_OK;
}

void WalCheckpointer::Run() {
  NameThisThread("pesan-ckpt");
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return stopping_ || pending_ >= frames_; });
    if (stopping_) return;
    const bool restart = wal_frames_ >= 8 * frames_;
    pending_ = 0;
    lock.unlock();
    int log = 0, done = 0;
    int rc =
        sqlite3_wal_checkpoint_v2(own_->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
    if (restart && rc == SQLITE_OK) {
      // RESTART holds the writer while it copies and syncs the database file: after the PASSIVE
      // pass it copies only what was committed meanwhile.
      int log_after = 0, done_after = 0;
      rc = sqlite3_wal_checkpoint_v2(own_->handle(), nullptr, SQLITE_CHECKPOINT_RESTART, &log_after,
                                     &done_after);
      if (rc == SQLITE_OK) {
        held_frames_.fetch_add(static_cast<std::size_t>(std::max(done_after - done, 0)),
                               std::memory_order_relaxed);
      }
    }
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
      spdlog::warn("database checkpoint failed: {}", own_->ErrorMessage());
    }
    lock.lock();
    ++checkpoints_;
  }
}

}  // namespace pesan
