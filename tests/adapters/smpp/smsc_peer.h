// The scripted SMSC (tests/adapters/smpp/smsc.js, npm `smpp`) as a child process: commands go
// to its stdin as JSON lines, its events come back from stdout as JSON lines. Shared by the
// channel tests and the submit benchmark.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace pesan::smpp::testing {

class SmscPeer {
 public:
  using Json = nlohmann::json;
  using Pred = std::function<bool(const Json&)>;
  struct Event {
    Json json;
    std::chrono::steady_clock::time_point at;
    bool taken = false;
  };

  // Starts `node <source_dir>/tests/adapters/smpp/smsc.js 0`; empty error on success.
  std::string Start(const std::string& source_dir) {
    namespace fs = std::filesystem;
    fs::path script = fs::path(source_dir) / "tests/adapters/smpp/smsc.js";
    fs::path module = fs::path(source_dir) / "tests/peers/smpp/node_modules/smpp";
    if (!fs::exists(module)) {
      return "the npm package smpp is missing: run `npm ci --prefix tests/peers/smpp`";
    }
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) return "pipe failed";
    pid_ = fork();
    if (pid_ < 0) return "fork failed";
    if (pid_ == 0) {
      dup2(in[0], 0);
      dup2(out[1], 1);
      std::string s = script.string();
      execlp("node", "node", s.c_str(), "0", static_cast<char*>(nullptr));
      _exit(127);
    }
    close(in[0]);
    close(out[1]);
    to_child_ = in[1];
    from_child_ = out[0];
    reader_ = std::thread([this] { ReadLoop(); });
    auto ev =
        WaitFor([](const Json& j) { return j["event"] == "listening"; }, std::chrono::seconds(20));
    if (!ev) return "the SMSC script did not start (is node installed?)";
    port_ = (*ev)["port"].get<uint16_t>();
    return "";
  }

  ~SmscPeer() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int st;
      waitpid(pid_, &st, 0);
    }
    if (to_child_ >= 0) close(to_child_);
    if (reader_.joinable()) reader_.join();
    if (from_child_ >= 0) close(from_child_);
  }

  uint16_t port() const { return port_; }

  void Command(const Json& cmd) {
    std::string line = cmd.dump() + "\n";
    size_t off = 0;
    while (off < line.size()) {
      ssize_t n = write(to_child_, line.data() + off, line.size() - off);
      if (n <= 0) return;
      off += static_cast<size_t>(n);
    }
  }

  // The first event not taken yet that matches, taken; nullopt at the deadline.
  std::optional<Json> WaitFor(const Pred& pred, std::chrono::milliseconds timeout) {
    auto ev = WaitForEvent(pred, timeout);
    if (!ev) return std::nullopt;
    return ev->json;
  }
  std::optional<Event> WaitForEvent(const Pred& pred, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    std::optional<Event> found;
    cv_.wait_for(lock, timeout, [&] {
      for (auto& e : events_) {
        if (!e.taken && pred(e.json)) {
          e.taken = true;
          found = e;
          return true;
        }
      }
      return false;
    });
    return found;
  }

  // Events so far that match (taken or not).
  std::vector<Json> All(const Pred& pred) {
    std::lock_guard lock(mu_);
    std::vector<Json> out;
    for (auto& e : events_) {
      if (pred(e.json)) out.push_back(e.json);
    }
    return out;
  }

  static Pred Is(std::string event) {
    return [event](const Json& j) { return j.value("event", "") == event; };
  }

 private:
  void ReadLoop() {
    std::string buf;
    char chunk[4096];
    while (true) {
      ssize_t n = read(from_child_, chunk, sizeof chunk);
      if (n <= 0) break;
      buf.append(chunk, static_cast<size_t>(n));
      size_t nl;
      while ((nl = buf.find('\n')) != std::string::npos) {
        std::string line = buf.substr(0, nl);
        buf.erase(0, nl + 1);
        Json j = Json::parse(line, nullptr, false);
        if (j.is_discarded()) continue;
        {
          std::lock_guard lock(mu_);
          events_.push_back({std::move(j), std::chrono::steady_clock::now(), false});
        }
        cv_.notify_all();
      }
    }
  }

  pid_t pid_ = -1;
  int to_child_ = -1;
  int from_child_ = -1;
  uint16_t port_ = 0;
  std::thread reader_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Event> events_;
};

}  // namespace pesan::smpp::testing
