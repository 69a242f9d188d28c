// The whole gateway against the scripted SMSC (tests/adapters/smpp/smsc.js on the npm package
// `smpp`), configured from the TOML block of adapters/smpp/README.md, "Connecting an SMSC over
// SMPP":
//
//   smsc.js ─deliver_sm (MO)──────────▶ SmppChannel ─▶ SmsService ─▶ orders, outbox rows
//   smsc.js ◀─submit_sm──────────────── SmppChannel ◀─ outbox
//   smsc.js ─deliver_sm (receipt)─────▶ SmppChannel ─▶ outbox rows delivered / failed
//   smsc.js ─deliver_sm ussd_service_op▶ SmppChannel ─▶ UssdService ─▶ submit_sm menus
//
// The test plays the SMSC: it sends deliver_sm, receipts and deliveries again, and reads every
// submit_sm the SMSC took. Each test has its own SMSC process, gateway and database; nothing
// waits a fixed time, everything waits on a condition with a deadline.
#include <gtest/gtest.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>
#include <toml++/toml.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <sstream>

#include "adapters/smpp/pdu.h"
#include "adapters/smpp/smpp_config.h"
#include "core/gsm_text.h"
#include "core/sqlite_store.h"
#include "menus/ussd/ussd_menu.h"
#include "tests/adapters/smpp/smsc_peer.h"
#include "tests/support/shop_db.h"
#include "tests/support/test_support.h"

namespace pesan::testing {
namespace {

using smpp::testing::SmscPeer;
using Json = nlohmann::json;
using namespace std::chrono_literals;

constexpr char kShortCode[] = "3636";
constexpr char kManager[] = "+6281234567890";
constexpr auto kWait = 15s;

// ---- adapters/smpp/README.md, "Connecting an SMSC over SMPP" ----

std::string ReadmeToml() {
  std::string md = ReadFile(std::string(PESAN_SOURCE_DIR) + "/adapters/smpp/README.md");
  auto at = md.find("## Connecting an SMSC over SMPP");
  if (at == std::string::npos) return "";
  auto open = md.find("```toml\n", at);
  if (open == std::string::npos) return "";
  open += 8;
  return md.substr(open, md.find("```", open) - open);
}

::testing::AssertionResult ParseToml(const std::string& text, toml::table& out) {
  try {
    out = toml::parse(text);
  } catch (const toml::parse_error& e) {
    return ::testing::AssertionFailure() << e.description();
  }
  return ::testing::AssertionSuccess();
}

TEST(SmppReadme, TomlBlockNamesEveryKeyWithItsDefault) {
  toml::table doc;
  ASSERT_TRUE(ParseToml(ReadmeToml(), doc));
  EXPECT_EQ(doc["sms"]["channel"].value_or(""), std::string("smpp"));
  const toml::table* section = doc["sms"]["smpp"].as_table();
  ASSERT_NE(section, nullptr);
  auto c = smpp::ParseSmppConfig(*section);
  ASSERT_TRUE(c.ok()) << c.error().message;
  // Every field of SmppConfig is in the block, with its default but for the account's.
  const smpp::SmppConfig d;
  EXPECT_EQ(section->size(), 21u);
  EXPECT_EQ(c->host, d.host);
  EXPECT_EQ(c->port, d.port);
  EXPECT_EQ(c->system_type, d.system_type);
  EXPECT_EQ(c->window, d.window);
  EXPECT_EQ(c->max_per_second, d.max_per_second);
  EXPECT_EQ(c->ussd, d.ussd);
  EXPECT_EQ(c->ussd_service_type, d.ussd_service_type);
  EXPECT_EQ(c->enquire_link_interval, d.enquire_link_interval);
  EXPECT_EQ(c->response_timeout, d.response_timeout);
  EXPECT_EQ(c->reconnect_backoff_min, d.reconnect_backoff_min);
  EXPECT_EQ(c->reconnect_backoff_max, d.reconnect_backoff_max);
  EXPECT_EQ(c->throttle_pause, d.throttle_pause);
  EXPECT_EQ(c->throttle_retries, d.throttle_retries);
  EXPECT_EQ(c->use_message_payload, d.use_message_payload);
  EXPECT_EQ(c->registered_delivery, d.registered_delivery);
  EXPECT_EQ(c->fold_to_gsm, d.fold_to_gsm);
  EXPECT_EQ(c->concat_timeout, d.concat_timeout);
  EXPECT_EQ(c->receipt_memory, d.receipt_memory);
  EXPECT_FALSE(c->system_id.empty());
  EXPECT_FALSE(c->source_addr.empty());
}

// ---- Helpers ----

// The system clock moved by an offset that a test may jump forward; safe across threads.
class JumpClock final : public Clock {
 public:
  SystemTime Now() const override {
    return std::chrono::system_clock::now() + std::chrono::milliseconds(offset_ms_.load());
  }
  void Jump(std::chrono::milliseconds d) { offset_ms_ += d.count(); }

 private:
  std::atomic<long long> offset_ms_{0};
};

// Keeps every line the gateway logs, for the lines the README promises.
class LineSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  bool Has(const std::string& needle) {
    std::lock_guard lock(lines_mu_);
    return std::any_of(lines_.begin(), lines_.end(),
                       [&](const std::string& l) { return l.find(needle) != std::string::npos; });
  }
  std::string All() {
    std::lock_guard lock(lines_mu_);
    std::string s;
    for (const auto& l : lines_) s += l + "\n";
    return s;
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    std::lock_guard lock(lines_mu_);
    lines_.emplace_back(msg.payload.data(), msg.payload.size());
  }
  void flush_() override {}

