// An HTTP relay between Kannel's smsbox and the gateway, for tests: each GET it receives (an MO
// message or a delivery report) is passed on to the gateway as it came, and answered with the
// gateway's answer, or 503 when the gateway could not be reached (Kannel tries again, as after
// a refused connection). A hook sees every exchange and may change what goes back.
//
// smsbox does not talk to the gateway directly in the tests that kill or lose it because Kannel
// 1.4.5's smsbox panics when an HTTP server resets a connection between its connect and its
// request (gwlib/http.c, handle_transaction: a failed send_request in state `connecting` ends in
// conn_unregister(NULL)), which a gateway killed at that moment does. A reverse proxy in front
// of the gateway keeps smsbox up the same way in a deployment.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/blocking_queue.h"
#include "tests/support/loopback_http_server.h"

namespace pesan::testing {

class GatewayRelay {
 public:
  struct Exchange {
    const std::string& target;  // path and query, as smsbox sent it
    int gateway_status;         // the gateway's answer, 0 when there was none
    int status;                 // what smsbox gets back
    std::string body;
  };
  using Hook = std::function<void(Exchange&)>;  // called on the relay's worker threads

  GatewayRelay(int workers, Hook hook);
  ~GatewayRelay();
  GatewayRelay(const GatewayRelay&) = delete;
  GatewayRelay& operator=(const GatewayRelay&) = delete;

  std::string base_url() const { return server_->base_url(); }
  void set_gateway_port(std::uint16_t port) { gateway_port_ = port; }

 private:
  struct Job {
    HttpRequestSeen request;
    LoopbackHttpServer::Reply reply;
  };
  void Run();

  Hook hook_;
  BlockingQueue<Job> queue_;
  std::atomic<std::uint16_t> gateway_port_{0};
  std::atomic<bool> stop_{false};
  std::vector<std::thread> workers_;
  std::unique_ptr<LoopbackHttpServer> server_;
};

}  // namespace pesan::testing
