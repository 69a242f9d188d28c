// The phone numbers that may have a customer row or an order: a Bloom filter of fixed size,
// safe to read and add to from any thread. "No" is certain, so a number never seen costs no
// database read (most USSD sessions of a growing shop are new customers'); "maybe" is right for
// every number added and wrong for a few others (they then read the database and find nothing).
// Numbers are only ever added: a removed customer stays a "maybe".
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

namespace pesan {

class KnownPhones {
 public:
  // 2^22 bits (512 KiB): about 1 false "maybe" in 10,000 at 100,000 numbers, 1 in 100 at 400,000.
  explicit KnownPhones(unsigned log2_bits = 22);
  void Add(std::string_view phone);
  bool MayContain(std::string_view phone) const;

 private:
  static constexpr int kProbes = 4;
  std::unique_ptr<std::atomic<std::uint64_t>[]> words_;
  const std::uint64_t mask_;  // bits - 1
};

}  // namespace pesan