 private:
  std::mutex lines_mu_;
  std::vector<std::string> lines_;
};

bool Contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

std::string Bytes(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

// A message as the SMSC took it: its acknowledged submit_sm, parts joined by their UDH.
struct SmscMessage {
  std::string to;    // destination_addr, as sent
  std::string from;  // source_addr
  std::string text;  // decoded by the npm library
  int data_coding = 0;
  std::vector<std::string> ids;  // the message_id of each part, in part order
  std::vector<Json> parts;
};

// The messages among `submits` (acknowledged submit_sm events, in arrival order).
std::vector<SmscMessage> Assemble(const std::vector<Json>& submits) {
  std::vector<SmscMessage> out;
  std::map<std::tuple<std::string, int, int>, std::map<int, Json>> pending;
  for (const Json& s : submits) {
    std::string udh = Bytes(s["udh_hex"].get<std::string>());
    if (udh.size() == 6 && udh[1] == 0x00) {
      int ref = static_cast<uint8_t>(udh[3]), total = static_cast<uint8_t>(udh[4]);
      auto key = std::make_tuple(s["destination_addr"].get<std::string>(), ref, total);
      auto& parts = pending[key];
      parts[static_cast<uint8_t>(udh[5])] = s;
      if (static_cast<int>(parts.size()) < total) continue;
      SmscMessage m;
      for (auto& [seq, p] : parts) {
        m.text += p["text"].get<std::string>();
        m.ids.push_back(p["message_id"].get<std::string>());
        m.parts.push_back(p);
      }
      m.to = s["destination_addr"];
      m.from = s["source_addr"];
      m.data_coding = s["data_coding"];
      pending.erase(key);
      out.push_back(std::move(m));
      continue;
    }
    SmscMessage m;
    m.to = s["destination_addr"];
    m.from = s["source_addr"];
    m.text = s["text"];
    m.data_coding = s["data_coding"];
    m.ids = {s["message_id"].get<std::string>()};
    m.parts = {s};
    out.push_back(std::move(m));
  }
  return out;
}

// The demo catalogue and a product whose name is in Javanese script.
std::string Catalog() {
  return "code,name,price,stock,unit,category,active\n"
         "B1,Beras 5kg,65000,200,karung,,1\n"
         "M1,Minyak goreng 1L,18000,300,botol,,1\n"
         "G1,Gula pasir 1kg,17500,150,kg,,1\n"
         "T1,Telur ayam 1kg,28000,80,kg,,1\n"
         "L1,LPG 3kg,22000,60,tabung,,1\n"
         "P1,Paving blok,2500,5000,buah,,1\n"
         "S1,Sayur bayam,5000,40,ikat,,1\n"
         "K1,Kopi sachet 10pcs,14000,100,renceng,,1\n"
         "J1,Gula Jawa ꦒꦸꦭꦗꦮ,15000,50,kg,,1\n";
}

// ---- The fixture: an SMSC and a gateway per test ----

class SmppGatewayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(peer_.Start(PESAN_SOURCE_DIR), "");
    sink_ = std::make_shared<LineSink>();
    spdlog::default_logger()->sinks().push_back(sink_);
  }

  void TearDown() override {
    // No sink when SetUp stopped early (the SMSC peer did not start).
    if (HasFailure() && sink_) std::cerr << "---- gateway log ----\n" << sink_->All();
    gateway_.reset();
    auto& sinks = spdlog::default_logger()->sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
  }

  // Starts the gateway with the README's configuration, this test's SMSC port and short waits;
  // `edit` changes [sms.smpp] further.
  void StartGateway(const std::function<void(toml::table&)>& edit = nullptr,
                    bool africastalking = false) {
    toml::table doc;
    ASSERT_TRUE(ParseToml(ReadmeToml(), doc));
    toml::table& sms = *doc["sms"].as_table();
    sms.insert_or_assign("retry_min_seconds", retry_seconds_.first);
    sms.insert_or_assign("retry_max_seconds", retry_seconds_.second);
    toml::table& smpp = *sms["smpp"].as_table();
    smpp.insert_or_assign("port", peer_.port());
    smpp.insert_or_assign("reconnect_backoff_min", "50ms");
    smpp.insert_or_assign("reconnect_backoff_max", "400ms");
    smpp.insert_or_assign("response_timeout", "3s");
    smpp.insert_or_assign("throttle_pause", "100ms");
    if (edit) edit(smpp);
    system_id_ = smpp["system_id"].value_or(std::string());
    password_ = smpp["password"].value_or(std::string());
    source_addr_ = smpp["source_addr"].value_or(std::string());
    std::ostringstream extra;
    extra << "\n" << doc << "\n";
    if (africastalking) extra << "\n[ussd.africastalking]\npath = \"/ussd/africastalking\"\n";
    std::string cfg = DemoConfig(dir_, extra.str(), Catalog());
    if (!shop_name_.empty()) {
      const std::string demo = "name = \"BUMDes Maju Bersama\"";
      ASSERT_NE(cfg.find(demo), std::string::npos);
      cfg.replace(cfg.find(demo), demo.size(), "name = \"" + shop_name_ + "\"");
    }
    gateway_ = std::make_unique<TestGateway>(dir_, cfg, clock_);
  }

  void StartBound(const std::function<void(toml::table&)>& edit = nullptr,
                  bool africastalking = false) {
    StartGateway(edit, africastalking);
    ASSERT_TRUE(peer_.WaitFor(Bound(), kWait)) << "no bind";
  }

  static SmscPeer::Pred Bound() {
    return [](const Json& j) { return j["event"] == "bind" && j["status"] == 0; };
  }
  static SmscPeer::Pred Acked() {
    return [](const Json& j) { return j["event"] == "submit" && j["status"] == 0; };
  }
  // A USSD answer (a submit_sm with ussd_service_op) to `to`.
  static SmscPeer::Pred UssdTo(std::string to) {
    return [to](const Json& j) {
      return j["event"] == "submit" && j["status"] == 0 && j["destination_addr"] == to &&
             j["tlvs"].contains("ussd_service_op");
    };
  }
  static SmscPeer::Pred DeliverResp(std::string tag) {
    return [tag](const Json& j) { return j["event"] == "deliver_resp" && j["tag"] == tag; };
  }

  // deliver_sm from the SMSC.
  void Deliver(const std::string& tag, Json fields, const std::string& sm,
               Json tlvs = Json::object()) {
    peer_.Command({{"cmd", "deliver"},
                   {"tag", tag},
                   {"fields", fields},
                   {"short_message_hex", smpp::ToHex(sm)},
                   {"tlvs", tlvs}});
  }
  static Json From(const std::string& e164) {
    return {{"source_addr_ton", 1},
            {"source_addr_npi", 1},
            {"source_addr", e164.substr(1)},
            {"dest_addr_ton", 3},
            {"destination_addr", kShortCode}};
  }
  // A one-part GSM-7 MO from `e164` to the short code.
  void Mo(const std::string& tag, const std::string& e164, const std::string& text) {
    Json f = From(e164);
    f["data_coding"] = 0;
    auto gsm = Utf8ToGsm7(text);
    ASSERT_TRUE(gsm.has_value()) << text;
    Deliver(tag, f, *gsm);
  }
  // The status the gateway answered the deliver_sm `tag` with.
  int DeliverStatus(const std::string& tag) {
    auto r = peer_.WaitFor(DeliverResp(tag), kWait);
    EXPECT_TRUE(r) << "no deliver_sm_resp for " << tag;
    return r ? (*r)["status"].get<int>() : -1;
  }
  // A receipt in the form of SMPP 3.4 Appendix B for the part `id` of `m`.
  void Receipt(const std::string& tag, const SmscMessage& m, const std::string& id,
               const std::string& stat) {
    Deliver(tag,
            {{"esm_class", 4},
             {"source_addr_ton", 1},
             {"source_addr_npi", 1},
             {"source_addr", m.to},
             {"destination_addr", m.from}},
            "id:" + id + " sub:001 dlvrd:00" + (stat == "DELIVRD" ? "1" : "0") +
                " submit date:2501091345 done date:2501091359 stat:" + stat +
                " err:000 text:" + m.text.substr(0, 5));
  }

