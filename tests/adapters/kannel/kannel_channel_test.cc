// KannelChannel against small loopback servers standing in for smsbox: what it sends, and how
// it behaves when the peer refuses, hangs or is slow. The real Kannel is in kannel_live_test.cc.
#include "adapters/kannel/kannel_channel.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <map>
#include <mutex>
#include <thread>

#include "core/form.h"
#include "core/gsm_text.h"
#include "tests/support/blocking_queue.h"
#include "tests/support/loopback_http_server.h"

namespace pesan::kannel {
namespace {

using namespace std::chrono_literals;
using pesan::testing::BlockingQueue;
using pesan::testing::HttpRequestSeen;
using pesan::testing::LoopbackHttpServer;

// A port nothing listens on (bound, then closed).
int ClosedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

struct HeldRequest {
  HttpRequestSeen request;
  LoopbackHttpServer::Reply reply;
};

class KannelChannelTest : public ::testing::Test {
 protected:
  KannelChannelTest()
      : work_(boost::asio::make_work_guard(io_)),
        log_(std::make_shared<spdlog::logger>("kannel",
                                              std::make_shared<spdlog::sinks::null_sink_mt>())) {
    thread_ = std::thread([this] { io_.run(); });
    config_.username = "pesan";
    config_.password = "rahasia";
    config_.sender = "3636";
    config_.dlr_url = "http://127.0.0.1:8080";
    config_.token = "tok-1";
  }
  ~KannelChannelTest() override {
    channel_.reset();
    work_.reset();
    thread_.join();
  }

  void MakeChannel() {
    ASSERT_TRUE(ValidateConfig(config_).ok()) << ValidateConfig(config_).error().message;
    ChannelEvents events;
    events.on_sms = [this](InboundSms sms, std::function<void(bool)> done) {
      {
        std::lock_guard lock(mu_);
        pending_records_.push_back(std::move(done));
      }
      mo_.Push(std::move(sms));
    };
    events.on_report = [this](DeliveryReport r) { reports_.Push(std::move(r)); };
    channel_ = std::make_unique<KannelChannel>(io_, config_, std::move(events), clock_, log_);
    channel_->Start();
  }

  // Sends and records the result in `results_`.
  void Send(long long id, std::string text = "Pesanan siap") {
    OutgoingSms sms{id, "+6281234567890", std::move(text)};
    channel_->Send(std::move(sms), [this, id](SendResult r) { results_.Push({id, std::move(r)}); });
  }

