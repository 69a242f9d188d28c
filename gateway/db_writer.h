// The one writer of the database. Requests from any thread queue a job; the writer thread
// runs all queued jobs in one transaction and commits them together (group commit): one fsync
// for many orders, and every order still durable before its answer leaves. A job whose work
// fails is rolled back alone.
//
// The disk flush of a commit runs on a thread of its own (the log's sync is deferred, see
// WalGatherVfs): while the disk flushes one batch, the writer runs and commits the next, and one
// flush often covers several batches. A batch's jobs hear of their outcome (done) only after a
// flush that covers their commit, in the order they were committed.
//
// A failed flush stops the writer for good. The kernel may have dropped the log's pages it could
// not write and reports that once: a later flush succeeds without them, and a log with a frame
// missing ends there when it is read after a power cut, taking every later commit with it (a
// frame is valid only if every frame before it is: https://sqlite.org/fileformat2.html §4.1).
// So the batches of the failed flush and every one after it are answered as failed, no job runs
// again, and Failing() says so until the gateway restarts.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/store.h"
#include "core/wal_gather_vfs.h"

namespace pesan {

class DbWriter {
 public:
  // work: runs on the writer thread inside the batch transaction; an error rolls back this
  //       job's changes only. It may run twice: when a later job of its batch fails after
  //       changing rows (a disk error), the batch is rolled back and run again. Outside the
  //       store it should set only what a second run sets to the same (a result, a mark).
  // done: runs after the commit has reached the disk (or after the failure) with the outcome:
  //       ok only if the work succeeded AND the commit is durable; on the flushing thread, or
  //       on the writer thread when nothing was left to flush. Keep it short: post the answer
  //       to the caller's executor.
  using Work = std::function<Status(Store&)>;
  using Done = std::function<void(Status)>;
  // Called on the writer thread, with the writer's store, after each commit, which may not be
  // on the disk yet (e.g. to refresh caches).
  using AfterCommit = std::function<void(Store&)>;
  // Called once after each flush that made commits durable, or after a commit that owed none
  // (e.g. to wake the outbox), on the thread that runs the jobs' done.
  using AfterDurable = std::function<void()>;

  DbWriter(std::unique_ptr<Store> store, std::size_t max_batch = 256);
  ~DbWriter();  // drains the queue, then stops

  void Submit(Work work, Done done);
  void SetAfterCommit(AfterCommit f) { after_commit_ = std::move(f); }
  void SetAfterDurable(AfterDurable f) { after_durable_ = std::move(f); }
  // Called on the flushing thread before each flush; a flush that syncs the log fails with the
  // errno `f` returns unless 0, as a failed fdatasync(2) would (a seam for tests: they hold the
  // flush there to keep commits off the disk, or fail it, which no disk here can be made to do).
  // Any thread.
  void SetBeforeFlush(std::function<int()> f);
  // Runs `f(true)` once everything committed so far is on the disk (a job that writes nothing,
  // run in the next batch): what a reader saw before calling this is durable then. `f(false)`
  // when that cannot be known (the writer failing or stopping).
  void WhenDurable(std::function<void(bool)> f);
  // Stops taking jobs, finishes those queued and their flushes, joins the threads.
  void Stop();
  // Jobs committed so far, commits made and disk flushes that made them durable (for the logs,
  // tests and benchmarks).
  std::size_t jobs_committed() const { return jobs_committed_; }
  std::size_t commits() const { return commits_; }
  std::size_t flushes() const { return flushes_; }
  // Batches run again because one of their jobs failed after changing rows.
  std::size_t reruns() const { return reruns_; }
  // Why the last transaction could not begin or commit ("database or disk is full", the
  // database locked by another program); nullopt once one commits again (or before any ran).
  // After a failed flush, that failure for good. Cheap: an atomic load while all is well.
  std::optional<std::string> Failing() const;

 private:
  struct Job {
    Work work;
    Done done;
  };
  // A committed (or failed) batch waiting for its flush: each job's done and outcome, and the
  // sync its commit owes (nullptr when it owes none).
  struct Finished {
    std::vector<std::pair<Done, Status>> outcomes;
    std::shared_ptr<OwedLogSync> sync;
    bool committed = false;
  };
  void Run();
  void RunBatch(std::deque<Job>& batch);
  void Deliver(Finished finished);
  void Flush();
  // Runs the jobs' done (those that succeeded answered `flush_failed` instead, when given).
  void Announce(Finished& finished, const std::optional<Error>& flush_failed);
  void Failed(std::size_t jobs, const char* what, const Error& error);
  // After a failed flush: stops the writer for good (see the top of this file).
  void Break(int error, std::size_t jobs);
  // The error every job is answered with once a flush failed, or nullopt.
  std::optional<Error> Broken() const;
  void Succeeded();

  std::unique_ptr<Store> store_;
  const std::size_t max_batch_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  AfterCommit after_commit_;
  AfterDurable after_durable_;
  // The flushing thread's queue, in commit order.
  std::mutex flush_mu_;
  std::condition_variable flush_cv_;
  std::deque<Finished> flush_queue_;
  bool flushing_ = false;  // the flushing thread works on batches taken from the queue
  bool flush_stop_ = false;
  std::function<int()> before_flush_;
  std::atomic<std::size_t> flushes_{0};
  std::atomic<std::size_t> jobs_committed_{0};
  std::atomic<std::size_t> commits_{0};
  std::atomic<std::size_t> reruns_{0};
  std::atomic<bool> failing_{false};
  mutable std::mutex failure_mu_;
  std::string failure_;              // guarded by failure_mu_
  std::atomic<bool> broken_{false};  // a flush failed: see the top of this file
  std::string broken_why_;           // guarded by failure_mu_; set once, with broken_
  std::thread flush_thread_;
  std::thread thread_;
};

}  // namespace pesan