  // Waits until the SMSC acknowledged `n` messages (parts joined); all of them so far.
  std::vector<SmscMessage> WaitForMessages(size_t n, const std::string& to = "") {
    std::vector<SmscMessage> got;
    WaitFor(
        [&] {
          got = Assemble(peer_.All(Acked()));
          if (!to.empty()) {
            std::erase_if(got, [&](const SmscMessage& m) { return m.to != to; });
          }
          return got.size() >= n;
        },
        kWait);
    EXPECT_GE(got.size(), n) << "the SMSC took " << got.size() << " message(s) for " << to;
    return got;
  }
  SmscMessage Nth(const std::string& e164, size_t n) {
    auto got = WaitForMessages(n, e164.substr(1));
    return got.size() >= n ? got[n - 1] : SmscMessage{};
  }

  // ---- the gateway's database, read while it runs ----
  std::unique_ptr<SqliteStore> Db() { return db_.Open(); }
  std::vector<Order> Orders() { return db_.Orders(); }          // newest first
  std::vector<OutboxMessage> Outbox() { return db_.Outbox(); }  // oldest first
  std::vector<OutboxMessage> OutboxTo(const std::string& to) { return db_.OutboxTo(to); }
  bool AllOutbox(OutboxStatus status, size_t count) { return db_.AllOutbox(status, count); }
  std::string DescribeOutbox() {
    std::string s;
    for (const auto& m : Outbox()) {
      s += std::to_string(m.id) + " " + m.to + " " + std::string(OutboxStatusName(m.status)) +
           " attempts=" + std::to_string(m.attempts) + " id=" + m.provider_id + " " + m.last_error +
           "\n";
    }
    return s;
  }
  Order WaitForOrder(size_t count) {
    EXPECT_TRUE(WaitFor([&] { return Orders().size() >= count; }, kWait)) << "no order " << count;
    auto orders = Orders();
    return orders.size() >= count ? orders.front() : Order{};
  }

  // What the SMSC acknowledged against the outbox: the same (to, text) pairs, each once; every
  // row sent carries the SMSC's ids of its parts.
  void ExpectSmscHoldsExactlyTheOutbox(const std::vector<SmscMessage>& got) {
    std::multiset<std::pair<std::string, std::string>> smsc, outbox;
    for (const auto& m : got) smsc.insert({"+" + m.to, m.text});
    for (const auto& m : Outbox()) outbox.insert({m.to, m.text});
    EXPECT_EQ(smsc, outbox);
    std::set<std::string> ids;
    for (const auto& m : got) {
      std::string joined;
      for (const auto& id : m.ids) joined += (joined.empty() ? "" : ",") + id;
      ids.insert(joined);
    }
    for (const auto& row : Outbox()) {
      if (row.status != OutboxStatus::kQueued) {
        EXPECT_EQ(ids.count(row.provider_id), 1u) << row.id << " " << row.provider_id;
      }
    }
  }

  // The outbox row's text is what the SMSC took, in as many parts as the row counted, in GSM-7
  // (data_coding 0) when the text allows it, else UCS-2 (8).
  static void ExpectSameText(const OutboxMessage& row, const SmscMessage& got) {
    EXPECT_EQ(got.text, row.text);
    EXPECT_EQ(static_cast<int>(got.parts.size()), row.segments) << row.text;
    EXPECT_EQ(got.data_coding, IsGsm7(row.text) ? 0 : 8) << row.text;
  }

  TempDir dir_;
  ShopDb db_{dir_.File("shop.db")};
  JumpClock clock_;
  SmscPeer peer_;
  std::shared_ptr<LineSink> sink_;
  std::unique_ptr<TestGateway> gateway_;
  std::string system_id_, password_, source_addr_;
  std::string shop_name_;                    // empty: the demo shop's
  std::pair<int, int> retry_seconds_{1, 2};  // the outbox's retry_min and retry_max
};

// ---- 1. Bind ----

TEST_F(SmppGatewayTest, RefusedBindsAreRetriedWhileTheGatewayServesAndTheOutboxWaits) {
  peer_.Command({{"cmd", "set"}, {"refuse_binds", 1000}});
  ASSERT_TRUE(peer_.WaitFor(SmscPeer::Is("ok"), kWait));
  // The outbox's own retries are an hour apart: only the bind can make it send in this test.
  retry_seconds_ = {3600, 3600};
  StartGateway(nullptr, /*africastalking=*/true);
  for (int i = 0; i < 3; ++i) {
    auto bind = peer_.WaitFor(SmscPeer::Is("bind"), kWait);
    ASSERT_TRUE(bind) << i;
    EXPECT_EQ((*bind)["status"], static_cast<int>(smpp::kRbindFail));
    EXPECT_EQ((*bind)["system_id"], system_id_);
    EXPECT_EQ((*bind)["password"], password_);
    EXPECT_EQ((*bind)["interface_version"], 0x34);
  }
  // What the README says the log shows, with the backoff doubling.
  EXPECT_TRUE(WaitFor([&] {
    return sink_->Has("smpp: bind failed: bind_transceiver refused with ESME_RBINDFAIL") &&
           sink_->Has("; reconnecting in 50 ms") && sink_->Has("; reconnecting in 100 ms");
  }));
  // Down for /health, with why, whether or not anything is due.
  auto down = gateway_->gateway().channel_down();
  ASSERT_TRUE(down);
  EXPECT_TRUE(Contains(down->why, "ESME_RBINDFAIL")) << down->why;

  // The gateway goes on serving: an order by USSD over HTTP; its texts wait in the outbox.
  const std::string customer = "+6281200000001";
  for (const char* input :
       {"", "1", "1*1", "1*1*2", "1*1*2*Jl Mawar 3 RT02", "1*1*2*Jl Mawar 3 RT02*1"}) {
    auto r = gateway_->Ussd("refused-1", customer, input);
    ASSERT_EQ(r.status, 200) << r.body;
  }
  ASSERT_EQ(Orders().size(), 1u);
  ASSERT_TRUE(WaitFor(
      [&] {
        auto rows = Outbox();
        // Refused binds are no attempts: however long the SMSC refuses, nothing fails.
        return rows.size() == 2 && std::all_of(rows.begin(), rows.end(), [](auto& m) {
                 return m.status == OutboxStatus::kQueued && m.attempts == 0 &&
                        Contains(m.last_error, "bind_transceiver refused with ESME_RBINDFAIL");
               });
      },
      kWait))
      << DescribeOutbox();
  EXPECT_TRUE(WaitFor([&] { return sink_->Has("outbox: smpp not ready"); }));
  EXPECT_TRUE(peer_.All(SmscPeer::Is("submit")).empty());

  // The SMSC takes the bind at last; both texts go out at once, each once.
  peer_.Command({{"cmd", "set"}, {"refuse_binds", 0}});
  auto bound = peer_.WaitFor(Bound(), kWait);
  ASSERT_TRUE(bound);
  EXPECT_TRUE(WaitFor([&] { return sink_->Has("smpp: bound as transceiver to 127.0.0.1:"); }));
  EXPECT_TRUE(WaitFor([&] { return !gateway_->gateway().channel_down(); }));
  auto got = WaitForMessages(2);
  ASSERT_TRUE(WaitFor([&] { return AllOutbox(OutboxStatus::kSent, 2); }, kWait))
      << DescribeOutbox();
  ExpectSmscHoldsExactlyTheOutbox(got);
  EXPECT_EQ(peer_.All(Acked()).size(), 2u);
  for (const auto& m : Outbox()) EXPECT_EQ(m.attempts, 1);
  EXPECT_TRUE(sink_->Has("outbox: smpp is ready again, sending"));
  // Right after the bind (times taken by the SMSC), not after a retry an hour away.
  for (const auto& submit : peer_.All(Acked())) {
    EXPECT_LT(submit["t"].get<double>() - (*bound)["t"].get<double>(), 2000.0) << submit;
  }
}

