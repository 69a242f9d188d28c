// The SMPP channel against a real SMPP server: the npm package `smpp` scripted as an SMSC
// (smsc.js), started and stopped by each test on a free loopback port.
#include "adapters/smpp/smpp_channel.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <boost/asio.hpp>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "adapters/smpp/pdu.h"
#include "core/gsm_text.h"
#include "tests/adapters/smpp/smsc_peer.h"

namespace pesan::smpp {
namespace {

using testing::SmscPeer;
using Json = nlohmann::json;
using namespace std::chrono_literals;

constexpr auto kWait = 10s;

// Keeps every log line so that tests can look for the reasons logged.
class LineSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  std::vector<std::string> Lines() {
    std::lock_guard lock(lines_mu_);
    return lines_;
  }
  bool WaitFor(const std::string& needle, int count, std::chrono::milliseconds timeout) {
    std::unique_lock lock(lines_mu_);
    return cv_.wait_for(lock, timeout, [&] {
      int n = 0;
      for (auto& l : lines_) n += l.find(needle) != std::string::npos;
      return n >= count;
    });
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    std::lock_guard lock(lines_mu_);
    lines_.emplace_back(msg.payload.data(), msg.payload.size());
    cv_.notify_all();
  }
  void flush_() override {}

 private:
  std::mutex lines_mu_;
  std::condition_variable cv_;
  std::vector<std::string> lines_;
};

// What the channel reported, in order, waited for with deadlines.
template <typename T>
class Inbox {
 public:
  void Push(T v) {
    std::lock_guard lock(mu_);
    items_.push_back(std::move(v));
    cv_.notify_all();
  }
  std::optional<T> Pop(std::chrono::milliseconds timeout = kWait) {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, timeout, [&] { return next_ < items_.size(); })) return std::nullopt;
    return items_[next_++];
  }
  std::vector<T> All() {
    std::lock_guard lock(mu_);
    return items_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<T> items_;
  size_t next_ = 0;
};

struct Sent {
  long long id;
  SendResult result;
};

struct Mo {
  InboundSms sms;
  std::function<void(bool)> done;
};

class SmppChannelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string err = peer_.Start(PESAN_SOURCE_DIR);
    ASSERT_EQ(err, "");
    sink_ = std::make_shared<LineSink>();
    logger_ = std::make_shared<spdlog::logger>("smpp-test", sink_);
    logger_->set_level(spdlog::level::debug);
    io_thread_ = std::thread([this] { io_.run(); });
  }

  void TearDown() override {
    if (channel_) {
      std::promise<void> stopped;
      channel_->Stop([&] { stopped.set_value(); });
      EXPECT_EQ(stopped.get_future().wait_for(kWait), std::future_status::ready);
      channel_.reset();
    }
    work_.reset();
    io_.stop();
    io_thread_.join();
  }

  SmppConfig BaseConfig() {
    SmppConfig c;
    c.host = "127.0.0.1";
    c.port = peer_.port();
    c.system_id = "shopgw";
    c.password = "secret";
    c.source_addr = "TOKOKU";
    c.response_timeout = 2s;
    c.reconnect_backoff_min = 50ms;
    c.reconnect_backoff_max = 400ms;
    c.throttle_pause = 100ms;
    c.max_per_second = 0;
    return c;
  }

  void Open(SmppConfig c, SmppUssdHandler ussd = nullptr) {
    ChannelEvents ev;
    ev.on_sms = [this](InboundSms sms, std::function<void(bool)> done) {
      mo_.Push({std::move(sms), std::move(done)});
    };
    ev.on_report = [this](DeliveryReport r) { reports_.Push(std::move(r)); };
    ev.on_ready = [this] { ready_.Push(true); };
    channel_ = std::make_unique<SmppChannel>(io_, std::move(c), std::move(ev), logger_, clock_,
                                             std::move(ussd));
    channel_->Start();
  }

  void OpenBound(SmppConfig c, SmppUssdHandler ussd = nullptr) {
    Open(std::move(c), std::move(ussd));
    auto bind = peer_.WaitFor(Bound(), kWait);
    ASSERT_TRUE(bind);
  }

  static SmscPeer::Pred Bound() {
    return [](const Json& j) { return j["event"] == "bind" && j["status"] == 0; };
  }
  static SmscPeer::Pred Submit(int status) {
    return [status](const Json& j) { return j["event"] == "submit" && j["status"] == status; };
  }
  static SmscPeer::Pred Held() {
    return [](const Json& j) { return j["event"] == "submit" && j["status"] == "held"; };
  }
  static SmscPeer::Pred DeliverResp(std::string tag) {
    return [tag](const Json& j) { return j["event"] == "deliver_resp" && j["tag"] == tag; };
  }

  void Send(long long id, std::string to, std::string text) {
    channel_->Send({id, std::move(to), std::move(text)}, [this, id](SendResult r) {
      sent_.Push({id, std::move(r)});
    });
  }

  SendResult SendAndWait(long long id, std::string to, std::string text) {
    Send(id, std::move(to), std::move(text));
    auto r = sent_.Pop();
    EXPECT_TRUE(r.has_value());
    if (!r) return {};
    EXPECT_EQ(r->id, id);
    return r->result;
  }

  // deliver_sm from the SMSC.
  void Deliver(const std::string& tag, Json fields, const std::string& sm,
               Json tlvs = Json::object()) {
    peer_.Command({{"cmd", "deliver"},
                   {"tag", tag},
                   {"fields", fields},
                   {"short_message_hex", ToHex(sm)},
                   {"tlvs", tlvs}});
  }

  SmscPeer peer_;
  std::shared_ptr<LineSink> sink_;
  std::shared_ptr<spdlog::logger> logger_;
  ManualClock clock_;
  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{
      io_.get_executor()};
  std::thread io_thread_;
  std::unique_ptr<SmppChannel> channel_;
  Inbox<Sent> sent_;
  Inbox<Mo> mo_;
  Inbox<DeliveryReport> reports_;
  Inbox<SmppUssdRequest> ussd_;
  Inbox<bool> ready_;  // on_ready
};

