// The AT engine over a real pseudo-terminal: the engine opens the slave side as a serial port,
// the test plays the modem on the master side (blocking reads with a deadline, on the test
// thread) while the io_context runs on its own thread.
#include "adapters/modem/at_engine.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

namespace pesan::modem {
namespace {

using namespace std::chrono_literals;

class Pty {
 public:
  Pty() {
    char name[256];
    if (openpty(&master_, &slave_, name, nullptr, nullptr) != 0) std::abort();
    name_ = name;
  }
  ~Pty() {
    CloseMaster();
    if (slave_ >= 0) ::close(slave_);
  }
  const std::string& name() const { return name_; }
  void CloseMaster() {
    if (master_ >= 0) ::close(master_);
    master_ = -1;
  }
  void Write(std::string_view s) {
    ASSERT_EQ(::write(master_, s.data(), s.size()), ssize_t(s.size()));
  }
  // Reads until `terminator` has been seen; "" on deadline.
  std::string ReadUntil(char terminator, std::chrono::milliseconds deadline = 5000ms) {
    std::string out;
    auto end = std::chrono::steady_clock::now() + deadline;
    while (std::chrono::steady_clock::now() < end) {
      pollfd p{master_, POLLIN, 0};
      int left = int(std::chrono::duration_cast<std::chrono::milliseconds>(
                         end - std::chrono::steady_clock::now())
                         .count());
      if (::poll(&p, 1, std::max(left, 0)) <= 0) break;
      char c;
      if (::read(master_, &c, 1) != 1) break;
      out.push_back(c);
      if (c == terminator) return out;
    }
    return "";
  }
  // True if nothing arrives within `d` (used to check that the engine waits).
  bool Quiet(std::chrono::milliseconds d) {
    pollfd p{master_, POLLIN, 0};
    return ::poll(&p, 1, int(d.count())) == 0;
  }

 private:
  int master_ = -1, slave_ = -1;
  std::string name_;
};

class AtEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log_ =
        std::make_shared<spdlog::logger>("modem", std::make_shared<spdlog::sinks::null_sink_mt>());
    auto stream = OpenSerial(strand_, pty_.name(), 115200);
    ASSERT_TRUE(stream.ok()) << stream.error().message;
    engine_ = AtEngine::Create(strand_, std::move(*stream), AtEngine::Options{4}, log_);
    engine_->SetUnsolicitedHandler([this](const AtEvent& ev) {
      std::lock_guard l(mu_);
      urcs_.push_back(ev.line + (ev.pdu.empty() ? "" : "|" + ev.pdu));
      cv_.notify_all();
    });
    engine_->SetClosedHandler([this](const Error& e) {
      std::lock_guard l(mu_);
      closed_ = e.message;
      cv_.notify_all();
    });
    OnStrand([this] { engine_->Start(); });
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    OnStrand([this] {
      engine_->Close();
      engine_.reset();
    });
    work_.reset();
    thread_.join();
  }
  void OnStrand(std::function<void()> f) { boost::asio::post(strand_, std::move(f)); }
  std::future<Result<AtReply>> Send(AtCommand cmd) {
    auto p = std::make_shared<std::promise<Result<AtReply>>>();
    auto f = p->get_future();
    OnStrand([this, cmd, p] {
      engine_->Send(cmd, [p](Result<AtReply> r) { p->set_value(std::move(r)); });
    });
    return f;
  }
  template <typename T>
  static T Get(std::future<T>& f) {
    if (f.wait_for(5s) != std::future_status::ready) ADD_FAILURE() << "no result";
    return f.get();
  }
  bool WaitFor(std::function<bool()> pred) {
    std::unique_lock l(mu_);
    return cv_.wait_for(l, 5s, pred);
  }

  Pty pty_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
      io_.get_executor()};
  boost::asio::strand<boost::asio::io_context::executor_type> strand_{io_.get_executor()};
  std::shared_ptr<spdlog::logger> log_;
  std::shared_ptr<AtEngine> engine_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> urcs_;
  std::string closed_;
};

TEST_F(AtEngineTest, CommandWithInformationLinesAndEcho) {
  auto f = Send({"AT+CSQ", "+CSQ:", "", 2000ms});
  EXPECT_EQ(pty_.ReadUntil('\r'), "AT+CSQ\r");
  pty_.Write("AT+CSQ\r\r\n+CSQ: 18,99\r\n\r\nOK\r\n");  // echo on
  auto r = Get(f);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->final.ok());
  EXPECT_EQ(r->lines, std::vector<std::string>{"+CSQ: 18,99"});
}

TEST_F(AtEngineTest, OneCommandInFlight) {
  auto a = Send({"ATE0", "", "", 2000ms});
  auto b = Send({"AT+CMEE=1", "", "", 2000ms});
  EXPECT_EQ(pty_.ReadUntil('\r'), "ATE0\r");
  EXPECT_TRUE(pty_.Quiet(100ms));  // the second waits for the first's final result code
  pty_.Write("\r\nOK\r\n");
  EXPECT_EQ(pty_.ReadUntil('\r'), "AT+CMEE=1\r");
  pty_.Write("\r\n+CME ERROR: 3\r\n");
  EXPECT_TRUE(Get(a)->final.ok());
  auto rb = Get(b);
  EXPECT_EQ(rb->final.code, FinalResult::Code::kCmeError);
  EXPECT_EQ(rb->final.error, 3);
}

