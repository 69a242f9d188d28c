#include "gateway/db_writer.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>

#include "core/thread_name.h"

namespace pesan {
namespace {

// The store's own failures (kInternal: an SQLite error; kUnavailable: the database locked), as
// against a job's refusal (kNotFound, kConflict, kInvalidInput).
bool IsStorageError(const Status& st) {
  return !st &&
         (st.error().code == ErrorCode::kInternal || st.error().code == ErrorCode::kUnavailable);
}

}  // namespace

DbWriter::DbWriter(std::unique_ptr<Store> store, std::size_t max_batch)
    : store_(std::move(store)),
      max_batch_(max_batch),
      flush_thread_([this] { Flush(); }),
      thread_([this] { Run(); }) {}

DbWriter::~DbWriter() { Stop(); }

void DbWriter::Submit(Work work, Done done) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      queue_.push_back({std::move(work), std::move(done)});
      cv_.notify_one();
      return;
    }
  }
  done(Unavailable("the database writer is stopping"));
}

void DbWriter::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    cv_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
  {
    std::lock_guard lock(flush_mu_);
    flush_stop_ = true;
    flush_cv_.notify_one();
  }
  if (flush_thread_.joinable()) flush_thread_.join();
}

void DbWriter::SetBeforeFlush(std::function<int()> f) {
  std::lock_guard lock(flush_mu_);
  before_flush_ = std::move(f);
}

void DbWriter::WhenDurable(std::function<void(bool)> f) {
  Submit([](Store&) -> Status { return Ok{}; }, [f = std::move(f)](Status st) { f(st.ok()); });
}

// In commit order: a batch that owes no sync (nothing written) still waits for the batches
// before it, whose rows it may have read.
void DbWriter::Deliver(Finished finished) {
  {
    std::lock_guard lock(flush_mu_);
    if (finished.sync || flushing_ || !flush_queue_.empty()) {
      flush_queue_.push_back(std::move(finished));
      flush_cv_.notify_one();
      return;
    }
  }
  const std::optional<Error> broken = Broken();
  Announce(finished, broken);
  if (finished.committed && !broken && after_durable_) after_durable_();
}

void DbWriter::Announce(Finished& finished, const std::optional<Error>& flush_failed) {
  for (auto& [done, st] : finished.outcomes) {
    if (!flush_failed || !st) {
      done(std::move(st));
    } else {
      done(*flush_failed);
    }
  }
}

// The flushing thread: one sync for every batch queued meanwhile (they all write to the same
// log, and a sync covers every write before it), then their answers in commit order.
void DbWriter::Flush() {
  NameThisThread("pesan-flush");
  std::deque<Finished> batches;
  std::unique_lock lock(flush_mu_);
  while (true) {
    flush_cv_.wait(lock, [this] { return flush_stop_ || !flush_queue_.empty(); });
    if (flush_queue_.empty()) return;  // stopping and drained
    batches.swap(flush_queue_);
    flushing_ = true;
    const auto before = before_flush_;
    lock.unlock();
    const int fault = before ? before() : 0;
    std::shared_ptr<OwedLogSync> sync;
    for (auto& b : batches) {
      if (b.sync) sync = b.sync;
    }
    if (sync && !broken_.load(std::memory_order_acquire)) {
      const int error = fault != 0 ? fault : sync->Run();
      if (error != 0) {
        std::size_t jobs = 0;
        for (auto& b : batches) jobs += b.outcomes.size();
        Break(error, jobs);
      } else {
        ++flushes_;
      }
    }
    const std::optional<Error> broken = Broken();
    bool committed = false;
    for (auto& b : batches) {
      Announce(b, broken);
      committed = committed || b.committed;
    }
    // Once for all the batches this flush made durable.
    if (committed && !broken && after_durable_) after_durable_();
    batches.clear();
    lock.lock();
    flushing_ = false;
  }
}

std::optional<std::string> DbWriter::Failing() const {
  if (!failing_.load(std::memory_order_acquire)) return std::nullopt;
  std::lock_guard lock(failure_mu_);
  return failure_;
}

// Every request of the batch is answered as failed ("gangguan" to a USSD customer): the log says
// why, at error level, whatever the callers log.
void DbWriter::Failed(std::size_t jobs, const char* what, const Error& error) {
  spdlog::error("database {} failed ({} request(s) not stored): {}", what, jobs, error.message);
  std::lock_guard lock(failure_mu_);
  if (broken_.load(std::memory_order_acquire)) return;  // that one stays the reason
  failure_ = std::string(what) + " failed: " + error.message;
  failing_.store(true, std::memory_order_release);
}

