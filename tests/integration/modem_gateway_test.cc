// The whole gateway against the GSM modem emulator (tests/adapters/modem/modem_emulator.py) on
// a real pseudo-terminal, configured from the TOML block of adapters/modem/README.md:
//
//   emulator SIM ─+CMTI─▶ ModemChannel ─AT+CMGR─▶ SmsService ─▶ orders, outbox ─▶ AT+CMGD
//   outbox ─▶ ModemChannel ─AT+CMGS PDU─▶ emulator SMSC (decoded there by python-gammu)
//   emulator SMSC ─+CDSI─▶ ModemChannel ─AT+CMGR─▶ on_report ─▶ outbox row delivered/failed
//
// The PDUs the gateway sends are decoded by gammu, an implementation independent of ours, and
// compared with the outbox rows. Each test has its own emulator, gateway and database; nothing
// waits a fixed time: the emulator answers "wait" requests when its state matches, and the
// database is polled with a deadline.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "core/gsm_text.h"
#include "core/sqlite_store.h"
#include "menus/ussd/ussd_menu.h"
#include "tests/adapters/modem/emulator_process.h"
#include "tests/support/shop_db.h"
#include "tests/support/test_support.h"

namespace pesan::testing {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;
using modem::testing::EmulatorProcess;

constexpr char kManager[] = "+6281234567890";
constexpr char kPin[] = "1234";
constexpr auto kWait = 15s;

// ---- adapters/modem/README.md, "Connecting a GSM modem" ----

std::string ReadmeToml() {
  std::string md = ReadFile(std::string(PESAN_SOURCE_DIR) + "/adapters/modem/README.md");
  auto at = md.find("## Connecting a GSM modem");
  if (at == std::string::npos) return "";
  auto open = md.find("```toml\n", at);
  if (open == std::string::npos) return "";
  open += 8;
  return md.substr(open, md.find("```", open) - open);
}

// Replaces the value of `key = ...` on its line in a TOML text; fails the test when absent.
std::string SetKey(std::string toml, const std::string& key, const std::string& value) {
  auto at = toml.find("\n" + key + " = ");
  if (at == std::string::npos) {
    ADD_FAILURE() << "no key " << key << " in\n" << toml;
    return toml;
  }
  at += key.size() + 4;
  toml.replace(at, toml.find('\n', at) - at, value);
  return toml;
}

std::string Catalog() {
  return "code,name,price,stock,unit,category,active\n"
         "B1,Beras 5kg,65000,200,karung,,1\n"
         "M1,Minyak goreng 1L,18000,300,botol,,1\n"
         "G1,Gula pasir 1kg,17500,150,kg,,1\n"
         "T1,Telur ayam 1kg,28000,80,kg,,1\n"
         "K1,Kopi sachet 10pcs,14000,100,renceng,,1\n"
         "J1,Gula Jawa ꦒꦸꦭꦗꦮ,15000,50,kg,,1\n";
}

bool Contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

// A message as the emulator's SMSC took it: its AT+CMGS parts decoded by gammu and joined.
struct Sent {
  std::string to;
  std::string text;
  std::string coding;  // gammu's: "Default_No_Compression", "Unicode_No_Compression", ...
  int parts = 1;
  int mr = -1;      // TP-MR the modem gave the part that asked for a status report
  int reports = 0;  // parts with TP-SRR set
};

std::vector<Sent> SentMessages(const json& state) {
  std::vector<Sent> out;
  std::map<std::tuple<std::string, int, int>, size_t> open;  // (to, ref, parts) -> out index
  std::map<size_t, std::map<int, std::string>> texts;
  for (const auto& s : state["submitted"]) {
    const std::string to = s["number"];
    const int parts = s["parts"];
    size_t i;
    if (parts <= 1) {
      out.push_back({to, s["text"], s["coding"], 1, -1, 0});
      i = out.size() - 1;
    } else {
      auto key = std::make_tuple(to, s["ref"].get<int>(), parts);
      auto it = open.find(key);
      if (it == open.end()) {
        out.push_back({to, "", s["coding"], parts, -1, 0});
        it = open.emplace(key, out.size() - 1).first;
      }
      i = it->second;
      texts[i][s["part"].get<int>()] = s["text"];
      if (static_cast<int>(texts[i].size()) == parts) {
        for (const auto& [n, t] : texts[i]) out[i].text += t;
        open.erase(it);
      }
    }
    if (s["srr"].get<bool>()) {
      out[i].mr = s["mr"];
      ++out[i].reports;
    }
  }
  return out;
}

std::vector<Sent> SentTo(const json& state, const std::string& to) {
  auto all = SentMessages(state);
  std::erase_if(all, [&](const Sent& m) { return m.to != to; });
  return all;
}

// The SMSC got exactly what the outbox row says, in as many parts, GSM-7 when the text is,
// asking for one status report whose TP-MR is the row's provider id.
void ExpectSame(const OutboxMessage& row, const Sent& got) {
  EXPECT_EQ(got.to, row.to);
  EXPECT_EQ(got.text, row.text);
  EXPECT_EQ(got.parts, row.segments) << row.text;
  EXPECT_EQ(got.coding, IsGsm7(row.text) ? "Default_No_Compression" : "Unicode_No_Compression")
      << row.text;
  EXPECT_EQ(got.reports, 1) << row.text;
  EXPECT_EQ(std::to_string(got.mr), row.provider_id) << row.text;
}

class ModemGatewayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.Write("catalog.csv", Catalog());
    StartEmulator({"--pin", kPin});
  }

  void TearDown() override { gateway_.reset(); }

  void StartEmulator(std::vector<std::string> args) {
    emu_ = std::make_unique<EmulatorProcess>(std::move(args));
  }

  // The README's TOML on this test's emulator, quicker pacing and reopening, short retries.
  std::string Config() {
    std::string toml = ReadmeToml();
    EXPECT_FALSE(toml.empty()) << "no ```toml block in the README section";
    EXPECT_TRUE(Contains(toml, "pin = \"" + std::string(kPin) + "\"")) << toml;
    toml = SetKey(toml, "device", "\"" + emu_->device() + "\"");
    toml = SetKey(toml, "send_interval_ms", std::to_string(kInterval.count()));
    toml += "reopen_min_ms = 100\nreopen_max_ms = 400\n";
    toml = "[gateway]\nlisten = \"127.0.0.1:0\"\ndatabase = \"shop.db\"\nthreads = 2\n\n" + toml;
    auto sms = toml.find("[sms]\n");
    EXPECT_NE(sms, std::string::npos);
    if (sms != std::string::npos)
      toml.insert(sms + 6, "retry_min_seconds = 1\nretry_max_seconds = 1\n" + sms_extra_);
    return toml +
           "\n[[shops]]\ncode = \"majubersama\"\nname = \"BUMDes Maju Bersama\"\n"
           "managers = [\"" +
           std::string(kManager) + "\"]\ncatalog = \"catalog.csv\"\npickup = true\n";
  }

  // Starts the gateway and waits until the channel is ready: its first listing of the SIM
  // (AT+CMGL=4) ends the initialisation.
  void StartGateway() {
    config_path_ = dir_.Write("pesan.toml", Config());
    int listings = emu_->CountCommands("AT+CMGL=4");
    gateway_ = std::make_unique<TestGateway>(dir_, ReadFile(config_path_), clock_);
    emu_->Wait("command", listings + 1, "AT+CMGL=4");
  }

  json Deliver(const std::string& from, const std::string& text, json extra = json::object()) {
    json req = {{"op", "deliver"}, {"from", from}, {"text", text}};
    req.update(extra);
    json r = emu_->Call(req);
    EXPECT_TRUE(r.value("ok", false)) << r.dump();
    return r;
  }

  json Set(json values) {
    values["op"] = "set";
    return emu_->Call(values);
  }

  // ---- the gateway's database, read while it runs ----
  std::unique_ptr<SqliteStore> Db() { return db_.Open(); }
  std::vector<Order> Orders() { return db_.Orders(); }          // newest first
  std::vector<OutboxMessage> Outbox() { return db_.Outbox(); }  // oldest first
  std::vector<OutboxMessage> OutboxTo(const std::string& to) { return db_.OutboxTo(to); }
  static std::string Describe(const std::vector<OutboxMessage>& rows) {
    std::string s;
    for (const auto& m : rows) {
      s += std::to_string(m.id) + " " + m.to + " " + std::string(OutboxStatusName(m.status)) +
           " tries " + std::to_string(m.attempts) + " pid " + m.provider_id + " " + m.last_error +
           "\n";
    }
    return s;
  }
  // Waits until the outbox holds `count` rows, all in `status`.
  void WaitOutbox(size_t count, OutboxStatus status) {
    bool ok = WaitFor(
        [&] {
          auto rows = Outbox();
          return rows.size() == count &&
                 std::all_of(rows.begin(), rows.end(), [&](auto& m) { return m.status == status; });
        },
        kWait);
    EXPECT_TRUE(ok) << "want " << count << " rows " << OutboxStatusName(status) << ", have\n"
                    << Describe(Outbox());
  }
  Order WaitForOrder(size_t count) {
    EXPECT_TRUE(WaitFor([&] { return Orders().size() >= count; }, kWait)) << "no order " << count;
    auto orders = Orders();
    return orders.size() >= count ? orders.front() : Order{};
  }

  static constexpr std::chrono::milliseconds kInterval{100};
  TempDir dir_;
  ShopDb db_{dir_.File("shop.db")};
  SystemClock clock_;
  std::unique_ptr<EmulatorProcess> emu_;
  std::string config_path_;
  std::string sms_extra_;  // more [sms] lines
  std::unique_ptr<TestGateway> gateway_;
};

