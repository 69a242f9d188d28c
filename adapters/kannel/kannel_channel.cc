#include "adapters/kannel/kannel_channel.h"

#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <deque>
#include <set>

#include "core/phone.h"
#include "core/refusal_log.h"

namespace pesan::kannel {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Strand = asio::strand<asio::io_context::executor_type>;

constexpr size_t kMaxAnswerBytes = 16 * 1024;

}  // namespace

Status ValidateConfig(const KannelConfig& c) {
  if (c.path.empty() || c.path.front() != '/') return InvalidInput("path: must start with '/'");
  if (auto u = ParseHttpUrl(c.sendsms_url); !u.ok()) {
    return InvalidInput("sendsms_url: " + u.error().message);
  }
  if (!c.dlr_url.empty()) {
    if (auto u = ParseHttpUrl(c.dlr_url); !u.ok()) {
      return InvalidInput("dlr_url: " + u.error().message);
    }
  }
  if (auto t = ValidateToken(c.token); !t.ok()) return t;
  if (c.dlr_mask < 0 || c.dlr_mask > 31) return InvalidInput("dlr_mask: must be 0..31");
  if (c.request_timeout <= std::chrono::milliseconds::zero()) {
    return InvalidInput("request_timeout: must be positive");
  }
  if (c.max_in_flight == 0) return InvalidInput("max_in_flight: must be at least 1");
  return Ok{};
}

class KannelChannel::Core : public std::enable_shared_from_this<Core> {
 public:
  Core(asio::io_context& io, KannelConfig config, ChannelEvents events, const Clock& clock,
       std::shared_ptr<spdlog::logger> log)
      : strand_(asio::make_strand(io)),
        config_(std::move(config)),
        events_(std::move(events)),
        clock_(clock),
        log_(std::move(log)) {
    auto url = ParseHttpUrl(config_.sendsms_url);
    if (url.ok()) url_ = std::move(*url);
  }

  void Start() {
    asio::post(strand_, [self = shared_from_this()] {
      self->stopped_ = false;
      self->log_->info("kannel: sending through {}:{}{}", self->url_.host, self->url_.port,
                       self->url_.target);
    });
  }

  void Send(OutgoingSms sms, std::function<void(SendResult)> done) {
    asio::post(strand_,
               [self = shared_from_this(), sms = std::move(sms), done = std::move(done)]() mutable {
                 self->Enqueue(Pending{std::move(sms), std::move(done)});
               });
  }

  void Stop() {
    asio::post(strand_, [self = shared_from_this()] { self->DoStop(); });
  }

  void HandleHttpRequest(std::string target, std::string body,
                         std::function<void(HttpAnswer)> reply) {
    asio::post(strand_, [self = shared_from_this(), target = std::move(target),
                         body = std::move(body), reply = std::move(reply)]() mutable {
      self->DoHandle(target, body, std::move(reply));
    });
  }

 private:
  struct Pending {
    OutgoingSms sms;
    std::function<void(SendResult)> done;
  };

  // One sendsms request: resolve, connect, write, read, under one deadline.
  struct Request : std::enable_shared_from_this<Request> {
    Request(std::shared_ptr<Core> c, Pending p)
        : core(std::move(c)),
          pending(std::move(p)),
          resolver(core->strand_),
          stream(core->strand_),
          timer(core->strand_) {}
    std::shared_ptr<Core> core;
    Pending pending;
    tcp::resolver resolver;
    beast::tcp_stream stream;
    asio::steady_timer timer;
    beast::flat_buffer buffer;
    http::request<http::empty_body> req;
    http::response_parser<http::string_body> parser;
    bool finished = false;
    bool timed_out = false;
    bool cancelled = false;
    bool Interrupted() const { return timed_out || cancelled; }
  };

  void Enqueue(Pending p) {
    if (stopped_) {
      Report(p, NotReady("channel stopped"));
      return;
    }
    if (in_flight_.size() < config_.max_in_flight) {
      StartRequest(std::move(p));
    } else if (queue_.size() < config_.max_queued) {
      queue_.push_back(std::move(p));
    } else {
      log_->warn("kannel: sms {} not sent: {} requests waiting", p.sms.id, queue_.size());
      Report(p, Retry("too many sendsms requests waiting"));
    }
  }

  static SendResult Retry(std::string reason) {
    SendResult r;
    r.kind = SendResult::Kind::kRetry;
    r.reason = std::move(reason);
    return r;
  }
  static SendResult NotReady(std::string reason) {
    SendResult r;
    r.kind = SendResult::Kind::kNotReady;
    r.reason = std::move(reason);
    return r;
  }

  void Report(Pending& p, SendResult r) {
    auto done = std::move(p.done);
    if (done) done(std::move(r));
  }

