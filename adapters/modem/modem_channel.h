// The GSM modem channel: SMS in and out through a USB GSM modem driven by AT commands in PDU
// mode (3GPP TS 27.005), implementing SmsChannel.
//
// Inbound: the modem stores every SMS-DELIVER and says so with +CMTI (AT+CNMI=2,1,...); the
// channel reads it (AT+CMGR, or AT+CMGL=4 for everything stored while it was away), joins the
// parts of a concatenated message, hands the message to on_sms and deletes it from storage
// (AT+CMGD) only after recorded(true). A message read twice (a crash before the delete) carries
// the same provider_id, a hash of its TPDUs, so the core can drop the repeat.
//
// Outbound: one AT+CMGS per part, paced; SendResult::provider_id is the TP-MR of the part that
// asks for the status report (the last one), and DeliveryReport::provider_id is the TP-MR of the
// SMS-STATUS-REPORT (+CDS, or +CDSI then AT+CMGR), so they match. While the device is closed
// Send() answers kNotReady at once; during initialisation sends wait for it. A message whose
// AT+CMGS was under way when the link was lost is kRetry, those still waiting kNotReady. Each
// time initialisation completes, ChannelEvents::on_ready is raised.
//
// Faults: a read error, end of stream or a command without answer closes the device; the
// channel reopens it with exponential backoff, never waiting more than kMaxReopenWait, and
// runs the whole initialisation again. While the device is not there at all (unplugged: the
// opener answers NotFound) it looks for it every reopen_min, so a modem plugged back in is
// opened within that, however long it was away.
//
// Threading: runs on a strand of the io_context given. Send() and the `done` of on_sms may be
// called from any thread. Destroy only after Stop() and after the io_context ran it.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "adapters/modem/byte_stream.h"
#include "core/channel.h"
#include "core/clock.h"

namespace spdlog {
class logger;
}

namespace pesan::modem {

// [sms.modem] in the configuration. gateway/modem_settings.cc reads device, baud, pin, smsc,
// own_number, send_interval_ms, reopen_min_ms, reopen_max_ms, status_reports, storage and
// max_queue; the other fields keep their defaults there.
struct ModemConfig {
  std::string device;      // "device": /dev/ttyUSB0, /dev/serial/by-id/..., or a symlink
  unsigned baud = 115200;  // "baud"
  std::string pin;         // "pin": entered when the SIM asks (never twice after a rejection)
  std::string smsc;        // "smsc": service centre to set with AT+CSCA; empty keeps the SIM's
  std::string own_number;  // "own_number": InboundSms::to
  std::chrono::milliseconds send_interval{1000};     // "send_interval_ms": between two AT+CMGS
  std::chrono::milliseconds reopen_min{2000};        // "reopen_min_ms": first reopen delay
  std::chrono::milliseconds reopen_max{10000};       // "reopen_max_ms": it doubles up to this
                                                     // (and never past kMaxReopenWait)
  std::chrono::milliseconds command_timeout{10000};  // "command_timeout": plain commands
  std::chrono::milliseconds send_timeout{60000};     // "send_timeout": AT+CMGS (PROTOCOLS §3.1)
  std::chrono::milliseconds poll_interval{300000};   // "poll_interval": re-list storage, +CNMI
  std::chrono::seconds concat_timeout{3600};  // "concat_timeout": a long SMS with a missing part
                                              // is delivered incomplete after this
  size_t max_queue = 100;                     // "max_queue": messages waiting to be sent
  bool status_reports = true;                 // "status_reports": ask for delivery reports
  bool gsm_friendly = true;  // "gsm_friendly": fold curly quotes, dashes ... to GSM-7 first
  std::chrono::minutes validity{24 * 60 * 4};  // "validity": relative TP-VP of SMS-SUBMITs
  std::string storage = "SM";                  // "storage": +CPMS memory for all three uses
  std::string cnmi = "2,1,0,2,0";  // "cnmi": +CNMI parameters (27.005 §3.4.1); fallbacks tried
};

// The longest wait before the device is opened again, whatever reopen_max says: a modem that
// hung and is unplugged and plugged back in by its operator is back within this.
inline constexpr std::chrono::milliseconds kMaxReopenWait{10000};

// The wait before the next reopen after a wait of `current`: doubled, up to reopen_max and
// kMaxReopenWait.
std::chrono::milliseconds NextReopenWait(std::chrono::milliseconds current,
                                         const ModemConfig& config);

// +CMS ERROR classes (27.005 §3.2.5, PROTOCOLS.md §3.4).
enum class CmsErrorClass {
  kTransient,  // try again later (network, SC busy, ME failure, vendor codes)
  kPermanent,  // this message will never go (bad number, barred, bad PDU)
  kOperator,   // the SIM needs a person (PIN, PUK, not inserted); try again later
};
CmsErrorClass ClassifyCmsError(int code);

// A stable id for an inbound message: a hash of its TPDUs (hex, SMSC part excluded) in part
// order. The same message read again gives the same id.
std::string InboundProviderId(const std::vector<std::string>& tpdus_hex);

class ModemChannel final : public SmsChannel {
 public:
  // Opens the device; the default opens `config.device` as a serial port.
  using Opener =
      std::function<Result<std::unique_ptr<ByteStream>>(boost::asio::any_io_executor ex)>;

  ModemChannel(boost::asio::io_context& io, ModemConfig config, ChannelEvents events,
               const Clock& clock, std::shared_ptr<spdlog::logger> log, Opener opener = {});
  ~ModemChannel() override;

  void Start() override;
  void Send(OutgoingSms sms, std::function<void(SendResult)> done) override;
  void Stop() override;
  const char* Name() const override { return "modem"; }

  // True while the modem is initialised and ready to send (for status pages and tests).
  bool Ready() const;

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace pesan::modem