void DbWriter::Break(int error, std::size_t jobs) {
  spdlog::critical(
      "database disk flush failed ({} request(s) not stored): {}. Nothing more is stored until "
      "the gateway restarts: check the disk (a worn SD card?), then restart it.",
      jobs, std::strerror(error));
  std::lock_guard lock(failure_mu_);
  broken_why_ = std::string("disk flush failed: ") + std::strerror(error) +
                "; nothing is stored until the gateway restarts";
  failure_ = broken_why_;
  failing_.store(true, std::memory_order_release);
  broken_.store(true, std::memory_order_release);
}

std::optional<Error> DbWriter::Broken() const {
  if (!broken_.load(std::memory_order_acquire)) return std::nullopt;
  std::lock_guard lock(failure_mu_);
  return Internal(broken_why_);
}

void DbWriter::Succeeded() {
  if (!failing_.load(std::memory_order_acquire) || broken_.load(std::memory_order_acquire)) return;
  spdlog::info("database commits again");
  std::lock_guard lock(failure_mu_);
  failing_.store(false, std::memory_order_release);
  failure_.clear();
}

void DbWriter::Run() {
  NameThisThread("pesan-db");
  DeferLogSyncs(true);
  std::deque<Job> batch;
  while (true) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      while (!queue_.empty() && batch.size() < max_batch_) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    RunBatch(batch);
    batch.clear();
  }
}

// The jobs run one after the other in one transaction. A savepoint per job would copy every
// page a job changes first (the pages all orders append to, each time) into the savepoint
// journal, a good part of the writer's work per order; so a job runs without one. A job that
// fails without changing a row (no stock, no such order) leaves nothing to undo. One that fails
// after changing rows (a disk error, a broken constraint) cannot be undone alone: the batch is
// rolled back and run again with a savepoint per job, and the jobs before it run twice (see
// Work).
void DbWriter::RunBatch(std::deque<Job>& batch) {
  std::vector<Status> results;
  results.reserve(batch.size());
  Finished finished;
  finished.outcomes.reserve(batch.size());
  auto fail_all = [&](const Status& st) {
    for (auto& job : batch) finished.outcomes.emplace_back(std::move(job.done), st);
    Deliver(std::move(finished));
  };
  if (auto broken = Broken()) return fail_all(*broken);  // nothing runs after a failed flush
  Status begun = store_->Begin();
  if (!begun) {
    Failed(batch.size(), "transaction", begun.error());
    return fail_all(begun);
  }
  bool undo = false;
  for (auto& job : batch) {
    const std::int64_t before = store_->RowsChanged();
    results.push_back(job.work(*store_));
    if (!results.back() && store_->RowsChanged() != before) {
      undo = true;
      break;
    }
  }
  if (undo) {
    store_->Rollback();
    if (batch.size() == 1) {
      if (IsStorageError(results.back())) Failed(1, "write", results.back().error());
      finished.outcomes.emplace_back(std::move(batch.front().done), std::move(results.back()));
      return Deliver(std::move(finished));
    }
    ++reruns_;
    results.clear();
    begun = store_->Begin();
    if (!begun) {
      Failed(batch.size(), "transaction", begun.error());
      return fail_all(begun);
    }
    for (auto& job : batch) {
      Status st = store_->Savepoint();
      if (st) {
        st = job.work(*store_);
        if (st) {
          st = store_->ReleaseSavepoint();
        } else {
          store_->RollbackToSavepoint();
        }
      }
      results.push_back(std::move(st));
    }
  }
  Status committed = store_->Commit();
  // A job the database could not store (a full disk fails the write, not the commit) makes
  // the writer fail as a failed commit does; refusals (no stock, no such order) do not.
  auto broken = std::find_if(results.begin(), results.end(), IsStorageError);
  if (!committed) {
    Failed(batch.size(), "commit", committed.error());
    store_->Rollback();
  } else {
    if (broken != results.end()) {
      Failed(
          static_cast<std::size_t>(std::count_if(results.begin(), results.end(), IsStorageError)),
          "write", broken->error());
    } else {
      Succeeded();
    }
    ++commits_;
    jobs_committed_ += batch.size();
    finished.committed = true;
    if (after_commit_) after_commit_(*store_);
  }
  finished.sync = TakeOwedLogSync();
  for (size_t i = 0; i < batch.size(); ++i) {
    finished.outcomes.emplace_back(std::move(batch[i].done),
                                   committed ? std::move(results[i]) : committed);
  }
  Deliver(std::move(finished));
}

}  // namespace pesan
