// The gateway's HTTP/1.1 server (Boost.Beast). One io_context per network thread; a connection
// is given to the thread with the fewest open ones when accepted and lives there until closed,
// so it needs no locking.
//
// Limits: request head and body sizes, one deadline for reading a whole request (a slow client
// cannot hold a connection), a cap on open connections.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/result.h"

namespace boost::asio {
class io_context;
}

namespace pesan {

struct HttpRequest {
  std::string method;  // "GET", "POST"
  std::string path;    // without the query
  std::string query;   // after '?', undecoded
  std::string content_type;
  std::string body;
  std::string remote;  // the peer's address, e.g. "127.0.0.1"
};

struct HttpResponse {
  int status = 200;
  // A literal (static storage): every answer names one of a few types.
  std::string_view content_type = "text/plain; charset=utf-8";
  std::string body;
};

// Answers a request exactly once, from any thread.
using HttpReply = std::function<void(HttpResponse)>;
using HttpHandler = std::function<void(const HttpRequest&, HttpReply)>;

struct HttpLimits {
  std::size_t max_header_bytes = 8 * 1024;
  std::size_t max_body_bytes = 16 * 1024;
  std::chrono::milliseconds request_timeout{15000};
  std::size_t max_connections = 10000;
};

class HttpServer {
 public:
  HttpServer(HttpLimits limits, int threads);
  ~HttpServer();

  // Routes: the exact path, any method the handler accepts. Set before Start.
  void Route(const std::string& path, HttpHandler handler);
  // Told of what the server refuses itself, from its network threads: `what` is "a request"
  // (an unknown path, a request it cannot read or too large: `status` is the answer's) or "a
  // connection" (over the connection limit: closed unanswered, `status` 0). Set before Start;
  // unset, nothing is told.
  using RefusalHook = std::function<void(std::string_view what, std::string_view from, int status,
                                         std::string_view why)>;
  void OnRefused(RefusalHook hook);
  // Binds and starts the threads; port 0 picks a free port (see port()).
  Status Start(const std::string& host, std::uint16_t port);
  std::uint16_t port() const { return port_; }
  // Stops accepting, lets requests in flight finish (up to `grace`), then stops the threads.
  void Stop(std::chrono::milliseconds grace = std::chrono::milliseconds(5000));
  // The io_context of network thread 0, for timers of components that live with the server.
  boost::asio::io_context& context();

  std::size_t open_connections() const { return connections_.load(); }

  struct Impl;

 private:
  HttpLimits limits_;
  int threads_;
  std::uint16_t port_ = 0;
  std::map<std::string, HttpHandler> routes_;
  std::atomic<std::size_t> connections_{0};
  std::unique_ptr<Impl> impl_;
};

// Constant-time comparison, for tokens.
bool SafeEquals(std::string_view a, std::string_view b);

}  // namespace pesan
