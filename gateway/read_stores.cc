#include "gateway/read_stores.h"

#include <atomic>
#include <unordered_map>

#include "core/sqlite_store.h"

namespace pesan {

ReadStores::ReadStores(std::string path) : path_(std::move(path)) {
  static std::atomic<std::uint64_t> next{1};
  id_ = next++;
}

Result<Store*> ReadStores::ForThisThread() {
  thread_local std::unordered_map<std::uint64_t, std::unique_ptr<Store>> mine;
  auto& slot = mine[id_];
  if (!slot) {
    auto s = SqliteStore::Open(path_, SqliteDb::Mode::kReadOnly);
    if (!s) return s.error();
    slot = std::move(*s);
  }
  return slot.get();
}

}  // namespace pesan
