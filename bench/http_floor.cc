// The gateway's HTTP layer alone, for the floor under the reference flow (FLOW.md): the same
// network threads, connection handling and parser as `pesan serve`, answering every hop at once
// without menus or storage. Replayed with compare.sh's wrk script beside nginx, it shows how much
// of the distance to the ceiling is the HTTP layer and how much is the work of a hop.
//
//   build-release/bench/http_floor [--port P] [--threads N] [--form]
//
// Answers "CON ok" to hops 1-5 and "END ok" to hop 6 (its text holds four '*'), so that the
// script counts sessions. --form also decodes each request's form as the USSD route does.
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include "adapters/africastalking/at_ussd.h"
#include "gateway/http_server.h"

int main(int argc, char** argv) {
  int port = 8099;
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  bool form = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--port") && i + 1 < argc) {
      port = std::atoi(argv[++i]);
    } else if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) {
      threads = std::atoi(argv[++i]);
    } else if (!std::strcmp(argv[i], "--form")) {
      form = true;
    } else {
      std::fprintf(stderr, "usage: http_floor [--port P] [--threads N] [--form]\n");
      return 2;
    }
  }
  // SIGINT and SIGTERM are taken by sigwait below, so every thread started here blocks them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  pesan::HttpServer server({}, threads);
  server.Route("/ussd/africastalking", [form](const pesan::HttpRequest& req,
                                              const pesan::HttpReply& reply) {
    std::size_t stars = 0;
    if (form) {
      auto parsed = pesan::africastalking::ParseUssdRequest(req.body);
      if (!parsed) return reply({400, "text/plain; charset=utf-8", "bad form\n"});
      stars = static_cast<std::size_t>(std::count(parsed->text.begin(), parsed->text.end(), '*'));
    } else if (auto at = req.body.find("text="); at != std::string::npos) {
      // The text is the last field the reference script sends.
      stars = static_cast<std::size_t>(
          std::count(req.body.begin() + static_cast<std::ptrdiff_t>(at), req.body.end(), '*'));
    }
    reply({200, "text/plain; charset=utf-8", stars >= 4 ? "END ok" : "CON ok"});
  });
  if (auto st = server.Start("127.0.0.1", static_cast<std::uint16_t>(port)); !st) {
    std::fprintf(stderr, "%s\n", st.error().message.c_str());
    return 1;
  }
  std::printf("http_floor on 127.0.0.1:%u, %d threads%s\n", server.port(), threads,
              form ? ", decoding forms" : "");
  std::fflush(stdout);
  int sig = 0;
  sigwait(&set, &sig);
  server.Stop(std::chrono::milliseconds(0));
  return 0;
}