// ---- 1. An order by SMS, the manager's OK by SMS ----

TEST_F(ModemGatewayTest, OrderBySmsAndManagersOkBySms) {
  StartGateway();
  const std::string customer = "+6281200000001";
  Deliver(customer, "PESAN B1 2 ALAMAT Jl Mawar 3");
  Order order = WaitForOrder(1);
  EXPECT_EQ(order.phone, customer);
  EXPECT_EQ(order.channel, "sms");
  EXPECT_EQ(order.address, "Jl Mawar 3");
  ASSERT_EQ(order.items.size(), 1u);
  EXPECT_EQ(order.items[0].code, "B1");
  EXPECT_EQ(order.items[0].qty, 2);
  const std::string id = std::to_string(order.id);

  // Recorded, so deleted from the SIM.
  json state = emu_->Wait("storage", 0);
  EXPECT_EQ(state["deleted"].size(), 1u);

  // The alert and the confirmation, one SMS-SUBMIT each.
  WaitOutbox(2, OutboxStatus::kSent);
  state = emu_->State();
  EXPECT_TRUE(state["bad"].empty()) << state["bad"];
  ASSERT_EQ(state["submitted"].size(), 2u);
  auto alert = SentTo(state, kManager), confirmation = SentTo(state, customer);
  ASSERT_EQ(alert.size(), 1u);
  ASSERT_EQ(confirmation.size(), 1u);
  EXPECT_EQ(alert[0].parts, 1);
  EXPECT_EQ(confirmation[0].parts, 1);
  EXPECT_TRUE(Contains(alert[0].text, "OK " + id)) << alert[0].text;
  EXPECT_TRUE(Contains(alert[0].text, "Jl Mawar 3")) << alert[0].text;
  EXPECT_TRUE(Contains(confirmation[0].text, "no. " + id)) << confirmation[0].text;
  ExpectSame(OutboxTo(kManager).at(0), alert[0]);
  ExpectSame(OutboxTo(customer).at(0), confirmation[0]);

  // The manager answers from the phone.
  Deliver(kManager, "OK " + id);
  ASSERT_TRUE(WaitFor([&] { return Orders().front().status == OrderStatus::kAccepted; }, kWait));
  WaitOutbox(4, OutboxStatus::kSent);
  state = emu_->State();
  confirmation = SentTo(state, customer);
  ASSERT_EQ(confirmation.size(), 2u);
  EXPECT_TRUE(Contains(confirmation[1].text, "no. " + id)) << confirmation[1].text;
  EXPECT_TRUE(Contains(confirmation[1].text, "diterima toko")) << confirmation[1].text;
  ExpectSame(OutboxTo(customer).at(1), confirmation[1]);
  alert = SentTo(state, kManager);
  ASSERT_EQ(alert.size(), 2u);
  EXPECT_TRUE(Contains(alert[1].text, "pesanan " + id)) << alert[1].text;
  ExpectSame(OutboxTo(kManager).at(1), alert[1]);
  EXPECT_EQ(emu_->Wait("storage", 0)["deleted"].size(), 2u);
}