std::string NoSpaces(std::string hex) {
  std::erase(hex, ' ');
  for (char& c : hex) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return hex;
}

TEST_F(SmppChannelTest, BindsSendsGsm7KeepsAliveAndUnbindsOnStop) {
  SmppConfig c = BaseConfig();
  c.enquire_link_interval = 100ms;
  Open(c);
  auto bind = peer_.WaitFor(SmscPeer::Is("bind"), kWait);
  ASSERT_TRUE(bind);
  EXPECT_EQ((*bind)["system_id"], "shopgw");
  EXPECT_EQ((*bind)["password"], "secret");
  EXPECT_EQ((*bind)["interface_version"], 0x34);
  EXPECT_EQ((*bind)["status"], 0);

  SendResult r = SendAndWait(1, "+6281234567890", "Hello");
  ASSERT_EQ(r.kind, SendResult::Kind::kAccepted) << r.reason;
  auto sub = peer_.WaitFor(Submit(0), kWait);
  ASSERT_TRUE(sub);
  EXPECT_EQ(r.provider_id, (*sub)["message_id"]);
  EXPECT_EQ((*sub)["source_addr"], "TOKOKU");
  EXPECT_EQ((*sub)["source_addr_ton"], 5);
  EXPECT_EQ((*sub)["source_addr_npi"], 0);
  EXPECT_EQ((*sub)["destination_addr"], "6281234567890");
  EXPECT_EQ((*sub)["dest_addr_ton"], 1);
  EXPECT_EQ((*sub)["dest_addr_npi"], 1);
  EXPECT_EQ((*sub)["data_coding"], 0);
  EXPECT_EQ((*sub)["esm_class"], 0);
  EXPECT_EQ((*sub)["registered_delivery"], 1);
  EXPECT_EQ((*sub)["sm_hex"], "48656c6c6f");

  // Extension-table characters: ESC pairs, decoded by the SMSC's own GSM 03.38 table.
  const std::string text = "Harga {B1} [promo] ~ 5€ | A^B \\ ok @ Toko";
  r = SendAndWait(2, "+6281234567890", text);
  ASSERT_EQ(r.kind, SendResult::Kind::kAccepted) << r.reason;
  sub = peer_.WaitFor(Submit(0), kWait);
  ASSERT_TRUE(sub);
  EXPECT_EQ((*sub)["data_coding"], 0);
  EXPECT_EQ((*sub)["text"], text);
  EXPECT_EQ(NoSpaces(ToHex(*Utf8ToGsm7(text))), (*sub)["sm_hex"]);

  // Keep-alive.
  ASSERT_TRUE(peer_.WaitFor(SmscPeer::Is("enquire_link"), kWait));
  ASSERT_TRUE(peer_.WaitFor(SmscPeer::Is("enquire_link"), kWait));

  std::promise<void> stopped;
  channel_->Stop([&] { stopped.set_value(); });
  ASSERT_EQ(stopped.get_future().wait_for(kWait), std::future_status::ready);
  EXPECT_TRUE(peer_.WaitFor(SmscPeer::Is("unbind"), kWait));
  // After Stop nothing is taken, and nothing was handed over.
  r = SendAndWait(3, "+6281234567890", "late");
  EXPECT_EQ(r.kind, SendResult::Kind::kNotReady);
  channel_.reset();
}