  HttpAnswer Handle(std::string target, std::string body = "") {
    BlockingQueue<HttpAnswer> answer;
    channel_->HandleHttpRequest(target, body, [&answer](HttpAnswer a) { answer.Push(a); });
    auto a = answer.Pop();
    EXPECT_TRUE(a.has_value());
    return a.value_or(HttpAnswer{0, "no answer"});
  }

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread thread_;
  ManualClock clock_;
  std::shared_ptr<spdlog::logger> log_;
  KannelConfig config_;
  std::unique_ptr<KannelChannel> channel_;
  BlockingQueue<std::pair<long long, SendResult>> results_;
  BlockingQueue<InboundSms> mo_;
  BlockingQueue<DeliveryReport> reports_;
  std::mutex mu_;
  std::vector<std::function<void(bool)>> pending_records_;
};

TEST_F(KannelChannelTest, SendsOneSendsmsRequestAndTakesTheAnswer) {
  BlockingQueue<HttpRequestSeen> seen;
  LoopbackHttpServer smsbox([&seen](HttpRequestSeen r, LoopbackHttpServer::Reply reply) {
    seen.Push(std::move(r));
    reply(202, "0: Accepted for delivery");
  });
  config_.sendsms_url = smsbox.base_url() + "/cgi-bin/sendsms";
  MakeChannel();
  Send(5, "Pesanan #5: 2x Beras, Rp 30.000");
  auto result = results_.Pop();
  ASSERT_TRUE(result);
  EXPECT_EQ(result->second.kind, SendResult::Kind::kAccepted) << result->second.reason;
  EXPECT_EQ(result->second.provider_id, "5");

  auto req = seen.Pop();
  ASSERT_TRUE(req);
  EXPECT_EQ(req->method, "GET");
  ASSERT_EQ(req->target.rfind("/cgi-bin/sendsms?", 0), 0u) << req->target;
  auto f = ParseForm(req->target.substr(req->target.find('?') + 1));
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(*FindField(*f, "username"), "pesan");
  EXPECT_EQ(*FindField(*f, "password"), "rahasia");
  EXPECT_EQ(*FindField(*f, "from"), "3636");
  EXPECT_EQ(*FindField(*f, "to"), "+6281234567890");
  EXPECT_EQ(*FindField(*f, "text"), "Pesanan #5: 2x Beras, Rp 30.000");
  EXPECT_EQ(*FindField(*f, "coding"), "0");
  EXPECT_EQ(*FindField(*f, "dlr-mask"), std::to_string(kDefaultDlrMask));
  EXPECT_EQ(*FindField(*f, "dlr-url"),
            "http://127.0.0.1:8080/sms/kannel/dlr?id=5&st=%d&ans=%A&ts=%T&fid=%F&token=tok-1");
}

TEST_F(KannelChannelTest, AnswersOfSmsboxBecomeResults) {
  struct Case {
    int status;
    const char* body;
    SendResult::Kind kind;
  } cases[] = {
      {202, "3: Queued for later delivery", SendResult::Kind::kAccepted},
      {503, "Temporal failure, try again later.", SendResult::Kind::kRetry},
      {403, "Not routable. Do not try again.", SendResult::Kind::kFailed},
  };
  for (const auto& c : cases) {
    LoopbackHttpServer smsbox(
        [&c](HttpRequestSeen, LoopbackHttpServer::Reply reply) { reply(c.status, c.body); });
    config_.sendsms_url = smsbox.base_url() + "/cgi-bin/sendsms";
    MakeChannel();
    Send(1);
    auto r = results_.Pop();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->second.kind, c.kind) << c.body;
    EXPECT_NE(r->second.reason.find(c.body), std::string::npos) << r->second.reason;
    channel_.reset();
  }
}

TEST_F(KannelChannelTest, ConnectionRefusedIsNotReady) {
  // smsbox is down: nothing was handed over, so it is no attempt.
  config_.sendsms_url = "http://127.0.0.1:" + std::to_string(ClosedPort()) + "/cgi-bin/sendsms";
  MakeChannel();
  Send(9);
  auto r = results_.Pop();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->second.kind, SendResult::Kind::kNotReady);
  EXPECT_NE(r->second.reason.find("connect"), std::string::npos) << r->second.reason;
}

TEST_F(KannelChannelTest, ASmsboxThatDoesNotAnswerTimesOut) {
  BlockingQueue<HeldRequest> held;
  LoopbackHttpServer smsbox([&held](HttpRequestSeen r, LoopbackHttpServer::Reply reply) {
    held.Push({std::move(r), std::move(reply)});  // never answered
  });
  config_.sendsms_url = smsbox.base_url() + "/cgi-bin/sendsms";
  config_.request_timeout = 300ms;
  MakeChannel();
  auto start = std::chrono::steady_clock::now();
  Send(3);
  auto r = results_.Pop();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->second.kind, SendResult::Kind::kRetry);
  EXPECT_NE(r->second.reason.find("timed out"), std::string::npos) << r->second.reason;
  EXPECT_GE(std::chrono::steady_clock::now() - start, 300ms);
  EXPECT_EQ(held.size(), 1u);
}

