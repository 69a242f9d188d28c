#include "gateway/http_server.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <optional>

#include "core/thread_name.h"

namespace pesan {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {
class Session;
}

struct HttpServer::Impl {
  struct Worker {
    asio::io_context ioc{1};
    // Open connections of this thread: each new one goes to the thread with fewest.
    std::atomic<int> open{0};
    std::unique_ptr<asio::steady_timer> sweep;
    // This worker's connections, for the deadline sweep; touched on its thread only.
    std::vector<std::weak_ptr<Session>> sessions;
    std::thread thread;
  };
  std::vector<std::unique_ptr<Worker>> workers;
  // One listening socket, on the first worker's thread.
  std::unique_ptr<tcp::acceptor> acceptor;
  HttpServer::RefusalHook refused;
  std::atomic<int> in_flight{0};
  std::atomic<bool> stopping{false};
};

namespace {

using SteadyClock = std::chrono::steady_clock;

// A request parser that keeps only what HttpRequest carries (RFC 9112 framing by Beast's
// basic_parser): no header container, and the request's strings reuse their capacity from one
// request to the next on a connection.
class RequestParser final : public http::basic_parser<true> {
 public:
  explicit RequestParser(HttpRequest& out) : out_(out) {
    out_.method.clear();
    out_.path.clear();
    out_.query.clear();
    out_.content_type.clear();
    out_.body.clear();
  }
  unsigned version() const { return version_; }

 private:
  void on_request_impl(http::verb, std::string_view method, std::string_view target, int version,
                       beast::error_code&) override {
    version_ = static_cast<unsigned>(version);
    out_.method.assign(method);
    auto q = target.find('?');
    out_.path.assign(target.substr(0, q));
    if (q != std::string_view::npos) out_.query.assign(target.substr(q + 1));
  }
  void on_response_impl(int, std::string_view, int, beast::error_code&) override {}
  void on_field_impl(http::field name, std::string_view, std::string_view value,
                     beast::error_code&) override {
    if (name == http::field::content_type && !content_type_seen_) {
      content_type_seen_ = true;
      out_.content_type.assign(value);
    }
  }
  void on_header_impl(beast::error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>& length,
                         beast::error_code&) override {
    if (length) out_.body.reserve(static_cast<std::size_t>(*length));
  }
  std::size_t on_body_impl(std::string_view body, beast::error_code&) override {
    out_.body.append(body);
    return body.size();
  }
  void on_chunk_header_impl(std::uint64_t, std::string_view, beast::error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, std::string_view body,
                                 beast::error_code&) override {
    out_.body.append(body);
    return body.size();
  }
  void on_finish_impl(beast::error_code&) override {}

  HttpRequest& out_;
  unsigned version_ = 11;
  bool content_type_seen_ = false;
};

// One connection. Deadlines: reading a whole request, and writing an answer, must each finish
// within request_timeout; the worker's sweep closes connections past their deadline (no timer
// per operation). While a handler works on a request there is no deadline.
class Session : public std::enable_shared_from_this<Session> {
 public:
  // `worker.open` counts this connection from its accept on (see Accept).
  Session(tcp::socket socket, HttpServer::Impl::Worker& worker, const HttpLimits& limits,
          const std::map<std::string, HttpHandler>& routes, std::atomic<std::size_t>& connections,
          HttpServer::Impl& impl)
      : socket_(std::move(socket)),
        ioc_(worker.ioc),
        open_(worker.open),
        limits_(limits),
        routes_(routes),
        connections_(connections),
        impl_(impl) {
    ++connections_;
    beast::error_code ec;
    auto ep = socket_.remote_endpoint(ec);
    if (!ec) request_.remote = ep.address().to_string();
  }
  ~Session() {
    --connections_;
    --open_;
  }

  void Start() { DoRead(); }

  // Called by the sweep on this connection's thread: closes it when past its deadline.
  void CloseIfExpired(SteadyClock::time_point now) {
    if (now < deadline_) return;
    beast::error_code ec;
    socket_.close(ec);  // pending operations end with operation_aborted
  }

