// A small HTTP/1.1 server on 127.0.0.1 (a free port) for tests, on its own thread: each request
// goes to a handler that answers now, later, or never (to test a peer that hangs).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace pesan::testing {

struct HttpRequestSeen {
  std::string method;
  std::string target;  // path and query
  std::string body;
};

class LoopbackHttpServer {
 public:
  // `reply(status, body)` may be called from any thread, at most once; text/plain.
  using Reply = std::function<void(int status, std::string body)>;
  using Handler = std::function<void(HttpRequestSeen request, Reply reply)>;

  explicit LoopbackHttpServer(Handler handler);
  ~LoopbackHttpServer();  // closes every connection; replies after this are ignored
  LoopbackHttpServer(const LoopbackHttpServer&) = delete;
  LoopbackHttpServer& operator=(const LoopbackHttpServer&) = delete;

  uint16_t port() const;
  std::string base_url() const;  // "http://127.0.0.1:<port>"

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace pesan::testing