TEST_F(KannelChannelTest, ASmsboxAnsweringAfterTenSecondsIsWaitedFor) {
  // smsbox answers once bearerbox took the message, which a busy bearerbox delays: giving up and
  // sending again would make the message reach the phone twice.
  BlockingQueue<HeldRequest> held;
  LoopbackHttpServer smsbox([&held](HttpRequestSeen r, LoopbackHttpServer::Reply reply) {
    held.Push({std::move(r), std::move(reply)});
  });
  config_.sendsms_url = smsbox.base_url() + "/cgi-bin/sendsms";
  MakeChannel();  // the default request_timeout
  Send(8);
  auto request = held.Pop();
  ASSERT_TRUE(request);
  EXPECT_FALSE(results_.Pop(10500ms)) << "gave up on smsbox within 10.5 s";
  request->reply(202, "0: Accepted for delivery");
  auto r = results_.Pop();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->second.kind, SendResult::Kind::kAccepted) << r->second.reason;
}

TEST_F(KannelChannelTest, RefusedCredentialsHoldMessagesBackAndAreLoggedAsAnError) {
  std::atomic<bool> right_password{false};
  LoopbackHttpServer smsbox([&](HttpRequestSeen, LoopbackHttpServer::Reply reply) {
    if (right_password) {
      reply(202, "0: Accepted for delivery");
    } else {
      reply(403, "Authorization failed for sendsms");
    }
  });
  auto lines = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(100);
  log_ = std::make_shared<spdlog::logger>("kannel", lines);
  config_.sendsms_url = smsbox.base_url() + "/cgi-bin/sendsms";
  MakeChannel();
  for (long long id = 1; id <= 3; ++id) {
    Send(id);
    auto r = results_.Pop();
    ASSERT_TRUE(r);
    // Nothing was taken in: the outbox holds it back without counting a try.
    EXPECT_EQ(r->second.kind, SendResult::Kind::kNotReady) << r->second.reason;
    EXPECT_TRUE(CredentialsRefused(r->second)) << r->second.reason;
  }
  auto errors = [&] {
    int n = 0;
    for (const auto& m : lines->last_raw()) {
      if (m.level == spdlog::level::err &&
          std::string_view(m.payload.data(), m.payload.size()).find("refuses our credentials") !=
              std::string_view::npos) {
        ++n;
      }
    }
    return n;
  };
  EXPECT_EQ(errors(), 1);  // once, not for every message held back
  clock_.Advance(std::chrono::minutes(2));
  Send(4);
  ASSERT_TRUE(results_.Pop());
  EXPECT_EQ(errors(), 2);  // and again a while later
  right_password = true;
  Send(5);
  auto r = results_.Pop();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->second.kind, SendResult::Kind::kAccepted) << r->second.reason;
}

TEST_F(KannelChannelTest, RequestsInFlightAreBoundedAndTheQueueToo) {
  BlockingQueue<HeldRequest> held;
  LoopbackHttpServer smsbox([&held](HttpRequestSeen r, LoopbackHttpServer::Reply reply) {
    held.Push({std::move(r), std::move(reply)});
  });
  config_.sendsms_url = smsbox.base_url() + "/cgi-bin/sendsms";
  config_.max_in_flight = 2;
  config_.max_queued = 1;
  MakeChannel();
  for (long long id = 1; id <= 4; ++id) Send(id);
  // Two go out, one waits, the fourth finds the queue full.
  auto refused = results_.Pop();
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->first, 4);
  EXPECT_EQ(refused->second.kind, SendResult::Kind::kRetry);
  auto first = held.Pop();
  auto second = held.Pop();
  ASSERT_TRUE(first && second);
  EXPECT_FALSE(held.Pop(300ms)) << "a third request went out while two were in flight";
  first->reply(202, "0: Accepted for delivery");
  auto third = held.Pop();  // the waiting one takes the free slot
  ASSERT_TRUE(third);
  second->reply(202, "0: Accepted for delivery");
  third->reply(202, "0: Accepted for delivery");
  std::set<long long> accepted;
  for (int i = 0; i < 3; ++i) {
    auto r = results_.Pop();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->second.kind, SendResult::Kind::kAccepted);
    accepted.insert(r->first);
  }
  EXPECT_EQ(accepted, (std::set<long long>{1, 2, 3}));
}