TEST_F(SmppChannelTest, RefusedBindIsRetriedWithBackoff) {
  peer_.Command({{"cmd", "set"}, {"refuse_binds", 2}});
  ASSERT_TRUE(peer_.WaitFor(SmscPeer::Is("ok"), kWait));
  Open(BaseConfig());
  std::vector<SmscPeer::Event> binds;
  for (int i = 0; i < 3; ++i) {
    auto ev = peer_.WaitForEvent([](const Json& j) { return j["event"] == "bind"; }, kWait);
    ASSERT_TRUE(ev) << "bind " << i;
    binds.push_back(*ev);
  }
  EXPECT_EQ(binds[0].json["status"], kRbindFail);
  EXPECT_EQ(binds[1].json["status"], kRbindFail);
  EXPECT_EQ(binds[2].json["status"], 0);
  // Backoff 50 ms, then 100 ms (times taken by the SMSC when each bind arrived).
  EXPECT_GE(binds[1].json["t"].get<double>() - binds[0].json["t"].get<double>(), 50.0);
  EXPECT_GE(binds[2].json["t"].get<double>() - binds[1].json["t"].get<double>(), 100.0);
  EXPECT_TRUE(sink_->WaitFor("bind_transceiver refused with ESME_RBINDFAIL", 2, kWait));
  SendResult r = SendAndWait(1, "+6281234567890", "after the refusals");
  EXPECT_EQ(r.kind, SendResult::Kind::kAccepted) << r.reason;
  // The refused binds raised nothing; the bind that was taken raised on_ready once.
  EXPECT_EQ(ready_.All().size(), 1u);
}

TEST_F(SmppChannelTest, SendsWaitingForARefusedBindAreNotReadyAndTheBindRaisesOnReady) {
  peer_.Command({{"cmd", "set"}, {"refuse_binds", 1}});
  ASSERT_TRUE(peer_.WaitFor(SmscPeer::Is("ok"), kWait));
  SmppConfig c = BaseConfig();
  c.reconnect_backoff_min = c.reconnect_backoff_max = 300ms;
  Open(c);
  // Sent while connecting: it waits for the bind, which is refused; nothing went out.
  SendResult r = SendAndWait(1, "+6281234567890", "waiting");
  EXPECT_EQ(r.kind, SendResult::Kind::kNotReady) << r.reason;
  EXPECT_NE(r.reason.find("ESME_RBINDFAIL"), std::string::npos) << r.reason;
  EXPECT_TRUE(ready_.All().empty());
  ASSERT_TRUE(peer_.WaitFor(Bound(), kWait));
  ASSERT_TRUE(ready_.Pop());
  EXPECT_EQ(SendAndWait(2, "+6281234567890", "now").kind, SendResult::Kind::kAccepted);
  ASSERT_TRUE(peer_.WaitFor(Submit(0), kWait));
  EXPECT_EQ(peer_.All(Submit(0)).size(), 1u);  // only the second went out
}

TEST_F(SmppChannelTest, ConnectionRefusedIsLoggedAndRetried) {
  // A loopback port nobody listens on.
  boost::asio::ip::tcp::acceptor a(io_, {boost::asio::ip::make_address("127.0.0.1"), 0});
  uint16_t port = a.local_endpoint().port();
  a.close();
  SmppConfig c = BaseConfig();
  c.port = port;
  Open(c);
  EXPECT_TRUE(sink_->WaitFor("Connection refused", 3, kWait));
  // Between attempts the channel takes nothing.
  SendResult r = SendAndWait(1, "+6281234567890", "x");
  EXPECT_EQ(r.kind, SendResult::Kind::kNotReady);
  EXPECT_NE(r.reason.find("link down"), std::string::npos) << r.reason;
}

TEST_F(SmppChannelTest, MoReachesOnSmsAndIsAnsweredOnlyWhenRecorded) {
  OpenBound(BaseConfig());
  Deliver("mo",
          {{"source_addr_ton", 1},
           {"source_addr_npi", 1},
           {"source_addr", "6281234567890"},
           {"destination_addr", "3636"},
           {"data_coding", 0}},
          *Utf8ToGsm7("PESAN B1 2"));
  auto mo = mo_.Pop();
  ASSERT_TRUE(mo);
  EXPECT_EQ(mo->sms.from, "+6281234567890");
  EXPECT_EQ(mo->sms.to, "3636");
  EXPECT_EQ(mo->sms.text, "PESAN B1 2");
  EXPECT_EQ(mo->sms.received_at, clock_.Now());

  // A receipt delivered after it is answered at once; the MO is still waiting for `recorded`.
  Deliver("rcpt", {{"esm_class", 4}}, "id:1 stat:DELIVRD err:000");
  ASSERT_TRUE(peer_.WaitFor(DeliverResp("rcpt"), kWait));
  EXPECT_TRUE(peer_.All(DeliverResp("mo")).empty());
  mo->done(true);
  auto resp = peer_.WaitFor(DeliverResp("mo"), kWait);
  ASSERT_TRUE(resp);
  EXPECT_EQ((*resp)["status"], 0);

  // Not recorded: a temporary error, the SMSC delivers it again.
  Deliver("mo2", {{"source_addr_ton", 1}, {"source_addr", "6281234567890"}, {"data_coding", 8}},
          Utf8ToUtf16Be("Pesan Ибу"));
  mo = mo_.Pop();
  ASSERT_TRUE(mo);
  EXPECT_EQ(mo->sms.text, "Pesan Ибу");
  mo->done(false);
  resp = peer_.WaitFor(DeliverResp("mo2"), kWait);
  ASSERT_TRUE(resp);
  EXPECT_EQ((*resp)["status"], kRxTAppn);
}

