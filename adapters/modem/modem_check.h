// `pesan modem check`: opens the modem as the channel would (entering the configured PIN when
// the SIM asks) and reports what a shop keeper needs to know to get it working.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "adapters/modem/modem_channel.h"
#include "core/result.h"

namespace spdlog {
class logger;
}

namespace pesan::modem {

enum class SimStatus {
  kReady,      // unlocked (or unlocked now with the configured PIN)
  kPinNeeded,  // the SIM wants a PIN and none is configured
  kPinWrong,   // the configured PIN was rejected
  kPukNeeded,  // blocked: only the PUK from the SIM's card unlocks it
  kNotInserted,
  kOther,  // another lock (PH-SIM PIN, PIN2 ...); see sim_detail
};

struct ModemReport {
  std::string manufacturer;  // AT+CGMI
  std::string model;         // AT+CGMM
  std::string revision;      // AT+CGMR
  SimStatus sim = SimStatus::kOther;
  std::string sim_detail;           // the +CPIN answer or error, as the modem said it
  bool pin_entered = false;         // this check unlocked the SIM with the configured PIN
  std::optional<int> registration;  // +CREG <stat> (27.007 §7.2): 1 home, 5 roaming, ...
  std::optional<int> rssi;          // +CSQ <rssi>, 0..31 (99 = unknown is nullopt)
  std::optional<int> dbm;
  int bars = -1;        // 0..5, -1 unknown
  std::string smsc;     // +CSCA, empty if unknown
  std::string storage;  // +CPMS memory, e.g. "SM"
  std::optional<int> storage_used;
  std::optional<int> storage_total;
};

// "registered (home network)", "searching", ... for a +CREG <stat>.
std::string RegistrationText(int stat);

// Runs the check on `ex`; `done` is called once, on `ex`. An Error when the device cannot be
// opened (NotFound when it is not there) or does not answer AT; otherwise a report (which may
// say the SIM is locked).
void CheckModemAsync(boost::asio::any_io_executor ex, const ModemConfig& config,
                     std::shared_ptr<spdlog::logger> log,
                     std::function<void(Result<ModemReport>)> done,
                     ModemChannel::Opener opener = {});

// The same, blocking, on an io_context of its own (for the command line).
Result<ModemReport> CheckModem(const ModemConfig& config, std::shared_ptr<spdlog::logger> log);

// The report in plain words, one fact per line, with what to do when something is wrong.
std::string FormatModemReport(const ModemReport& report);

}  // namespace pesan::modem