TEST_F(KannelChannelTest, StopReportsPendingSends) {
  BlockingQueue<HeldRequest> held;
  LoopbackHttpServer smsbox([&held](HttpRequestSeen r, LoopbackHttpServer::Reply reply) {
    held.Push({std::move(r), std::move(reply)});
  });
  config_.sendsms_url = smsbox.base_url() + "/cgi-bin/sendsms";
  config_.max_in_flight = 1;
  MakeChannel();
  Send(1);
  Send(2);  // waits behind the first
  ASSERT_TRUE(held.Pop());
  channel_->Stop();
  // The request smsbox holds is an attempt (kRetry); the one that never left is kNotReady.
  std::map<long long, SendResult::Kind> kinds;
  for (int i = 0; i < 2; ++i) {
    auto r = results_.Pop();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->second.reason, "channel stopped");
    kinds[r->first] = r->second.kind;
  }
  EXPECT_EQ(kinds, (std::map<long long, SendResult::Kind>{{1, SendResult::Kind::kRetry},
                                                          {2, SendResult::Kind::kNotReady}}));
  Send(3);
  auto after = results_.Pop();
  ASSERT_TRUE(after);
  EXPECT_EQ(after->second.kind, SendResult::Kind::kNotReady);
  EXPECT_FALSE(results_.Pop(100ms)) << "a send was reported twice";
}

TEST_F(KannelChannelTest, MoIsAnsweredOnceRecorded) {
  config_.sendsms_url = "http://127.0.0.1:1/cgi-bin/sendsms";
  MakeChannel();
  BlockingQueue<HttpAnswer> answer;
  std::string ucs2 = UrlEncode(Utf8ToUtf16Be("ꦱꦸꦒꦼꦁ سلام"));
  channel_->HandleHttpRequest("/sms/kannel?from=081234567890&to=3636&text=" + ucs2 +
                                  "&coding=2&charset=UTF-16BE&id=u-1" + "&token=tok-1",
                              "", [&answer](HttpAnswer a) { answer.Push(a); });
  auto sms = mo_.Pop();
  ASSERT_TRUE(sms);
  EXPECT_EQ(sms->from, "+6281234567890");
  EXPECT_EQ(sms->to, "3636");
  EXPECT_EQ(sms->text, "ꦱꦸꦒꦼꦁ سلام");
  EXPECT_EQ(sms->provider_id, "u-1");
  EXPECT_EQ(sms->received_at, clock_.Now());
  EXPECT_FALSE(answer.Pop(100ms)) << "answered before the message was recorded";
  {
    std::lock_guard lock(mu_);
    ASSERT_EQ(pending_records_.size(), 1u);
    pending_records_[0](true);
  }
  auto a = answer.Pop();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->status, 200);
}

TEST_F(KannelChannelTest, MoNotRecordedIsAnsweredWith503) {
  config_.sendsms_url = "http://127.0.0.1:1/cgi-bin/sendsms";
  MakeChannel();
  BlockingQueue<HttpAnswer> answer;
  channel_->HandleHttpRequest("/sms/kannel/", "from=0812&text=BATAL+12&token=tok-1",
                              [&answer](HttpAnswer a) { answer.Push(a); });
  ASSERT_TRUE(mo_.Pop());
  {
    std::lock_guard lock(mu_);
    ASSERT_EQ(pending_records_.size(), 1u);
    std::thread([done = pending_records_[0]] { done(false); }).join();  // from another thread
  }
  auto a = answer.Pop();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->status, 503);
}

TEST_F(KannelChannelTest, DeliveryReportsReachTheEvents) {
  config_.sendsms_url = "http://127.0.0.1:1/cgi-bin/sendsms";
  MakeChannel();
  EXPECT_EQ(Handle("/sms/kannel/dlr?id=77&st=1&ans=&ts=1&fid=x&token=tok-1").status, 200);
  auto r = reports_.Pop();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->provider_id, "77");
  EXPECT_EQ(r->state, DeliveryState::kDelivered);
}

