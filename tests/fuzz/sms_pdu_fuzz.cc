// Fuzzes the SMS PDU decoder with arbitrary octets (and as hex), and checks that what it
// decodes re-encodes to something it decodes the same way.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>

#include "adapters/modem/pdu.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pesan;
  using namespace pesan::modem;
  const std::span<const uint8_t> bytes(data, size);
  for (bool has_smsc : {true, false}) {
    auto r = DecodePduBytes(bytes, {.tpdu_length = {}, .has_smsc = has_smsc});
    if (!r.ok()) {
      Check(!r.error().message.empty());
      continue;
    }
    const SmsPdu& p = *r;
    Check(IsValidUtf8(p.text));
    Check(IsValidUtf8(p.address.value));
    if (p.udh && p.udh->concat) {
      Check(p.udh->concat->seq >= 1 && p.udh->concat->seq <= p.udh->concat->total);
    }
    // The same octets as hex decode identically.
    const std::string hex = ToHex(std::string_view(reinterpret_cast<const char*>(data), size));
    auto again = DecodePdu(hex, {.tpdu_length = {}, .has_smsc = has_smsc});
    Check(again.ok() && again->text == p.text && again->address == p.address);

    // A DELIVER carrying the decoded text re-encodes and decodes back to the same text.
    if (p.type == PduType::kDeliver && !p.text.empty()) {
      DeliverOptions o;
      o.timestamp = {2025, 1, 9, 13, 45, 7, 28};
      auto enc = EncodeDeliver("+6281234567890", p.text, o);
      Check(enc.ok());
      std::string joined;
      for (const EncodedPdu& e : *enc) {
        auto d = DecodePdu(e.hex, {.tpdu_length = e.tpdu_length, .has_smsc = true});
        Check(d.ok());
        joined += d->text;
      }
      Check(joined == p.text);
    }
  }
  // Hex parsing of the raw input never crashes.
  auto h = DecodePdu(std::string_view(reinterpret_cast<const char*>(data), size));
  (void)h;
  return 0;
}
