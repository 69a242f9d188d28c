// Kannel's HTTP interfaces as pure functions (Kannel User's Guide: "Sending SMS via HTTP",
// "SMS service configurations", "Delivery reports"; PROTOCOLS.md §6 and §7):
//  - the MO request Kannel's sms-service sends to our get-url,
//  - the delivery report Kannel fetches from the dlr-url we gave with the message,
//  - the sendsms request we send to smsbox, and how its answer maps to a SendResult.
//
// The get-url Kannel needs (sms-service group, `max-messages = 0` so Kannel replies nothing):
//   get-url = "http://GATEWAY/sms/kannel?from=%p&to=%P&text=%b&coding=%c&charset=%C&id=%I&token=T"
// %b is the message as received (raw bytes: UTF-16BE for coding 2), %I Kannel's message UUID.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/channel.h"
#include "core/form.h"
#include "core/result.h"

namespace pesan::kannel {

// ---- MO: sms-service get-url ----

// Fields: from (%p), text (%b) required; to (%P), id (%I), coding (%c), charset (%C) optional.
// The text becomes UTF-8: coding 2 (UCS-2) is UTF-16BE; otherwise `charset` names the bytes
// (UTF-8, the default; ISO-8859-1/LATIN1, WINDOWS-1252/CP1252, UTF-16BE; 8-BIT/binary data
// that is not UTF-8 reads as ISO-8859-1). A sender that is a phone number becomes E.164 with
// `country_code` for national forms; a short code or a name stays as received.
// Errors: InvalidInput naming the missing or unusable field. received_at is left to the caller.
Result<InboundSms> ParseMoRequest(const FormFields& fields, std::string_view country_code = "62");

// ---- Delivery reports: our dlr-url ----

// Kannel's DLR event values (%d), the bits of dlr-mask.
inline constexpr int kDlrDelivered = 1;      // delivered to the phone
inline constexpr int kDlrUndelivered = 2;    // not delivered to the phone (final)
inline constexpr int kDlrBuffered = 4;       // queued on the SMSC
inline constexpr int kDlrSmscAccepted = 8;   // SMSC ACK
inline constexpr int kDlrSmscRejected = 16;  // SMSC NACK (final)
// Finals and the SMSC's ACK/NACK: what the outbox row needs.
inline constexpr int kDefaultDlrMask =
    kDlrDelivered | kDlrUndelivered | kDlrSmscAccepted | kDlrSmscRejected;

// The dlr-url for one message: "<base><path>/dlr?id=<outbox id>&st=%d&ans=%A&ts=%T&fid=%F",
// plus "&token=<token>" when a token is set. Kannel replaces the %-escapes when it fetches it,
// so `token` must consist of URL-unreserved characters (see ValidateToken).
std::string BuildDlrUrl(std::string_view base, std::string_view path, long long outbox_id,
                        std::string_view token);

// Fields: id (our outbox id, becomes provider_id) and st (%d) required; ans (%A, the SMSC's
// answer: "ACK/", "NACK/…" or an SMPP receipt) optional, put into `detail`.
// 1 -> kDelivered, 2 and 16 -> kFailed, 4 and 8 -> kPending (PROTOCOLS.md §7).
Result<DeliveryReport> ParseDeliveryReport(const FormFields& fields);
DeliveryState DlrTypeToState(int dlr_type);  // REQUIRES: a single known bit

// ---- sendsms ----

struct SendsmsParams {
  std::string username;
  std::string password;
  std::string from;     // empty: Kannel's global-sender
  std::string to;       // E.164 or as the SMSC wants it
  std::string text;     // UTF-8
  int dlr_mask = 0;     // 0: no delivery reports
  std::string dlr_url;  // complete, not yet encoded; used when dlr_mask != 0
};

// The query string (no '?'): text in GSM-7 goes as coding=0 charset=UTF-8, any other text as
// coding=2 charset=UTF-16BE with UTF-16BE bytes (Kannel 1.4 assumes a Latin charset when none is
// given, so the charset is always sent). The dlr-url is encoded as one parameter value.
std::string BuildSendsmsQuery(const SendsmsParams& p);
// `sendsms_url` (e.g. "http://127.0.0.1:13013/cgi-bin/sendsms") with the query appended.
std::string BuildSendsmsUrl(std::string_view sendsms_url, const SendsmsParams& p);

// smsbox's answer to a sendsms request. `provider_id` is what kAccepted carries (our outbox
// id: Kannel 1.4 names no id of its own; DLRs come back through our dlr-url).
//   202 "0: Accepted for delivery", 202 "3: Queued for later delivery" -> kAccepted
//   5xx ("Temporal failure, try again later."), 408, 429 -> kRetry
//   401, 403 "Authorization failed for sendsms" (our username/password: a configuration fault,
//   not the message's) -> kNotReady, its reason naming kCredentialsRefused
//   other 4xx ("Not routable. Do not try again.", "… rejected") -> kFailed
SendResult InterpretSendsmsAnswer(int http_status, std::string_view body,
                                  std::string_view provider_id);
inline constexpr std::string_view kCredentialsRefused = "credentials refused";
// True for a result InterpretSendsmsAnswer gave for refused credentials.
inline bool CredentialsRefused(const SendResult& r) {
  return r.kind == SendResult::Kind::kNotReady &&
         r.reason.find(kCredentialsRefused) != std::string::npos;
}

// ---- URLs ----

struct HttpUrl {
  std::string host;
  uint16_t port = 80;
  std::string target;  // path and query, at least "/"
};
// "http://host[:port][/path][?query]"; https and userinfo are not supported.
Result<HttpUrl> ParseHttpUrl(std::string_view url);

// A token shared with Kannel travels inside URLs Kannel rewrites: letters, digits, '-', '_',
// '.' and '~' only.
Status ValidateToken(std::string_view token);
// Constant-time comparison of the request's `token` field with `token` (no check when empty).
bool TokenMatches(const FormFields& fields, std::string_view token);

}  // namespace pesan::kannel
