#include "tests/support/gateway_relay.h"

#include <chrono>

#include "tests/support/test_support.h"

namespace pesan::testing {

GatewayRelay::GatewayRelay(int workers, Hook hook) : hook_(std::move(hook)) {
  for (int i = 0; i < workers; ++i) workers_.emplace_back([this] { Run(); });
  server_ = std::make_unique<LoopbackHttpServer>(
      [this](HttpRequestSeen r, LoopbackHttpServer::Reply reply) {
        queue_.Push({std::move(r), std::move(reply)});
      });
}

GatewayRelay::~GatewayRelay() {
  server_.reset();
  stop_ = true;
  for (auto& w : workers_) w.join();
}

void GatewayRelay::Run() {
  while (!stop_) {
    auto job = queue_.Pop(std::chrono::milliseconds(100));
    if (!job) continue;
    HttpResult r = HttpGet(gateway_port_.load(), job->request.target);
    Exchange e{job->request.target, r.status, r.status == 0 ? 503 : r.status,
               r.status == 0 ? "the gateway is not reachable" : r.body};
    if (hook_) hook_(e);
    job->reply(e.status, std::move(e.body));
  }
}

}  // namespace pesan::testing