TEST_F(SmppChannelTest, DataSmMoCarriesItsTextInMessagePayload) {
  OpenBound(BaseConfig());
  peer_.Command({{"cmd", "deliver"},
                 {"command", "data_sm"},
                 {"tag", "ds"},
                 {"fields",
                  {{"source_addr_ton", 1},
                   {"source_addr", "6281234567890"},
                   {"destination_addr", "3636"},
                   {"data_coding", 0}}},
                 {"tlvs", {{"message_payload", NoSpaces(ToHex(*Utf8ToGsm7("CEK B1")))}}}});
  auto mo = mo_.Pop();
  ASSERT_TRUE(mo);
  EXPECT_EQ(mo->sms.text, "CEK B1");
  EXPECT_EQ(mo->sms.from, "+6281234567890");
  mo->done(true);
  auto resp = peer_.WaitFor(DeliverResp("ds"), kWait);
  ASSERT_TRUE(resp);
  EXPECT_EQ((*resp)["status"], 0);
}

TEST_F(SmppChannelTest, ConcatenatedMoIsReassembledAndAllPartsAnsweredAfterRecording) {
  OpenBound(BaseConfig());
  Json f = {{"source_addr_ton", 1},
            {"source_addr", "6281234567890"},
            {"destination_addr", "3636"},
            {"esm_class", 0x40}};
  std::string p1 = *Utf8ToGsm7("PESAN B1 2, B7 1, ");
  std::string p2 = *Utf8ToGsm7("antar ke rumah");
  // Parts out of order, 8-bit reference 0x2A.
  Deliver("p2", f, std::string("\x05\x00\x03\x2A\x02\x02", 6) + p2);
  Deliver("p1", f, std::string("\x05\x00\x03\x2A\x02\x01", 6) + p1);
  auto mo = mo_.Pop();
  ASSERT_TRUE(mo);
  EXPECT_EQ(mo->sms.text, "PESAN B1 2, B7 1, antar ke rumah");
  EXPECT_TRUE(peer_.All(SmscPeer::Is("deliver_resp")).empty());
  mo->done(true);
  auto r1 = peer_.WaitFor(DeliverResp("p1"), kWait);
  auto r2 = peer_.WaitFor(DeliverResp("p2"), kWait);
  ASSERT_TRUE(r1 && r2);
  EXPECT_EQ((*r1)["status"], 0);
  EXPECT_EQ((*r2)["status"], 0);
}

TEST_F(SmppChannelTest, IncompleteConcatenationIsDeliveredAfterTheTimeout) {
  SmppConfig c = BaseConfig();
  c.concat_timeout = 50ms;
  OpenBound(c);
  // 16-bit reference IE 08; part 2 of 2 never comes.
  Deliver("p1", {{"source_addr_ton", 1}, {"source_addr", "6281234567890"}, {"esm_class", 0x40}},
          std::string("\x06\x08\x04\x01\x2C\x02\x01", 7) + *Utf8ToGsm7("PESAN B1 2 "));
  // deliver_sm are handled in order: once this one is answered, part 1 is held.
  Deliver("sync", {{"esm_class", 4}}, "id:1 stat:DELIVRD");
  ASSERT_TRUE(peer_.WaitFor(DeliverResp("sync"), kWait));
  EXPECT_FALSE(mo_.Pop(100ms));
  boost::asio::post(io_, [this] { clock_.Advance(std::chrono::hours(1)); });
  auto mo = mo_.Pop();
  ASSERT_TRUE(mo);
  EXPECT_EQ(mo->sms.text, "PESAN B1 2 …");
  EXPECT_EQ(mo->sms.from, "+6281234567890");
  EXPECT_TRUE(peer_.All(DeliverResp("p1")).empty());
  mo->done(true);
  auto resp = peer_.WaitFor(DeliverResp("p1"), kWait);
  ASSERT_TRUE(resp);
  EXPECT_EQ((*resp)["status"], 0);
}

