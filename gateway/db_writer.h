// The one writer of the database. Requests from any thread queue a job; the writer thread
// runs all queued jobs in one transaction and commits them together (group commit): one fsync
// for many orders, and every order still durable before its answer leaves. A job whose work
// fails is rolled back alone.
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

#include "core/store.h"

namespace pesan {

class DbWriter {
 public:
  // work: runs on the writer thread inside the batch transaction; an error rolls back this
  //       job's changes only. It may run twice: when a later job of its batch fails after
  //       changing rows (a disk error), the batch is rolled back and run again. Outside the
  //       store it should set only what a second run sets to the same (a result, a mark).
  // done: runs on the writer thread after the commit (or the failure) with the outcome:
  //       ok only if the work succeeded AND the commit is durable. Keep it short: post the
  //       answer to the caller's executor.
  using Work = std::function<Status(Store&)>;
  using Done = std::function<void(Status)>;
  // Called on the writer thread, with the writer's store, after each durable commit (e.g. to
  // refresh caches, wake the outbox).
  using AfterCommit = std::function<void(Store&)>;

  DbWriter(std::unique_ptr<Store> store, std::size_t max_batch = 256);
  ~DbWriter();  // drains the queue, then stops

  void Submit(Work work, Done done);
  void SetAfterCommit(AfterCommit f) { after_commit_ = std::move(f); }
  // Stops taking jobs, finishes those queued, joins the thread.
  void Stop();
  // Jobs committed so far and commits made (for the logs and benchmarks).
  std::size_t jobs_committed() const { return jobs_committed_; }
  std::size_t commits() const { return commits_; }
  // Batches run again because one of their jobs failed after changing rows.
  std::size_t reruns() const { return reruns_; }
  // Why the last transaction could not begin or commit ("database or disk is full", the
  // database locked by another program); nullopt once one commits again (or before any ran).
  // Cheap: an atomic load while all is well.
  std::optional<std::string> Failing() const;

 private:
  struct Job {
    Work work;
    Done done;
  };
  void Run();
  void RunBatch(std::deque<Job>& batch);
  void Failed(std::size_t jobs, const char* what, const Error& error);
  void Succeeded();

  std::unique_ptr<Store> store_;
  const std::size_t max_batch_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  AfterCommit after_commit_;
  std::atomic<std::size_t> jobs_committed_{0};
  std::atomic<std::size_t> commits_{0};
  std::atomic<std::size_t> reruns_{0};
  std::atomic<bool> failing_{false};
  mutable std::mutex failure_mu_;
  std::string failure_;  // guarded by failure_mu_
  std::thread thread_;
};

}  // namespace pesan
