#include "core/known_phones.h"

#include <functional>

namespace pesan {
namespace {

// Probe i of a number: double hashing of one 64-bit hash (Kirsch and Mitzenmacher), the second
// half made odd so that the probes differ.
struct Probes {
  explicit Probes(std::string_view phone) {
    const std::uint64_t h = std::hash<std::string_view>{}(phone);
    a = h;
    b = (h >> 32 | h << 32) | 1;
  }
  std::uint64_t Bit(int i, std::uint64_t mask) const {
    return (a + static_cast<std::uint64_t>(i) * b) & mask;
  }
  std::uint64_t a, b;
};

}  // namespace

KnownPhones::KnownPhones(unsigned log2_bits)
    : words_(new std::atomic<std::uint64_t>[(std::size_t{1} << log2_bits) / 64]()),
      mask_((std::uint64_t{1} << log2_bits) - 1) {}

void KnownPhones::Add(std::string_view phone) {
  const Probes p(phone);
  for (int i = 0; i < kProbes; ++i) {
    const std::uint64_t bit = p.Bit(i, mask_);
    words_[bit / 64].fetch_or(std::uint64_t{1} << (bit % 64), std::memory_order_release);
  }
}

bool KnownPhones::MayContain(std::string_view phone) const {
  const Probes p(phone);
  for (int i = 0; i < kProbes; ++i) {
    const std::uint64_t bit = p.Bit(i, mask_);
    if ((words_[bit / 64].load(std::memory_order_acquire) & (std::uint64_t{1} << (bit % 64))) ==
        0) {
      return false;
    }
  }
  return true;
}

}  // namespace pesan
