// Read-only database connections, one per thread that asks (SQLite connections are not shared
// between threads). In WAL mode readers never wait for the writer.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/store.h"

namespace pesan {

class ReadStores {
 public:
  explicit ReadStores(std::string path);
  // This thread's connection, opened on first use.
  Result<Store*> ForThisThread();

 private:
  std::string path_;
  std::uint64_t id_;  // never reused, unlike an address
};

}  // namespace pesan