// ---- 2. An order by SMS, the manager's OK by SMS ----

TEST_F(SmppGatewayTest, MoBecomesAnOrderAndTheManagersOkReachesTheCustomer) {
  StartBound();
  const std::string customer = "+6281200000002";
  Mo("order", customer, "PESAN B1 2 ALAMAT Jl Mawar 3");
  // Answered only once the order is stored.
  ASSERT_EQ(DeliverStatus("order"), 0);
  auto orders = Orders();
  ASSERT_EQ(orders.size(), 1u);
  Order order = orders[0];
  EXPECT_EQ(order.phone, customer);
  EXPECT_EQ(order.channel, "sms");
  EXPECT_EQ(order.address, "Jl Mawar 3");
  ASSERT_EQ(order.items.size(), 1u);
  EXPECT_EQ(order.items[0].code, "B1");
  EXPECT_EQ(order.items[0].qty, 2);
  const std::string id = std::to_string(order.id);

  // The manager's alert: one GSM-7 submit_sm from the configured sender.
  SmscMessage alert = Nth(kManager, 1);
  ASSERT_EQ(alert.parts.size(), 1u);
  const Json& a = alert.parts[0];
  EXPECT_EQ(a["data_coding"], 0);
  EXPECT_EQ(a["esm_class"], 0);
  EXPECT_EQ(a["udh_hex"], "");
  EXPECT_EQ(a["registered_delivery"], 1);
  EXPECT_EQ(a["source_addr"], source_addr_);
  EXPECT_EQ(a["source_addr_ton"], 5);  // alphanumeric
  EXPECT_EQ(a["dest_addr_ton"], 1);
  EXPECT_EQ(a["dest_addr_npi"], 1);
  EXPECT_LE(a["sm_hex"].get<std::string>().size(), 2 * 160u);
  EXPECT_TRUE(Contains(alert.text, "OK " + id)) << alert.text;
  EXPECT_TRUE(Contains(alert.text, "Jl Mawar 3")) << alert.text;
  SmscMessage confirmation = Nth(customer, 1);
  EXPECT_TRUE(Contains(confirmation.text, "no. " + id)) << confirmation.text;
  ASSERT_TRUE(WaitFor([&] { return AllOutbox(OutboxStatus::kSent, 2); }, kWait))
      << DescribeOutbox();
  ExpectSameText(OutboxTo(kManager).at(0), alert);
  ExpectSameText(OutboxTo(customer).at(0), confirmation);

  // The manager answers from the phone.
  Mo("ok", kManager, "OK " + id);
  ASSERT_EQ(DeliverStatus("ok"), 0);
  EXPECT_EQ(Orders().at(0).status, OrderStatus::kAccepted);
  SmscMessage notice = Nth(customer, 2);
  EXPECT_TRUE(Contains(notice.text, "no. " + id)) << notice.text;
  EXPECT_TRUE(Contains(notice.text, "diterima toko")) << notice.text;
  SmscMessage ack = Nth(kManager, 2);
  EXPECT_TRUE(Contains(ack.text, "pesanan " + id)) << ack.text;
  ASSERT_TRUE(WaitFor([&] { return AllOutbox(OutboxStatus::kSent, 4); }, kWait))
      << DescribeOutbox();
  ExpectSmscHoldsExactlyTheOutbox(WaitForMessages(4));
}

// ---- 3. Scripts, lengths and receipts ----