// ---- 2. Long and non-Latin texts ----

TEST_F(ModemGatewayTest, LongMessageInFourPartsMakesOneOrder) {
  StartGateway();
  // The longest address the shop takes.
  std::string address = "Dusun Krajan RT 03 RW 01, rumah cat hijau";
  while (address.size() < ussd::kMaxAddressChars) address += ", lewat jembatan lalu belok kiri";
  address.resize(ussd::kMaxAddressChars);
  while (address.back() == ' ' || address.back() == ',') address.pop_back();
  std::string text = "PESAN B1 x 2, dan M1 x 1, dan G1 x 3, dan T1 x 1";
  for (int i = 0; i < 27; ++i) text += ", dan K1 x 1";
  text += " ALAMAT " + address;
  ASSERT_TRUE(IsGsm7(text));
  ASSERT_GT(text.size(), 3 * 153u);
  const std::string customer = "+6281200000002";
  json r = Deliver(customer, text);
  EXPECT_EQ(r["parts"], 4);
  Order order = WaitForOrder(1);
  EXPECT_EQ(order.phone, customer);
  EXPECT_EQ(order.address, address);
  std::map<std::string, std::int64_t> got;
  for (const auto& item : order.items) got[item.code] = item.qty;
  EXPECT_EQ(got, (std::map<std::string, std::int64_t>{
                     {"B1", 2}, {"G1", 3}, {"K1", 27}, {"M1", 1}, {"T1", 1}}));
  EXPECT_EQ(emu_->Wait("storage", 0)["deleted"].size(), 4u);
  WaitOutbox(2, OutboxStatus::kSent);
  json state = emu_->State();
  for (const auto& row : Outbox()) {
    auto sent = SentTo(state, row.to);
    ASSERT_EQ(sent.size(), 1u) << row.to;
    ExpectSame(row, sent[0]);
  }
  EXPECT_EQ(Orders().size(), 1u);
}

