// KannelChannel against a real Kannel 1.4 (bearerbox + smsbox + fakesmsc, started by
// KannelHarness): messages out through sendsms to the fake SMSC, MO messages in through
// sms-service, delivery reports through the dlr-url, Kannel going away and coming back, and a
// wrong sendsms password.
#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <map>
#include <mutex>
#include <thread>

#include "adapters/kannel/kannel_channel.h"
#include "core/gsm_text.h"
#include "tests/support/blocking_queue.h"
#include "tests/support/kannel_harness.h"
#include "tests/support/loopback_http_server.h"

namespace pesan::kannel {
namespace {

using namespace std::chrono_literals;
using pesan::testing::BlockingQueue;
using pesan::testing::FakesmscMessage;
using pesan::testing::HttpRequestSeen;
using pesan::testing::KannelHarness;
using pesan::testing::LoopbackHttpServer;

constexpr char kToken[] = "kannel-test-token";
constexpr char kShortCode[] = "3636";

// Shared by every test: one Kannel, one gateway-side HTTP receiver. Tests use their own phone
// numbers, so what one test leaves in the fake SMSC does not disturb another.
struct Suite {
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{
      boost::asio::make_work_guard(io)};
  std::thread thread;
  ManualClock clock;
  std::shared_ptr<spdlog::logger> log =
      std::make_shared<spdlog::logger>("kannel", std::make_shared<spdlog::sinks::null_sink_mt>());
  KannelConfig config;  // the channel's: Kannel's sendsms user
  std::unique_ptr<KannelChannel> channel;
  // The channel for the receiver's thread: set once it is started (Kannel may call before).
  std::atomic<KannelChannel*> serving{nullptr};
  std::unique_ptr<LoopbackHttpServer> receiver;  // the gateway's HTTP server
  std::unique_ptr<KannelHarness> kannel;
  BlockingQueue<InboundSms> mo;
  BlockingQueue<DeliveryReport> reports;
  BlockingQueue<HttpRequestSeen> requests;  // what Kannel fetched, as it came
};
Suite* suite = nullptr;

class KannelLiveTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    suite = new Suite;
    suite->thread = std::thread([] { suite->io.run(); });
    suite->receiver = std::make_unique<LoopbackHttpServer>(
        [](HttpRequestSeen r, LoopbackHttpServer::Reply reply) {
          suite->requests.Push(r);
          KannelChannel* channel = suite->serving.load();
          if (!channel) return reply(503, "not started yet\n");
          channel->HandleHttpRequest(r.target, r.body,
                                     [reply](HttpAnswer a) { reply(a.status, a.body); });
        });
    auto kannel = KannelHarness::Start(
        {.mo_url = suite->receiver->base_url() + "/sms/kannel", .token = kToken});
    ASSERT_TRUE(kannel.ok()) << kannel.error().message;
    suite->kannel = std::move(*kannel);

    KannelConfig config;
    config.sendsms_url = suite->kannel->SendsmsUrl();
    config.username = suite->kannel->options().username;
    config.password = suite->kannel->options().password;
    config.sender = kShortCode;
    config.token = kToken;
    config.dlr_url = suite->receiver->base_url();
    config.request_timeout = 5s;
    ChannelEvents events;
    events.on_sms = [](InboundSms sms, std::function<void(bool)> done) {
      suite->mo.Push(std::move(sms));
      done(true);
    };
    events.on_report = [](DeliveryReport r) { suite->reports.Push(std::move(r)); };
    suite->config = config;
    suite->channel = std::make_unique<KannelChannel>(suite->io, config, std::move(events),
                                                     suite->clock, suite->log);
    suite->channel->Start();
    suite->serving = suite->channel.get();
  }

  static void TearDownTestSuite() {
    suite->kannel.reset();
    suite->serving = nullptr;
    suite->receiver.reset();
    suite->channel.reset();
    suite->work.reset();
    suite->thread.join();
    delete suite;
    suite = nullptr;
  }

  void SetUp() override { ASSERT_TRUE(suite && suite->kannel) << "Kannel did not start"; }

