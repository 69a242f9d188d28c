// Helpers shared by the tests: temporary folders, running the real `pesan` binary, a small
// HTTP client over loopback, and an in-process gateway on a real database file.
#pragma once

#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "gateway/config.h"
#include "gateway/gateway.h"

namespace pesan::testing {

// A fresh folder under the system temp dir, removed at the end of the test.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  std::string File(const std::string& name) const { return (path_ / name).string(); }
  // Writes `content` to `name` in the folder and returns its path.
  std::string Write(const std::string& name, const std::string& content) const;

 private:
  std::filesystem::path path_;
};

std::string ReadFile(const std::string& path);

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};
// Runs the built `pesan` binary with `args` (no shell), optionally feeding `input` on stdin.
CommandResult RunPesan(const std::vector<std::string>& args, const std::string& input = "");
std::string PesanBinary();

struct HttpResult {
  int status = 0;  // 0: no connection
  std::string body;
};
HttpResult HttpPost(std::uint16_t port, const std::string& target, const std::string& body,
                    const std::string& content_type = "application/x-www-form-urlencoded");
HttpResult HttpGet(std::uint16_t port, const std::string& target);
// A form POST to `host` (an IP address) rather than loopback.
HttpResult HttpPostTo(const std::string& host, std::uint16_t port, const std::string& target,
                      const std::string& body);

// The demo configuration with `extra` TOML appended and the database in `dir`.
std::string DemoConfig(const TempDir& dir, const std::string& extra = "",
                       const std::string& catalog_csv = "");

// A gateway running in this process on 127.0.0.1:<free port>.
class TestGateway {
 public:
  // `toml`: the whole configuration text; relative paths resolve against `dir`.
  TestGateway(const TempDir& dir, const std::string& toml, const Clock& clock);
  ~TestGateway();
  std::uint16_t port() const { return gateway_->port(); }
  Gateway& gateway() { return *gateway_; }
  // One Africa's Talking hop; returns the whole body ("CON ..."/"END ...").
  HttpResult Ussd(const std::string& session, const std::string& phone, const std::string& text);

 private:
  std::unique_ptr<Gateway> gateway_;
};

// While it lives, spdlog's default logger writes here: "<level> <message>" lines, for tests
// that check what the gateway logs.
class CapturedLog {
 public:
  CapturedLog();
  ~CapturedLog();
  std::string Lines() const;               // every line so far, oldest first
  int Count(std::string_view what) const;  // how often `what` stands in Lines()

 private:
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_;
  std::shared_ptr<spdlog::logger> previous_;
};

// Waits (on a condition, not a fixed time) until `ready()` or the deadline; true if ready.
bool WaitFor(const std::function<bool()>& ready,
             std::chrono::milliseconds deadline = std::chrono::seconds(10));

}  // namespace pesan::testing
