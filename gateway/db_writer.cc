#include "gateway/db_writer.h"

#include <spdlog/spdlog.h>

#include "core/thread_name.h"

namespace pesan {

DbWriter::DbWriter(std::unique_ptr<Store> store, std::size_t max_batch)
    : store_(std::move(store)), max_batch_(max_batch), thread_([this] { Run(); }) {}

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
}

void DbWriter::Run() {
  NameThisThread("pesan-db");
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

void DbWriter::RunBatch(std::deque<Job>& batch) {
  std::vector<Status> results;
  results.reserve(batch.size());
  Status begun = store_->Begin();
  if (!begun) {
    for (auto& job : batch) job.done(begun);
    return;
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
  Status committed = store_->Commit();
  if (!committed) {
    spdlog::error("database commit failed: {}", committed.error().message);
    store_->Rollback();
  } else {
    ++commits_;
    jobs_committed_ += batch.size();
    if (after_commit_) after_commit_(*store_);
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    batch[i].done(committed ? std::move(results[i]) : committed);
  }
}

}  // namespace pesan