  SendResult SendAndWait(long long id, const std::string& to, const std::string& text,
                         KannelChannel* channel = suite->channel.get()) {
    BlockingQueue<SendResult> result;
    channel->Send({id, to, text}, [&result](SendResult r) { result.Push(std::move(r)); });
    auto r = result.Pop(15s);
    EXPECT_TRUE(r.has_value()) << "no result for sms " << id;
    return r.value_or(SendResult{});
  }

  // The one message the fake SMSC got for `to`.
  FakesmscMessage ReceivedBySmsc(const std::string& to, size_t count = 1) {
    auto got = suite->kannel->WaitForMessages(count, 10s, to);
    EXPECT_EQ(got.size(), count) << suite->kannel->LogTail();
    return got.empty() ? FakesmscMessage{} : got.back();
  }

  static std::string Text(const FakesmscMessage& m) {
    return m.coding == FakesmscMessage::Coding::kUcs2 ? Utf16BeToUtf8(m.data) : m.data;
  }

  InboundSms NextMo() {
    auto sms = suite->mo.Pop(10s);
    EXPECT_TRUE(sms.has_value()) << "no MO reached the gateway\n" << suite->kannel->LogTail();
    return sms.value_or(InboundSms{});
  }
};

TEST_F(KannelLiveTest, Gsm7TextReachesTheSmscIntact) {
  const std::string text = "PESAN #12 siap: 2x Beras 5kg = Rp 130.000 {COD} @Toko Maju, é€";
  ASSERT_TRUE(IsGsm7(text));
  SendResult r = SendAndWait(101, "+6281200000101", text);
  ASSERT_EQ(r.kind, SendResult::Kind::kAccepted) << r.reason;
  EXPECT_EQ(r.provider_id, "101");
  FakesmscMessage m = ReceivedBySmsc("+6281200000101");
  EXPECT_EQ(m.coding, FakesmscMessage::Coding::k7Bit);
  EXPECT_EQ(m.from, kShortCode);
  EXPECT_EQ(m.parts, 1);
  EXPECT_EQ(Text(m), text);
}

TEST_F(KannelLiveTest, Ucs2TextReachesTheSmscIntact) {
  // Javanese script, Arabic script and an emoji outside the BMP (a surrogate pair in UCS-2).
  const std::string text = "ꦱꦸꦒꦼꦁ ꦱꦺꦴꦠꦺꦴ سلام عليكم 😀";
  ASSERT_FALSE(IsGsm7(text));
  ASSERT_EQ(CountSegments(text).segments, 1u);
  SendResult r = SendAndWait(102, "+6281200000102", text);
  ASSERT_EQ(r.kind, SendResult::Kind::kAccepted) << r.reason;
  FakesmscMessage m = ReceivedBySmsc("+6281200000102");
  EXPECT_EQ(m.coding, FakesmscMessage::Coding::kUcs2);
  EXPECT_EQ(m.data, Utf8ToUtf16Be(text));
  EXPECT_EQ(Text(m), text);
}

TEST_F(KannelLiveTest, LongGsm7TextArrivesInPartsThatJoinBack) {
  std::string text;
  for (int i = 1; text.size() < 300; ++i) text += "Item " + std::to_string(i) + ": Gula 1kg; ";
  text.resize(299);
  text += '.';
  ASSERT_EQ(CountSegments(text).segments, 2u);
  SendResult r = SendAndWait(103, "+6281200000103", text);
  ASSERT_EQ(r.kind, SendResult::Kind::kAccepted) << r.reason;
  FakesmscMessage m = ReceivedBySmsc("+6281200000103");
  EXPECT_EQ(m.parts, 2);
  EXPECT_EQ(m.coding, FakesmscMessage::Coding::k7Bit);
  EXPECT_EQ(Text(m), text);
}