TEST_F(KannelChannelTest, BadRequestsAreRefused) {
  config_.sendsms_url = "http://127.0.0.1:1/cgi-bin/sendsms";
  MakeChannel();
  EXPECT_EQ(Handle("/sms/kannel?from=0812&text=x").status, 403);              // no token
  EXPECT_EQ(Handle("/sms/kannel?from=0812&text=x&token=tok-2").status, 403);  // wrong token
  EXPECT_EQ(Handle("/sms/kannel/dlr?id=1&st=1&token=nope").status, 403);
  EXPECT_EQ(Handle("/sms/kannel?to=3636&text=x&token=tok-1").status, 400);  // no sender
  EXPECT_EQ(Handle("/sms/kannel?from=0812&text=%zz&token=tok-1").status, 400);
  EXPECT_EQ(Handle("/sms/kannel/dlr?id=1&st=64&token=tok-1").status, 400);
  EXPECT_EQ(Handle("/sms/other?from=0812&text=x&token=tok-1").status, 404);
  EXPECT_EQ(Handle("/sms/kannel/dlrx?token=tok-1").status, 404);
  EXPECT_EQ(mo_.size(), 0u);
  EXPECT_EQ(reports_.size(), 0u);
}

// A Kannel set up with the wrong token, or a wrong get-url, repeats the mistake on every message:
// the log says it once an hour per cause, with how many were refused meanwhile.
TEST_F(KannelChannelTest, RefusalsAreLoggedOnceAnHourPerCause) {
  auto lines = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(100);
  log_ = std::make_shared<spdlog::logger>("kannel", lines);
  config_.sendsms_url = "http://127.0.0.1:1/cgi-bin/sendsms";
  MakeChannel();
  auto warnings = [&](std::string_view what) {
    int n = 0;
    for (const auto& m : lines->last_raw()) {
      const std::string_view text(m.payload.data(), m.payload.size());
      if (m.level == spdlog::level::warn && text.find(what) != std::string_view::npos) ++n;
    }
    return n;
  };
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(Handle("/sms/kannel?from=0812&text=x&token=tok-2").status, 403);
    EXPECT_EQ(Handle("/sms/kannel?to=3636&text=x&token=tok-1").status, 400);
    EXPECT_EQ(Handle("/sms/kannel/dlr?id=1&st=1&token=nope").status, 403);
  }
  EXPECT_EQ(warnings("kannel: refused an MO request with 403: wrong token (first for this reason; "
                     "logged at most once an hour)"),
            1);
  EXPECT_EQ(warnings("kannel: refused a delivery report with 403: wrong token (first"), 1);
  EXPECT_EQ(warnings("kannel: refused an MO request with 400: "), 1);
  EXPECT_EQ(warnings("refused"), 3);

  clock_.Advance(std::chrono::hours(1));
  EXPECT_EQ(Handle("/sms/kannel?from=0812&text=x&token=tok-2").status, 403);
  EXPECT_EQ(warnings("kannel: refused an MO request with 403: wrong token (4 more since the last "
                     "such line"),
            1);
  EXPECT_EQ(warnings("refused"), 4);
}

TEST(KannelConfig, Validation) {
  KannelConfig ok;
  EXPECT_TRUE(ValidateConfig(ok).ok());
  auto bad = [](auto change) {
    KannelConfig c;
    change(c);
    return !ValidateConfig(c).ok();
  };
  EXPECT_TRUE(bad([](KannelConfig& c) { c.path = "sms/kannel"; }));
  EXPECT_TRUE(bad([](KannelConfig& c) { c.sendsms_url = "https://k:13013/cgi-bin/sendsms"; }));
  EXPECT_TRUE(bad([](KannelConfig& c) { c.dlr_url = "127.0.0.1:8080"; }));
  EXPECT_TRUE(bad([](KannelConfig& c) { c.token = "a b"; }));
  EXPECT_TRUE(bad([](KannelConfig& c) { c.dlr_mask = 32; }));
  EXPECT_TRUE(bad([](KannelConfig& c) { c.max_in_flight = 0; }));
  EXPECT_TRUE(bad([](KannelConfig& c) { c.request_timeout = 0ms; }));
}

}  // namespace
}  // namespace pesan::kannel