TEST_F(ModemGatewayTest, NonLatinProductAndAddressTravelAsUcs2) {
  StartGateway();
  // A UCS-2 message from the phone: an address in Javanese and Arabic script.
  const std::string address = "ꦢꦸꦏꦸꦃ ꦱꦸꦏꦩꦸꦭꦾ، بجانب المسجد";
  const std::string customer = "+6281200000003";
  json r = Deliver(customer, "PESAN J1 3 ALAMAT " + address);
  EXPECT_EQ(r["parts"], 1);
  Order order = WaitForOrder(1);
  EXPECT_EQ(order.address, address);
  ASSERT_EQ(order.items.size(), 1u);
  EXPECT_EQ(order.items[0].name, "Gula Jawa ꦒꦸꦭꦗꦮ");
  WaitOutbox(2, OutboxStatus::kSent);
  json state = emu_->State();
  EXPECT_TRUE(state["bad"].empty()) << state["bad"];
  auto alert = SentTo(state, kManager), confirmation = SentTo(state, customer);
  ASSERT_EQ(alert.size(), 1u);
  ASSERT_EQ(confirmation.size(), 1u);
  for (const auto& [row, got] : {std::pair{OutboxTo(kManager).at(0), alert[0]},
                                 std::pair{OutboxTo(customer).at(0), confirmation[0]}}) {
    EXPECT_TRUE(Contains(row.text, "ꦒꦸꦭꦗꦮ")) << row.text;
    EXPECT_EQ(got.coding, "Unicode_No_Compression");
    ExpectSame(row, got);
  }
  // The alert names the address, so it needs more than one UCS-2 part.
  EXPECT_TRUE(Contains(alert[0].text, "ꦢꦸꦏꦸꦃ")) << alert[0].text;
  EXPECT_GT(alert[0].parts, 1);
}

// ---- 3. Status reports ----