TEST_F(SmppChannelTest, GarbageIsAnsweredWithGenericNack) {
  OpenBound(BaseConfig());
  // Unknown command_id 0x77, seq 7: generic_nack ESME_RINVCMDID with the same seq (SMPP 3.4 §4.3).
  peer_.Command({{"cmd", "raw"}, {"hex", "00000010 00000077 00000000 00000007"}});
  auto nack = peer_.WaitFor(SmscPeer::Is("generic_nack"), kWait);
  ASSERT_TRUE(nack);
  EXPECT_EQ((*nack)["status"], kRinvCmdId);
  EXPECT_EQ((*nack)["seq"], 7);
  // A deliver_sm whose body stops short: ESME_RINVCMDLEN; the link stays up.
  peer_.Command({{"cmd", "raw"}, {"hex", "00000013 00000005 00000000 00000008 00 01 01"}});
  nack = peer_.WaitFor(SmscPeer::Is("generic_nack"), kWait);
  ASSERT_TRUE(nack);
  EXPECT_EQ((*nack)["status"], kRinvCmdLen);
  EXPECT_EQ((*nack)["seq"], 8);
  EXPECT_EQ(SendAndWait(1, "+6281234567890", "still bound").kind, SendResult::Kind::kAccepted);
  // A command_length under 16 cannot be resynchronised: the client drops the link and binds again.
  peer_.Command({{"cmd", "raw"}, {"hex", "00000008 00000015"}});
  ASSERT_TRUE(peer_.WaitFor(SmscPeer::Is("close"), kWait));
  ASSERT_TRUE(peer_.WaitFor(Bound(), kWait));
  EXPECT_TRUE(sink_->WaitFor("unreadable PDU from the SMSC", 1, kWait));
}

TEST_F(SmppChannelTest, LongTextGoesInUdhParts) {
  OpenBound(BaseConfig());
  std::string text;
  for (int i = 0; text.size() < 200; ++i) text += "Pesanan " + std::to_string(i) + " siap. ";
  SendResult r = SendAndWait(7, "+6281234567890", text);
  ASSERT_EQ(r.kind, SendResult::Kind::kAccepted) << r.reason;
  size_t parts = CountSegments(text).segments;
  ASSERT_EQ(parts, 2u);
  std::string joined, ids, ref;
  for (size_t i = 1; i <= parts; ++i) {
    auto sub = peer_.WaitFor(Submit(0), kWait);
    ASSERT_TRUE(sub);
    EXPECT_EQ((*sub)["esm_class"], 0x40);
    EXPECT_EQ((*sub)["data_coding"], 0);
    std::string udh = (*sub)["udh_hex"];
    ASSERT_EQ(udh.size(), 12u);
    EXPECT_EQ(udh.substr(0, 6), "050003");
    if (ref.empty()) ref = udh.substr(6, 2);
    EXPECT_EQ(udh.substr(6, 2), ref);
    EXPECT_EQ(udh.substr(8, 2), "02");
    EXPECT_EQ(udh.substr(10, 2), "0" + std::to_string(i));
    std::string part_text = (*sub)["text"];
    EXPECT_LE(part_text.size(), 153u);
    joined += part_text;
    ids += (i > 1 ? "," : "") + (*sub)["message_id"].get<std::string>();
  }
  EXPECT_EQ(joined, text);
  EXPECT_EQ(r.provider_id, ids);
}

TEST_F(SmppChannelTest, LongTextInMessagePayloadWhenConfigured) {
  SmppConfig c = BaseConfig();
  c.use_message_payload = true;
  OpenBound(c);
  std::string text(400, 'x');
  SendResult r = SendAndWait(8, "+6281234567890", text);
  ASSERT_EQ(r.kind, SendResult::Kind::kAccepted) << r.reason;
  auto sub = peer_.WaitFor(Submit(0), kWait);
  ASSERT_TRUE(sub);
  EXPECT_EQ((*sub)["sm_hex"], "");
  EXPECT_EQ((*sub)["text"], text);
  EXPECT_EQ((*sub)["esm_class"], 0);
  EXPECT_EQ(r.provider_id, (*sub)["message_id"]);
}

TEST_F(SmppChannelTest, Ucs2Texts) {
  OpenBound(BaseConfig());
  const std::string text = "Terima kasih, Ибу Сари! Заказ B1 готов";
  SendResult r = SendAndWait(9, "+6281234567890", text);
  ASSERT_EQ(r.kind, SendResult::Kind::kAccepted) << r.reason;
  auto sub = peer_.WaitFor(Submit(0), kWait);
  ASSERT_TRUE(sub);
  EXPECT_EQ((*sub)["data_coding"], 8);
  EXPECT_EQ((*sub)["text"], text);
  EXPECT_EQ((*sub)["sm_hex"], NoSpaces(ToHex(Utf8ToUtf16Be(text))));

  // 100 UTF-16 units: two parts of at most 67.
  std::string long_text;
  while (Utf16Units(long_text) < 100) long_text += "Ибу ";
  r = SendAndWait(10, "+6281234567890", long_text);
  ASSERT_EQ(r.kind, SendResult::Kind::kAccepted) << r.reason;
  std::string joined;
  for (int i = 0; i < 2; ++i) {
    sub = peer_.WaitFor(Submit(0), kWait);
    ASSERT_TRUE(sub);
    EXPECT_EQ((*sub)["data_coding"], 8);
    EXPECT_EQ((*sub)["esm_class"], 0x40);
    EXPECT_LE((*sub)["sm_hex"].get<std::string>().size(), 2u * 140);
    joined += (*sub)["text"].get<std::string>();
  }
  EXPECT_EQ(joined, long_text);
}

