#include "tests/support/loopback_http_server.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <set>
#include <thread>

namespace pesan::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

}  // namespace

class LoopbackHttpServer::Impl : public std::enable_shared_from_this<Impl> {
 public:
  explicit Impl(Handler handler)
      : handler_(std::move(handler)),
        work_(asio::make_work_guard(io_)),
        acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {}

  void Run() {
    Accept();
    thread_ = std::thread([this] { io_.run(); });
  }

  void Shutdown() {
    asio::post(io_, [self = shared_from_this()] {
      self->closed_ = true;
      beast::error_code ec;
      self->acceptor_.close(ec);
      for (auto& s : self->sessions_) s->stream.socket().close(ec);
      self->sessions_.clear();
    });
    work_.reset();  // run() returns once the closed sockets' handlers have run
    thread_.join();
  }

  uint16_t port() const { return acceptor_.local_endpoint().port(); }

 private:
  struct Session {
    explicit Session(tcp::socket s) : stream(std::move(s)) {}
    beast::tcp_stream stream;
    beast::flat_buffer buffer;
    http::request<http::string_body> req;
  };

  void Accept() {
    acceptor_.async_accept([self = shared_from_this()](beast::error_code ec, tcp::socket s) {
      if (ec || self->closed_) return;
      auto session = std::make_shared<Session>(std::move(s));
      self->sessions_.insert(session);
      self->Read(session);
      self->Accept();
    });
  }

  void Read(std::shared_ptr<Session> s) {
    s->req = {};
    http::async_read(
        s->stream, s->buffer, s->req, [self = shared_from_this(), s](beast::error_code ec, size_t) {
          if (self->closed_) return;
          if (ec) {
            self->sessions_.erase(s);  // the client closed or sent garbage
            return;
          }
          HttpRequestSeen seen{std::string(s->req.method_string()), std::string(s->req.target()),
                               s->req.body()};
          bool keep_alive = s->req.keep_alive();
          unsigned version = s->req.version();
          std::weak_ptr<Impl> weak = self;
          std::weak_ptr<Session> weak_s = s;
          self->handler_(std::move(seen),
                         [weak, weak_s, keep_alive, version](int status, std::string body) {
                           auto impl = weak.lock();
                           auto s = weak_s.lock();
                           if (!impl || !s) return;
                           asio::post(impl->io_, [impl, s, keep_alive, version, status,
                                                  body = std::move(body)]() mutable {
                             impl->Write(s, keep_alive, version, status, std::move(body));
                           });
                         });
        });
  }

  void Write(std::shared_ptr<Session> s, bool keep_alive, unsigned version, int status,
             std::string body) {
    if (closed_) return;
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(status), version);
    res->set(http::field::content_type, "text/plain");
    res->keep_alive(keep_alive);
    res->body() = std::move(body);
    res->prepare_payload();
    http::async_write(
        s->stream, *res,
        [self = shared_from_this(), s, res, keep_alive](beast::error_code ec, size_t) {
          if (ec || self->closed_) return;
          if (keep_alive) {
            self->Read(s);
          } else {
            beast::error_code ignored;
            s->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
            self->sessions_.erase(s);
          }
        });
  }

  Handler handler_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  tcp::acceptor acceptor_;
  std::thread thread_;
  bool closed_ = false;
  std::set<std::shared_ptr<Session>> sessions_;  // open connections
};

LoopbackHttpServer::LoopbackHttpServer(Handler handler)
    : impl_(std::make_shared<Impl>(std::move(handler))) {
  impl_->Run();
}

LoopbackHttpServer::~LoopbackHttpServer() { impl_->Shutdown(); }

uint16_t LoopbackHttpServer::port() const { return impl_->port(); }

std::string LoopbackHttpServer::base_url() const {
  return "http://127.0.0.1:" + std::to_string(port());
}

}  // namespace pesan::testing
