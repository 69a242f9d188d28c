// The SMPP 3.4 channel: an ESME client bound as transceiver to one SMSC (SMPP34 §2.2).
//
// What it does (PROTOCOLS.md §4.10, SMPP34 §2-§4):
//  * connects, binds (bind_transceiver), keeps the link alive with enquire_link, answers the
//    SMSC's enquire_link and unbind, and reconnects with exponential backoff when the link drops
//    or the bind is refused;
//  * submit_sm: GSM-7 (data_coding 0, the SMSC default alphabet, unpacked septets) when the text
//    allows it, else UCS-2 (data_coding 8); long texts as concatenated parts with an 8-bit
//    reference UDH (esm_class 0x40, 3GPP TS 23.040 §9.2.3.24.1) or, with use_message_payload,
//    whole in the message_payload TLV; registered_delivery 1 for receipts;
//  * a window of submit_sm in flight, each with a response timeout, a token bucket for
//    max_per_second, and a pause-and-retry on ESME_RTHROTTLED / ESME_RMSGQFUL;
//  * deliver_sm: receipts -> ChannelEvents::on_report, mobile-originated texts (concatenated
//    parts reassembled) -> ChannelEvents::on_sms, answered only once the gateway has recorded them;
//  * USSD over SMPP (ussd_service_op, PROTOCOLS.md §4.7) to an SmppUssdHandler.
//
// Send results:
//  * kAccepted once every part was acknowledged with ESME_ROK. provider_id is the SMSC's
//    message_id; for a message sent in several parts it is the parts' message_ids joined with ','
//    in part order ("id1,id2,id3").
//  * kRetry when the message was put on the wire but not (completely) acknowledged: link lost
//    before the responses came, response timeout, ESME_RSYSERR, or still throttled after
//    throttle_retries attempts. A multi-part message whose link dropped after some parts were
//    acknowledged is kRetry too: it is sent again whole later.
//  * kNotReady when no part of it was put on the wire: the link is down (between attempts), the
//    bind was refused or lost while it waited, or the channel is stopping.
//  * kFailed on any other error status (reason = the status name).
//  Send() is never queued across a link drop: when the link is down (between attempts) it
//  answers kNotReady at once; while a connection attempt is under way it waits for its outcome.
//  Each successful bind raises ChannelEvents::on_ready.
//
// Delivery reports: each part of a message gets its own receipt. The channel remembers which
// SMSC ids belong to which message (in memory, for receipt_memory) and reports with the
// provider_id returned by Send(): kDelivered when every part is delivered, kFailed as soon as one
// part failed, kPending as receipts say. Receipt ids are matched without regard to case or
// leading zeros and across hex/decimal (PROTOCOLS.md §4.9). A receipt for an id it does not
// know (e.g. sent before a restart) is reported with the id as the SMSC wrote it.
//
// MO deliver_sm: the deliver_sm_resp waits for the `recorded` callback: ESME_ROK on true,
// ESME_RX_T_APPN (temporary, the SMSC delivers again) on false. For a concatenated message the
// responses of all its parts wait until the whole message is recorded (parts are joined by
// core/sms_concat.h; see concat_timeout for parts that never come). A part of a message
// recorded less than concat_timeout ago that comes again with the same text (the SMSC lost our
// answer) is answered ESME_ROK at once and goes no further. Receipts and USSD deliver_sm are
// answered at once. SMPP 3.4 gives an MO no id: InboundSms::provider_id stays empty and the
// gateway recognises a message delivered again by its sender and text.
//
// Threading: everything runs on a strand of the io_context given; Start/Send/Stop may be called
// from any thread. Callbacks (done, events, USSD handler) run on that strand.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/channel.h"
#include "core/clock.h"

namespace boost::asio {
class io_context;
}
namespace spdlog {
class logger;
}