TEST_F(SmppChannelTest, ReceiptsReachOnReport) {
  // The SMSC answers decimal ids; its receipts below write them in hex.
  peer_.Command({{"cmd", "set"}, {"msgid_base", "dec"}});
  ASSERT_TRUE(peer_.WaitFor(SmscPeer::Is("ok"), kWait));
  OpenBound(BaseConfig());
  SendResult r = SendAndWait(11, "+6281234567890", "Hello");
  ASSERT_EQ(r.kind, SendResult::Kind::kAccepted);
  char hex[32];
  std::snprintf(hex, sizeof hex, "%llX", std::stoull(r.provider_id));
  Deliver("r1",
          {{"esm_class", 4},
           {"source_addr_ton", 1},
           {"source_addr", "6281234567890"},
           {"destination_addr", "TOKOKU"}},
          std::string("id:") + hex +
              " sub:001 dlvrd:001 submit date:2501091345 done date:2501091359 stat:DELIVRD "
              "err:000 text:Hello");
  auto rep = reports_.Pop();
  ASSERT_TRUE(rep);
  EXPECT_EQ(rep->provider_id, r.provider_id);
  EXPECT_EQ(rep->state, DeliveryState::kDelivered);
  EXPECT_EQ(rep->detail, "stat:DELIVRD err:000");

  // TLVs win over the text.
  r = SendAndWait(12, "+6281234567890", "Hello again");
  ASSERT_EQ(r.kind, SendResult::Kind::kAccepted);
  Deliver("r2", {{"esm_class", 4}}, "id:whatever stat:DELIVRD",
          {{"receipted_message_id", r.provider_id}, {"message_state", 5}});
  rep = reports_.Pop();
  ASSERT_TRUE(rep);
  EXPECT_EQ(rep->provider_id, r.provider_id);
  EXPECT_EQ(rep->state, DeliveryState::kFailed);

  // A two-part message is delivered when both parts are.
  r = SendAndWait(13, "+6281234567890", std::string(200, 'y'));
  ASSERT_EQ(r.kind, SendResult::Kind::kAccepted);
  auto comma = r.provider_id.find(',');
  ASSERT_NE(comma, std::string::npos);
  Deliver("r3", {{"esm_class", 4}},
          "id:" + r.provider_id.substr(0, comma) + " stat:DELIVRD err:000");
  rep = reports_.Pop();
  ASSERT_TRUE(rep);
  EXPECT_EQ(rep->provider_id, r.provider_id);
  EXPECT_EQ(rep->state, DeliveryState::kPending);
  Deliver("r4", {{"esm_class", 4}},
          "id:" + r.provider_id.substr(comma + 1) + " stat:DELIVRD err:000");
  rep = reports_.Pop();
  ASSERT_TRUE(rep);
  EXPECT_EQ(rep->provider_id, r.provider_id);
  EXPECT_EQ(rep->state, DeliveryState::kDelivered);
  for (auto tag : {"r1", "r2", "r3", "r4"}) {
    auto resp = peer_.WaitFor(DeliverResp(tag), kWait);
    ASSERT_TRUE(resp) << tag;
    EXPECT_EQ((*resp)["status"], 0);
  }
}

TEST_F(SmppChannelTest, ThrottledSubmitsPauseAndRetry) {
  OpenBound(BaseConfig());
  peer_.Command({{"cmd", "set"}, {"throttle", 2}});
  ASSERT_TRUE(peer_.WaitFor(SmscPeer::Is("ok"), kWait));
  SendResult r = SendAndWait(20, "+6281234567890", "throttled then ok");
  ASSERT_EQ(r.kind, SendResult::Kind::kAccepted) << r.reason;
  auto t1 = peer_.WaitForEvent(Submit(kRthrottled), kWait);
  auto t2 = peer_.WaitForEvent(Submit(kRthrottled), kWait);
  auto ok = peer_.WaitForEvent(Submit(0), kWait);
  ASSERT_TRUE(t1 && t2 && ok);
  EXPECT_EQ(ok->json["text"], "throttled then ok");
  EXPECT_EQ(r.provider_id, ok->json["message_id"]);
  EXPECT_GE(t2->json["t"].get<double>() - t1->json["t"].get<double>(), 100.0);
  EXPECT_GE(ok->json["t"].get<double>() - t2->json["t"].get<double>(), 100.0);

  // Throttled past throttle_retries: kRetry, not a failure.
  peer_.Command({{"cmd", "set"}, {"throttle", 100}});
  ASSERT_TRUE(peer_.WaitFor(SmscPeer::Is("ok"), kWait));
  r = SendAndWait(21, "+6281234567890", "always throttled");
  EXPECT_EQ(r.kind, SendResult::Kind::kRetry);
  EXPECT_NE(r.reason.find("ESME_RTHROTTLED"), std::string::npos) << r.reason;
}