TEST_F(KannelLiveTest, LongUcs2TextArrivesInPartsThatJoinBack) {
  std::string text;
  while (Utf16Units(text) < 150) text += "ꦥꦼꦱꦤ꧀ سلام 😀 ";
  auto seg = CountSegments(text);
  ASSERT_EQ(seg.coding, SmsCoding::kUcs2);
  ASSERT_EQ(seg.segments, 3u);
  SendResult r = SendAndWait(104, "+6281200000104", text);
  ASSERT_EQ(r.kind, SendResult::Kind::kAccepted) << r.reason;
  FakesmscMessage m = ReceivedBySmsc("+6281200000104");
  EXPECT_EQ(m.parts, 3);
  EXPECT_EQ(m.coding, FakesmscMessage::Coding::kUcs2);
  EXPECT_EQ(Text(m), text);
}

TEST_F(KannelLiveTest, Gsm7MoReachesTheGateway) {
  ASSERT_TRUE(
      suite->kannel->InjectText("6281200000201", kShortCode, "PESAN B1 2 @ Jl. Mawar").ok());
  InboundSms sms = NextMo();
  EXPECT_EQ(sms.from, "+6281200000201");
  EXPECT_EQ(sms.to, kShortCode);
  EXPECT_EQ(sms.text, "PESAN B1 2 @ Jl. Mawar");
  EXPECT_EQ(sms.provider_id.size(), 36u) << sms.provider_id;  // Kannel's UUID (%I)
  EXPECT_EQ(sms.received_at, suite->clock.Now());
}

TEST_F(KannelLiveTest, Ucs2MoReachesTheGateway) {
  const std::string text = "ꦥꦼꦱꦤ꧀ B1 2 سلام 😀";
  ASSERT_TRUE(suite->kannel->InjectUcs2("081200000202", kShortCode, Utf8ToUtf16Be(text)).ok());
  InboundSms sms = NextMo();
  EXPECT_EQ(sms.from, "+6281200000202");
  EXPECT_EQ(sms.text, text);
}

TEST_F(KannelLiveTest, ConcatenatedMoIsJoinedByKannel) {
  // Two parts with a concatenation UDH (23.040 §9.2.3.24.1: IEI 00, length 3, ref, total, seq).
  std::string part1, part2;
  while (part1.size() < 153) part1 += "PESAN B" + std::to_string(part1.size() % 9) + " 1; ";
  part1.resize(153);
  while (part2.size() < 60) part2 += "antar ke Jl. Melati 7; ";
  const std::string udh1("\x05\x00\x03\x2A\x02\x01", 6), udh2("\x05\x00\x03\x2A\x02\x02", 6);
  ASSERT_TRUE(suite->kannel->InjectUdhText("6281200000203", kShortCode, udh1, part1).ok());
  ASSERT_TRUE(suite->kannel->InjectUdhText("6281200000203", kShortCode, udh2, part2).ok());
  InboundSms sms = NextMo();
  EXPECT_EQ(sms.from, "+6281200000203");
  EXPECT_EQ(sms.text, part1 + part2);
}

TEST_F(KannelLiveTest, LongUcs2MoReachesTheGateway) {
  // fakesmsc cannot mark UDH parts as UCS-2 (its udh types are 7- and 8-bit), so the long
  // UCS-2 message comes as one message longer than an SMS holds.
  std::string text;
  while (Utf16Units(text) < 120) text += "ꦱꦸꦒꦼꦁ سلام ";
  ASSERT_TRUE(suite->kannel->InjectUcs2("6281200000204", kShortCode, Utf8ToUtf16Be(text)).ok());
  InboundSms sms = NextMo();
  EXPECT_EQ(sms.from, "+6281200000204");
  EXPECT_EQ(sms.text, text);
}

TEST_F(KannelLiveTest, DeliveryReportsComeBackThroughTheDlrUrl) {
  // The fake SMSC acknowledges every message (DLR 8) and then reports it delivered (DLR 1).
  SendResult r = SendAndWait(105, "+6281200000105", "Pesanan #105 dikirim hari ini");
  ASSERT_EQ(r.kind, SendResult::Kind::kAccepted) << r.reason;
  ReceivedBySmsc("+6281200000105");
  // Kannel makes each report its own request to the dlr-url, and two requests may be answered
  // in either order (the gateway keeps only the final state): both must come.
  std::map<DeliveryState, std::vector<std::string>> got;
  while (got[DeliveryState::kPending].empty() || got[DeliveryState::kDelivered].empty()) {
    auto report = suite->reports.Pop(10s);
    ASSERT_TRUE(report) << "no pending and final delivery report\n" << suite->kannel->LogTail();
    if (report->provider_id == "105") got[report->state].push_back(report->detail);
  }
  EXPECT_EQ(got[DeliveryState::kPending],
            std::vector<std::string>{"kannel 8 accepted by SMSC: ACK/"});
  EXPECT_EQ(got[DeliveryState::kDelivered], std::vector<std::string>{"kannel 1 delivered"});
  EXPECT_EQ(got.size(), 2u);
}