namespace pesan::smpp {

// The [sms.smpp] section of the configuration.
struct SmppConfig {
  std::string host = "127.0.0.1";
  uint16_t port = 2775;
  std::string system_id;
  std::string password;
  std::string system_type;
  // Our sender: alphanumeric ("TOKOKU") is sent with TON 5 / NPI 0, "+62..." or 9+ digits with
  // TON 1 / NPI 1, shorter digit strings (short codes) with TON 3 / NPI 0.
  std::string source_addr;
  int window = 10;          // submit_sm in flight
  int max_per_second = 50;  // submit_sm per second; 0 = unlimited
  bool ussd = false;        // route deliver_sm with ussd_service_op to the USSD handler
  std::string ussd_service_type = "USSD";  // service_type of USSD answers (when the SMSC sent none)
  std::chrono::milliseconds enquire_link_interval{30'000};
  std::chrono::milliseconds response_timeout{10'000};  // every request, and connect + bind
  std::chrono::milliseconds reconnect_backoff_min{1'000};
  std::chrono::milliseconds reconnect_backoff_max{60'000};
  std::chrono::milliseconds throttle_pause{1'000};  // pause after ESME_RTHROTTLED / RMSGQFUL
  int throttle_retries = 5;                         // then the message is kRetry
  bool use_message_payload = false;  // long texts whole in message_payload instead of UDH parts
  bool registered_delivery = true;   // ask for receipts (registered_delivery = 1)
  // Fold texts that are not GSM-7 but only for curly quotes, dashes, accents... to GSM-7
  // (ToGsmFriendly) instead of sending them as UCS-2.
  bool fold_to_gsm = true;
  // An MO concatenation still incomplete this long after its first part (Clock time) is given
  // to the gateway as it is, each missing part shown as "…" (checked every min(this, 1 min)).
  std::chrono::milliseconds concat_timeout{10 * 60'000};
  std::chrono::hours receipt_memory{72};  // how long ids are kept for receipts
};

// One step of a USSD session received from the SMSC.
struct SmppUssdRequest {
  enum class Phase {
    kBegin,     // the user dialled the code (PSSR/PSSD indication); `text` is the dialled string
    kContinue,  // the user answered a menu (USSR confirm)
    kRelease,   // the session ended on the network side; the answer is ignored
  };
  std::string session_key;   // source address + "/" + its_session_info session number
  std::string phone;         // E.164 when the SMSC sent an international number
  std::string service_code;  // the destination address as the SMSC wrote it
  std::string text;          // UTF-8
  Phase phase = Phase::kBegin;
  uint8_t ussd_service_op = 0;
};
// Answers a USSD request: `end` = false shows a menu that waits for input (submit_sm with
// ussd_service_op USSR request, 2); `end` = true shows a final screen (PSSR response, 17) and
// closes the session. Callable from any thread, at most once per request.
using SmppUssdAnswer = std::function<void(std::string text, bool end)>;
using SmppUssdHandler = std::function<void(SmppUssdRequest req, SmppUssdAnswer answer)>;

class SmppChannel final : public SmsChannel {
 public:
  SmppChannel(boost::asio::io_context& io, SmppConfig config, ChannelEvents events,
              std::shared_ptr<spdlog::logger> logger, const Clock& clock,
              SmppUssdHandler ussd_handler = nullptr);
  // Closes the link at once if Stop() was not called (no unbind); sends still pending are then
  // reported (kRetry or kNotReady) on the io_context. Destroy the channel before its io_context.
  ~SmppChannel() override;

  void Start() override;
  void Send(OutgoingSms sms, std::function<void(SendResult)> done) override;
  void Stop() override;
  // Stop(), then `stopped` once the link is closed (after unbind_resp or a response timeout).
  void Stop(std::function<void()> stopped);
  const char* Name() const override { return "smpp"; }

  // Called on the strand each time the link becomes bound (true) or is lost (false), with why.
  // Set it before Start().
  void SetLinkObserver(std::function<void(bool bound, const std::string& why)> observer);

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace pesan::smpp