  void StartRequest(Pending p) {
    auto r = std::make_shared<Request>(shared_from_this(), std::move(p));
    in_flight_.insert(r);
    SendsmsParams params;
    params.username = config_.username;
    params.password = config_.password;
    params.from = config_.sender;
    params.to = r->pending.sms.to;
    params.text = r->pending.sms.text;
    if (!config_.dlr_url.empty() && config_.dlr_mask != 0) {
      params.dlr_mask = config_.dlr_mask;
      params.dlr_url = BuildDlrUrl(config_.dlr_url, config_.path, r->pending.sms.id, config_.token);
    }
    r->req.version(11);
    r->req.method(http::verb::get);
    r->req.target(BuildSendsmsUrl(url_.target, params));
    const bool ipv6 = url_.host.find(':') != std::string::npos;
    r->req.set(http::field::host,
               (ipv6 ? "[" + url_.host + "]" : url_.host) + ":" + std::to_string(url_.port));
    r->req.set(http::field::user_agent, "pesan");
    r->req.keep_alive(false);
    r->parser.body_limit(kMaxAnswerBytes);

    r->timer.expires_after(config_.request_timeout);
    r->timer.async_wait([r](const boost::system::error_code& ec) {
      if (ec || r->finished) return;
      r->timed_out = true;
      r->resolver.cancel();
      r->stream.cancel();
    });
    // A step that completes after the deadline or Stop() must not start the next one.
    r->resolver.async_resolve(
        url_.host, std::to_string(url_.port),
        [r](boost::system::error_code ec, tcp::resolver::results_type results) {
          if (!ec && r->Interrupted()) ec = asio::error::operation_aborted;
          if (ec) return r->core->Finish(r, ec, "resolve");
          r->stream.async_connect(results, [r](boost::system::error_code ec, const tcp::endpoint&) {
            if (!ec && r->Interrupted()) ec = asio::error::operation_aborted;
            if (ec) return r->core->Finish(r, ec, "connect");
            http::async_write(r->stream, r->req, [r](boost::system::error_code ec, size_t) {
              if (!ec && r->Interrupted()) ec = asio::error::operation_aborted;
              if (ec) return r->core->Finish(r, ec, "write");
              http::async_read(r->stream, r->buffer, r->parser,
                               [r](const boost::system::error_code& ec, size_t) {
                                 r->core->Finish(r, ec, "read");
                               });
            });
          });
        });
  }

  void Finish(const std::shared_ptr<Request>& r, const boost::system::error_code& ec,
              const char* step) {
    if (r->finished) return;
    r->finished = true;
    r->timer.cancel();
    beast::error_code ignored;
    r->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    r->stream.close();
    in_flight_.erase(r);

    const OutgoingSms& sms = r->pending.sms;
    // Until the connection stands nothing has reached smsbox: a failure then (refused,
    // unreachable, a name that does not resolve, a timeout, Stop()) is kNotReady.
    const std::string_view at(step);
    const bool reached = at != "resolve" && at != "connect";
    SendResult result;
    if (r->cancelled) {
      result = reached ? Retry("channel stopped") : NotReady("channel stopped");
    } else if (r->timed_out) {
      std::string why = std::string("sendsms timed out (") + step + ")";
      result = reached ? Retry(why) : NotReady(why);
    } else if (ec) {
      // Connection refused, reset, unreachable: smsbox is down or restarting.
      std::string why = std::string("sendsms ") + step + ": " + ec.message();
      result = reached ? Retry(why) : NotReady(why);
    } else {
      const auto& res = r->parser.get();
      result = InterpretSendsmsAnswer(static_cast<int>(res.result_int()), res.body(),
                                      std::to_string(sms.id));
    }
    switch (result.kind) {
      case SendResult::Kind::kAccepted:
        if (credentials_refused_) log_->info("kannel: smsbox takes our credentials again");
        credentials_refused_ = false;
        log_->info("kannel: sms {} to {} accepted ({})", sms.id, MaskPhone(sms.to), result.reason);
        break;
      case SendResult::Kind::kRetry:
        log_->warn("kannel: sms {} to {} not sent, will retry: {}", sms.id, MaskPhone(sms.to),
                   result.reason);
        break;
      case SendResult::Kind::kNotReady:
        if (CredentialsRefused(result)) {
          // Not the message's fault and no passing one: say it plainly, once a minute at most
          // (every message held back meets it).
          const SystemTime now = clock_.Now();
          if (!credentials_refused_ || now - credentials_logged_ >= std::chrono::minutes(1)) {
            log_->error(
                "kannel: smsbox refuses our credentials ({}): check username and password in "
                "[sms.kannel] against Kannel's sendsms-user group; messages wait in the outbox "
                "until then",
                result.reason);
            credentials_logged_ = now;
          }
          credentials_refused_ = true;
          break;
        }
        log_->warn("kannel: sms {} to {} not sent, smsbox not reached: {}", sms.id,
                   MaskPhone(sms.to), result.reason);
        break;
      case SendResult::Kind::kFailed:
        log_->error("kannel: sms {} to {} refused: {}", sms.id, MaskPhone(sms.to), result.reason);
        break;
    }
    Report(r->pending, std::move(result));
    // A slot is free: the next waiting message goes.
    while (!stopped_ && !queue_.empty() && in_flight_.size() < config_.max_in_flight) {
      Pending next = std::move(queue_.front());
      queue_.pop_front();
      StartRequest(std::move(next));
    }
  }

