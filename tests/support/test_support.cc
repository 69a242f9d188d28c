#include "tests/support/test_support.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "core/embedded.h"
#include "core/form.h"

extern char** environ;

namespace pesan::testing {

TempDir::TempDir() {
  std::random_device rd;
  path_ = std::filesystem::temp_directory_path() /
          ("pesan-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::Write(const std::string& name, const std::string& content) const {
  std::string p = File(name);
  std::ofstream out(p, std::ios::binary);
  out << content;
  return p;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string PesanBinary() { return std::string(PESAN_BINARY_DIR) + "/gateway/pesan"; }

CommandResult RunPesan(const std::vector<std::string>& args, const std::string& input) {
  TempDir io;
  std::string in_path = io.Write("stdin", input);
  std::string out_path = io.File("stdout"), err_path = io.File("stderr");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, in_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&fa, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::string bin = PesanBinary();
  std::vector<char*> argv{bin.data()};
  std::vector<std::string> copy = args;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid;
  CommandResult r;
  if (posix_spawn(&pid, bin.c_str(), &fa, nullptr, argv.data(), environ) == 0) {
    // A command that should end but serves on is killed after a minute (its exit code then
    // says SIGKILL), so that the test reports it instead of hanging.
    const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    pollfd ended{pidfd, POLLIN, 0};
    if (pidfd >= 0 && ::poll(&ended, 1, 60'000) == 0) ::kill(pid, SIGKILL);
    if (pidfd >= 0) ::close(pidfd);
    int status = 0;
    waitpid(pid, &status, 0);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  posix_spawn_file_actions_destroy(&fa);
  r.out = ReadFile(out_path);
  r.err = ReadFile(err_path);
  return r;
}

namespace {
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

HttpResult Request(const std::string& host, std::uint16_t port, http::verb verb,
                   const std::string& target, const std::string& body,
                   const std::string& content_type) {
  try {
    boost::asio::io_context ioc;
    beast::tcp_stream stream(ioc);
    stream.expires_after(std::chrono::seconds(30));
    stream.connect(tcp::endpoint(boost::asio::ip::make_address(host), port));
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, host);
    if (verb == http::verb::post) {
      req.set(http::field::content_type, content_type);
      req.body() = body;
      req.prepare_payload();
    }
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    return {static_cast<int>(res.result_int()), res.body()};
  } catch (const std::exception&) {
    return {0, ""};
  }
}
}  // namespace

HttpResult HttpPost(std::uint16_t port, const std::string& target, const std::string& body,
                    const std::string& content_type) {
  return Request("127.0.0.1", port, http::verb::post, target, body, content_type);
}

HttpResult HttpPostTo(const std::string& host, std::uint16_t port, const std::string& target,
                      const std::string& body) {
  return Request(host, port, http::verb::post, target, body, "application/x-www-form-urlencoded");
}

HttpResult HttpGet(std::uint16_t port, const std::string& target) {
  return Request("127.0.0.1", port, http::verb::get, target, "", "");
}

std::string DemoConfig(const TempDir& dir, const std::string& extra, const std::string& catalog) {
  std::string csv = catalog.empty() ? std::string(*EmbeddedFile("demo-catalog.csv")) : catalog;
  dir.Write("catalog.csv", csv);
  return "[gateway]\nlisten = \"127.0.0.1:0\"\ndatabase = \"shop.db\"\nthreads = 2\n"
         "\n[[shops]]\ncode = \"majubersama\"\nname = \"BUMDes Maju Bersama\"\n"
         "managers = [\"+6281234567890\"]\ncatalog = \"catalog.csv\"\npickup = true\n"
         "info = \"Desa Sukamaju. Buka 07.00-17.00.\"\n" +
         extra;
}

TestGateway::TestGateway(const TempDir& dir, const std::string& toml, const Clock& clock) {
  auto cfg = ParseConfig(toml, "test.toml", dir.path().string());
  if (!cfg) throw std::runtime_error(cfg.error().message);
  auto g = Gateway::Create(std::move(*cfg), clock);
  if (!g) throw std::runtime_error(g.error().message);
  gateway_ = std::move(*g);
  if (auto st = gateway_->Start(); !st) throw std::runtime_error(st.error().message);
}

TestGateway::~TestGateway() { gateway_->Stop(); }

CapturedLog::CapturedLog()
    : sink_(std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(1000)),
      previous_(spdlog::default_logger()) {
  sink_->set_pattern("%l %v");
  auto logger = std::make_shared<spdlog::logger>("captured", sink_);
  logger->set_level(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

CapturedLog::~CapturedLog() { spdlog::set_default_logger(previous_); }

std::string CapturedLog::Lines() const {
  std::string out;
  for (const auto& line : sink_->last_formatted()) out += line;
  return out;
}

int CapturedLog::Count(std::string_view what) const {
  const std::string all = Lines();
  int n = 0;
  for (auto at = all.find(what); at != std::string::npos; at = all.find(what, at + 1)) ++n;
  return n;
}

HttpResult TestGateway::Ussd(const std::string& session, const std::string& phone,
                             const std::string& text) {
  return HttpPost(port(), "/ussd/africastalking",
                  "sessionId=" + UrlEncode(session) + "&serviceCode=" + UrlEncode("*123#") +
                      "&phoneNumber=" + UrlEncode(phone) +
                      "&networkCode=51010&text=" + UrlEncode(text));
}

bool WaitFor(const std::function<bool()>& ready, std::chrono::milliseconds deadline) {
  auto until = std::chrono::steady_clock::now() + deadline;
  while (!ready()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace pesan::testing