TEST_F(SmppGatewayTest, Ucs2AndLongTextsBothWaysAndReceiptsMarkTheRows) {
  // A shop with a long name: the texts that end with it take two GSM-7 segments.
  shop_name_ =
      "BUMDes Maju Bersama Desa Sukamaju, Kecamatan Sukamakmur: sembako, gas elpiji, pupuk dan "
      "kebutuhan rumah tangga, diantar ke rumah";
  StartBound();
  // Javanese and Arabic script from a phone: one UCS-2 deliver_sm.
  const std::string address = "ꦢꦸꦏꦸꦃ ꦱꦸꦏꦩꦸꦭꦾ، بجانب المسجد";
  const std::string ucs2_customer = "+6281200000003";
  Json f = From(ucs2_customer);
  f["data_coding"] = 8;
  Deliver("ucs2", f, Utf8ToUtf16Be("PESAN B1 1 ALAMAT " + address));
  ASSERT_EQ(DeliverStatus("ucs2"), 0);
  Order first = WaitForOrder(1);
  EXPECT_EQ(first.address, address);

  // A long order as a phone sends it: nine 153-character parts with an 8-bit reference
  // (3GPP TS 23.040 §9.2.3.24.1), delivered out of order.
  const std::vector<std::string> codes = {"B1", "M1", "G1", "T1", "L1", "P1", "S1", "K1"};
  std::string text = "PESAN";
  std::map<std::string, std::int64_t> want;
  for (int i = 0; i < 80; ++i) {
    const std::string& code = codes[i % codes.size()];
    int qty = 1 + (i * 7) % 3;
    want[code] += qty;
    text += (i ? ",  dan   " : " ") + code + " x " + std::to_string(qty);
  }
  // The longest address the shop takes.
  std::string long_address = "Dusun Krajan RT 03 RW 01, rumah cat hijau";
  while (long_address.size() < ussd::kMaxAddressChars) {
    long_address += ", lewat jembatan lalu belok kiri";
  }
  long_address.resize(ussd::kMaxAddressChars);
  while (long_address.back() == ' ' || long_address.back() == ',') long_address.pop_back();
  text += " ALAMAT " + long_address;
  std::vector<std::string> parts;
  for (size_t at = 0; at < text.size();) {
    size_t n = std::min<size_t>(153, text.size() - at);
    while (at + n < text.size() && (text[at + n - 1] == ' ' || text[at + n] == ' ')) --n;
    parts.push_back(text.substr(at, n));
    at += n;
  }
  ASSERT_EQ(parts.size(), 9u);
  const std::string long_customer = "+6281200000004";
  Json lf = From(long_customer);
  lf["esm_class"] = 0x40;
  for (size_t k = 0; k < parts.size(); ++k) {
    size_t i = (k * 4) % parts.size();  // 1, 5, 9, 4, 8, 3, 7, 2, 6
    const std::string udh = {
        '\x05', '\x00', '\x03', '\x5A', static_cast<char>(parts.size()), static_cast<char>(i + 1)};
    Deliver("long" + std::to_string(i + 1), lf, udh + *Utf8ToGsm7(parts[i]));
  }
  // Every part is answered once the whole message is stored.
  for (size_t i = 0; i < parts.size(); ++i) {
    EXPECT_EQ(DeliverStatus("long" + std::to_string(i + 1)), 0);
  }
  ASSERT_EQ(Orders().size(), 2u);
  Order second = Orders().front();
  EXPECT_EQ(second.phone, long_customer);
  EXPECT_EQ(second.address, long_address);
  std::map<std::string, std::int64_t> items;
  for (const auto& item : second.items) items[item.code] = item.qty;
  EXPECT_EQ(items, want);

  // The manager takes the long order; the customer's notice ends with the shop's name.
  Mo("ok", kManager, "OK " + std::to_string(second.id));
  ASSERT_EQ(DeliverStatus("ok"), 0);

  // Six texts: the UCS-2 alert and the notice go in several parts.
  auto got = WaitForMessages(6);
  ASSERT_TRUE(WaitFor([&] { return AllOutbox(OutboxStatus::kSent, 6); }, kWait))
      << DescribeOutbox();
  ExpectSmscHoldsExactlyTheOutbox(got);
  std::map<std::string, SmscMessage> by_text;
  for (const auto& m : got) by_text[m.text] = m;
  size_t multipart = 0;
  for (const auto& row : Outbox()) {
    ASSERT_EQ(by_text.count(row.text), 1u) << row.text;
    ExpectSameText(row, by_text[row.text]);
    multipart += row.segments > 1;
  }
  EXPECT_GE(multipart, 2u);
  const OutboxMessage alert = OutboxTo(kManager).at(0);
  EXPECT_TRUE(Contains(alert.text, "ꦢꦸꦏꦸꦃ")) << alert.text;
  EXPECT_GT(alert.segments, 1);
  EXPECT_EQ(by_text[alert.text].data_coding, 8);
  const OutboxMessage notice = OutboxTo(long_customer).at(1);
  EXPECT_TRUE(Contains(notice.text, shop_name_)) << notice.text;
  EXPECT_GT(notice.segments, 1);
  EXPECT_EQ(by_text[notice.text].data_coding, 0);

  // Receipts, one per part as SMSCs send them: every part delivered marks the row delivered;
  // the other customer's message is undeliverable.
  int n = 0;
  for (const auto& m : got) {
    for (const auto& id : m.ids) {
      std::string stat = m.to == ucs2_customer.substr(1) ? "UNDELIV" : "DELIVRD";
      Receipt("r" + std::to_string(n++), m, id, stat);
    }
  }
  for (int i = 0; i < n; ++i) EXPECT_EQ(DeliverStatus("r" + std::to_string(i)), 0);
  ASSERT_TRUE(WaitFor(
      [&] {
        auto rows = Outbox();
        return std::all_of(rows.begin(), rows.end(), [&](const OutboxMessage& m) {
          return m.status ==
                 (m.to == ucs2_customer ? OutboxStatus::kFailed : OutboxStatus::kDelivered);
        });
      },
      kWait))
      << DescribeOutbox();
  EXPECT_TRUE(Contains(OutboxTo(ucs2_customer).at(0).last_error, "UNDELIV"))
      << OutboxTo(ucs2_customer).at(0).last_error;
}

TEST_F(SmppGatewayTest, ReceiptsRightBehindTheSubmitRespMarkTheRows) {
  // The SMSC sends each receipt as soon as it answered the submit_sm: a receipt may reach the
  // gateway before the row is recorded as sent.
  StartBound();
  peer_.Command({{"cmd", "set"}, {"receipt", "DELIVRD"}});
  ASSERT_TRUE(peer_.WaitFor(SmscPeer::Is("ok"), kWait));
  Json f = From("+6281200000005");
  f["data_coding"] = 8;
  Deliver("ucs2", f, Utf8ToUtf16Be("PESAN S1 2 ALAMAT ꦢꦸꦏꦸꦃ ꦱꦸꦏꦩꦸꦭꦾ، بجانب المسجد"));
  Mo("gsm", "+6281200000006", "PESAN L1 1 ALAMAT Jl Kamboja 8");
  EXPECT_EQ(DeliverStatus("ucs2"), 0);
  EXPECT_EQ(DeliverStatus("gsm"), 0);
  auto got = WaitForMessages(4);
  ASSERT_TRUE(WaitFor([&] { return AllOutbox(OutboxStatus::kDelivered, 4); }, kWait))
      << DescribeOutbox();
  ExpectSmscHoldsExactlyTheOutbox(got);
  size_t parts = 0;
  for (const auto& m : got) parts += m.parts.size();
  EXPECT_GT(parts, got.size());  // the UCS-2 alert went in parts, each with its receipt
  EXPECT_TRUE(WaitFor([&] { return peer_.All(SmscPeer::Is("receipt_resp")).size() == parts; }));
  for (const auto& r : peer_.All(SmscPeer::Is("receipt_resp"))) EXPECT_EQ(r["status"], 0);
}

// ---- 4. A throttling SMSC, a link cut mid-window ----

TEST_F(SmppGatewayTest, ThrottlingSmscGetsEveryMessageOnce) {
  StartBound([](toml::table& smpp) { smpp.insert_or_assign("throttle_retries", 1); });
  peer_.Command({{"cmd", "set"}, {"throttle", 6}});
  ASSERT_TRUE(peer_.WaitFor(SmscPeer::Is("ok"), kWait));
  const std::vector<std::string> customers = {"+6281200000011", "+6281200000012", "+6281200000013"};
  for (size_t i = 0; i < customers.size(); ++i) {
    Mo("o" + std::to_string(i), customers[i],
       "PESAN G1 " + std::to_string(i + 1) + " ALAMAT Jl Kenanga " + std::to_string(i));
  }
  for (size_t i = 0; i < customers.size(); ++i)
    EXPECT_EQ(DeliverStatus("o" + std::to_string(i)), 0);
  auto got = WaitForMessages(6);
  ASSERT_TRUE(WaitFor([&] { return AllOutbox(OutboxStatus::kSent, 6); }, kWait))
      << DescribeOutbox();
  // Six throttled answers; a message throttled twice went back to the outbox and came again.
  auto throttled = peer_.All([](const Json& j) {
    return j["event"] == "submit" && j["status"] == static_cast<int>(smpp::kRthrottled);
  });
  EXPECT_EQ(throttled.size(), 6u);
  auto rows = Outbox();
  EXPECT_TRUE(std::any_of(rows.begin(), rows.end(), [](auto& m) { return m.attempts > 1; }))
      << DescribeOutbox();
  // A refused submit_sm came again only after the pause (or later, from the outbox).
  auto all = peer_.All(SmscPeer::Is("submit"));
  for (size_t i = 0; i < all.size(); ++i) {
    if (all[i]["status"] != static_cast<int>(smpp::kRthrottled)) continue;
    auto next = std::find_if(all.begin() + static_cast<long>(i) + 1, all.end(), [&](const Json& j) {
      return j["destination_addr"] == all[i]["destination_addr"] && j["sm_hex"] == all[i]["sm_hex"];
    });
    ASSERT_NE(next, all.end()) << i;
    EXPECT_GE((*next)["t"].get<double>() - all[i]["t"].get<double>(), 90.0) << i;
  }
  ExpectSmscHoldsExactlyTheOutbox(got);
  EXPECT_EQ(peer_.All(Acked()).size(), 6u);
}

