// The Kannel channel: messages go out through smsbox's sendsms interface (one HTTP GET each, on
// the io_context given); MO messages and delivery reports come in as HTTP requests that the
// gateway's HTTP server hands to HandleHttpRequest.
//
// Send results: kAccepted, kRetry or kFailed as smsbox answered (InterpretSendsmsAnswer), kRetry
// too when the request was sent but no answer came in time (an unknown outcome: smsbox may
// still pass it on). kNotReady when smsbox was not reached at all (the name does not resolve,
// the connection is refused or times out), refused our username/password (logged at error
// level, a minute apart at most) or the channel is stopping: nothing was handed over. There is no
// link to watch between messages, so the channel never raises ChannelEvents::on_ready: whether
// smsbox is back is only learnt by sending, and the sender sees that from its own next result.
//
// Threading: all state lives on one strand of the io_context. Send, Stop and HandleHttpRequest
// may be called from any thread; callbacks and events run on that strand.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "adapters/kannel/kannel_http.h"
#include "core/channel.h"
#include "core/clock.h"
#include "core/result.h"

namespace boost::asio {
class io_context;
}
namespace spdlog {
class logger;
}

namespace pesan::kannel {

// [sms.kannel] in the configuration; the field names are the keys.
struct KannelConfig {
  std::string path = "/sms/kannel";  // MO at path, delivery reports at path + "/dlr"
  std::string sendsms_url = "http://127.0.0.1:13013/cgi-bin/sendsms";
  std::string username;  // a sendsms-user group of smsbox
  std::string password;
  std::string sender;   // "from" of our messages; empty: Kannel's global-sender
  std::string token;    // shared with Kannel's get-url and put in our dlr-url; empty: none
  std::string dlr_url;  // the gateway's own public address, e.g. "http://127.0.0.1:8080";
                        // empty: no delivery reports are asked for
  int dlr_mask = kDefaultDlrMask;
  std::string country_code = "62";  // for senders in national form
  // smsbox answers sendsms only once bearerbox took the message, which a busy bearerbox may
  // delay by a minute; giving up sooner and sending again would duplicate it.
  std::chrono::milliseconds request_timeout{120000};
  size_t max_in_flight = 8;  // sendsms requests at once
  size_t max_queued = 1000;  // waiting behind them; beyond that Send reports kRetry
};

// Checks what can be checked without a network: the URLs, the token, the limits.
Status ValidateConfig(const KannelConfig& config);

// An HTTP answer for the gateway's server to send (Content-Type text/plain).
struct HttpAnswer {
  int status = 200;
  std::string body;
};

class KannelChannel final : public SmsChannel {
 public:
  // `events` receive MO messages and reports; `clock` stamps received_at; both, the logger and
  // the io_context outlive the channel. REQUIRES: ValidateConfig(config).ok().
  KannelChannel(boost::asio::io_context& io, KannelConfig config, ChannelEvents events,
                const Clock& clock, std::shared_ptr<spdlog::logger> log);
  ~KannelChannel() override;  // as Stop(); pending callbacks still run on the io_context

  void Start() override;
  void Send(OutgoingSms sms, std::function<void(SendResult)> done) override;
  void Stop() override;
  const char* Name() const override { return "kannel"; }

  // A request the gateway received under config.path: `target` is the request target (path
  // and query), `body` a form body (POST) or empty. MO at path, DLR at path + "/dlr". Answers
  // 200 once the message is recorded (or the report taken), 400 for a malformed request, 403
  // for a wrong token, 404 for another path, 503 when the MO could not be recorded (Kannel
  // asks again with http-request-retry). `reply` runs on the channel's strand.
  void HandleHttpRequest(std::string_view target, std::string_view body,
                         std::function<void(HttpAnswer)> reply);

 private:
  class Core;
  std::shared_ptr<Core> core_;
};

}  // namespace pesan::kannel