TEST_F(ModemGatewayTest, StatusReportsMarkTheOutboxRows) {
  StartGateway();
  const std::string customer = "+6281200000004";
  Deliver(customer, "PESAN K1 1 ALAMAT Jl Anggrek 9");
  WaitForOrder(1);
  WaitOutbox(2, OutboxStatus::kSent);
  json state = emu_->State();
  auto alert = SentTo(state, kManager), confirmation = SentTo(state, customer);
  ASSERT_EQ(alert.size(), 1u);
  ASSERT_EQ(confirmation.size(), 1u);
  ASSERT_NE(alert[0].mr, confirmation[0].mr);

  // The customer's phone got it (TP-ST 00); the manager's number cannot take it (TP-ST 41,
  // incompatible destination: 3GPP TS 23.040 §9.2.3.15). Stored reports, +CDSI (+CNMI ds=2).
  for (const auto& [mr, st] : {std::pair{confirmation[0].mr, 0x00}, std::pair{alert[0].mr, 0x41}}) {
    json r = emu_->Call({{"op", "status_report"}, {"mr", mr}, {"st", st}});
    ASSERT_TRUE(r.value("ok", false)) << r.dump();
    EXPECT_TRUE(r.contains("index")) << r.dump();
  }
  ASSERT_TRUE(WaitFor(
      [&] {
        auto c = OutboxTo(customer), m = OutboxTo(kManager);
        return c.size() == 1 && c[0].status == OutboxStatus::kDelivered && m.size() == 1 &&
               m[0].status == OutboxStatus::kFailed;
      },
      kWait))
      << Describe(Outbox());
  EXPECT_EQ(OutboxTo(customer)[0].last_error, "");
  EXPECT_TRUE(Contains(OutboxTo(kManager)[0].last_error, "41")) << OutboxTo(kManager)[0].last_error;
  // Read, so removed from the SIM.
  emu_->Wait("storage", 0);
}

// A send the modem refuses keeps the +CMS ERROR's meaning (3GPP TS 27.005 §3.2.5) as the
// message's last error, where `pesan outbox list` shows it.
TEST_F(ModemGatewayTest, AFailedSendShowsWhatTheCmsErrorMeans) {
  sms_extra_ = "max_attempts = 1\n";
  StartGateway();
  Set({{"fail_cmgs", {331, 331}}});
  Deliver("+6281200000005", "PESAN K1 1 ALAMAT Jl Melati 4");
  WaitForOrder(1);
  WaitOutbox(2, OutboxStatus::kFailed);
  for (const auto& m : Outbox()) {
    EXPECT_EQ(m.last_error, "+CMS ERROR 331 (no network service)") << Describe(Outbox());
  }
  auto list = RunPesan({"outbox", "list", "--status", "failed", "--config", config_path_});
  EXPECT_EQ(list.exit_code, 0) << list.err;
  EXPECT_TRUE(Contains(list.out, "    last error: +CMS ERROR 331 (no network service)\n"))
      << list.out;
  EXPECT_TRUE(emu_->State()["submitted"].empty());
}

// The same for a +CME ERROR (3GPP TS 27.007 §9.2.1), as some modems answer a send with while
// their SIM is busy.
TEST_F(ModemGatewayTest, AFailedSendShowsWhatTheCmeErrorMeans) {
  sms_extra_ = "max_attempts = 1\n";
  StartGateway();
  const json cme14 = json::array({"CME", 14});  // +CME ERROR: 14, not +CMS ERROR
  Set({{"fail_cmgs", json::array({cme14, cme14})}});
  Deliver("+6281200000005", "PESAN K1 1 ALAMAT Jl Melati 4");
  WaitForOrder(1);
  WaitOutbox(2, OutboxStatus::kFailed);
  for (const auto& m : Outbox()) {
    EXPECT_EQ(m.last_error, "+CME ERROR 14 (SIM busy)") << Describe(Outbox());
  }
  auto list = RunPesan({"outbox", "list", "--status", "failed", "--config", config_path_});
  EXPECT_EQ(list.exit_code, 0) << list.err;
  EXPECT_TRUE(Contains(list.out, "    last error: +CME ERROR 14 (SIM busy)\n")) << list.out;
  EXPECT_TRUE(emu_->State()["submitted"].empty());
}