TEST_F(SmppChannelTest, WindowBoundsTheSubmitsInFlight) {
  SmppConfig c = BaseConfig();
  c.window = 3;
  OpenBound(c);
  peer_.Command({{"cmd", "set"}, {"hold", true}});
  ASSERT_TRUE(peer_.WaitFor(SmscPeer::Is("ok"), kWait));
  for (int i = 0; i < 5; ++i) Send(200 + i, "+6281234567890", "w" + std::to_string(i));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(peer_.WaitFor(Held(), kWait));
  // The client answers this deliver_sm after everything it sent before: a sync point.
  Deliver("sync1", {{"esm_class", 4}}, "id:1 stat:DELIVRD");
  ASSERT_TRUE(peer_.WaitFor(DeliverResp("sync1"), kWait));
  EXPECT_EQ(peer_.All(Held()).size(), 3u);
  peer_.Command({{"cmd", "release"}, {"count", 1}});
  ASSERT_TRUE(peer_.WaitFor(Held(), kWait));
  Deliver("sync2", {{"esm_class", 4}}, "id:1 stat:DELIVRD");
  ASSERT_TRUE(peer_.WaitFor(DeliverResp("sync2"), kWait));
  EXPECT_EQ(peer_.All(Held()).size(), 4u);
  peer_.Command({{"cmd", "set"}, {"hold", false}});
  peer_.Command({{"cmd", "release"}, {"count", 3}});
  for (int i = 0; i < 5; ++i) {
    auto s = sent_.Pop();
    ASSERT_TRUE(s);
    EXPECT_EQ(s->result.kind, SendResult::Kind::kAccepted);
  }
}

TEST_F(SmppChannelTest, ResponseTimeoutDropsTheLinkAndGivesTheSendsBack) {
  SmppConfig c = BaseConfig();
  c.response_timeout = 300ms;
  OpenBound(c);
  peer_.Command({{"cmd", "set"}, {"hold", true}});
  ASSERT_TRUE(peer_.WaitFor(SmscPeer::Is("ok"), kWait));
  Send(300, "+6281234567890", "never answered");
  auto s = sent_.Pop();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->result.kind, SendResult::Kind::kRetry);
  EXPECT_NE(s->result.reason.find("no submit_sm_resp within 300 ms"), std::string::npos)
      << s->result.reason;
  // And binds again.
  ASSERT_TRUE(peer_.WaitFor(SmscPeer::Is("close"), kWait));
  ASSERT_TRUE(peer_.WaitFor(Bound(), kWait));
}

TEST_F(SmppChannelTest, MaxPerSecondSpacesTheSubmits) {
  SmppConfig c = BaseConfig();
  c.max_per_second = 20;  // bucket of 2: 10 messages take at least 8 / 20 s
  OpenBound(c);
  for (int i = 0; i < 10; ++i) Send(400 + i, "+6281234567890", "r" + std::to_string(i));
  for (int i = 0; i < 10; ++i) {
    auto s = sent_.Pop();
    ASSERT_TRUE(s);
    EXPECT_EQ(s->result.kind, SendResult::Kind::kAccepted);
  }
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(peer_.WaitFor(Submit(0), kWait));
  auto subs = peer_.All(Submit(0));
  ASSERT_EQ(subs.size(), 10u);
  double span = subs.back()["t"].get<double>() - subs.front()["t"].get<double>();
  EXPECT_GE(span, 390.0);
  EXPECT_LT(span, 2000.0);
}

TEST_F(SmppChannelTest, LinkCutMidWindowLosesNothingAndSendsNothingAcknowledgedTwice) {
  SmppConfig c = BaseConfig();
  c.window = 10;
  OpenBound(c);
  peer_.Command({{"cmd", "set"}, {"hold", true}});
  ASSERT_TRUE(peer_.WaitFor(SmscPeer::Is("ok"), kWait));
  for (int i = 0; i < 6; ++i) Send(100 + i, "+6281234567890", "m" + std::to_string(i));
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(peer_.WaitFor(Held(), kWait)) << i;
  peer_.Command({{"cmd", "release"}, {"count", 3}});
  std::map<long long, SendResult> first;
  for (int i = 0; i < 3; ++i) {
    auto s = sent_.Pop();
    ASSERT_TRUE(s);
    EXPECT_EQ(s->result.kind, SendResult::Kind::kAccepted);
    first[s->id] = s->result;
  }
  peer_.Command({{"cmd", "set"}, {"hold", false}});
  peer_.Command({{"cmd", "cut"}});
  for (int i = 0; i < 3; ++i) {
    auto s = sent_.Pop();
    ASSERT_TRUE(s);
    EXPECT_EQ(s->result.kind, SendResult::Kind::kRetry) << s->result.reason;
    EXPECT_EQ(first.count(s->id), 0u);
    first[s->id] = s->result;
  }
  ASSERT_EQ(first.size(), 6u);
  // The channel binds again; the outbox sends the three again.
  ASSERT_TRUE(peer_.WaitFor(Bound(), kWait));
  for (auto& [id, res] : first) {
    if (res.kind == SendResult::Kind::kRetry) {
      Send(id, "+6281234567890", "m" + std::to_string(id - 100));
      auto s = sent_.Pop();
      ASSERT_TRUE(s);
      EXPECT_EQ(s->id, id);
      EXPECT_EQ(s->result.kind, SendResult::Kind::kAccepted) << s->result.reason;
    }
  }
  // Every text was acknowledged by the SMSC exactly once.
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(peer_.WaitFor(Submit(0), kWait));
  auto acked = peer_.All(Submit(0));
  std::map<std::string, int> count;
  for (auto& a : acked) count[a["text"]]++;
  ASSERT_EQ(count.size(), 6u);
  for (auto& [text, n] : count) EXPECT_EQ(n, 1) << text;
  // And every Send was reported exactly once (6 + 3 resends).
  EXPECT_EQ(sent_.All().size(), 9u);
}