TEST_F(SmppGatewayTest, LinkCutMidWindowLosesNothingAndSendsNothingAcknowledgedTwice) {
  StartBound();
  peer_.Command({{"cmd", "set"}, {"hold", true}});
  ASSERT_TRUE(peer_.WaitFor(SmscPeer::Is("ok"), kWait));
  const std::vector<std::string> customers = {"+6281200000021", "+6281200000022", "+6281200000023"};
  for (size_t i = 0; i < customers.size(); ++i) {
    Mo("o" + std::to_string(i), customers[i],
       "PESAN T1 1 ALAMAT Jl Flamboyan " + std::to_string(i));
    EXPECT_EQ(DeliverStatus("o" + std::to_string(i)), 0);
  }
  // Six submit_sm in the window, unanswered; the SMSC acknowledges three.
  auto held = [](const Json& j) { return j["event"] == "submit" && j["status"] == "held"; };
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(peer_.WaitFor(held, kWait)) << i;
  peer_.Command({{"cmd", "release"}, {"count", 3}});
  ASSERT_TRUE(WaitFor(
      [&] {
        auto rows = Outbox();
        return std::count_if(rows.begin(), rows.end(),
                             [](auto& m) { return m.status == OutboxStatus::kSent; }) == 3;
      },
      kWait))
      << DescribeOutbox();
  auto before = Assemble(peer_.All(Acked()));
  ASSERT_EQ(before.size(), 3u);

  // An order arrives just as the link is cut: its deliver_sm_resp may be lost with it.
  const std::string late = "+6281200000024";
  Mo("late", late, "PESAN T1 2 ALAMAT Jl Cempaka 4");
  peer_.Command({{"cmd", "set"}, {"hold", false}});
  peer_.Command({{"cmd", "cut"}});
  ASSERT_TRUE(peer_.WaitFor(Bound(), kWait));
  EXPECT_TRUE(WaitFor([&] { return sink_->Has("smpp: link lost: "); })) << sink_->All();
  // The SMSC delivers again what it has no answer for.
  if (!peer_.WaitFor(DeliverResp("late"), 0ms)) {
    Mo("late-again", late, "PESAN T1 2 ALAMAT Jl Cempaka 4");
    EXPECT_EQ(DeliverStatus("late-again"), 0);
  }
  ASSERT_TRUE(WaitFor([&] { return Orders().size() == 4; }, kWait));

  auto got = WaitForMessages(8);
  ASSERT_TRUE(WaitFor([&] { return AllOutbox(OutboxStatus::kSent, 8); }, kWait))
      << DescribeOutbox();
  ExpectSmscHoldsExactlyTheOutbox(got);
  EXPECT_EQ(Orders().size(), 4u);
  // The three acknowledged before the cut keep the ids they had.
  for (const auto& m : before) {
    auto rows = OutboxTo("+" + m.to);
    EXPECT_TRUE(std::any_of(rows.begin(), rows.end(), [&](auto& r) {
      return r.text == m.text && r.provider_id == m.ids[0];
    })) << m.text;
  }
}

// An SMSC that drops the link under each submit_sm, then one that binds but never answers: the
// messages may have reached the phones, so each waits its backoff before it goes again, however
// often the link comes back.
TEST_F(SmppGatewayTest, SendsLeftUnansweredWaitTheirBackoffAcrossReconnects) {
  retry_seconds_ = {60, 120};  // only a reconnect could make the outbox send sooner
  StartBound();
  peer_.Command({{"cmd", "set"}, {"hold", true}});
  ASSERT_TRUE(peer_.WaitFor(SmscPeer::Is("ok"), kWait));
  Mo("f1", "+6281200000041", "PESAN T1 1 ALAMAT Jl Kenanga 1");
  EXPECT_EQ(DeliverStatus("f1"), 0);
  auto held = [](const Json& j) { return j["event"] == "submit" && j["status"] == "held"; };
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(peer_.WaitFor(held, kWait)) << i;
  // The order's two messages (to the customer and the manager), and what the SMSC took of them.
  const auto first = Outbox();
  ASSERT_EQ(first.size(), 2u) << DescribeOutbox();
  for (const auto& m : first) ASSERT_EQ(m.segments, 1) << m.text;
  auto is_first = [&](const Json& j) {
    return std::any_of(first.begin(), first.end(), [&](const OutboxMessage& m) {
      return j["destination_addr"] == m.to.substr(1) && j["text"] == m.text;
    });
  };
  auto first_submits = [&] {
    return peer_.All([&](const Json& j) { return j["event"] == "submit" && is_first(j); }).size();
  };
  auto tries = [&](int n, const std::string& why) {
    auto rows = Outbox();
    return std::count_if(rows.begin(), rows.end(), [&](const OutboxMessage& m) {
             return m.id <= first.back().id && m.status == OutboxStatus::kQueued &&
                    m.attempts == n && Contains(m.last_error, why);
           }) == 2;
  };
  // Another order on the link just bound, answered by the SMSC; `sent` messages of later orders
  // acknowledged in all. The outbox had its chance to send the first ones again before it takes
  // this order's: the channel reports bind_transceiver_resp (on_ready) before it reads the
  // deliver_sm behind it on the same connection, so Outbox::ChannelReady() posts its pass over
  // what is due to the channel's io_context (one thread) before the order is even stored, and
  // the pass that takes the order's messages comes from the Kick() after its commit. A pass
  // hands messages over oldest first (DueSms: next_attempt_at, id) and the channel writes
  // submit_sm in the order given, on one connection: once the SMSC has the order's messages,
  // a resend of the first ones is among its events.
  auto later_order_sent = [&](const std::string& tag, const std::string& phone, size_t sent) {
    peer_.Command({{"cmd", "set"}, {"hold", false}});
    ASSERT_TRUE(peer_.WaitFor(SmscPeer::Is("ok"), kWait));
    Mo(tag, phone, "PESAN T1 1 ALAMAT Jl Kenanga 2");
    EXPECT_EQ(DeliverStatus(tag), 0);
    ASSERT_TRUE(WaitFor(
        [&] {
          auto acked = peer_.All(Acked());
          return std::count_if(acked.begin(), acked.end(), [&](const Json& j) {
                   return !is_first(j);
                 }) == static_cast<long>(sent);
        },
        kWait))
        << DescribeOutbox();
    ASSERT_TRUE(WaitFor(
        [&] {
          auto rows = Outbox();
          return std::count_if(rows.begin(), rows.end(), [](const OutboxMessage& m) {
                   return m.status == OutboxStatus::kSent;
                 }) == static_cast<long>(sent);
        },
        kWait))
        << DescribeOutbox();
  };

  // The link drops under both submits; the SMSC takes the next bind at once.
  peer_.Command({{"cmd", "cut"}});
  ASSERT_TRUE(peer_.WaitFor(Bound(), kWait));
  ASSERT_TRUE(WaitFor([&] { return tries(1, "link down before the SMSC acknowledged"); }, kWait))
      << DescribeOutbox();
  ASSERT_NO_FATAL_FAILURE(later_order_sent("f2", "+6281200000042", 2));
  EXPECT_EQ(first_submits(), 2u) << "sent again on the new link";

  // A minute later they go again; the SMSC never answers, the response timeout drops the link
  // and it binds again.
  peer_.Command({{"cmd", "set"}, {"hold", true}});
  ASSERT_TRUE(peer_.WaitFor(SmscPeer::Is("ok"), kWait));
  clock_.Jump(61s);
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(peer_.WaitFor(held, kWait)) << i;
  ASSERT_TRUE(peer_.WaitFor(Bound(), kWait));
  ASSERT_TRUE(WaitFor([&] { return tries(2, "no submit_sm_resp within 3000 ms"); }, kWait))
      << DescribeOutbox();
  // The SMSC answers again.
  ASSERT_NO_FATAL_FAILURE(later_order_sent("f3", "+6281200000043", 4));
  EXPECT_EQ(first_submits(), 4u) << "sent again on the new link";

  // After their backoff (two minutes) both go, each taken once.
  clock_.Jump(121s);
  auto got = WaitForMessages(6);
  ASSERT_TRUE(WaitFor([&] { return AllOutbox(OutboxStatus::kSent, 6); }, kWait))
      << DescribeOutbox();
  ExpectSmscHoldsExactlyTheOutbox(got);
  for (const auto& m : Outbox()) EXPECT_EQ(m.attempts, m.id <= first.back().id ? 3 : 1) << m.id;
  EXPECT_EQ(peer_.All(Acked()).size(), 6u);
  EXPECT_EQ(first_submits(), 6u);
  // The log names the customer's number masked, as the other channels do.
  EXPECT_TRUE(sink_->Has("smpp: MO from +62812*****041"));
  std::istringstream lines(sink_->All());
  for (std::string line; std::getline(lines, line);) {
    if (Contains(line, "smpp: ")) {
      EXPECT_FALSE(Contains(line, "+6281200000041")) << line;
    }
  }
}

