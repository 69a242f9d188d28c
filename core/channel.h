// The SMS channel contract. Every adapter that carries SMS (modem, SMPP, Kannel, the
// simulator) implements SmsChannel; the outbox worker and the wiring know nothing else of it.
//
// Threading: a channel runs on the io_context it was given. Send() may be called from any
// thread; it never blocks, and it reports through its callback exactly once, on the channel's
// executor. Inbound messages, delivery reports and the link coming up reach the gateway through
// ChannelEvents.
#pragma once

#include <functional>
#include <string>

#include "core/clock.h"

namespace pesan {

struct OutgoingSms {
  long long id = 0;  // the outbox row; adapters put it in logs and correlation tables
  std::string to;    // E.164
  std::string text;  // UTF-8; the adapter chooses GSM-7 or UCS-2 and splits into parts
};

struct SendResult {
  enum class Kind {
    kAccepted,  // the SMSC/modem took it; provider_id names it for delivery reports
    kRetry,     // handed over but not taken, try again later (throttled, queue full, no answer,
                // a temporary error): an attempt
    kNotReady,  // never handed over: the link is down or not set up yet, or the channel is
                // stopping. Nothing was refused: not an attempt; try again once the channel
                // says it is ready (ChannelEvents::on_ready)
    kFailed,    // not taken and never will be (bad number, rejected content)
  };
  Kind kind = Kind::kRetry;
  std::string provider_id;  // for kAccepted: message reference(s) the reports will carry
  std::string reason;       // for the log and the outbox row
};

struct InboundSms {
  std::string from;         // E.164 where the sender is a number, else as received
  std::string to;           // the shop's number or short code as received
  std::string text;         // UTF-8, all parts of a concatenated message joined
  std::string provider_id;  // the channel's own id, for de-duplication; may be empty
  SystemTime received_at{};
};

// Delivery states, normalised from each channel's own codes.
enum class DeliveryState { kDelivered, kFailed, kPending };

struct DeliveryReport {
  std::string provider_id;  // as returned in SendResult::provider_id
  DeliveryState state = DeliveryState::kPending;
  std::string detail;  // the channel's own status text, for the outbox row
};

struct ChannelEvents {
  // An inbound SMS. The channel keeps the message (in the modem's storage, unacknowledged
  // to the SMSC) until `recorded(true)` is called: only then is it safely in the database.
  std::function<void(InboundSms sms, std::function<void(bool recorded)> done)> on_sms;
  std::function<void(DeliveryReport report)> on_report;
  // The channel's link is up (again): what it answered kNotReady can be sent now. Raised by
  // channels that keep a link (SMPP: bound; modem: initialised) each time it comes up; channels
  // without one (Kannel: one HTTP request per message; the simulator) never raise it.
  std::function<void()> on_ready;
  // The channel's link is down: it could not be brought up (no device, no connection, a bind or
  // an initialisation refused) or it was lost, and why. Raised by the same channels, on each
  // failed try while down; on_ready follows once it is back.
  std::function<void(const std::string& why)> on_down;
};

class SmsChannel {
 public:
  virtual ~SmsChannel() = default;
  // Starts connecting (and reconnecting, with backoff) in the background.
  virtual void Start() = 0;
  // Sends one message; `done` is called exactly once.
  virtual void Send(OutgoingSms sms, std::function<void(SendResult)> done) = 0;
  // Stops: pending sends are reported (kNotReady, or kRetry when already handed over), links are
  // closed politely.
  virtual void Stop() = 0;
  // A short word for logs and `pesan` output: "modem", "smpp", "kannel", "sim".
  virtual const char* Name() const = 0;
};

}  // namespace pesan