 private:
  void DoRead() {
    parser_.emplace(request_);
    parser_->header_limit(static_cast<std::uint32_t>(limits_.max_header_bytes));
    parser_->body_limit(limits_.max_body_bytes);
    deadline_ = SteadyClock::now() + limits_.request_timeout;
    http::async_read(
        socket_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    deadline_ = SteadyClock::time_point::max();
    if (ec == http::error::end_of_stream || ec == asio::error::operation_aborted ||
        ec == asio::error::connection_reset || ec == asio::error::eof) {
      return Close();
    }
    if (ec == http::error::body_limit) {
      return SendError(http::status::payload_too_large, "request body too large");
    }
    if (ec == http::error::header_limit) {
      return SendError(http::status::request_header_fields_too_large, "request head too large");
    }
    if (ec) return SendError(http::status::bad_request, "bad request");

    keep_alive_ = parser_->keep_alive() && !impl_.stopping.load();
    version_ = parser_->version();

    auto route = routes_.find(request_.path);
    if (route == routes_.end()) return SendError(http::status::not_found, "not found");
    ++impl_.in_flight;
    route->second(request_, [self = shared_from_this()](HttpResponse res) {
      if (self->ioc_.get_executor().running_in_this_thread()) {
        // Answered within the handler, or later on this connection's thread.
        --self->impl_.in_flight;
        return self->Send(std::move(res));
      }
      asio::post(self->ioc_, [self, res = std::move(res)]() mutable {
        --self->impl_.in_flight;
        self->Send(std::move(res));
      });
    });
  }

  void SendError(http::status status, std::string_view why) {
    keep_alive_ = false;
    if (impl_.refused) impl_.refused("a request", request_.remote, static_cast<int>(status), why);
    Send({static_cast<int>(status), "text/plain; charset=utf-8", std::string(why) + "\n"});
  }

  // The status line and the few fields an answer has, then the body (RFC 9112 §4, §6).
  void Send(HttpResponse r) {
    const unsigned version = version_ ? version_ : 11;
    out_.assign(version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ");
    char number[24];
    out_.append(number, std::to_chars(number, number + sizeof number, r.status).ptr);
    out_.push_back(' ');
    out_.append(http::obsolete_reason(static_cast<http::status>(r.status)));
    out_.append("\r\nContent-Type: ").append(r.content_type);
    out_.append("\r\nContent-Length: ")
        .append(number, std::to_chars(number, number + sizeof number, r.body.size()).ptr);
    if (version == 10 && keep_alive_) out_.append("\r\nConnection: keep-alive");
    if (version != 10 && !keep_alive_) out_.append("\r\nConnection: close");
    out_.append("\r\n\r\n").append(r.body);
    deadline_ = SteadyClock::now() + limits_.request_timeout;
    asio::async_write(socket_, asio::buffer(out_),
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        if (ec || !self->keep_alive_) return self->Close();
                        self->DoRead();
                      });
  }

  void Close() {
    deadline_ = SteadyClock::time_point::max();
    beast::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_send, ec);
  }

  tcp::socket socket_;
  asio::io_context& ioc_;
  std::atomic<int>& open_;
  beast::flat_buffer buffer_;
  HttpRequest request_;
  std::optional<RequestParser> parser_;
  std::string out_;
  const HttpLimits& limits_;
  const std::map<std::string, HttpHandler>& routes_;
  std::atomic<std::size_t>& connections_;
  HttpServer::Impl& impl_;
  SteadyClock::time_point deadline_ = SteadyClock::time_point::max();
  bool keep_alive_ = false;
  unsigned version_ = 11;
};

// Accepts on the first worker's thread, each connection straight into the io_context of the
// worker with the fewest open connections, where it lives until closed. (A listening socket
// per thread sharing the port with SO_REUSEPORT leaves the split to a hash of the peer's
// address and port: 32 connections came out 18 to 14, and an aggregator's few connections
// can all land on one thread.)
void Accept(HttpServer::Impl& impl, const HttpLimits& limits,
            const std::map<std::string, HttpHandler>& routes, std::atomic<std::size_t>& conns) {
  HttpServer::Impl::Worker* w = impl.workers.front().get();
  for (auto& other : impl.workers) {
    if (other->open.load() < w->open.load()) w = other.get();
  }
  impl.acceptor->async_accept(w->ioc, [&impl, &limits, &routes, &conns, w](beast::error_code ec,
                                                                           tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !impl.acceptor->is_open()) return;
    if (!ec) {
      if (conns.load() >= limits.max_connections) {
        if (impl.refused) {
          beast::error_code peer_ec;
          const auto peer = socket.remote_endpoint(peer_ec);
          impl.refused("a connection", peer_ec ? "" : peer.address().to_string(), 0,
                       "connection limit " + std::to_string(limits.max_connections) + " reached");
        }
      } else {
        socket.set_option(tcp::no_delay(true), ec);
        ++w->open;
        asio::post(
            w->ioc, [&impl, &limits, &routes, &conns, w, socket = std::move(socket)]() mutable {
              auto session =
                  std::make_shared<Session>(std::move(socket), *w, limits, routes, conns, impl);
              w->sessions.push_back(session);
              session->Start();
            });
      }
    }
    Accept(impl, limits, routes, conns);
  });
}

// Closes this worker's connections past their deadline, forgets closed ones, and comes back
// after `every`.
void Sweep(HttpServer::Impl::Worker& w, std::chrono::milliseconds every) {
  w.sweep->expires_after(every);
  w.sweep->async_wait([&w, every](beast::error_code ec) {
    if (ec) return;
    const auto now = SteadyClock::now();
    std::erase_if(w.sessions, [now](const std::weak_ptr<Session>& weak) {
      auto s = weak.lock();
      if (!s) return true;
      s->CloseIfExpired(now);
      return false;
    });
    Sweep(w, every);
  });
}

}  // namespace

