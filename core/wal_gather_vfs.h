// A SQLite VFS that gathers the writes of a transaction to its write-ahead log into one.
//
// SQLite appends each page of a commit to the log as two writes, the 24-byte frame header and
// the page (https://sqlite.org/fileformat2.html §4.1), so a group commit of a few orders makes
// dozens of pwrite calls before its sync. This VFS wraps the platform's default one; on files
// opened as a log it keeps writes that continue the previous one in memory and hands them to
// the file in a single write:
//  - before any sync of the file, so that the sync covers every frame (durability unchanged:
//    the frames reach the file before the sync that makes the commit durable, as before);
//  - right after the page of a commit frame (a frame whose header holds the database size), so
//    that the frames of a commit are in the file before SQLite publishes it to other
//    connections, whatever their `synchronous` setting;
//  - before any read, size query, truncation or close of the file, a write elsewhere in it, or
//    when the gathered bytes pass 256 KiB.
// A failed write is reported to SQLite at that point, as the write itself would have been.
// Every other file (the database, its shared-memory index) goes straight through.
//
// A thread may also defer the syncs of log files (DeferLogSyncs): then a sync SQLite asks for at
// a commit writes the gathered frames to the file and returns without waiting for the disk, and
// the thread takes the sync it owes (TakeOwedLogSync) to run it elsewhere, before anyone learns
// of the commit. The database writer does this so that the next batch runs while the disk
// flushes the last one (see DbWriter). The first sync of a log file is never deferred: the
// default VFS also syncs the folder then, so that a new log file is found after a power cut.
#pragma once

#include <cstdint>
#include <memory>

namespace pesan {

// Registers the VFS (once; thread-safe) and returns its name for sqlite3_open_v2.
const char* WalGatherVfs();

// Writes handed to log files so far, by every connection of this process (for tests).
std::uint64_t WalGatherLogWrites();
// Syncs of log files that reached the disk so far (deferred ones when they ran; for tests).
std::uint64_t WalGatherLogSyncs();

// A sync of a log file that a deferring thread owes. Run() flushes the file to the disk
// (fdatasync(2), as the default VFS does on Linux) and returns 0 or the errno; any thread may
// run it, also while SQLite writes to the file. It covers every write made to the file before
// it runs.
class OwedLogSync {
 public:
  virtual ~OwedLogSync() = default;
  virtual int Run() = 0;
};

// From now on, on this thread, defer the syncs of log files (on) or not (off).
void DeferLogSyncs(bool on);
// The sync this thread owes since its last call, or nullptr when none.
std::shared_ptr<OwedLogSync> TakeOwedLogSync();

}  // namespace pesan
