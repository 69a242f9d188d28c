// Fuzzes the GSM text layer with arbitrary bytes and checks its invariants.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/gsm_text.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pesan;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::string norm = EncodeUtf8(DecodeUtf8(in));
  Check(IsValidUtf8(norm));
  if (IsValidUtf8(in)) Check(norm == in);
  Check(Utf16BeToUtf8(Utf8ToUtf16Be(in)) == norm);
  Check(IsValidUtf8(Utf16BeToUtf8(in)));

  // As septets: decoding never fails, packing round-trips at every fill.
  const int fill = size > 0 ? data[0] % 7 : 0;
  std::string septets;
  for (char c : in) septets.push_back(static_cast<char>(c & 0x7F));
  Check(UnpackSeptets(PackSeptets(septets, fill), septets.size(), fill) == septets);
  Check(IsValidUtf8(Gsm7ToUtf8(in)));
  Check(UnpackSeptets(in, size * 2, fill).size() <= (size * 8 - (size ? fill : 0)) / 7);

  if (auto gsm = Utf8ToGsm7(in)) {
    Check(IsGsm7(in));
    Check(Gsm7ToUtf8(*gsm) == norm);
  }

  const std::string friendly = ToGsmFriendly(in);
  Check(IsValidUtf8(friendly));
  Check(ToGsmFriendly(friendly) == friendly);
  const FriendlyText counted = ToGsmFriendlyCounted(in);
  const SegmentInfo friendly_info = CountSegments(friendly);
  Check(counted.text == friendly);
  Check(counted.info.coding == friendly_info.coding && counted.info.units == friendly_info.units &&
        counted.info.segments == friendly_info.segments);

  const SegmentInfo info = CountSegments(in);
  const std::vector<std::string> parts = SplitSms(in, info.coding);
  Check(parts.size() == info.segments);
  std::string joined;
  for (const std::string& p : parts) {
    joined += p;
    if (parts.size() > 1) {
      if (info.coding == SmsCoding::kGsm7) {
        Check(Utf8ToGsm7(p)->size() <= 153);
      } else {
        Check(Utf16Units(p) <= 67);
      }
    }
  }
  Check(joined == norm);
  return 0;
}