TEST_F(SmppChannelTest, UssdSessionOpenedContinuedAndEnded) {
  SmppConfig c = BaseConfig();
  c.ussd = true;
  Inbox<SmppUssdRequest>& requests = ussd_;
  OpenBound(c, [&](SmppUssdRequest req, SmppUssdAnswer answer) {
    requests.Push(req);
    if (req.phase == SmppUssdRequest::Phase::kBegin) {
      answer("1. Pesan\n2. Cek pesanan", false);
    } else if (req.phase == SmppUssdRequest::Phase::kContinue && req.text == "1") {
      answer("Terima kasih", true);
    }
  });
  Json from = {{"source_addr_ton", 1},
               {"source_addr_npi", 1},
               {"source_addr", "6281234567890"},
               {"destination_addr", "*123#"},
               {"service_type", "USSD"}};
  Deliver("open", from, *Utf8ToGsm7("*123#"),
          {{"ussd_service_op", 1}, {"its_session_info", "0a00"}});
  auto req = requests.Pop();
  ASSERT_TRUE(req);
  EXPECT_EQ(req->phase, SmppUssdRequest::Phase::kBegin);
  EXPECT_EQ(req->phone, "+6281234567890");
  EXPECT_EQ(req->service_code, "*123#");
  EXPECT_EQ(req->text, "*123#");
  EXPECT_EQ(req->session_key, "6281234567890/10");
  auto menu = peer_.WaitFor(Submit(0), kWait);
  ASSERT_TRUE(menu);
  EXPECT_EQ((*menu)["tlvs"]["ussd_service_op"], 2);  // USSR request: waits for input
  EXPECT_EQ((*menu)["tlvs"]["its_session_info"], "0a00");
  EXPECT_EQ((*menu)["destination_addr"], "6281234567890");
  EXPECT_EQ((*menu)["source_addr"], "*123#");
  EXPECT_EQ((*menu)["service_type"], "USSD");
  EXPECT_EQ((*menu)["text"], "1. Pesan\n2. Cek pesanan");

  Deliver("answer", from, "1", {{"ussd_service_op", 0x12}, {"its_session_info", "0a02"}});
  req = requests.Pop();
  ASSERT_TRUE(req);
  EXPECT_EQ(req->phase, SmppUssdRequest::Phase::kContinue);
  EXPECT_EQ(req->text, "1");
  EXPECT_EQ(req->session_key, "6281234567890/10");
  auto last = peer_.WaitFor(Submit(0), kWait);
  ASSERT_TRUE(last);
  EXPECT_EQ((*last)["tlvs"]["ussd_service_op"], 0x11);     // PSSR response: final screen
  EXPECT_EQ((*last)["tlvs"]["its_session_info"], "0a03");  // end-of-session bit set
  EXPECT_EQ((*last)["text"], "Terima kasih");

  // A session released by the network reaches the handler as kRelease; nothing is sent.
  Deliver("open2", from, *Utf8ToGsm7("*123#"),
          {{"ussd_service_op", 1}, {"its_session_info", "0b00"}});
  ASSERT_TRUE(requests.Pop());
  ASSERT_TRUE(peer_.WaitFor(Submit(0), kWait));
  Deliver("abort", from, "", {{"ussd_service_op", 0x12}, {"its_session_info", "0b03"}});
  req = requests.Pop();
  ASSERT_TRUE(req);
  EXPECT_EQ(req->phase, SmppUssdRequest::Phase::kRelease);
  EXPECT_EQ(req->session_key, "6281234567890/11");
  for (auto tag : {"open", "answer", "open2", "abort"}) {
    auto resp = peer_.WaitFor(DeliverResp(tag), kWait);
    ASSERT_TRUE(resp) << tag;
    EXPECT_EQ((*resp)["status"], 0);
  }
  EXPECT_EQ(peer_.All(SmscPeer::Is("submit")).size(), 3u);
}

}  // namespace
}  // namespace pesan::smpp
