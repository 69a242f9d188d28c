// Fuzzes the AT line framer and the response parsers: the first byte of each chunk picks the
// context (command pending, expected prefix, prompt), the rest is fed as modem output.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "adapters/modem/at_parser.h"
#include "adapters/modem/at_responses.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pesan::modem;
  static const char* kPrefixes[] = {
      "", "+CMGL:", "+CMGR:", "+CMGS:", "+CREG:", "+CPMS:", "+CSQ:", "+CPIN:"};
  AtParser parser;
  std::vector<AtEvent> events;
  std::vector<std::string> lines;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  while (!in.empty()) {
    uint8_t sel = static_cast<uint8_t>(in[0]);
    in.remove_prefix(1);
    size_t n = std::min<size_t>(in.size(), 1 + (sel >> 3) * 4);
    AtContext ctx;
    ctx.command_pending = sel & 1;
    ctx.expect_prompt = sel & 2;
    ctx.response_prefix = kPrefixes[(sel >> 2) & 7];
    events.clear();
    parser.Feed(in.substr(0, n), ctx, &events);
    in.remove_prefix(n);
    for (const auto& ev : events) {
      if (ev.kind == AtEvent::Kind::kFinal) {
        (void)Describe(ev.final);
        (void)ParseCmgl(lines);
        (void)ParseCmgr(lines);
        lines.clear();
        continue;
      }
      lines.push_back(ev.line);
      (void)ParseStorageIndication(ev.line);
      (void)ParseCmgs(ev.line);
      if (auto q = ParseCsq(ev.line)) {
        (void)RssiToDbm(q->rssi);
        (void)RssiToBars(q->rssi);
      }
      (void)ParseCregResponse(ev.line);
      (void)ParseCsca(ev.line);
      (void)ParseCpms(ev.line);
      (void)ParseCpin(ev.line);
    }
  }
  return 0;
}