TEST_F(AtEngineTest, UnsolicitedCodesInTheMiddleOfAResponse) {
  auto f = Send({"AT+CMGL=4", "+CMGL:", "", 2000ms});
  EXPECT_EQ(pty_.ReadUntil('\r'), "AT+CMGL=4\r");
  pty_.Write(
      "\r\n+CMGL: 1,1,,3\r\n\r\n^RSSI:12\r\n010203\r\n\r\n+CMTI: \"SM\",2\r\n"
      "\r\n+CDS: 3\r\n0006AA\r\n\r\nOK\r\n");
  auto r = Get(f);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->lines, (std::vector<std::string>{"+CMGL: 1,1,,3", "010203"}));
  ASSERT_TRUE(WaitFor([&] { return urcs_.size() == 3; }));
  EXPECT_EQ(urcs_, (std::vector<std::string>{"^RSSI:12", "+CMTI: \"SM\",2", "+CDS: 3|0006AA"}));
}

TEST_F(AtEngineTest, PromptThenPduAndCtrlZ) {
  auto f = Send({"AT+CMGS=19", "+CMGS:", "0011000C915274214365870000AA05C8329BFD06", 2000ms});
  EXPECT_EQ(pty_.ReadUntil('\r'), "AT+CMGS=19\r");
  pty_.Write("\r\n> ");
  EXPECT_EQ(pty_.ReadUntil('\x1A'), "0011000C915274214365870000AA05C8329BFD06\x1A");
  pty_.Write("\r\n+CMGS: 43\r\n\r\nOK\r\n");
  auto r = Get(f);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->lines, std::vector<std::string>{"+CMGS: 43"});
}

TEST_F(AtEngineTest, ErrorInsteadOfPrompt) {
  auto f = Send({"AT+CMGS=19", "+CMGS:", "00", 2000ms});
  EXPECT_EQ(pty_.ReadUntil('\r'), "AT+CMGS=19\r");
  pty_.Write("\r\n+CMS ERROR: 304\r\n");
  auto r = Get(f);
  EXPECT_EQ(r->final.code, FinalResult::Code::kCmsError);
  EXPECT_EQ(r->final.error, 304);
  EXPECT_TRUE(pty_.Quiet(100ms));  // no PDU was sent
}

TEST_F(AtEngineTest, TimeoutClosesTheEngineAndFailsTheQueue) {
  auto a = Send({"AT", "", "", 150ms});
  auto b = Send({"AT+CSQ", "+CSQ:", "", 2000ms});
  EXPECT_EQ(pty_.ReadUntil('\r'), "AT\r");
  auto ra = Get(a);
  ASSERT_FALSE(ra.ok());
  EXPECT_EQ(ra.error().code, ErrorCode::kTimeout);
  auto rb = Get(b);
  ASSERT_FALSE(rb.ok());
  EXPECT_EQ(rb.error().code, ErrorCode::kUnavailable);
  ASSERT_TRUE(WaitFor([&] { return !closed_.empty(); }));
  // A closed engine refuses new work at once.
  auto c = Send({"AT", "", "", 2000ms});
  EXPECT_EQ(Get(c).error().code, ErrorCode::kUnavailable);
}

TEST_F(AtEngineTest, WakeUpCommandMayGoUnanswered) {
  AtCommand wake{"AT", "", "", 150ms};
  wake.may_go_unanswered = true;
  auto a = Send(wake);
  auto b = Send({"AT", "", "", 2000ms});
  EXPECT_EQ(pty_.ReadUntil('\r'), "AT\r");
  auto ra = Get(a);
  ASSERT_FALSE(ra.ok());
  EXPECT_EQ(ra.error().code, ErrorCode::kTimeout);
  // The engine is still open: the next command goes out and gets its answer.
  EXPECT_EQ(pty_.ReadUntil('\r'), "AT\r");
  pty_.Write("\r\nOK\r\n");
  EXPECT_TRUE(Get(b).ok());
  std::lock_guard l(mu_);
  EXPECT_TRUE(closed_.empty());
}

TEST_F(AtEngineTest, DeviceVanishing) {
  auto a = Send({"AT", "", "", 5000ms});
  EXPECT_EQ(pty_.ReadUntil('\r'), "AT\r");
  pty_.CloseMaster();  // the slave now reads EIO, like an unplugged USB modem
  auto ra = Get(a);
  ASSERT_FALSE(ra.ok());
  EXPECT_EQ(ra.error().code, ErrorCode::kUnavailable);
  ASSERT_TRUE(WaitFor([&] { return !closed_.empty(); }));
}

TEST_F(AtEngineTest, BoundedQueue) {
  std::vector<std::future<Result<AtReply>>> fs;
  for (int i = 0; i < 6; ++i) fs.push_back(Send({"AT", "", "", 2000ms}));
  // One in flight plus four queued; the sixth is refused.
  auto last = Get(fs.back());
  ASSERT_FALSE(last.ok());
  EXPECT_EQ(last.error().code, ErrorCode::kUnavailable);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(pty_.ReadUntil('\r'), "AT\r");
    pty_.Write("\r\nOK\r\n");
    EXPECT_TRUE(Get(fs[i]).ok());
  }
}

}  // namespace
}  // namespace pesan::modem
