// Starts tests/adapters/modem/modem_emulator.py in its own process and talks to it over its
// control socket (JSON lines). The device path it serves is `device()`.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace pesan::modem::testing {

using json = nlohmann::json;

class EmulatorProcess {
 public:
  explicit EmulatorProcess(std::vector<std::string> args = {}) {
    char tmpl[] = "/tmp/pesan-modem-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    std::string script = std::string(PESAN_SOURCE_DIR) + "/tests/adapters/modem/modem_emulator.py";
    std::vector<std::string> argv = {"/usr/bin/python3", script,      "--link",
                                     device(),           "--control", control()};
    argv.insert(argv.end(), args.begin(), args.end());
    int out[2];
    if (::pipe(out) != 0) std::abort();
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], 1);
      ::close(out[0]);
      ::close(out[1]);
      std::vector<char*> cargv;
      for (auto& a : argv) cargv.push_back(a.data());
      cargv.push_back(nullptr);
      ::execv(cargv[0], cargv.data());
      ::_exit(127);
    }
    ::close(out[1]);
    stdout_ = out[0];
    std::string line = ReadLine(stdout_, std::chrono::seconds(30));
    if (line != "READY") {
      ADD_FAILURE() << "modem emulator did not start: '" << line << "'";
      return;
    }
    sock_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", control().c_str());
    if (::connect(sock_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
      ADD_FAILURE() << "cannot connect to the emulator's control socket";
  }

  ~EmulatorProcess() {
    if (sock_ >= 0) ::close(sock_);
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status;
      ::waitpid(pid_, &status, 0);
    }
    if (stdout_ >= 0) ::close(stdout_);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::string device() const { return dir_ + "/modem"; }
  std::string control() const { return dir_ + "/control"; }

  // One request, one answer. Fails the test when the emulator does not answer in time.
  json Call(const json& req, std::chrono::seconds deadline = std::chrono::seconds(30)) {
    std::string s = req.dump() + "\n";
    if (::write(sock_, s.data(), s.size()) != ssize_t(s.size())) {
      ADD_FAILURE() << "write to emulator failed";
      return {};
    }
    std::string line = ReadLine(sock_, deadline);
    if (line.empty()) {
      ADD_FAILURE() << "no answer from the emulator to " << req.dump();
      return {};
    }
    return json::parse(line);
  }

  // Waits for an event in the emulator: "submitted" (count), "command" (match, count),
  // "storage" (count, exact), "deleted" (count). Returns its state snapshot.
  json Wait(const std::string& what, int count, const std::string& match = "") {
    json req = {{"op", "wait"}, {"for", what}, {"count", count}, {"timeout", 20}};
    if (!match.empty()) req["match"] = match;
    auto r = Call(req);
    EXPECT_TRUE(r.value("ok", false)) << r.dump();
    return r;
  }

  json State() { return Call({{"op", "state"}}); }

  int CountCommands(const std::string& prefix) {
    int n = 0;
    json state = State();
    for (auto& c : state["commands"])
      if (c.get<std::string>().rfind(prefix, 0) == 0) ++n;
    return n;
  }

 private:
  std::string ReadLine(int fd, std::chrono::seconds deadline) {
    auto end = std::chrono::steady_clock::now() + deadline;
    while (true) {
      if (auto nl = buf_[fd].find('\n'); nl != std::string::npos) {
        std::string line = buf_[fd].substr(0, nl);
        buf_[fd].erase(0, nl + 1);
        return line;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          end - std::chrono::steady_clock::now());
      if (left.count() <= 0) return "";
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, int(left.count())) <= 0) return "";
      char tmp[65536];
      ssize_t n = ::read(fd, tmp, sizeof tmp);
      if (n <= 0) return "";
      buf_[fd].append(tmp, size_t(n));
    }
  }

  std::string dir_;
  pid_t pid_ = -1;
  int stdout_ = -1;
  int sock_ = -1;
  std::map<int, std::string> buf_;
};

}  // namespace pesan::modem::testing