  void DoStop() {
    stopped_ = true;
    for (auto& p : queue_) Report(p, NotReady("channel stopped"));
    queue_.clear();
    for (const auto& r : in_flight_) {  // their handlers report kRetry
      r->cancelled = true;
      r->resolver.cancel();
      r->stream.cancel();
    }
  }

  void DoHandle(const std::string& target, const std::string& body,
                std::function<void(HttpAnswer)> reply) {
    std::string_view t(target);
    size_t q = t.find('?');
    std::string_view path = t.substr(0, q);
    std::string_view query = q == std::string_view::npos ? std::string_view() : t.substr(q + 1);
    std::string base = config_.path;
    while (base.size() > 1 && base.back() == '/') base.pop_back();
    while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
    bool is_mo = path == base;
    bool is_dlr = path == base + "/dlr";
    const char* what = is_mo ? "an MO request" : "a delivery report";
    auto refuse = [&](int status, const std::string& why, std::string_view answer = {}) {
      refusals_.Refused(*log_, "kannel", what, "", status, why);
      reply({status, std::string(answer.empty() ? why : answer)});
    };
    if (!is_mo && !is_dlr) {
      what = "a request";
      return refuse(404, "no such path " + std::string(path), "not found");
    }

    auto fields = ParseForm(query);
    if (fields.ok() && !body.empty()) {
      auto more = ParseForm(body);
      if (more.ok()) {
        fields->insert(fields->end(), more->begin(), more->end());
      } else {
        fields = more.error();
      }
    }
    if (!fields.ok()) return refuse(400, fields.error().message);
    if (!TokenMatches(*fields, config_.token)) {
      return refuse(403, FindField(*fields, "token") ? "wrong token" : "no token", "forbidden");
    }
    if (is_dlr) {
      auto report = ParseDeliveryReport(*fields);
      if (!report.ok()) return refuse(400, report.error().message);
      log_->info("kannel: report for sms {}: {}", report->provider_id, report->detail);
      if (events_.on_report) events_.on_report(std::move(*report));
      return reply({200, ""});
    }
    auto sms = ParseMoRequest(*fields, config_.country_code);
    if (!sms.ok()) return refuse(400, sms.error().message);
    sms->received_at = clock_.Now();
    log_->info("kannel: MO {} from {} ({} bytes)", sms->provider_id, MaskPhone(sms->from),
               sms->text.size());
    if (!events_.on_sms) return reply({503, "not accepting messages"});
    // `recorded` may come from another thread (the store's writer): answer on the strand.
    events_.on_sms(std::move(*sms), [self = shared_from_this(),
                                     reply = std::move(reply)](bool recorded) mutable {
      asio::post(self->strand_, [recorded, reply = std::move(reply)] {
        reply(recorded ? HttpAnswer{200, ""} : HttpAnswer{503, "not recorded, try again"});
      });
    });
  }

  Strand strand_;
  KannelConfig config_;
  ChannelEvents events_;
  const Clock& clock_;
  std::shared_ptr<spdlog::logger> log_;
  HttpUrl url_;
  bool stopped_ = false;
  bool credentials_refused_ = false;  // the last answer was 401/403 "Authorization failed"
  SystemTime credentials_logged_{};
  std::deque<Pending> queue_;
  std::set<std::shared_ptr<Request>> in_flight_;
  // A Kannel set up wrongly repeats its mistake on every message: logged once an hour per cause.
  RefusalLog refusals_{clock_};
};

KannelChannel::KannelChannel(boost::asio::io_context& io, KannelConfig config, ChannelEvents events,
                             const Clock& clock, std::shared_ptr<spdlog::logger> log)
    : core_(std::make_shared<Core>(io, std::move(config), std::move(events), clock,
                                   std::move(log))) {}

KannelChannel::~KannelChannel() { core_->Stop(); }

void KannelChannel::Start() { core_->Start(); }

void KannelChannel::Send(OutgoingSms sms, std::function<void(SendResult)> done) {
  core_->Send(std::move(sms), std::move(done));
}

void KannelChannel::Stop() { core_->Stop(); }

void KannelChannel::HandleHttpRequest(std::string_view target, std::string_view body,
                                      std::function<void(HttpAnswer)> reply) {
  core_->HandleHttpRequest(std::string(target), std::string(body), std::move(reply));
}

}  // namespace pesan::kannel