// ---- 5. USSD over SMPP ----

// The reference session of bench/FLOW.md, played over SMPP and over Africa's Talking HTTP on the
// same gateway: the same five menus, then the final screen with the order number.
TEST_F(SmppGatewayTest, ReferenceUssdSessionOverSmpp) {
  StartBound([](toml::table& smpp) { smpp.insert_or_assign("ussd", true); },
             /*africastalking=*/true);
  const std::string phone = "+6281200000031";
  Json from = {{"service_type", "USSD"},
               {"source_addr_ton", 1},
               {"source_addr_npi", 1},
               {"source_addr", phone.substr(1)},
               {"destination_addr", "*123#"}};
  // Hop by hop, the SMPP session and the same session over HTTP (another customer).
  const std::vector<std::string> inputs = {"*123#", "1", "1", "2", "Jl Mawar 3 RT02", "1"};
  const std::vector<std::string> paths = {
      "", "1", "1*1", "1*1*2", "1*1*2*Jl Mawar 3 RT02", "1*1*2*Jl Mawar 3 RT02*1"};
  std::vector<Json> screens;
  std::vector<std::string> http_screens;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const std::string tag = "hop" + std::to_string(i);
    char its[5];  // session 42; octet 2 counts the dialogue's messages, as the SMSC likes
    std::snprintf(its, sizeof its, "2a%02x", static_cast<unsigned>(2 * i));
    // The dial is a PSSR indication (1), the answers are USSR confirms (18).
    Deliver(tag, from, *Utf8ToGsm7(inputs[i]),
            {{"ussd_service_op", i == 0 ? 1 : 0x12}, {"its_session_info", its}});
    auto sub = peer_.WaitFor(UssdTo(phone.substr(1)), kWait);
    ASSERT_TRUE(sub) << "no answer to " << inputs[i];
    EXPECT_EQ(DeliverStatus(tag), 0);
    const Json& s = *sub;
    const bool last = i + 1 == inputs.size();
    // A menu waits for input (USSR request, 2); the last screen is a PSSR response (17) and
    // sets the end bit of its_session_info.
    EXPECT_EQ(s["tlvs"]["ussd_service_op"], last ? 0x11 : 0x02) << i;
    std::snprintf(its, sizeof its, "2a%02x", static_cast<unsigned>(2 * i + (last ? 1 : 0)));
    EXPECT_EQ(s["tlvs"]["its_session_info"], std::string(its)) << i;
    EXPECT_EQ(s["service_type"], "USSD");
    EXPECT_EQ(s["source_addr"], "*123#");
    EXPECT_EQ(s["destination_addr"], phone.substr(1));
    screens.push_back(s);
    auto http = gateway_->Ussd("http-ref", "+6281200000032", paths[i]);
    ASSERT_EQ(http.status, 200);
    EXPECT_EQ(http.body.substr(0, 4), last ? "END " : "CON ") << http.body;
    http_screens.push_back(http.body.substr(4));
  }
  ASSERT_EQ(screens.size(), 6u);
  // The SMSC sends the confirming answer again (its deliver_sm_resp lost): the session ends
  // again, and no second order is made.
  Deliver("again", from, *Utf8ToGsm7("1"),
          {{"ussd_service_op", 0x12}, {"its_session_info", "2a0a"}});
  EXPECT_EQ(DeliverStatus("again"), 0);
  auto again = peer_.WaitFor(UssdTo(phone.substr(1)), kWait);
  ASSERT_TRUE(again);
  EXPECT_EQ((*again)["tlvs"]["ussd_service_op"], 0x11);
  auto orders = Orders();
  ASSERT_EQ(orders.size(), 2u);
  const Order order = orders[1];  // the older: the SMPP session confirmed first
  EXPECT_EQ(order.phone, phone);
  EXPECT_EQ(order.channel, "ussd");
  EXPECT_EQ(order.address, "Jl Mawar 3 RT02");
  ASSERT_EQ(order.items.size(), 1u);
  EXPECT_EQ(order.items[0].qty, 2);
  // Five menus as over HTTP, then the final screen with this order's number.
  for (size_t i = 0; i + 1 < screens.size(); ++i) {
    EXPECT_EQ(screens[i]["text"], http_screens[i]) << i;
  }
  const std::string placed = screens.back()["text"];
  EXPECT_TRUE(Contains(placed, "no. " + std::to_string(order.id))) << placed;
  std::string http_placed = http_screens.back();
  auto at = http_placed.find(std::to_string(orders[0].id));
  ASSERT_NE(at, std::string::npos) << http_placed;
  http_placed.replace(at, std::to_string(orders[0].id).size(), std::to_string(order.id));
  EXPECT_EQ(placed, http_placed);

  // The manager's alerts go out as plain SMS on the same bind.
  auto alerts = WaitForMessages(2, std::string(kManager).substr(1));
  for (const auto& m : alerts) EXPECT_FALSE(m.parts[0]["tlvs"].contains("ussd_service_op"));

  // Dialling *123*1# goes straight to the products; a national number (TON 0) is the
  // customer's E.164 number.
  Json national = from;
  national["source_addr_ton"] = 0;
  national["source_addr_npi"] = 1;
  national["source_addr"] = "081200000033";
  Deliver("pre", national, *Utf8ToGsm7("*123*1#"),
          {{"ussd_service_op", 1}, {"its_session_info", "0700"}});
  auto products = peer_.WaitFor(UssdTo("081200000033"), kWait);
  ASSERT_TRUE(products);
  EXPECT_EQ((*products)["text"], screens[1]["text"]);
  size_t k = 0;
  for (const char* input : {"1", "3", "1", "1"}) {  // product 1, 3 of it, pick up, confirm
    Deliver("pre" + std::to_string(k), national, *Utf8ToGsm7(input),
            {{"ussd_service_op", 0x12}, {"its_session_info", "0700"}});
    ASSERT_TRUE(peer_.WaitFor(UssdTo("081200000033"), kWait)) << input;
    ++k;
  }
  ASSERT_EQ(Orders().size(), 3u);
  EXPECT_EQ(Orders().front().phone, "+6281200000033");
  EXPECT_TRUE(Orders().front().pickup);
  EXPECT_EQ(Orders().front().items.at(0).qty, 3);
}