// ---- 4. The modem unplugged and plugged in again ----

TEST_F(ModemGatewayTest, UnplugAndReplugNothingLostNothingTwice) {
  StartGateway();
  // A Huawei's ^RSSI/^MODE inside every answer from now on.
  Set({{"noise", true}});

  // An order by USSD while the modem takes AT+CMGS but never prompts: the send hangs.
  Set({{"ignore", {"AT+CMGS"}}});
  auto ussd_order = [&](const std::string& session, const std::string& phone) {
    for (const char* input : {"", "1", "1*1", "1*1*2", "1*1*2*Jl Mawar 3", "1*1*2*Jl Mawar 3*1"}) {
      auto r = gateway_->Ussd(session, phone, input);
      ASSERT_EQ(r.status, 200) << r.body;
    }
  };
  ussd_order("s1", "+6281200000011");
  emu_->Wait("command", 1, "AT+CMGS");
  ASSERT_EQ(Outbox().size(), 2u);

  // Pulled out in the middle of that send; two more orders while it is away.
  Set({{"ignore", json::array()}});
  EXPECT_FALSE(gateway_->gateway().channel_down());
  ASSERT_TRUE(emu_->Call({{"op", "unplug"}}).value("ok", false));
  // The gateway knows it is away (for /health), whether or not anything is due.
  ASSERT_TRUE(WaitFor([&] { return gateway_->gateway().channel_down().has_value(); }, kWait));
  ussd_order("s2", "+6281200000012");
  ussd_order("s3", "+6281200000013");
  ASSERT_TRUE(WaitFor(
      [&] {
        auto rows = Outbox();
        return rows.size() == 6 && std::all_of(rows.begin(), rows.end(), [](auto& m) {
                 return m.status == OutboxStatus::kQueued && Contains(m.last_error, "modem");
               });
      },
      kWait))
      << Describe(Outbox());
  // Only the send under way when the modem went counts as an attempt; the others never
  // reached it ("modem not connected").
  int attempts = 0;
  for (const auto& m : Outbox()) attempts += m.attempts;
  EXPECT_EQ(attempts, 1) << Describe(Outbox());
  EXPECT_TRUE(emu_->State()["submitted"].empty());

  // Back: the whole initialisation again (the SIM asks for its PIN after power-on), then
  // everything goes out once, paced, while unsolicited codes keep coming.
  ASSERT_TRUE(emu_->Call({{"op", "replug"}}).value("ok", false));
  emu_->Call({{"op", "urc"}, {"lines", {"^BOOT:20721920,0,0,0,72", "+CREG: 1", "^SIMST: 1"}}});
  Deliver("+6281200000014", "PESAN T1 1 ALAMAT Jl Kenanga 2");
  emu_->Call({{"op", "urc"}, {"lines", {"^RSSI:17", "^DSFLOWRPT:0000,0,0,0,0,0,0"}}});
  WaitForOrder(4);
  WaitOutbox(8, OutboxStatus::kSent);
  EXPECT_FALSE(gateway_->gateway().channel_down());  // back
  json state = emu_->State();
  EXPECT_TRUE(state["bad"].empty()) << state["bad"];
  std::multiset<std::pair<std::string, std::string>> smsc, outbox;
  for (const auto& m : SentMessages(state)) smsc.insert({m.to, m.text});
  for (const auto& m : Outbox()) outbox.insert({m.to, m.text});
  EXPECT_EQ(smsc, outbox);
  int parts = 1;  // the unanswered AT+CMGS, then every part once
  for (const auto& m : Outbox()) parts += m.segments;
  EXPECT_EQ(state["submitted"].size(), static_cast<size_t>(parts - 1));
  EXPECT_EQ(Orders().size(), 4u);
  EXPECT_EQ(emu_->Wait("storage", 0)["deleted"].size(), 1u);

  int pins = 0;
  std::vector<double> cmgs_at;
  for (size_t i = 0; i < state["commands"].size(); ++i) {
    const std::string c = state["commands"][i];
    if (c == "AT+CPIN=\"" + std::string(kPin) + "\"") ++pins;
    if (c.starts_with("AT+CMGS=")) cmgs_at.push_back(state["command_times"][i]);
  }
  EXPECT_EQ(pins, 2);  // once per power-on
  // One send every send_interval_ms at most (the first, unanswered one included).
  ASSERT_EQ(cmgs_at.size(), static_cast<size_t>(parts));
  for (size_t i = 1; i < cmgs_at.size(); ++i)
    EXPECT_GE(cmgs_at[i] - cmgs_at[i - 1], 0.001 * kInterval.count() - 0.005) << i;
}