HttpServer::HttpServer(HttpLimits limits, int threads)
    : limits_(limits), threads_(threads > 0 ? threads : 1), impl_(std::make_unique<Impl>()) {
  for (int i = 0; i < threads_; ++i) impl_->workers.push_back(std::make_unique<Impl::Worker>());
}

HttpServer::~HttpServer() { Stop(std::chrono::milliseconds(0)); }

void HttpServer::Route(const std::string& path, HttpHandler handler) {
  routes_[path] = std::move(handler);
}

void HttpServer::OnRefused(RefusalHook hook) { impl_->refused = std::move(hook); }

asio::io_context& HttpServer::context() { return impl_->workers[0]->ioc; }

Status HttpServer::Start(const std::string& host, std::uint16_t port) {
  beast::error_code ec;
  auto address = asio::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
  if (ec) return InvalidInput("listen address '" + host + "' is not an IP address");
  auto acc = std::make_unique<tcp::acceptor>(impl_->workers.front()->ioc);
  const tcp::endpoint ep(address, port_ ? port_ : port);
  acc->open(ep.protocol(), ec);
  if (!ec) acc->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acc->bind(ep, ec);
  if (!ec) acc->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Unavailable(
        "cannot listen on " + host + ":" + std::to_string(ep.port()) + ": " + ec.message() +
        (ec == asio::error::address_in_use ? " (is another pesan serve running?)" : ""));
  }
  port_ = acc->local_endpoint().port();
  impl_->acceptor = std::move(acc);
  // Deadlines are kept to a quarter of the timeout, at most a second late.
  const auto every =
      std::clamp(std::chrono::duration_cast<std::chrono::milliseconds>(limits_.request_timeout) / 4,
                 std::chrono::milliseconds(5), std::chrono::milliseconds(1000));
  Accept(*impl_, limits_, routes_, connections_);
  for (auto& w : impl_->workers) {
    w->sweep = std::make_unique<asio::steady_timer>(w->ioc);
    Sweep(*w, every);
    w->thread = std::thread([w = w.get()] {
      NameThisThread("pesan-http");
      auto guard = asio::make_work_guard(w->ioc);
      w->ioc.run();
    });
  }
  return Ok{};
}

void HttpServer::Stop(std::chrono::milliseconds grace) {
  if (impl_->stopping.exchange(true)) return;
  if (impl_->acceptor) {
    asio::post(impl_->workers.front()->ioc, [impl = impl_.get()] {
      beast::error_code ec;
      impl->acceptor->close(ec);
    });
  }
  for (auto& w : impl_->workers) {
    if (!w->sweep) continue;
    asio::post(w->ioc, [w = w.get()] { w->sweep->cancel(); });
  }
  // Let the requests in flight be answered.
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (impl_->in_flight.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  for (auto& w : impl_->workers) w->ioc.stop();
  for (auto& w : impl_->workers) {
    if (w->thread.joinable()) w->thread.join();
  }
}

bool SafeEquals(std::string_view a, std::string_view b) {
  // Time depends on the longer length only, never on where the first difference is.
  const size_t n = std::max(a.size(), b.size());
  unsigned diff = a.size() == b.size() ? 0u : 1u;
  for (size_t i = 0; i < n; ++i) {
    unsigned char ca = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    unsigned char cb = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned>(ca ^ cb);
  }
  return diff == 0;
}

}  // namespace pesan
