#include "core/wal_gather_vfs.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <mutex>
#include <string>

namespace pesan {
namespace {

constexpr int kFrameHeader = 24;               // WAL frame header (fileformat2 §4.1)
constexpr std::size_t kMaxGathered = 1 << 18;  // bytes kept before they are written anyway
// The unix VFS writes at most 0x1ffff bytes a call (seekAndWrite); a longer write is cut short
// and reported as a full disk. Gathered bytes go out in pieces of whole pages below that.
constexpr std::size_t kMaxWrite = 0x1ffff & ~std::size_t{4095};

std::atomic<std::uint64_t> g_log_syncs{0};

// A descriptor of its own on a log file, for the syncs run off the thread that owes them: the
// default VFS's file is not meant for two threads at once. (The log file carries no POSIX lock,
// so closing it drops none of SQLite's.)
class LogFd final : public OwedLogSync {
 public:
  explicit LogFd(int fd) : fd_(fd) {}
  ~LogFd() override { ::close(fd_); }
  int Run() override {
    if (::fdatasync(fd_) != 0) return errno;
    g_log_syncs.fetch_add(1, std::memory_order_relaxed);
    return 0;
  }

 private:
  const int fd_;
};

thread_local bool t_defer = false;
thread_local std::shared_ptr<OwedLogSync> t_owed;

// Our file: the methods SQLite calls, then the wrapped file of the default VFS (its size is
// that VFS's szOsFile, allocated by SQLite right after this struct).
struct GatherFile {
  sqlite3_file base;
  sqlite3_file* real;
  bool gather;                           // a write-ahead log
  std::string* pending;                  // gathered bytes (log files only)
  sqlite3_int64 start;                   // file offset of pending's first byte
  bool commit_page_next;                 // the last write was the header of a commit frame
  bool synced;                           // a sync of this log has reached the disk
  std::shared_ptr<OwedLogSync>* own_fd;  // log files only; may hold nullptr
};

sqlite3_vfs* g_default = nullptr;
std::atomic<std::uint64_t> g_log_writes{0};

GatherFile* Self(sqlite3_file* f) { return reinterpret_cast<GatherFile*>(f); }

int Flush(GatherFile* f) {
  if (!f->gather || f->pending->empty()) return SQLITE_OK;
  int rc = SQLITE_OK;
  for (std::size_t done = 0; done < f->pending->size() && rc == SQLITE_OK; done += kMaxWrite) {
    const std::size_t n = std::min(kMaxWrite, f->pending->size() - done);
    g_log_writes.fetch_add(1, std::memory_order_relaxed);
    rc = f->real->pMethods->xWrite(f->real, f->pending->data() + done, static_cast<int>(n),
                                   f->start + static_cast<sqlite3_int64>(done));
  }
  f->pending->clear();
  return rc;
}

int Close(sqlite3_file* file) {
  GatherFile* f = Self(file);
  int rc = Flush(f);
  const int closed = f->real->pMethods ? f->real->pMethods->xClose(f->real) : SQLITE_OK;
  delete f->pending;
  f->pending = nullptr;
  delete f->own_fd;
  f->own_fd = nullptr;
  return rc != SQLITE_OK ? rc : closed;
}

int Read(sqlite3_file* file, void* out, int n, sqlite3_int64 at) {
  GatherFile* f = Self(file);
  if (int rc = Flush(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xRead(f->real, out, n, at);
}

int Write(sqlite3_file* file, const void* data, int n, sqlite3_int64 at) {
  GatherFile* f = Self(file);
  if (!f->gather) return f->real->pMethods->xWrite(f->real, data, n, at);
  if (!f->pending->empty() && at != f->start + static_cast<sqlite3_int64>(f->pending->size())) {
    if (int rc = Flush(f); rc != SQLITE_OK) return rc;
  }
  if (f->pending->empty()) f->start = at;
  f->pending->append(static_cast<const char*>(data), static_cast<std::size_t>(n));
  // Header: page number, then the database size in pages after a commit (0 otherwise).
  const bool commit_page = f->commit_page_next;
  f->commit_page_next = false;
  if (n == kFrameHeader) {
    const auto* h = static_cast<const unsigned char*>(data);
    f->commit_page_next = (h[4] | h[5] | h[6] | h[7]) != 0;
  }
  if (commit_page || f->pending->size() >= kMaxGathered) return Flush(f);
  return SQLITE_OK;
}

int Truncate(sqlite3_file* file, sqlite3_int64 size) {
  GatherFile* f = Self(file);
  if (int rc = Flush(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xTruncate(f->real, size);
}

int Sync(sqlite3_file* file, int flags) {
  GatherFile* f = Self(file);
  if (int rc = Flush(f); rc != SQLITE_OK) return rc;
  if (f->gather && t_defer && f->synced && *f->own_fd) {
    t_owed = *f->own_fd;
    return SQLITE_OK;
  }
  const int rc = f->real->pMethods->xSync(f->real, flags);
  if (rc == SQLITE_OK && f->gather) {
    f->synced = true;
    g_log_syncs.fetch_add(1, std::memory_order_relaxed);
  }
  return rc;
}

int FileSize(sqlite3_file* file, sqlite3_int64* size) {
  GatherFile* f = Self(file);
  if (int rc = Flush(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xFileSize(f->real, size);
}

// The rest goes straight to the wrapped file.
int Lock(sqlite3_file* f, int l) { return Self(f)->real->pMethods->xLock(Self(f)->real, l); }
int Unlock(sqlite3_file* f, int l) { return Self(f)->real->pMethods->xUnlock(Self(f)->real, l); }
int CheckReserved(sqlite3_file* f, int* out) {
  return Self(f)->real->pMethods->xCheckReservedLock(Self(f)->real, out);
}
int FileControl(sqlite3_file* f, int op, void* arg) {
  return Self(f)->real->pMethods->xFileControl(Self(f)->real, op, arg);
}
int SectorSize(sqlite3_file* f) { return Self(f)->real->pMethods->xSectorSize(Self(f)->real); }
int DeviceCharacteristics(sqlite3_file* f) {
  return Self(f)->real->pMethods->xDeviceCharacteristics(Self(f)->real);
}
int ShmMap(sqlite3_file* f, int page, int size, int extend, void volatile** out) {
  return Self(f)->real->pMethods->xShmMap(Self(f)->real, page, size, extend, out);
}
int ShmLock(sqlite3_file* f, int offset, int n, int flags) {
  return Self(f)->real->pMethods->xShmLock(Self(f)->real, offset, n, flags);
}
void ShmBarrier(sqlite3_file* f) { Self(f)->real->pMethods->xShmBarrier(Self(f)->real); }
int ShmUnmap(sqlite3_file* f, int remove) {
  return Self(f)->real->pMethods->xShmUnmap(Self(f)->real, remove);
}
int Fetch(sqlite3_file* f, sqlite3_int64 at, int n, void** out) {
  GatherFile* g = Self(f);
  if (int rc = Flush(g); rc != SQLITE_OK) return rc;
  return g->real->pMethods->xFetch(g->real, at, n, out);
}
int Unfetch(sqlite3_file* f, sqlite3_int64 at, void* p) {
  return Self(f)->real->pMethods->xUnfetch(Self(f)->real, at, p);
}

const sqlite3_io_methods kMethods = {
    3,
    Close,
    Read,
    Write,
    Truncate,
    Sync,
    FileSize,
    Lock,
    Unlock,
    CheckReserved,
    FileControl,
    SectorSize,
    DeviceCharacteristics,
    ShmMap,
    ShmLock,
    ShmBarrier,
    ShmUnmap,
    Fetch,
    Unfetch,
};

int Open(sqlite3_vfs*, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  GatherFile* f = Self(file);
  f->base.pMethods = nullptr;
  f->real = reinterpret_cast<sqlite3_file*>(f + 1);
  f->gather = false;
  f->pending = nullptr;
  f->start = 0;
  f->commit_page_next = false;
  f->synced = false;
  f->own_fd = nullptr;
  const int rc = g_default->xOpen(g_default, name, f->real, flags, out_flags);
  if (rc != SQLITE_OK || f->real->pMethods == nullptr) {
    if (f->real->pMethods) f->real->pMethods->xClose(f->real);
    return rc != SQLITE_OK ? rc : SQLITE_CANTOPEN;
  }
  // Our methods are version 3; a default VFS with fewer would not be wrapped here.
  if (f->real->pMethods->iVersion < 3) {
    f->real->pMethods->xClose(f->real);
    return SQLITE_CANTOPEN;
  }
  f->gather = (flags & SQLITE_OPEN_WAL) != 0;
  if (f->gather) {
    f->pending = new std::string;
    // Without a descriptor of its own (name unknown, open failed) the log is synced in place.
    const int fd = name ? ::open(name, O_RDWR | O_CLOEXEC) : -1;
    f->own_fd = new std::shared_ptr<OwedLogSync>(fd >= 0 ? std::make_shared<LogFd>(fd) : nullptr);
  }
  f->base.pMethods = &kMethods;
  return SQLITE_OK;
}

sqlite3_vfs g_vfs;

}  // namespace

std::uint64_t WalGatherLogWrites() { return g_log_writes.load(std::memory_order_relaxed); }
std::uint64_t WalGatherLogSyncs() { return g_log_syncs.load(std::memory_order_relaxed); }

void DeferLogSyncs(bool on) { t_defer = on; }

std::shared_ptr<OwedLogSync> TakeOwedLogSync() { return std::move(t_owed); }

const char* WalGatherVfs() {
  static std::once_flag once;
  std::call_once(once, [] {
    g_default = sqlite3_vfs_find(nullptr);
    // The default VFS's own methods (and its pAppData, which they read) for everything but
    // opening a file.
    g_vfs = *g_default;
    g_vfs.pNext = nullptr;
    g_vfs.szOsFile = static_cast<int>(sizeof(GatherFile)) + g_default->szOsFile;
    g_vfs.zName = "pesan-wal-gather";
    g_vfs.xOpen = Open;
    sqlite3_vfs_register(&g_vfs, 0);
  });
  return g_vfs.zName;
}

}  // namespace pesan
