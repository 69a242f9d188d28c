#include "adapters/modem/at_responses.h"

#include <charconv>

#include "core/text_util.h"

namespace pesan::modem {
namespace {

std::optional<int> ToInt(std::string_view s) {
  s = Trim(s, kBlanks);
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

bool IsHex(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

// The PDU line: hex, with a stray ",0" some modems append dropped (PROTOCOLS.md §3.7).
std::optional<std::string> PduLine(std::string_view line) {
  line = Trim(line, kBlanks);
  if (auto comma = line.find(','); comma != std::string_view::npos) line = line.substr(0, comma);
  if (!IsHex(line)) return std::nullopt;
  return std::string(line);
}

}  // namespace

std::optional<std::vector<std::string>> SplitParams(std::string_view line,
                                                    std::string_view prefix) {
  if (line.substr(0, prefix.size()) != prefix) return std::nullopt;
  std::string_view rest = line.substr(prefix.size());
  if (rest.empty() || rest.front() != ':') return std::nullopt;
  rest.remove_prefix(1);
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (char c : rest) {
    if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      out.emplace_back(Trim(cur, kBlanks));
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  out.emplace_back(Trim(cur, kBlanks));
  return out;
}

std::vector<StoredPdu> ParseCmgl(const std::vector<std::string>& lines) {
  std::vector<StoredPdu> out;
  for (size_t i = 0; i < lines.size(); ++i) {
    auto p = SplitParams(lines[i], "+CMGL");
    // 27.005 §3.4.2 PDU mode: <index>,<stat>,[<alpha>],<length>
    if (!p || p->size() < 3) continue;
    auto index = ToInt((*p)[0]);
    auto stat = ToInt((*p)[1]);
    auto length = ToInt(p->back());
    if (!index || !stat || !length || i + 1 >= lines.size()) continue;
    auto pdu = PduLine(lines[i + 1]);
    if (!pdu) continue;
    out.push_back(StoredPdu{*index, *stat, *length, std::move(*pdu)});
    ++i;
  }
  return out;
}

std::optional<StoredPdu> ParseCmgr(const std::vector<std::string>& lines) {
  for (size_t i = 0; i + 1 < lines.size(); ++i) {
    auto p = SplitParams(lines[i], "+CMGR");
    // 27.005 §3.4.3 PDU mode: <stat>,[<alpha>],<length>
    if (!p || p->size() < 2) continue;
    auto stat = ToInt((*p)[0]);
    auto length = ToInt(p->back());
    auto pdu = PduLine(lines[i + 1]);
    if (!stat || !length || !pdu) continue;
    return StoredPdu{-1, *stat, *length, std::move(*pdu)};
  }
  return std::nullopt;
}

std::optional<StorageIndication> ParseStorageIndication(std::string_view line) {
  auto p = SplitParams(line, "+CMTI");
  if (!p) p = SplitParams(line, "+CDSI");
  if (!p || p->size() < 2) return std::nullopt;
  auto index = ToInt((*p)[1]);
  if (!index || *index < 0) return std::nullopt;
  return StorageIndication{(*p)[0], *index};
}

std::optional<int> ParseCmgs(std::string_view line) {
  auto p = SplitParams(line, "+CMGS");
  if (!p || p->empty()) return std::nullopt;
  auto mr = ToInt((*p)[0]);
  if (!mr || *mr < 0 || *mr > 255) return std::nullopt;
  return mr;
}

std::optional<SignalQuality> ParseCsq(std::string_view line) {
  auto p = SplitParams(line, "+CSQ");
  if (!p || p->size() < 2) return std::nullopt;
  auto rssi = ToInt((*p)[0]);
  auto ber = ToInt((*p)[1]);
  if (!rssi || !ber) return std::nullopt;
  return SignalQuality{*rssi, *ber};
}

std::optional<int> RssiToDbm(int rssi) {
  // 27.007 §8.5: 0 = -113 dBm or less, 1 = -111, 2..30 = -109..-53 in 2 dB steps, 31 = -51 or more.
  if (rssi < 0 || rssi > 31) return std::nullopt;
  return -113 + 2 * rssi;
}

int RssiToBars(int rssi) {
  if (rssi < 0 || rssi > 31) return -1;
  // Thresholds in the usual handset style: < -109 dBm none, then roughly 6 dB per bar.
  if (rssi < 2) return 0;
  if (rssi < 7) return 1;   // -109 .. -101 dBm
  if (rssi < 12) return 2;  // -99 .. -91
  if (rssi < 17) return 3;  // -89 .. -81
  if (rssi < 22) return 4;  // -79 .. -71
  return 5;                 // -69 dBm and better
}

std::optional<int> ParseCregResponse(std::string_view line) {
  auto p = SplitParams(line, "+CREG");
  if (!p) p = SplitParams(line, "+CGREG");
  if (!p) p = SplitParams(line, "+CEREG");
  if (!p || p->size() < 2) return std::nullopt;
  return ToInt((*p)[1]);
}

std::optional<std::string> ParseCsca(std::string_view line) {
  auto p = SplitParams(line, "+CSCA");
  if (!p || p->empty()) return std::nullopt;
  return (*p)[0];
}

std::optional<StorageUse> ParseCpms(std::string_view line) {
  auto p = SplitParams(line, "+CPMS");
  if (!p || p->size() < 2) return std::nullopt;
  if (auto used = ToInt((*p)[0])) {
    auto total = ToInt((*p)[1]);
    if (!total) return std::nullopt;
    return StorageUse{"", *used, *total};
  }
  if (p->size() < 3) return std::nullopt;
  auto used = ToInt((*p)[1]);
  auto total = ToInt((*p)[2]);
  if (!used || !total) return std::nullopt;
  return StorageUse{(*p)[0], *used, *total};
}

std::optional<std::string> ParseCpin(std::string_view line) {
  auto p = SplitParams(line, "+CPIN");
  if (!p || p->empty() || (*p)[0].empty()) return std::nullopt;
  return (*p)[0];
}

}  // namespace pesan::modem
