// How many submit_sm per second the SMPP channel sustains against the local scripted SMSC
// (tests/adapters/smpp/smsc.js on the npm package `smpp`), window 10 by default, no rate limit.
//
//   build/bench/smpp_submit_bench [--count N] [--window W] [--rounds R]
//
// Each round queues N messages at once (as an outbox with a backlog would) and times from the
// first Send() to the last kAccepted. Everything runs on 127.0.0.1.
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "adapters/smpp/smpp_channel.h"
#include "tests/adapters/smpp/smsc_peer.h"

namespace {

using pesan::OutgoingSms;
using pesan::SendResult;
using pesan::smpp::SmppChannel;
using pesan::smpp::SmppConfig;
using pesan::smpp::testing::SmscPeer;

struct Round {
  double seconds = 0;
  int accepted = 0;
  int other = 0;
};

Round RunRound(SmppChannel& channel, int count, long long first_id) {
  std::atomic<int> done{0}, accepted{0};
  std::promise<void> all;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < count; ++i) {
    channel.Send(
        OutgoingSms{first_id + i, "+6281234567890", "Pesanan B1 x2 siap diantar. Total Rp 24.000"},
        [&, count](SendResult r) {
          if (r.kind == SendResult::Kind::kAccepted) ++accepted;
          if (++done == count) all.set_value();
        });
  }
  all.get_future().wait();
  Round r;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.accepted = accepted;
  r.other = count - accepted;
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  int count = 20000, window = 10, rounds = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--count"))
      count = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--window"))
      window = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--rounds"))
      rounds = std::atoi(argv[i + 1]);
  }
  SmscPeer peer;
  if (std::string err = peer.Start(PESAN_SOURCE_DIR); !err.empty()) {
    std::fprintf(stderr, "smpp_submit_bench: %s\n", err.c_str());
    return 1;
  }
  peer.Command({{"cmd", "set"}, {"quiet", true}});

  auto logger =
      std::make_shared<spdlog::logger>("smpp", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger->set_level(spdlog::level::warn);
  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  std::thread io_thread([&] { io.run(); });
  pesan::SystemClock clock;
  SmppConfig c;
  c.host = "127.0.0.1";
  c.port = peer.port();
  c.system_id = "bench";
  c.password = "bench";
  c.source_addr = "TOKOKU";
  c.window = window;
  c.max_per_second = 0;
  auto channel = std::make_unique<SmppChannel>(io, c, pesan::ChannelEvents{}, logger, clock);
  channel->Start();
  if (!peer.WaitFor(
          [](const nlohmann::json& j) { return j["event"] == "bind" && j["status"] == 0; },
          std::chrono::seconds(10))) {
    std::fprintf(stderr, "smpp_submit_bench: no bind\n");
    return 1;
  }
  RunRound(*channel, 1000, 1);  // warm-up (JIT of the node SMSC, TCP buffers)
  std::vector<double> rates;
  for (int r = 0; r < rounds; ++r) {
    Round res = RunRound(*channel, count, 1'000'000LL * (r + 1));
    double rate = res.accepted / res.seconds;
    rates.push_back(rate);
    std::printf(
        "round %d: %d submit_sm in %.3f s = %.0f submit_sm/s (window %d, %d not accepted)\n", r + 1,
        count, res.seconds, rate, window, res.other);
  }
  std::sort(rates.begin(), rates.end());
  std::printf("median: %.0f submit_sm/s\n", rates[rates.size() / 2]);

  std::promise<void> stopped;
  channel->Stop([&] { stopped.set_value(); });
  stopped.get_future().wait();
  channel.reset();
  work.reset();
  io.stop();
  io_thread.join();
  return 0;
}