// ---- 6. The same MO twice ----

TEST_F(SmppGatewayTest, SameMoDeliveredAgainMakesOneOrder) {
  StartBound();
  // The SMSC did not get the deliver_sm_resp and sends the same message again.
  const std::string customer = "+6281200000041";
  Mo("first", customer, "PESAN G1 2 ALAMAT Jl Dahlia 1");
  ASSERT_EQ(DeliverStatus("first"), 0);
  ASSERT_EQ(Orders().size(), 1u);
  Mo("again", customer, "PESAN G1 2 ALAMAT Jl Dahlia 1");
  EXPECT_EQ(DeliverStatus("again"), 0);  // answered: it is recorded
  EXPECT_EQ(Orders().size(), 1u);
  EXPECT_EQ(OutboxTo(customer).size(), 1u);

  // Again, with ten-minute marks of the clock between the two deliveries.
  const std::string other = "+6281200000042";
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(clock_.Now().time_since_epoch());
  clock_.Jump(600'000ms - now % 600'000ms - 1'500ms);  // 1.5 s before a multiple of 10 min
  Mo("before", other, "PESAN M1 1 ALAMAT Jl Dahlia 2");
  ASSERT_EQ(DeliverStatus("before"), 0);
  clock_.Jump(3s);
  Mo("after", other, "PESAN M1 1 ALAMAT Jl Dahlia 2");
  EXPECT_EQ(DeliverStatus("after"), 0);
  EXPECT_EQ(Orders().size(), 2u);
  EXPECT_EQ(OutboxTo(other).size(), 1u);

  // A part of a long message sent again after the whole was recorded.
  const std::string third = "+6281200000043";
  Json lf = From(third);
  lf["esm_class"] = 0x40;
  const std::string p1 = "PESAN K1 1, dan L1 1 ALAMAT Dusun Krajan RT 03 RW 01, rumah cat hijau di";
  const std::string p2 = " sebelah masjid";
  auto udh = [](int seq) {
    return std::string{'\x05', '\x00', '\x03', '\x21', '\x02', static_cast<char>(seq)};
  };
  Deliver("p1", lf, udh(1) + *Utf8ToGsm7(p1));
  Deliver("p2", lf, udh(2) + *Utf8ToGsm7(p2));
  EXPECT_EQ(DeliverStatus("p1"), 0);
  EXPECT_EQ(DeliverStatus("p2"), 0);
  ASSERT_EQ(Orders().size(), 3u);
  Deliver("p2-again", lf, udh(2) + *Utf8ToGsm7(p2));
  EXPECT_EQ(DeliverStatus("p2-again"), 0);
  EXPECT_EQ(Orders().size(), 3u);
  EXPECT_EQ(OutboxTo(third).size(), 1u);

  // The manager closes, opens and closes again: the second TUTUP repeats an earlier message,
  // not the last one, and is a message of its own.
  int n = 0;
  for (const char* text : {"TUTUP", "BUKA", "TUTUP"}) {
    const std::string tag = "manager-" + std::to_string(++n);
    Mo(tag, kManager, text);
    ASSERT_EQ(DeliverStatus(tag), 0);
  }
  EXPECT_FALSE(db_.Open()->GetShop("majubersama")->open);
  EXPECT_EQ(OutboxTo(kManager).size(), 3u + 3u);  // three alerts of the orders, three replies
  // A question asked twice in a row is answered twice: it changes nothing.
  Mo("ask-1", kManager, "PESANAN");
  Mo("ask-2", kManager, "PESANAN");
  ASSERT_EQ(DeliverStatus("ask-1"), 0);
  ASSERT_EQ(DeliverStatus("ask-2"), 0);
  EXPECT_EQ(OutboxTo(kManager).size(), 3u + 3u + 2u);

  // The manager sets a stock, a customer buys, the manager sends the same text again: the stock
  // is set again, not left at what the sale made it.
  Mo("open", kManager, "BUKA");
  Mo("stock-1", kManager, "STOK G1 30");
  ASSERT_EQ(DeliverStatus("open"), 0);
  ASSERT_EQ(DeliverStatus("stock-1"), 0);
  Mo("buy", "+6281200000044", "PESAN G1 1 ALAMAT Jl Dahlia 4");
  ASSERT_EQ(DeliverStatus("buy"), 0);
  const auto shop = db_.Open()->GetShop("majubersama");
  ASSERT_EQ(db_.Open()->GetProduct(shop->id, "G1")->stock, 29);
  Mo("stock-2", kManager, "STOK G1 30");
  ASSERT_EQ(DeliverStatus("stock-2"), 0);
  EXPECT_EQ(db_.Open()->GetProduct(shop->id, "G1")->stock, 30);
  EXPECT_EQ(OutboxTo(kManager).size(), 3u + 3u + 2u + 4u);  // three replies, one alert

  // Everything went out once.
  auto got = WaitForMessages(16);
  ASSERT_TRUE(WaitFor([&] { return AllOutbox(OutboxStatus::kSent, 16); }, kWait))
      << DescribeOutbox();
  ExpectSmscHoldsExactlyTheOutbox(got);
}

}  // namespace
}  // namespace pesan::testing
