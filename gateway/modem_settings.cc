#include "gateway/modem_settings.h"

namespace pesan {

Result<modem::ModemConfig> ReadModemSettings(const Config& config) {
  auto it = config.channels.find("sms.modem");
  if (it == config.channels.end()) {
    return InvalidInput(config.origin + ": no [sms.modem] section (device = \"/dev/ttyUSB0\")");
  }
  SectionReader r(it->second);
  modem::ModemConfig m;
  m.device = r.String("device", "/dev/ttyUSB0");
  m.baud = static_cast<unsigned>(r.Int("baud", 115200, 1200, 4000000));
  m.pin = r.String("pin");
  if (!m.pin.empty() && (m.pin.size() < 4 || m.pin.size() > 8 ||
                         m.pin.find_first_not_of("0123456789") != std::string::npos)) {
    r.Fail("pin", "a SIM PIN is 4 to 8 digits");
  }
  m.smsc = r.String("smsc");
  m.own_number = r.String("own_number");
  m.send_interval = r.Millis("send_interval_ms", m.send_interval);
  m.reopen_min = r.Millis("reopen_min_ms", m.reopen_min);
  m.reopen_max = r.Millis("reopen_max_ms", m.reopen_max);
  if (m.reopen_min.count() < 1) r.Fail("reopen_min_ms", "must be at least 1");
  if (m.reopen_max < m.reopen_min) r.Fail("reopen_max_ms", "must not be below reopen_min_ms");
  if (m.reopen_max > modem::kMaxReopenWait) {
    r.Fail("reopen_max_ms", "must be at most " + std::to_string(modem::kMaxReopenWait.count()) +
                                " (a modem plugged back in waits at most this long)");
  }
  m.status_reports = r.Bool("status_reports", m.status_reports);
  m.storage = r.String("storage", m.storage);
  m.max_queue = static_cast<size_t>(r.Int("max_queue", 100, 1, 100000));
  if (auto st = r.Finish(); !st) return st.error();
  return m;
}

}  // namespace pesan