// ---- 5. Messages stored while the gateway was down; a message read twice ----

TEST_F(ModemGatewayTest, StoredWhileDownHandledOnStartAndReadTwiceMakesOneOrder) {
  // Three messages reach the SIM while the gateway is stopped, one of them stored twice
  // (the same PDU at two indexes).
  Deliver("+6281200000021", "PESAN B1 1 ALAMAT Jl Satu 1", {{"store_only", true}});
  Deliver("+6281200000022", "PESAN M1 2 ALAMAT Jl Dua 2", {{"store_only", true}});
  json r = Deliver("+6281200000023", "PESAN G1 1 ALAMAT Jl Tiga 3",
                   {{"store_only", true}, {"copies", 2}});
  EXPECT_EQ(r["indexes"].size(), 2u);
  ASSERT_EQ(emu_->State()["storage"].size(), 4u);

  StartGateway();
  json state = emu_->Wait("storage", 0);
  EXPECT_EQ(state["deleted"].size(), 4u);
  ASSERT_EQ(Orders().size(), 3u);
  std::set<std::string> phones;
  for (const auto& o : Orders()) phones.insert(o.phone);
  EXPECT_EQ(phones, (std::set<std::string>{"+6281200000021", "+6281200000022", "+6281200000023"}));
  WaitOutbox(6, OutboxStatus::kSent);

  // The gateway stops after recording a message and before deleting it from the SIM: the
  // modem does not answer the AT+CMGD, and the gateway is stopped while it waits.
  Set({{"ignore", {"AT+CMGD"}}});
  const std::string late = "+6281200000024";
  Deliver(late, "PESAN T1 2 ALAMAT Jl Empat 4");
  emu_->Wait("command", 5, "AT+CMGD");
  EXPECT_EQ(Orders().size(), 4u);  // AT+CMGD comes only after the commit
  gateway_.reset();
  ASSERT_EQ(emu_->State()["storage"].size(), 1u);

  // Started again: the message is read again, recognised, and deleted.
  Set({{"ignore", json::array()}});
  StartGateway();
  state = emu_->Wait("storage", 0);
  EXPECT_EQ(state["deleted"].size(), 5u);
  EXPECT_EQ(Orders().size(), 4u);
  WaitOutbox(8, OutboxStatus::kSent);
  EXPECT_EQ(OutboxTo(late).size(), 1u);
  EXPECT_EQ(SentTo(emu_->State(), late).size(), 1u);
  EXPECT_EQ(Orders().size(), 4u);
}

TEST_F(ModemGatewayTest, GatewayStoppedWhileTheModemWaitsForAPduComesBackOnStart) {
  // The gateway goes away right after an AT+CMGS=<length>: the modem still waits for the PDU
  // and takes whatever comes next as part of it (3GPP TS 27.005 §3.5.1) until Ctrl-Z or ESC.
  StartGateway();
  Set({{"mute_prompt", true}});
  Deliver("+6281200000025", "PESAN B1 1 ALAMAT Jl Lima 5");
  WaitForOrder(1);
  emu_->Wait("command", 1, "AT+CMGS");
  gateway_.reset();
  Set({{"mute_prompt", false}});

  // Started again, the gateway gets the modem out of that state and sends everything once.
  StartGateway();
  WaitOutbox(2, OutboxStatus::kSent);
  json state = emu_->State();
  EXPECT_TRUE(state["bad"].empty()) << state["bad"];
  std::multiset<std::pair<std::string, std::string>> smsc, outbox;
  for (const auto& m : SentMessages(state)) smsc.insert({m.to, m.text});
  for (const auto& m : Outbox()) outbox.insert({m.to, m.text});
  EXPECT_EQ(smsc, outbox);
  EXPECT_EQ(Orders().size(), 1u);
}

