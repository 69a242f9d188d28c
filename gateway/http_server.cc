#include "gateway/http_server.h"

#include <spdlog/spdlog.h>

#include <optional>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace pesan {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct HttpServer::Impl {
  struct Worker {
    asio::io_context ioc{1};
    std::unique_ptr<tcp::acceptor> acceptor;
    std::thread thread;
  };
  std::vector<std::unique_ptr<Worker>> workers;
  std::atomic<int> in_flight{0};
  std::atomic<bool> stopping{false};
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const HttpLimits& limits,
          const std::map<std::string, HttpHandler>& routes, std::atomic<std::size_t>& connections,
          HttpServer::Impl& impl)
      : stream_(std::move(socket)),
        limits_(limits),
        routes_(routes),
        connections_(connections),
        impl_(impl) {
    ++connections_;
    beast::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = ep.address().to_string();
  }
  ~Session() { --connections_; }

  void Start() { DoRead(); }

 private:
  void DoRead() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(limits_.max_header_bytes));
    parser_->body_limit(limits_.max_body_bytes);
    stream_.expires_after(limits_.request_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       self->OnRead(ec);
                     });
  }

  void OnRead(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == asio::error::operation_aborted ||
        ec == beast::error::timeout || ec == asio::error::connection_reset ||
        ec == asio::error::eof) {
      return Close();
    }
    if (ec == http::error::body_limit) {
      return SendError(http::status::payload_too_large, "request body too large\n");
    }
    if (ec == http::error::header_limit) {
      return SendError(http::status::request_header_fields_too_large, "request head too large\n");
    }
    if (ec) return SendError(http::status::bad_request, "bad request\n");

    auto& req = parser_->get();
    keep_alive_ = req.keep_alive() && !impl_.stopping.load();
    version_ = req.version();
    HttpRequest r;
    r.method = std::string(req.method_string());
    std::string_view target = req.target();
    auto q = target.find('?');
    r.path = std::string(target.substr(0, q));
    if (q != std::string_view::npos) r.query = std::string(target.substr(q + 1));
    r.content_type = std::string(req[http::field::content_type]);
    r.body = std::move(req.body());
    r.remote = remote_;

    auto route = routes_.find(r.path);
    if (route == routes_.end()) return SendError(http::status::not_found, "not found\n");
    ++impl_.in_flight;
    auto executor = stream_.get_executor();
    route->second(r, [self = shared_from_this(), executor](HttpResponse res) {
      asio::post(executor, [self, res = std::move(res)]() mutable {
        --self->impl_.in_flight;
        self->Send(std::move(res));
      });
    });
  }

  void SendError(http::status status, std::string body) {
    keep_alive_ = false;
    Send({static_cast<int>(status), "text/plain; charset=utf-8", std::move(body)});
  }

  void Send(HttpResponse r) {
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(r.status), version_ ? version_ : 11);
    res->set(http::field::content_type, r.content_type);
    res->body() = std::move(r.body);
    res->keep_alive(keep_alive_);
    res->prepare_payload();
    stream_.expires_after(limits_.request_timeout);
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
                        if (ec || !self->keep_alive_) return self->Close();
                        self->DoRead();
                      });
  }

  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  const HttpLimits& limits_;
  const std::map<std::string, HttpHandler>& routes_;
  std::atomic<std::size_t>& connections_;
  HttpServer::Impl& impl_;
  std::string remote_;
  bool keep_alive_ = false;
  unsigned version_ = 11;
};

void Accept(HttpServer::Impl::Worker& w, const HttpLimits& limits,
            const std::map<std::string, HttpHandler>& routes, std::atomic<std::size_t>& conns,
            HttpServer::Impl& impl) {
  w.acceptor->async_accept(w.ioc, [&w, &limits, &routes, &conns, &impl](beast::error_code ec,
                                                                       tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !w.acceptor->is_open()) return;
    if (!ec) {
      if (conns.load() >= limits.max_connections) {
        spdlog::warn("http: connection limit {} reached, refusing a connection",
                     limits.max_connections);
      } else {
        socket.set_option(tcp::no_delay(true), ec);
        std::make_shared<Session>(std::move(socket), limits, routes, conns, impl)->Start();
      }
    }
    Accept(w, limits, routes, conns, impl);
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

asio::io_context& HttpServer::context() { return impl_->workers[0]->ioc; }

Status HttpServer::Start(const std::string& host, std::uint16_t port) {
  beast::error_code ec;
  auto address = asio::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
  if (ec) return InvalidInput("listen address '" + host + "' is not an IP address");
  for (auto& w : impl_->workers) {
    auto acc = std::make_unique<tcp::acceptor>(w->ioc);
    tcp::endpoint ep(address, port_ ? port_ : port);
    acc->open(ep.protocol(), ec);
    if (!ec) acc->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) {
      int one = 1;
      if (::setsockopt(acc->native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
        ec = beast::error_code(errno, boost::system::system_category());
      }
    }
    if (!ec) acc->bind(ep, ec);
    if (!ec) acc->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return Unavailable("cannot listen on " + host + ":" + std::to_string(ep.port()) + ": " +
                         ec.message());
    }
    port_ = acc->local_endpoint().port();
    w->acceptor = std::move(acc);
  }
  for (auto& w : impl_->workers) {
    Accept(*w, limits_, routes_, connections_, *impl_);
    w->thread = std::thread([w = w.get()] {
      auto guard = asio::make_work_guard(w->ioc);
      w->ioc.run();
    });
  }
  return Ok{};
}

void HttpServer::Stop(std::chrono::milliseconds grace) {
  if (impl_->stopping.exchange(true)) return;
  for (auto& w : impl_->workers) {
    if (!w->acceptor) continue;
    asio::post(w->ioc, [w = w.get()] {
      beast::error_code ec;
      w->acceptor->close(ec);
    });
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