TEST_F(KannelLiveTest, KannelDownMeansNotReadyAndWorksAgainAfterRestart) {
  suite->kannel->StopKannel();
  SendResult down = SendAndWait(106, "+6281200000106", "Stok Beras tinggal 3");
  EXPECT_EQ(down.kind, SendResult::Kind::kNotReady) << down.reason;
  EXPECT_NE(down.reason.find("connect"), std::string::npos) << down.reason;

  Status started = suite->kannel->StartKannel();
  ASSERT_TRUE(started.ok()) << started.error().message;
  SendResult up = SendAndWait(106, "+6281200000106", "Stok Beras tinggal 3");
  ASSERT_EQ(up.kind, SendResult::Kind::kAccepted) << up.reason;
  FakesmscMessage m = ReceivedBySmsc("+6281200000106");
  EXPECT_EQ(Text(m), "Stok Beras tinggal 3");
  // MO works again too.
  ASSERT_TRUE(suite->kannel->InjectText("6281200000206", kShortCode, "STOK").ok());
  EXPECT_EQ(NextMo().text, "STOK");
}

TEST_F(KannelLiveTest, WrongPasswordHoldsTheMessageBackAndItGoesOnceThePasswordIsRight) {
  // smsbox answers a sendsms user or password it does not know with 403 "Authorization failed
  // for sendsms" (PROTOCOLS.md §6.1; Kannel 1.4.5 sends it as text/html) and takes nothing in.
  auto lines = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(100);
  KannelConfig wrong_config = suite->config;
  wrong_config.password = "rahasia-kanel";
  auto wrong =
      std::make_unique<KannelChannel>(suite->io, wrong_config, ChannelEvents{}, suite->clock,
                                      std::make_shared<spdlog::logger>("kannel", lines));
  wrong->Start();
  const std::string to = "+6281200000107", text = "Pesanan #107 siap diambil";
  for (int i = 0; i < 3; ++i) {
    SendResult r = SendAndWait(107, to, text, wrong.get());
    // Held back (no try used), not failed: the message waits for the password to be put right.
    EXPECT_EQ(r.kind, SendResult::Kind::kNotReady) << r.reason;
    EXPECT_TRUE(CredentialsRefused(r)) << r.reason;
    EXPECT_EQ(r.reason, "kannel 403: Authorization failed for sendsms (credentials refused)");
  }
  // One error, naming the cause and where to fix it.
  std::vector<std::string> errors;
  for (const auto& m : lines->last_raw()) {
    if (m.level >= spdlog::level::warn) errors.emplace_back(m.payload.data(), m.payload.size());
  }
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("smsbox refuses our credentials (kannel 403: Authorization failed for "
                           "sendsms"),
            std::string::npos)
      << errors[0];
  EXPECT_NE(errors[0].find("check username and password in [sms.kannel]"), std::string::npos)
      << errors[0];
  wrong.reset();

  // The channel started again with the right password: the message goes, and reaches the SMSC
  // once (none of the refused requests was taken in).
  auto right = std::make_unique<KannelChannel>(suite->io, suite->config, ChannelEvents{},
                                               suite->clock, suite->log);
  right->Start();
  SendResult r = SendAndWait(107, to, text, right.get());
  ASSERT_EQ(r.kind, SendResult::Kind::kAccepted) << r.reason;
  EXPECT_EQ(Text(ReceivedBySmsc(to)), text);
  EXPECT_EQ(suite->kannel->WaitForMessages(2, 0ms, to).size(), 1u);
}

}  // namespace
}  // namespace pesan::kannel