// ---- 6. pesan modem check, the real binary ----

TEST_F(ModemGatewayTest, ModemCheckReportsTheModemsOwnValues) {
  StartEmulator({"--manufacturer", "ZTE", "--model", "MF190", "--csq", "25", "--smsc",
                 "+6281107777", "--storage-size", "30", "--pin", kPin});
  Deliver("+6281200000031", "PESAN B1 1", {{"store_only", true}});
  Deliver("+6281200000032", "PESAN B1 2", {{"store_only", true}});
  auto r = RunPesan({"modem", "check", "--device", emu_->device(), "--pin", kPin});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string report =
      "Modem: ZTE MF190\n"
      "Firmware: 11.126.16.00.00\n"
      "SIM: ready (PIN entered)\n"
      "Network: registered (home network)\n"
      "Signal: 5 of 5 bars (-63 dBm)\n"  // -113 + 2 * 25 (27.007 §8.5)
      "Service centre: +6281107777\n"
      "SIM storage: 2 of 30 messages (SM)\n";
  EXPECT_EQ(r.out, report);
  // It only looks: nothing read, nothing deleted.
  json state = emu_->State();
  EXPECT_EQ(state["storage"].size(), 2u);
  EXPECT_TRUE(state["deleted"].empty());

  // The same from the README's configuration, the modem freshly powered on (PIN asked again).
  ASSERT_TRUE(emu_->Call({{"op", "replug"}}).value("ok", false));
  config_path_ = dir_.Write("pesan.toml", Config());
  auto c = RunPesan({"modem", "check", "--config", config_path_});
  EXPECT_EQ(c.exit_code, 0) << c.out << c.err;
  EXPECT_EQ(c.out, report);
}

TEST_F(ModemGatewayTest, ModemCheckAfterAProgramThatLeftTheModemMidCommand) {
  // A program unlocked the SIM, sent AT+CMGS=23 and went away: the modem waits for the PDU
  // (3GPP TS 27.005 §3.5.1), and the echoes and the OK it wrote are still in the tty.
  Set({{"mute_prompt", true}});
  {
    int fd = ::open(emu_->device().c_str(), O_RDWR | O_NOCTTY);
    ASSERT_GE(fd, 0);
    const std::string left = "AT+CPIN=\"" + std::string(kPin) + "\"\rAT+CMGS=23\r";
    ASSERT_EQ(::write(fd, left.data(), left.size()), static_cast<ssize_t>(left.size()));
    ::close(fd);
  }
  emu_->Wait("command", 1, "AT+CMGS=23");
  Set({{"mute_prompt", false}});
  auto r = RunPesan({"modem", "check", "--device", emu_->device()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err << emu_->State()["commands"].dump();
  EXPECT_TRUE(Contains(r.out, "SIM: ready\n")) << r.out;
  EXPECT_TRUE(Contains(r.out, "SIM storage: 0 of 10 messages (SM)\n")) << r.out;
  EXPECT_TRUE(emu_->State()["submitted"].empty());
}

TEST_F(ModemGatewayTest, ModemCheckFailsOnAWrongPinAndWithoutDevice) {
  auto r = RunPesan({"modem", "check", "--device", emu_->device(), "--pin", "9999"});
  EXPECT_NE(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(Contains(r.out, "PIN was refused")) << r.out;
  json state = emu_->State();
  EXPECT_EQ(state["pin_state"], "SIM PIN");  // one try used, not locked

  auto none = RunPesan({"modem", "check", "--device", emu_->device()});
  EXPECT_NE(none.exit_code, 0) << none.out << none.err;
  EXPECT_TRUE(Contains(none.out, "needs a PIN")) << none.out;

  const std::string missing = dir_.File("ttyUSB9");
  auto gone = RunPesan({"modem", "check", "--device", missing});
  EXPECT_NE(gone.exit_code, 0) << gone.out << gone.err;
  EXPECT_TRUE(Contains(gone.out, "modem " + missing + ": NOT USABLE: ")) << gone.out;
  EXPECT_TRUE(Contains(gone.out, "No such file")) << gone.out;
}

}  // namespace
}  // namespace pesan::testing
