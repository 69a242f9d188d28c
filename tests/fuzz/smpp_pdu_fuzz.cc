// Fuzzes the SMPP 3.4 codec: the input is a byte stream from an SMSC. Every PDU the framer cuts
// is decoded; a decoded PDU must encode back to the very same bytes; receipts must not crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "adapters/smpp/pdu.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pesan::smpp;
  std::string_view stream(reinterpret_cast<const char*>(data), size);
  // The whole input as receipt text too.
  (void)ParseReceiptText(stream);
  while (true) {
    Frame f = NextFrame(stream, 4096);
    if (f.kind == Frame::Kind::kNeedMore) break;
    if (f.kind == Frame::Kind::kBad) {
      Check(!f.error.empty());
      break;
    }
    Check(f.pdu.size() >= kHeaderLength && f.pdu.size() <= stream.size());
    DecodeError err;
    auto pdu = DecodePdu(f.pdu, &err);
    if (pdu.ok()) {
      auto bytes = EncodePdu(pdu.value());
      Check(bytes.ok());
      Check(bytes.value() == f.pdu);
      auto again = DecodePdu(bytes.value());
      Check(again.ok() && again.value() == pdu.value());
      if (auto* sm = std::get_if<ShortMessageBody>(&pdu->body)) {
        auto rep = ReportFromReceipt(*sm, pdu->tlvs);
        if (rep.ok()) Check(!rep->provider_id.empty());
      }
    } else {
      Check(!pdu.error().message.empty());
      Check(err.nack_status != kRok);
    }
    stream.remove_prefix(f.pdu.size());
  }
  return 0;
}
