// The modem channel against the modem emulator over a real pseudo-terminal.
#include "adapters/modem/modem_channel.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "adapters/modem/byte_stream.h"
#include "adapters/modem/pdu.h"
#include "tests/adapters/modem/emulator_process.h"

namespace pesan::modem {
namespace {

using namespace std::chrono_literals;
using testing::EmulatorProcess;
using json = nlohmann::json;

std::shared_ptr<spdlog::logger> TestLogger() {
  auto log =
      std::make_shared<spdlog::logger>("modem", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  const char* level = std::getenv("PESAN_TEST_LOG");
  log->set_level(level ? spdlog::level::from_str(level) : spdlog::level::off);
  return log;
}

class ModemChannelTest : public ::testing::Test {
 protected:
  void TearDown() override { StopChannel(); }

  ModemConfig Config(const EmulatorProcess& emu) {
    ModemConfig c;
    c.device = emu.device();
    c.own_number = "+6281100001";
    c.send_interval = 20ms;
    c.reopen_min = 50ms;
    c.reopen_max = 400ms;
    c.command_timeout = 3s;
    c.send_timeout = 5s;
    c.poll_interval = 60s;
    return c;
  }

  // A logger whose info lines and above the test reads: "<level> <message>" lines.
  std::shared_ptr<spdlog::logger> CapturingLogger() {
    captured_ = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(1000);
    captured_->set_pattern("%l %v");
    auto log = std::make_shared<spdlog::logger>("modem", captured_);
    log->set_level(spdlog::level::info);
    return log;
  }
  std::string Logged() const {
    std::string out;
    for (const auto& line : captured_->last_formatted()) out += line;
    return out;
  }
  static int Count(const std::string& all, const std::string& what) {
    int n = 0;
    for (auto at = all.find(what); at != std::string::npos; at = all.find(what, at + 1)) ++n;
    return n;
  }

  // The channel opens the device through this (as it would by itself), counting its tries.
  ModemChannel::Opener CountingOpener(std::string device) {
    return [this, device](boost::asio::any_io_executor ex) {
      auto stream = OpenSerial(ex, device, 115200);
      std::lock_guard l(mu_);
      ++opens_;
      cv_.notify_all();
      return stream;
    };
  }
  int Opens() {
    std::lock_guard l(mu_);
    return opens_;
  }
  bool WaitOpens(int n) {
    std::unique_lock l(mu_);
    return cv_.wait_for(l, 20s, [&] { return opens_ >= n; });
  }
  void ExpectWrongPinNotRepeated(std::vector<std::string> emulator_args);

  void StartChannel(ModemConfig config, std::shared_ptr<spdlog::logger> log = nullptr,
                    ModemChannel::Opener opener = {}) {
    ChannelEvents ev;
    ev.on_sms = [this](InboundSms sms, std::function<void(bool)> done) {
      std::lock_guard l(mu_);
      sms_.push_back(std::move(sms));
      dones_.push_back(std::move(done));
      cv_.notify_all();
    };
    ev.on_report = [this](DeliveryReport r) {
      std::lock_guard l(mu_);
      reports_.push_back(std::move(r));
      cv_.notify_all();
    };
    ev.on_ready = [this] { ++ready_events_; };
    io_ = std::make_unique<boost::asio::io_context>();
    work_.emplace(io_->get_executor());
    channel_ = std::make_unique<ModemChannel>(
        *io_, config, ev, clock_, log ? std::move(log) : TestLogger(), std::move(opener));
    channel_->Start();
    thread_ = std::thread([this] { io_->run(); });
  }

  void StopChannel() {
    if (!channel_) return;
    channel_->Stop();
    work_.reset();
    thread_.join();
    channel_.reset();
    io_.reset();
  }

  SendResult Send(std::string to, std::string text, long long id = 1) {
    auto p = std::make_shared<std::promise<SendResult>>();
    auto f = p->get_future();
    channel_->Send(OutgoingSms{id, std::move(to), std::move(text)},
                   [p](SendResult r) { p->set_value(std::move(r)); });
    if (f.wait_for(30s) != std::future_status::ready) {
      ADD_FAILURE() << "send never reported";
      return {};
    }
    return f.get();
  }

  bool WaitSms(size_t n) {
    std::unique_lock l(mu_);
    return cv_.wait_for(l, 20s, [&] { return sms_.size() >= n; });
  }
  bool WaitReports(size_t n) {
    std::unique_lock l(mu_);
    return cv_.wait_for(l, 20s, [&] { return reports_.size() >= n; });
  }
  void Record(size_t i, bool ok) {
    std::function<void(bool)> d;
    {
      std::lock_guard l(mu_);
      d = dones_.at(i);
    }
    d(ok);
  }
  InboundSms Sms(size_t i) {
    std::lock_guard l(mu_);
    return sms_.at(i);
  }
  // The channel is ready once the emulator saw the listing that follows initialisation.
  void WaitReady(EmulatorProcess& emu, int sessions = 1) {
    emu.Wait("command", sessions, "AT+CMGL=4");
    ASSERT_TRUE(channel_->Ready());
  }

  SystemClock clock_;
  std::unique_ptr<boost::asio::io_context> io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::unique_ptr<ModemChannel> channel_;
  std::thread thread_;
  std::atomic<int> ready_events_{0};  // on_ready
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<InboundSms> sms_;
  std::vector<std::function<void(bool)>> dones_;
  std::vector<DeliveryReport> reports_;
  int opens_ = 0;  // CountingOpener's tries
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> captured_;
};

TEST_F(ModemChannelTest, DeliveredSmsReachesOnSmsAndIsDeletedAfterRecording) {
  EmulatorProcess emu;
  StartChannel(Config(emu));
  WaitReady(emu);
  auto r = emu.Call({{"op", "deliver"}, {"from", "+6281234567890"}, {"text", "PESAN B1 2"}});
  ASSERT_TRUE(r["ok"].get<bool>()) << r.dump();
  ASSERT_TRUE(WaitSms(1));
  InboundSms sms = Sms(0);
  EXPECT_EQ(sms.from, "+6281234567890");
  EXPECT_EQ(sms.to, "+6281100001");
  EXPECT_EQ(sms.text, "PESAN B1 2");
  EXPECT_EQ(sms.provider_id.rfind("pdu:", 0), 0u);
  // Not deleted before the core says it is recorded.
  EXPECT_EQ(emu.State()["storage"].size(), 1u);
  EXPECT_EQ(emu.CountCommands("AT+CMGD"), 0);
  Record(0, true);
  auto st = emu.Wait("storage", 0);
  EXPECT_EQ(st["deleted"], json::array({r["indexes"][0]}));
}

TEST_F(ModemChannelTest, StoredBeforeStartHandledOnStartAndDeletedOnlyWhenRecorded) {
  std::string long_text;
  for (int i = 0; i < 12; ++i)
    long_text += "Pesanan nomor " + std::to_string(i) + " sudah dikirim. ";
  EmulatorProcess emu({"--preload", json({{"from", "+6281111111111"}, {"text", "STOK"}}).dump(),
                       "--preload",
                       json({{"from", "+6282222222222"}, {"text", long_text}}).dump()});
  ASSERT_EQ(emu.State()["storage"].size(), 4u);  // 1 + 3 parts
  StartChannel(Config(emu));
  ASSERT_TRUE(WaitSms(2));
  std::map<std::string, size_t> by_from;
  for (size_t i = 0; i < 2; ++i) by_from[Sms(i).from] = i;
  EXPECT_EQ(Sms(by_from["+6281111111111"]).text, "STOK");
  EXPECT_EQ(Sms(by_from["+6282222222222"]).text, long_text);
  // The core could not record the short one: it stays; the long one is recorded: its three
  // parts go.
  Record(by_from["+6281111111111"], false);
  Record(by_from["+6282222222222"], true);
  auto st = emu.Wait("storage", 1);
  EXPECT_EQ(st["deleted"].size(), 3u);
  EXPECT_EQ(st["storage"].begin().value()["pdu"].get<std::string>().find("0D91261811111111F1") !=
                std::string::npos,
            true);
}

TEST_F(ModemChannelTest, MessageReadTwiceKeepsItsProviderId) {
  EmulatorProcess emu(
      {"--preload", json({{"from", "+6281234567890"}, {"text", "BATAL 12"}}).dump()});
  StartChannel(Config(emu));
  ASSERT_TRUE(WaitSms(1));
  std::string first = Sms(0).provider_id;
  // A crash before the delete: the next run reads the same message again.
  StopChannel();
  sms_.clear();
  dones_.clear();
  StartChannel(Config(emu));
  ASSERT_TRUE(WaitSms(1));
  EXPECT_EQ(Sms(0).provider_id, first);
  EXPECT_EQ(Sms(0).text, "BATAL 12");
  Record(0, true);
  emu.Wait("storage", 0);
}

TEST_F(ModemChannelTest, SendLeavesAsAValidPdu) {
  EmulatorProcess emu;
  StartChannel(Config(emu));
  WaitReady(emu);
  auto r = Send("+6281234567890", "Pesanan B1 x2 diterima. Total Rp 24.000");
  ASSERT_EQ(r.kind, SendResult::Kind::kAccepted) << r.reason;
  auto st = emu.Wait("submitted", 1);
  ASSERT_EQ(st["bad"].size(), 0u) << st["bad"].dump();
  auto sub = st["submitted"][0];
  EXPECT_EQ(sub["number"], "+6281234567890");
  EXPECT_EQ(sub["text"], "Pesanan B1 x2 diterima. Total Rp 24.000");
  EXPECT_EQ(sub["coding"], "Default_No_Compression");
  EXPECT_TRUE(sub["srr"].get<bool>());
  EXPECT_EQ(r.provider_id, std::to_string(sub["mr"].get<int>()));
}

TEST_F(ModemChannelTest, LongAndUcs2TextsRoundTrip) {
  EmulatorProcess emu;
  StartChannel(Config(emu));
  WaitReady(emu);
  std::string gsm_long;
  for (int i = 0; i < 8; ++i)
    gsm_long += "Barang B" + std::to_string(i) + " tersedia {stok} @ Rp 5.000; ";
  std::string ucs2_long = "Заказ принят. Спасибо! ";
  for (int i = 0; i < 4; ++i) ucs2_long += "Доставка завтра утром. ";
  for (const std::string& text : {gsm_long, ucs2_long}) {
    size_t before = emu.State()["submitted"].size();
    auto r = Send("+6281234567890", text);
    ASSERT_EQ(r.kind, SendResult::Kind::kAccepted) << r.reason;
    auto st = emu.State();
    auto subs = st["submitted"];
    ASSERT_GT(subs.size(), before + 1) << "expected several parts";
    std::map<int, std::string> parts;
    int total = subs.back()["parts"];
    int ref = subs.back()["ref"];
    for (size_t i = before; i < subs.size(); ++i) {
      EXPECT_EQ(subs[i]["ref"], ref);
      EXPECT_EQ(subs[i]["srr"].get<bool>(), i + 1 == subs.size());  // only the last asks
      parts[subs[i]["part"].get<int>()] = subs[i]["text"];
    }
    ASSERT_EQ(int(parts.size()), total);
    std::string joined;
    for (auto& [n, t] : parts) joined += t;
    EXPECT_EQ(joined, text);
    EXPECT_EQ(r.provider_id, std::to_string(subs.back()["mr"].get<int>()));
  }
  // And inbound: a long UCS-2 message in three parts.
  auto d =
      emu.Call({{"op", "deliver"}, {"from", "+6285555555555"}, {"text", ucs2_long + ucs2_long}});
  ASSERT_GE(d["indexes"].size(), 2u);
  ASSERT_TRUE(WaitSms(1));
  EXPECT_EQ(Sms(0).text, ucs2_long + ucs2_long);
  Record(0, true);
  emu.Wait("storage", 0);
}

TEST_F(ModemChannelTest, StoredStatusReportsBecomeReports) {
  EmulatorProcess emu;
  StartChannel(Config(emu));  // +CNMI=2,1,0,2,0: reports stored, +CDSI
  WaitReady(emu);
  auto a = Send("+6281234567890", "satu", 1);
  auto b = Send("+6281234567891", "dua", 2);
  ASSERT_EQ(a.kind, SendResult::Kind::kAccepted);
  ASSERT_EQ(b.kind, SendResult::Kind::kAccepted);
  auto ra = emu.Call({{"op", "status_report"}, {"mr", std::stoi(a.provider_id)}, {"st", 0}});
  ASSERT_TRUE(ra["ok"].get<bool>()) << ra.dump();
  auto rb = emu.Call({{"op", "status_report"}, {"mr", std::stoi(b.provider_id)}, {"st", 0x41}});
  ASSERT_TRUE(WaitReports(2));
  EXPECT_EQ(reports_[0].provider_id, a.provider_id);
  EXPECT_EQ(reports_[0].state, pesan::DeliveryState::kDelivered);
  EXPECT_EQ(reports_[1].provider_id, b.provider_id);
  EXPECT_EQ(reports_[1].state, pesan::DeliveryState::kFailed);
  EXPECT_EQ(reports_[1].detail, "TP-ST 41");
  emu.Wait("storage", 0);  // stored reports are removed
}

TEST_F(ModemChannelTest, RoutedStatusReports) {
  EmulatorProcess emu;
  auto config = Config(emu);
  config.cnmi = "2,1,0,1,0";  // +CDS: <length> then the PDU on the next line
  StartChannel(config);
  WaitReady(emu);
  auto a = Send("+6281234567890", "tiga");
  ASSERT_EQ(a.kind, SendResult::Kind::kAccepted);
  emu.Call({{"op", "status_report"}, {"mr", std::stoi(a.provider_id)}, {"st", 0x21}});
  ASSERT_TRUE(WaitReports(1));
  EXPECT_EQ(reports_[0].provider_id, a.provider_id);
  EXPECT_EQ(reports_[0].state, pesan::DeliveryState::kPending);
}

TEST_F(ModemChannelTest, UnplugAndReplugResumesSending) {
  EmulatorProcess emu;
  StartChannel(Config(emu));
  WaitReady(emu);
  ASSERT_EQ(Send("+6281234567890", "sebelum").kind, SendResult::Kind::kAccepted);
  emu.Call({{"op", "unplug"}});
  EXPECT_EQ(ready_events_.load(), 1);
  // While the device is gone, sends are handed back at once, not handed over (a send under
  // way when it went may come back kRetry first).
  SendResult during;
  for (int i = 0; i < 200; ++i) {
    during = Send("+6281234567890", "selama", 2);
    if (during.kind == SendResult::Kind::kNotReady) break;
  }
  EXPECT_EQ(during.kind, SendResult::Kind::kNotReady);
  // "modem link lost: ..." for one waiting when the loss was noticed, else "modem not connected".
  EXPECT_NE(during.reason.find("modem"), std::string::npos) << during.reason;
  EXPECT_FALSE(channel_->Ready());
  emu.Call({{"op", "replug"}});
  WaitReady(emu, 2);
  // Initialised again: on_ready again (raised before the listing WaitReady waits for).
  EXPECT_EQ(ready_events_.load(), 2);
  auto after = Send("+6281234567890", "sesudah", 3);
  ASSERT_EQ(after.kind, SendResult::Kind::kAccepted) << after.reason;
  auto st = emu.State();
  EXPECT_EQ(st["submitted"].back()["text"], "sesudah");
  EXPECT_GE(emu.CountCommands("AT+CMGF=0"), 2);  // initialised again on the new device
  // And receiving works on the new device too.
  emu.Call({{"op", "deliver"}, {"from", "+6281234567890"}, {"text", "OK 12"}});
  ASSERT_TRUE(WaitSms(1));
  EXPECT_EQ(Sms(0).text, "OK 12");
}

// However long the modem was away, it is opened again soon after it is plugged back in: while
// the device is not there it is looked for every reopen_min, not after a wait doubled on
// every miss (which had reached a minute after a long absence).
TEST_F(ModemChannelTest, AModemBackAfterALongAbsenceIsOpenedWithinReopenMin) {
  EmulatorProcess emu;
  auto config = Config(emu);
  config.reopen_min = 50ms;
  config.reopen_max = kMaxReopenWait;
  StartChannel(config, CapturingLogger(), CountingOpener(emu.device()));
  WaitReady(emu);
  emu.Call({{"op", "unplug"}});
  // Away while the channel looks for it 25 times (about 1.3 s at every 50 ms; doubling from
  // 50 ms, the 25th look would be days away), then plugged back in just after a look.
  const int opens_before = Opens();
  ASSERT_TRUE(WaitOpens(opens_before + 25)) << Opens() - opens_before << " looks";
  const auto back = std::chrono::steady_clock::now();
  emu.Call({{"op", "replug"}});
  WaitReady(emu, 2);
  const auto took = std::chrono::steady_clock::now() - back;
  // reopen_min, then the initialisation (a quarter of a second here).
  EXPECT_LT(took, 2s) << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                      << " ms";
  // Looked for often, but said once.
  EXPECT_GT(Opens(), 20);
  const std::string log = Logged();
  EXPECT_EQ(Count(log, "warning modem: cannot open " + emu.device()), 1) << log;
  EXPECT_EQ(Count(log, "looking for it every 50 ms"), 1) << log;
  EXPECT_EQ(Send("+6281234567890", "kembali").kind, SendResult::Kind::kAccepted);
}

TEST_F(ModemChannelTest, HungModemIsReopened) {
  EmulatorProcess emu;
  auto config = Config(emu);
  config.send_timeout = 500ms;
  config.command_timeout = 500ms;
  StartChannel(config);
  WaitReady(emu);
  emu.Call({{"op", "set"}, {"hang", true}});
  auto r = Send("+6281234567890", "halo");
  EXPECT_EQ(r.kind, SendResult::Kind::kRetry);
  emu.Call({{"op", "set"}, {"hang", false}});
  WaitReady(emu, 2);
  EXPECT_EQ(Send("+6281234567890", "halo lagi").kind, SendResult::Kind::kAccepted);
}

TEST_F(ModemChannelTest, ModemLeftWaitingForAPduIsCancelledWithEsc) {
  // No "> " after AT+CMGS: the send times out, and the modem still waits for a PDU, taking
  // every byte for one until Ctrl-Z or ESC (27.005 §3.5.1).
  EmulatorProcess emu;
  auto config = Config(emu);
  config.send_timeout = 300ms;
  StartChannel(config);
  WaitReady(emu);
  emu.Call({{"op", "set"}, {"mute_prompt", true}});
  EXPECT_EQ(Send("+6281234567890", "halo").kind, SendResult::Kind::kRetry);
  emu.Call({{"op", "set"}, {"mute_prompt", false}});
  WaitReady(emu, 2);
  EXPECT_EQ(Send("+6281234567890", "halo lagi").kind, SendResult::Kind::kAccepted);
  auto st = emu.State();
  ASSERT_EQ(st["submitted"].size(), 1u);
  EXPECT_EQ(st["submitted"][0]["text"], "halo lagi");
  EXPECT_TRUE(st["bad"].empty()) << st["bad"];
}

TEST_F(ModemChannelTest, SleepyModemIsWokenWithoutReopening) {
  // It ignores the ESC that ends a pending PDU prompt and the first two ATs.
  EmulatorProcess emu({"--swallow", "3"});
  auto config = Config(emu);
  config.command_timeout = 300ms;
  StartChannel(config);
  WaitReady(emu);
  auto st = emu.State();
  std::vector<std::string> first(st["commands"].begin(), st["commands"].begin() + 5);
  EXPECT_EQ(first, (std::vector<std::string>{"\x1B", "AT", "AT", "AT", "ATE0"}));
  EXPECT_EQ(emu.CountCommands("ATE0"), 1);  // one session: the device was not reopened
}

TEST_F(ModemChannelTest, UnsolicitedNoiseInterleaved) {
  EmulatorProcess emu;
  emu.Call({{"op", "set"}, {"noise", true}});
  StartChannel(Config(emu));
  WaitReady(emu);
  emu.Call({{"op", "urc"},
            {"lines", {"^RSSI:14", "RING", "+CREG: 1", "^BOOT:1,0,0,0,72", "^MODE:5,4"}}});
  emu.Call({{"op", "deliver"}, {"from", "+6281234567890"}, {"text", "PESAN A3 1"}});
  auto r = Send("+6281234567890", "Terima kasih");
  ASSERT_EQ(r.kind, SendResult::Kind::kAccepted) << r.reason;
  ASSERT_TRUE(WaitSms(1));
  EXPECT_EQ(Sms(0).text, "PESAN A3 1");
  Record(0, true);
  emu.Wait("storage", 0);
  EXPECT_EQ(emu.State()["submitted"][0]["text"], "Terima kasih");
}

TEST_F(ModemChannelTest, SendErrorsAreClassified) {
  EmulatorProcess emu;
  StartChannel(Config(emu));
  WaitReady(emu);
  emu.Call({{"op", "set"}, {"fail_cmgs", {500}}});
  EXPECT_EQ(Send("+6281234567890", "a").kind, SendResult::Kind::kRetry);
  emu.Call({{"op", "set"}, {"fail_cmgs", {21}}});
  auto failed = Send("+6281234567890", "b");
  EXPECT_EQ(failed.kind, SendResult::Kind::kFailed);
  EXPECT_EQ(failed.reason, "+CMS ERROR 21 (short message transfer rejected)");
  // A vendor code is tried again in place (an incoming SMS colliding with the send).
  emu.Call({{"op", "set"}, {"fail_cmgs", {512, 512}}});
  EXPECT_EQ(Send("+6281234567890", "c").kind, SendResult::Kind::kAccepted);
  EXPECT_EQ(Send("not a number!", "d").kind, SendResult::Kind::kFailed);
}

// A +CMS ERROR is logged at warn with its meaning (27.005 §3.2.5), and the same words are
// the send's reason, which the outbox keeps as the message's last error.
TEST_F(ModemChannelTest, ACmsErrorIsToldWithItsMeaning) {
  EmulatorProcess emu;
  StartChannel(Config(emu), CapturingLogger());
  WaitReady(emu);
  emu.Call({{"op", "set"}, {"fail_cmgs", {331}}});
  auto retry = Send("+6281234567890", "a", 7);
  EXPECT_EQ(retry.kind, SendResult::Kind::kRetry);
  EXPECT_EQ(retry.reason, "+CMS ERROR 331 (no network service)");
  emu.Call({{"op", "set"}, {"fail_cmgs", {304}}});
  auto failed = Send("+6281234567890", "b", 8);
  EXPECT_EQ(failed.kind, SendResult::Kind::kFailed);
  EXPECT_EQ(failed.reason, "+CMS ERROR 304 (invalid PDU mode parameter)");
  emu.Call({{"op", "set"}, {"fail_cmgs", {311}}});
  EXPECT_EQ(Send("+6281234567890", "c", 9).reason, "+CMS ERROR 311 (SIM PIN required)");
  ASSERT_EQ(Send("+6281234567890", "d", 10).kind, SendResult::Kind::kAccepted);
  const std::string log = Logged();
  EXPECT_EQ(Count(log, "warning modem: outbox 7: +CMS ERROR 331 (no network service)\n"), 1) << log;
  EXPECT_EQ(Count(log, "warning modem: outbox 8: +CMS ERROR 304 (invalid PDU mode parameter)\n"), 1)
      << log;
  EXPECT_EQ(Count(log, "warning modem: outbox 9: +CMS ERROR 311 (SIM PIN required)\n"), 1) << log;
  EXPECT_EQ(Count(log, "error modem: +CMS ERROR 311 (SIM PIN required) — the SIM needs attention"),
            1)
      << log;
  EXPECT_EQ(Count(log, "info modem: outbox 10: sent"), 1) << log;
  EXPECT_EQ(Count(log, "info modem: outbox 7"), 0) << log;
  EXPECT_EQ(Count(log, "ERROR: "), 0) << log;  // no bare "+CMS ERROR: <n>" left
}

// A +CME ERROR (27.007 §9.2.1: a busy or failing SIM, no network) is told with its meaning
// too: in the warn line and in the send's reason, the outbox's last error.
TEST_F(ModemChannelTest, ACmeErrorIsToldWithItsMeaning) {
  EmulatorProcess emu;
  StartChannel(Config(emu), CapturingLogger());
  WaitReady(emu);
  emu.Call({{"op", "set"}, {"fail_cmgs", json::array({json::array({"CME", 14})})}});
  auto busy = Send("+6281234567890", "a", 7);
  EXPECT_EQ(busy.kind, SendResult::Kind::kRetry);
  EXPECT_EQ(busy.reason, "+CME ERROR 14 (SIM busy)");
  emu.Call({{"op", "set"}, {"fail_cmgs", json::array({json::array({"CME", 30})})}});
  EXPECT_EQ(Send("+6281234567890", "b", 8).reason, "+CME ERROR 30 (no network service)");
  ASSERT_EQ(Send("+6281234567890", "c", 9).kind, SendResult::Kind::kAccepted);
  const std::string log = Logged();
  EXPECT_EQ(Count(log, "warning modem: outbox 7: +CME ERROR 14 (SIM busy)\n"), 1) << log;
  EXPECT_EQ(Count(log, "warning modem: outbox 8: +CME ERROR 30 (no network service)\n"), 1) << log;
  EXPECT_EQ(Count(log, "ERROR: "), 0) << log;  // no bare "+CME ERROR: <n>" left
}

TEST_F(ModemChannelTest, FullStorageIsClearedSafely) {
  std::vector<std::string> args = {"--storage-size", "3"};
  for (int i = 0; i < 3; ++i) {
    args.push_back("--preload");
    args.push_back(json({{"from", "+628100000000" + std::to_string(i)},
                         {"text", "pesan " + std::to_string(i)}})
                       .dump());
  }
  EmulatorProcess emu(args);
  EXPECT_FALSE(
      emu.Call({{"op", "deliver"}, {"from", "+6289"}, {"text", "lost"}, {"store_only", true}})["ok"]
          .get<bool>());
  StartChannel(Config(emu));
  ASSERT_TRUE(WaitSms(3));
  EXPECT_EQ(emu.CountCommands("AT+CMGD"), 0);
  for (size_t i = 0; i < 3; ++i) Record(i, true);
  emu.Wait("storage", 0);
  // Room again: the network's next attempt is stored and read.
  ASSERT_TRUE(
      emu.Call({{"op", "deliver"}, {"from", "+6289"}, {"text", "berhasil"}})["ok"].get<bool>());
  ASSERT_TRUE(WaitSms(4));
  EXPECT_EQ(Sms(3).text, "berhasil");
}

TEST_F(ModemChannelTest, IncompleteLongMessageIsDeliveredAfterItsTimeout) {
  EmulatorProcess emu;
  auto config = Config(emu);
  config.poll_interval = 200ms;
  config.concat_timeout = 0s;
  StartChannel(config);
  WaitReady(emu);
  std::string text;
  for (int i = 0; i < 14; ++i) text += "Bagian " + std::to_string(i) + " dari pesan panjang. ";
  auto d = emu.Call({{"op", "deliver"},
                     {"from", "+6281234567890"},
                     {"text", text},
                     {"only_parts", {1, 3}},
                     {"store_only", true}});
  ASSERT_EQ(d["indexes"].size(), 2u) << d.dump();
  // Stored without +CMTI: the periodic listing finds both parts at once.
  ASSERT_TRUE(WaitSms(1));
  InboundSms sms = Sms(0);
  EXPECT_EQ(sms.text.rfind("Bagian 0 dari", 0), 0u);
  EXPECT_NE(sms.text.find("…"), std::string::npos);  // the missing middle part
  EXPECT_LT(sms.text.size(), text.size());
  EXPECT_EQ(emu.State()["storage"].size(), 2u);
  Record(0, true);
  emu.Wait("storage", 0);
}

TEST_F(ModemChannelTest, RoutedDeliveries) {
  EmulatorProcess emu;
  auto config = Config(emu);
  config.cnmi = "2,2,0,1,0";  // +CMT: ,<length> then the PDU: nothing stored
  StartChannel(config);
  WaitReady(emu);
  emu.Call({{"op", "deliver"}, {"from", "+6281234567890"}, {"text", "STOK B1"}});
  ASSERT_TRUE(WaitSms(1));
  EXPECT_EQ(Sms(0).text, "STOK B1");
  EXPECT_EQ(Sms(0).from, "+6281234567890");
  Record(0, true);
  EXPECT_EQ(emu.CountCommands("AT+CMGD"), 0);
  EXPECT_EQ(emu.State()["storage"].size(), 0u);
}

TEST_F(ModemChannelTest, PinIsEnteredOnce) {
  EmulatorProcess emu({"--pin", "2468"});
  auto config = Config(emu);
  config.pin = "2468";
  StartChannel(config);
  WaitReady(emu);
  EXPECT_EQ(emu.CountCommands("AT+CPIN=\"2468\""), 1);
  EXPECT_EQ(Send("+6281234567890", "pin ok").kind, SendResult::Kind::kAccepted);
}

// A SIM asking for 2468, a configured 1111: reopened and asked again, the rejected PIN is not
// tried a second time (each wrong try brings the SIM nearer to its PUK lock), and the modem's
// answer is told with its meaning (27.007 §9.2.1).
void ModemChannelTest::ExpectWrongPinNotRepeated(std::vector<std::string> emulator_args) {
  emulator_args.insert(emulator_args.end(), {"--pin", "2468"});
  EmulatorProcess emu(emulator_args);
  auto config = Config(emu);
  config.pin = "1111";
  StartChannel(config, CapturingLogger());
  emu.Wait("command", 3, "AT+CPIN?");
  EXPECT_EQ(emu.CountCommands("AT+CPIN=\""), 1);
  EXPECT_EQ(emu.State()["pin_state"], "SIM PIN");
  EXPECT_FALSE(channel_->Ready());
  const std::string log = Logged();
  EXPECT_EQ(Count(log, "initialisation failed at AT+CPIN: +CME ERROR 16 (incorrect password)"), 1)
      << log;
}

TEST_F(ModemChannelTest, WrongPinIsNotRepeated) { ExpectWrongPinNotRepeated({}); }

// A modem that answers errors in words (AT+CMEE=2, whatever it was told) is understood the
// same: its "incorrect password" is the wrong PIN.
TEST_F(ModemChannelTest, WrongPinIsNotRepeatedWhenTheModemAnswersInWords) {
  ExpectWrongPinNotRepeated({"--verbose-errors"});
}

TEST(ModemChannel, CmsErrorClasses) {
  EXPECT_EQ(ClassifyCmsError(500), CmsErrorClass::kTransient);
  EXPECT_EQ(ClassifyCmsError(332), CmsErrorClass::kTransient);
  EXPECT_EQ(ClassifyCmsError(42), CmsErrorClass::kTransient);
  EXPECT_EQ(ClassifyCmsError(192), CmsErrorClass::kTransient);
  EXPECT_EQ(ClassifyCmsError(600), CmsErrorClass::kTransient);
  EXPECT_EQ(ClassifyCmsError(1), CmsErrorClass::kPermanent);
  EXPECT_EQ(ClassifyCmsError(304), CmsErrorClass::kPermanent);
  EXPECT_EQ(ClassifyCmsError(195), CmsErrorClass::kPermanent);
  EXPECT_EQ(ClassifyCmsError(144), CmsErrorClass::kPermanent);
  EXPECT_EQ(ClassifyCmsError(311), CmsErrorClass::kOperator);
  EXPECT_EQ(ClassifyCmsError(316), CmsErrorClass::kOperator);
}

TEST(ModemChannel, ReopenWaitsDoubleUpToTenSeconds) {
  ModemConfig defaults;
  EXPECT_LE(defaults.reopen_max, kMaxReopenWait);
  EXPECT_EQ(kMaxReopenWait, 10s);
  std::vector<std::chrono::milliseconds> waits = {defaults.reopen_min};
  for (int i = 0; i < 30; ++i) waits.push_back(NextReopenWait(waits.back(), defaults));
  EXPECT_EQ(waits[0], 2s);
  EXPECT_EQ(waits[1], 4s);
  EXPECT_EQ(waits[2], 8s);
  EXPECT_EQ(waits[3], 10s);
  EXPECT_EQ(waits.back(), 10s);  // after a long absence too
  // A longer reopen_max (as configurations said before) is held to the same cap.
  ModemConfig old;
  old.reopen_max = 60s;
  EXPECT_EQ(NextReopenWait(8s, old), 10s);
  EXPECT_EQ(NextReopenWait(10s, old), 10s);
  // A shorter one is kept.
  ModemConfig quick;
  quick.reopen_max = 400ms;
  EXPECT_EQ(NextReopenWait(50ms, quick), 100ms);
  EXPECT_EQ(NextReopenWait(300ms, quick), 400ms);
}

TEST(ModemChannel, InboundProviderIdIsStable) {
  auto a = InboundProviderId({"040B918100551512F20000111010214365000AE8329BFD4697D9EC37"});
  EXPECT_EQ(a, InboundProviderId({"040b918100551512f20000111010214365000ae8329bfd4697d9ec37"}));
  EXPECT_NE(a, InboundProviderId({"040B918100551512F20000111010214365000AE8329BFD4697D9EC38"}));
  EXPECT_NE(InboundProviderId({"AB", "CD"}), InboundProviderId({"ABCD"}));
  EXPECT_EQ(a.size(), 4u + 16u);
}

}  // namespace
}  // namespace pesan::modem
