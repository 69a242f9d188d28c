// The whole gateway against a real Kannel 1.4 (bearerbox, smsbox and fakesmsc started by
// KannelHarness), configured from the two blocks of adapters/kannel/README.md:
//
//   fakesmsc ─MO─▶ bearerbox ─▶ smsbox ─get-url─▶ relay ─▶ gateway /sms/kannel ─▶ orders
//   fakesmsc ◀─MT── bearerbox ◀─ smsbox ◀─sendsms── gateway outbox
//                               smsbox ─dlr-url──────────▶ gateway /sms/kannel/dlr
//
// The relay passes Kannel's MO requests on unchanged; a test can make it lose the gateway's
// answer, so that Kannel delivers the same message again. Each test has its own Kannel, gateway
// and database; nothing waits a fixed time, everything waits on a condition with a deadline.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <thread>

#include "core/form.h"
#include "core/gsm_text.h"
#include "core/sqlite_store.h"
#include "menus/ussd/ussd_menu.h"
#include "tests/support/gateway_relay.h"
#include "tests/support/kannel_harness.h"
#include "tests/support/shop_db.h"
#include "tests/support/test_support.h"

namespace pesan::testing {
namespace {

using namespace std::chrono_literals;

constexpr char kShortCode[] = "3636";
constexpr char kManager[] = "+6281234567890";
constexpr auto kWait = 15s;  // for anything that crosses Kannel

// ---- adapters/kannel/README.md, "Connecting Pesan to Kannel" ----

std::string ReadmeSection() {
  std::string md = ReadFile(std::string(PESAN_SOURCE_DIR) + "/adapters/kannel/README.md");
  auto at = md.find("## Connecting Pesan to Kannel");
  if (at == std::string::npos) return "";
  auto end = md.find("\n## ", at + 1);
  return md.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

// The body of the first ```<lang> block of the section.
std::string ReadmeBlock(const std::string& lang) {
  std::string section = ReadmeSection();
  auto open = section.find("```" + lang + "\n");
  if (open == std::string::npos) return "";
  open += 4 + lang.size();
  auto close = section.find("```", open);
  return section.substr(open, close - open);
}

std::string ReplaceAll(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = 0; (at = s.find(from, at)) != std::string::npos; at += to.size()) {
    s.replace(at, from.size(), to);
  }
  return s;
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r')) s.pop_back();
  while (!s.empty() && s.front() == ' ') s.erase(0, 1);
  return s;
}

// kannel.conf as (group name, key -> value) in file order; comment lines skipped.
using ConfGroups = std::vector<std::pair<std::string, std::map<std::string, std::string>>>;
ConfGroups ParseKannelConf(const std::string& text) {
  ConfGroups groups;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    std::string line = text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    start = nl == std::string::npos ? text.size() : nl + 1;
    line = Trim(line);
    if (line.empty() || line[0] == '#') continue;
    auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string key = Trim(line.substr(0, eq)), value = Trim(line.substr(eq + 1));
    if (key == "group") {
      groups.push_back({value, {}});
    } else if (!groups.empty()) {
      groups.back().second[key] = value;
    }
  }
  return groups;
}

// The port of "http://127.0.0.1:<port>/...".
std::string PortOf(const std::string& url) {
  auto colon = url.rfind(':');
  auto slash = url.find('/', colon);
  return url.substr(colon + 1, slash - colon - 1);
}

// ---- The relay in front of the gateway's MO path ----

class MoRelay {
 public:
  struct Seen {
    std::string target;
    int gateway_status = 0;  // what the gateway answered
    int answered = 0;        // what Kannel got
  };

  MoRelay()
      : relay_(1, [this](GatewayRelay::Exchange& e) {
          if (lose_ > 0) {
            --lose_;
            e.status = 503;
            e.body = "answer lost";
          }
          std::lock_guard lock(mu_);
          seen_.push_back({e.target, e.gateway_status, e.status});
        }) {}

  std::string base_url() const { return relay_.base_url(); }
  void set_gateway_port(std::uint16_t port) { relay_.set_gateway_port(port); }
  // The gateway's next `n` answers do not reach Kannel: it gets 503 instead.
  void LoseNextAnswers(int n) { lose_ += n; }
  std::vector<Seen> seen() const {
    std::lock_guard lock(mu_);
    return seen_;
  }

 private:
  std::atomic<int> lose_{0};
  mutable std::mutex mu_;
  std::vector<Seen> seen_;
  GatewayRelay relay_;  // last: its workers stop before the members they use go
};

// ---- The fixture: a relay, a Kannel and a gateway per test ----

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

std::string Text(const FakesmscMessage& m) {
  return m.coding == FakesmscMessage::Coding::kUcs2 ? Utf16BeToUtf8(m.data) : m.data;
}

bool Contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

class KannelGatewayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string conf = ReadmeBlock("conf"), toml = ReadmeBlock("toml");
    ASSERT_FALSE(conf.empty()) << "no ```conf block in the README section";
    ASSERT_FALSE(toml.empty()) << "no ```toml block in the README section";
    // The token, user and sender the README uses are the ones Kannel is started with.
    auto readme = ParseKannelConf(conf);
    std::map<std::string, std::map<std::string, std::string>> by_name(readme.begin(), readme.end());
    auto get_url = by_name["sms-service"]["get-url"];
    auto token_at = get_url.find("&token=");
    ASSERT_NE(token_at, std::string::npos) << get_url;
    token_ = get_url.substr(token_at + 7, get_url.size() - token_at - 8);  // without the quote

    auto port = ReservedPort::Take();
    ASSERT_TRUE(port.ok()) << port.error().message;
    gateway_port_ = static_cast<std::uint16_t>(port->port());
    reserved_ = std::move(*port);
    relay_.set_gateway_port(gateway_port_);

    KannelHarnessOptions options;
    options.mo_url = relay_.base_url() + "/sms/kannel";
    options.token = token_;
    options.username = by_name["sendsms-user"]["username"];
    options.password = by_name["sendsms-user"]["password"];
    options.global_sender = by_name["smsbox"]["global-sender"];
    auto kannel = KannelHarness::Start(options);
    ASSERT_TRUE(kannel.ok()) << kannel.error().message;
    kannel_ = std::move(*kannel);

    // The README's kannel.conf groups are what this Kannel runs with, up to the ports.
    auto harness = ParseKannelConf(ReadFile(kannel_->dir() + "/kannel.conf"));
    for (const auto& [group, keys] : readme) {
      auto it = std::find_if(harness.begin(), harness.end(),
                             [&group = group](const auto& g) { return g.first == group; });
      ASSERT_NE(it, harness.end()) << "the harness has no group " << group;
      for (const auto& [key, value] : keys) {
        std::string want =
            ReplaceAll(value, "127.0.0.1:8080", "127.0.0.1:" + PortOf(relay_.base_url()));
        if (key == "sendsms-port") want = PortOf(kannel_->SendsmsUrl());
        EXPECT_EQ(it->second[key], want) << group << " " << key;
      }
    }

    // The README's TOML with this test's ports, a database, the shop and short retries.
    std::string cfg =
        ReplaceAll(toml, "127.0.0.1:8080", "127.0.0.1:" + std::to_string(gateway_port_));
    cfg = ReplaceAll(cfg, "127.0.0.1:13013", "127.0.0.1:" + PortOf(kannel_->SendsmsUrl()));
    cfg = ReplaceAll(cfg, "[gateway]\n", "[gateway]\ndatabase = \"shop.db\"\nthreads = 2\n");
    cfg = ReplaceAll(cfg, "[sms]\n", "[sms]\nretry_min_seconds = 1\nretry_max_seconds = 2\n");
    dir_.Write("catalog.csv", Catalog());
    cfg +=
        "\n[[shops]]\ncode = \"majubersama\"\nname = \"BUMDes Maju Bersama\"\n"
        "managers = [\"" +
        std::string(kManager) +
        "\"]\ncatalog = \"catalog.csv\"\n"
        "pickup = true\n";
    config_path_ = dir_.Write("pesan.toml", cfg);
    gateway_ = std::make_unique<TestGateway>(dir_, cfg, clock_);
    ASSERT_EQ(gateway_->port(), gateway_port_);
  }

  void TearDown() override {
    if (HasFailure() && kannel_) std::cerr << kannel_->LogTail();
    gateway_.reset();
    kannel_.reset();
  }

  // ---- the gateway's database, read while it runs ----
  std::unique_ptr<SqliteStore> Db() { return db_.Open(); }
  std::vector<Order> Orders() { return db_.Orders(); }          // newest first
  std::vector<OutboxMessage> Outbox() { return db_.Outbox(); }  // oldest first
  std::vector<OutboxMessage> OutboxTo(const std::string& to) { return db_.OutboxTo(to); }
  bool AllOutbox(OutboxStatus status, size_t count) { return db_.AllOutbox(status, count); }

  // The `n`-th message (1-based) the fake SMSC got for `to`.
  FakesmscMessage Nth(const std::string& to, size_t n) {
    auto got = kannel_->WaitForMessages(n, kWait, to);
    EXPECT_GE(got.size(), n) << "the SMSC got " << got.size() << " message(s) for " << to;
    return got.size() >= n ? got[n - 1] : FakesmscMessage{};
  }

  // Waits until the database holds `count` orders; the newest.
  Order WaitForOrder(size_t count) {
    EXPECT_TRUE(WaitFor([&] { return Orders().size() >= count; }, kWait)) << "no order " << count;
    auto orders = Orders();  // newest first
    return orders.size() >= count ? orders.front() : Order{};
  }

  TempDir dir_;
  ShopDb db_{dir_.File("shop.db")};
  SystemClock clock_;
  MoRelay relay_;
  std::optional<ReservedPort> reserved_;
  std::uint16_t gateway_port_ = 0;
  std::string token_;
  std::string config_path_;
  std::unique_ptr<KannelHarness> kannel_;
  std::unique_ptr<TestGateway> gateway_;
};

// The outbox row's text is exactly what the SMSC received, in one segment and in GSM-7 when
// the text is GSM-7.
void ExpectSameText(const OutboxMessage& row, const FakesmscMessage& got) {
  EXPECT_EQ(Text(got), row.text);
  EXPECT_EQ(got.parts, row.segments) << row.text;
  EXPECT_EQ(got.coding,
            IsGsm7(row.text) ? FakesmscMessage::Coding::k7Bit : FakesmscMessage::Coding::kUcs2)
      << row.text;
}

// ---- 1. An order by SMS, the manager's OK by SMS ----

TEST_F(KannelGatewayTest, OrderBySmsAndManagersOkBySms) {
  const std::string customer = "+6281200000001";
  ASSERT_TRUE(
      kannel_->InjectText("6281200000001", kShortCode, "PESAN B1 2 ALAMAT Jl Mawar 3").ok());
  Order order = WaitForOrder(1);
  EXPECT_EQ(order.phone, customer);
  EXPECT_EQ(order.channel, "sms");
  EXPECT_EQ(order.address, "Jl Mawar 3");
  ASSERT_EQ(order.items.size(), 1u);
  EXPECT_EQ(order.items[0].code, "B1");
  EXPECT_EQ(order.items[0].qty, 2);
  const std::string id = std::to_string(order.id);

  FakesmscMessage alert = Nth(kManager, 1);
  FakesmscMessage confirmation = Nth(customer, 1);
  EXPECT_EQ(alert.from, kShortCode);
  EXPECT_EQ(alert.parts, 1);
  EXPECT_EQ(confirmation.parts, 1);
  EXPECT_TRUE(Contains(Text(alert), "OK " + id)) << Text(alert);
  EXPECT_TRUE(Contains(Text(alert), "Jl Mawar 3")) << Text(alert);
  EXPECT_TRUE(Contains(Text(confirmation), "no. " + id)) << Text(confirmation);
  ASSERT_EQ(OutboxTo(kManager).size(), 1u);
  ASSERT_EQ(OutboxTo(customer).size(), 1u);
  ExpectSameText(OutboxTo(kManager)[0], alert);
  ExpectSameText(OutboxTo(customer)[0], confirmation);

  // The manager answers from the phone.
  ASSERT_TRUE(kannel_->InjectText("6281234567890", kShortCode, "OK " + id).ok());
  ASSERT_TRUE(WaitFor([&] { return Orders().front().status == OrderStatus::kAccepted; }, kWait));
  FakesmscMessage notice = Nth(customer, 2);
  EXPECT_TRUE(Contains(Text(notice), "no. " + id)) << Text(notice);
  EXPECT_TRUE(Contains(Text(notice), "diterima toko")) << Text(notice);
  ExpectSameText(OutboxTo(customer)[1], notice);
  FakesmscMessage ack = Nth(kManager, 2);
  EXPECT_TRUE(Contains(Text(ack), "pesanan " + id)) << Text(ack);
}

// ---- 2. Scripts and lengths ----

TEST_F(KannelGatewayTest, UnicodeAddressComesInIntactAndTheAlertCarriesIt) {
  // Javanese script and Arabic script, as a phone sends them: one UCS-2 message.
  const std::string address = "ꦢꦸꦏꦸꦃ ꦱꦸꦏꦩꦸꦭꦾ، بجانب المسجد";
  const std::string text = "PESAN B1 1 ALAMAT " + address;
  ASSERT_EQ(CountSegments(text).coding, SmsCoding::kUcs2);
  ASSERT_EQ(CountSegments(text).segments, 1u);
  ASSERT_TRUE(kannel_->InjectUcs2("6281200000002", kShortCode, Utf8ToUtf16Be(text)).ok());
  Order order = WaitForOrder(1);
  EXPECT_EQ(order.address, address);
  EXPECT_EQ(Db()->GetCustomer(order.shop_id, "+6281200000002").value()->address, address);

  FakesmscMessage alert = Nth(kManager, 1);
  ASSERT_EQ(OutboxTo(kManager).size(), 1u);
  const OutboxMessage row = OutboxTo(kManager)[0];
  EXPECT_EQ(alert.coding, FakesmscMessage::Coding::kUcs2);
  EXPECT_EQ(alert.data, Utf8ToUtf16Be(row.text));
  ExpectSameText(row, alert);
  EXPECT_TRUE(Contains(Text(alert), "ꦢꦸꦏꦸꦃ")) << Text(alert);
  EXPECT_TRUE(Contains(Text(alert), "OK " + std::to_string(order.id))) << Text(alert);
}

TEST_F(KannelGatewayTest, ProductNameInJavaneseScriptMakesTheTextsUcs2) {
  const std::string customer = "+6281200000003";
  ASSERT_TRUE(
      kannel_->InjectText("6281200000003", kShortCode, "PESAN J1 3 ALAMAT Jl Melati 7").ok());
  Order order = WaitForOrder(1);
  ASSERT_EQ(order.items.size(), 1u);
  EXPECT_EQ(order.items[0].name, "Gula Jawa ꦒꦸꦭꦗꦮ");

  FakesmscMessage alert = Nth(kManager, 1);
  FakesmscMessage confirmation = Nth(customer, 1);
  for (const auto& [row, got] : {std::pair{OutboxTo(kManager).at(0), alert},
                                 std::pair{OutboxTo(customer).at(0), confirmation}}) {
    EXPECT_EQ(got.coding, FakesmscMessage::Coding::kUcs2) << row.text;
    EXPECT_TRUE(Contains(row.text, "ꦒꦸꦭꦗꦮ")) << row.text;
    ExpectSameText(row, got);
  }
}

TEST_F(KannelGatewayTest, Gsm7PunctuationComesThroughBothWays) {
  // Characters that mean something in a URL or in Kannel's escapes, and GSM-7's own.
  const std::string address =
      "Jl. Kenanga 5 @RT 02/RW 03 (dkt. masjid) & warung_Bu Siti 50% #2 +ok=ya?";
  const std::string customer = "+6281200000004";
  ASSERT_TRUE(
      kannel_->InjectText("6281200000004", kShortCode, "PESAN M1 1 ALAMAT " + address).ok());
  Order order = WaitForOrder(1);
  EXPECT_EQ(order.address, address.substr(0, address.size() - 1));  // a trailing '?' is dropped
  FakesmscMessage alert = Nth(kManager, 1);
  FakesmscMessage confirmation = Nth(customer, 1);
  ExpectSameText(OutboxTo(kManager).at(0), alert);
  ExpectSameText(OutboxTo(customer).at(0), confirmation);
  EXPECT_EQ(alert.coding, FakesmscMessage::Coding::k7Bit);
  EXPECT_TRUE(Contains(Text(alert), "@RT 02/RW 03")) << Text(alert);
}

TEST_F(KannelGatewayTest, LongOrderInTenOrMoreSmsPartsMakesOneOrder) {
  // "PESAN B1 x 2, dan M1 x 1, dan ..." naming every product several times (the shop adds
  // the quantities up, and a phone's spacing is forgiven), then the longest address the shop
  // takes: over 1,500 characters, sent by the phone as a concatenated SMS of 153-character
  // parts (3GPP TS 23.040 §9.2.3.24.1).
  const std::vector<std::string> codes = {"B1", "M1", "G1", "T1", "L1", "P1", "S1", "K1", "J1"};
  std::string text = "PESAN";
  std::map<std::string, std::int64_t> want;
  for (int i = 0; i < 80; ++i) {
    const std::string& code = codes[i % codes.size()];
    int qty = 1 + (i * 7) % 3;
    want[code] += qty;
    text += (i ? ",    dan    " : " ") + code + " x " + std::to_string(qty);
  }
  std::string address = "Dusun Krajan RT 03 RW 01, rumah cat hijau";
  while (address.size() < ussd::kMaxAddressChars) address += ", lewat jembatan lalu belok kiri";
  address.resize(ussd::kMaxAddressChars);
  while (address.back() == ' ' || address.back() == ',') address.pop_back();
  text += " ALAMAT " + address;
  ASSERT_GT(text.size(), 1500u);
  ASSERT_TRUE(IsGsm7(text));

  // Parts of at most 153 characters, none starting or ending with a space.
  std::vector<std::string> parts;
  for (size_t at = 0; at < text.size();) {
    size_t n = std::min<size_t>(153, text.size() - at);
    while (at + n < text.size() && (text[at + n - 1] == ' ' || text[at + n] == ' ')) --n;
    parts.push_back(text.substr(at, n));
    at += n;
  }
  ASSERT_GE(parts.size(), 10u);
  const std::string customer = "+6281200000005";
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string udh = {
        '\x05', '\x00', '\x03', '\x5A', static_cast<char>(parts.size()), static_cast<char>(i + 1)};
    ASSERT_TRUE(kannel_->InjectUdhText("6281200000005", kShortCode, udh, parts[i]).ok()) << i;
  }
  Order order = WaitForOrder(1);
  EXPECT_EQ(order.phone, customer);
  EXPECT_EQ(order.address, address);
  std::map<std::string, std::int64_t> got;
  for (const auto& item : order.items) got[item.code] = item.qty;
  EXPECT_EQ(got, want);
  FakesmscMessage confirmation = Nth(customer, 1);
  ExpectSameText(OutboxTo(customer).at(0), confirmation);
  EXPECT_TRUE(Contains(Text(confirmation), "no. " + std::to_string(order.id)));
}

// ---- 3. Kannel away for a while ----

TEST_F(KannelGatewayTest, SmsQueuedWhileKannelIsDownAllGoOutOnceWhenItIsBack) {
  kannel_->StopKannel();
  const std::vector<std::string> customers = {"+6281200000011", "+6281200000012", "+6281200000013"};
  for (size_t i = 0; i < customers.size(); ++i) {
    const std::string session = "down-" + std::to_string(i);
    for (const char* input : {"", "1", "1*1", "1*1*2", "1*1*2*Jl Mawar 3", "1*1*2*Jl Mawar 3*1"}) {
      auto r = gateway_->Ussd(session, customers[i], input);
      ASSERT_EQ(r.status, 200) << r.body;
    }
  }
  ASSERT_EQ(Orders().size(), customers.size());
  const size_t expected = 2 * customers.size();  // a confirmation and an alert per order

  // Every message is tried and refused by the closed port: smsbox was not reached, so no
  // attempt is counted (none fails however long Kannel is away), and the row says why.
  ASSERT_TRUE(WaitFor(
      [&] {
        auto rows = Outbox();
        return rows.size() == expected && std::all_of(rows.begin(), rows.end(), [](auto& m) {
                 return m.status == OutboxStatus::kQueued && m.attempts == 0 &&
                        Contains(m.last_error, "connect");
               });
      },
      kWait))
      << "the outbox did not try";
  auto listed = RunPesan({"outbox", "list", "--json", "--config", config_path_});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  auto json = nlohmann::json::parse(listed.out);
  ASSERT_EQ(json.size(), expected) << listed.out;
  for (const auto& row : json) {
    EXPECT_EQ(row["status"], "queued") << row;
    EXPECT_EQ(row["attempts"].get<int>(), 0) << row;
    EXPECT_TRUE(Contains(row["last_error"].get<std::string>(), "connect")) << row;
  }
  EXPECT_TRUE(kannel_->ReceivedParts().empty());

  ASSERT_TRUE(kannel_->StartKannel().ok()) << kannel_->LogTail();
  auto got = kannel_->WaitForMessages(expected, 2 * kWait);
  ASSERT_EQ(got.size(), expected);
  // Sent, then reported delivered: nothing is left to go out twice.
  ASSERT_TRUE(WaitFor([&] { return AllOutbox(OutboxStatus::kDelivered, expected); }, kWait));
  auto sent = kannel_->WaitForMessages(expected + 1, 0ms);
  EXPECT_EQ(sent.size(), expected);
  EXPECT_EQ(kannel_->ReceivedParts().size(), expected);
  std::multiset<std::pair<std::string, std::string>> smsc, outbox;
  for (const auto& m : sent) smsc.insert({m.to, Text(m)});
  for (const auto& m : Outbox()) outbox.insert({m.to, m.text});
  EXPECT_EQ(smsc, outbox);
}

// ---- 4. A wrong sendsms password ----

TEST_F(KannelGatewayTest, WrongSendsmsPasswordHoldsMessagesBackUntilItIsRight) {
  // The operator mistypes the password of Kannel's sendsms-user group. smsbox answers every
  // sendsms with 403 "Authorization failed for sendsms" (PROTOCOLS.md §6.1): a fault of
  // the setup, not of a message, so no message may use up its tries on it. Two tries at most
  // here: a refusal counted as a try would fail the rows within seconds.
  const std::string right_password = "password = \"" + kannel_->options().password + "\"";
  std::string right = ReadFile(config_path_);
  ASSERT_TRUE(Contains(right, right_password)) << right;
  right = ReplaceAll(right, "[sms]\n", "[sms]\nmax_attempts = 2\n");
  const std::string wrong = ReplaceAll(right, right_password, "password = \"rahasia-kanel\"");
  gateway_.reset();
  CapturedLog log;
  gateway_ = std::make_unique<TestGateway>(dir_, wrong, clock_);

  // An order by SMS: MO does not need the sendsms password, the answers do.
  const std::string customer = "+6281200000041";
  ASSERT_TRUE(
      kannel_->InjectText("6281200000041", kShortCode, "PESAN T1 1 ALAMAT Jl Kamboja 4").ok());
  WaitForOrder(1);
  // The outbox goes on asking smsbox, a hold-back at a time (1 s, then 2 s: the [sms] retry
  // times), and keeps the rows queued without counting a try; each row says why.
  auto refused = [](const OutboxMessage& m) {
    return m.status == OutboxStatus::kQueued && m.attempts == 0 &&
           Contains(m.last_error, "kannel 403: Authorization failed for sendsms") &&
           Contains(m.last_error, "credentials refused");
  };
  ASSERT_TRUE(WaitFor(
      [&] {
        auto rows = Outbox();
        return rows.size() == 2 && std::all_of(rows.begin(), rows.end(), refused) &&
               log.Count("outbox: kannel not ready (kannel 403") >= 3;
      },
      kWait))
      << log.Lines();
  for (const auto& m : Outbox()) EXPECT_TRUE(refused(m)) << m.id << " " << m.last_error;
  EXPECT_TRUE(WaitFor([&] { return gateway_->gateway().outbox()->holding_back(); }, kWait));
  // What the operator sees: `pesan outbox list` and one error in the log naming the cause and
  // the fix, not one per message and round.
  auto listed = RunPesan({"outbox", "list", "--json", "--config", config_path_});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  auto json = nlohmann::json::parse(listed.out);
  ASSERT_EQ(json.size(), 2u) << listed.out;
  for (const auto& row : json) {
    EXPECT_EQ(row["status"], "queued") << row;
    EXPECT_EQ(row["attempts"].get<int>(), 0) << row;
    EXPECT_TRUE(Contains(row["last_error"].get<std::string>(),
                         "kannel 403: Authorization failed for sendsms (credentials refused)"))
        << row;
  }
  EXPECT_EQ(log.Count("error kannel: smsbox refuses our credentials (kannel 403: Authorization "
                      "failed for sendsms (credentials refused)): check username and password "
                      "in [sms.kannel]"),
            1)
      << log.Lines();
  int complaints = 0;  // lines at warning level or above
  std::istringstream lines(log.Lines());
  for (std::string line; std::getline(lines, line);) {
    complaints += line.rfind("error ", 0) == 0 || line.rfind("warning ", 0) == 0;
  }
  EXPECT_EQ(complaints, 1) << log.Lines();
  EXPECT_TRUE(kannel_->ReceivedParts().empty());

  // The password put right and the gateway started again: both go out, once each.
  gateway_.reset();
  gateway_ = std::make_unique<TestGateway>(dir_, right, clock_);
  FakesmscMessage alert = Nth(kManager, 1);
  FakesmscMessage confirmation = Nth(customer, 1);
  ASSERT_TRUE(WaitFor([&] { return AllOutbox(OutboxStatus::kDelivered, 2); }, kWait));
  ExpectSameText(OutboxTo(kManager).at(0), alert);
  ExpectSameText(OutboxTo(customer).at(0), confirmation);
  for (const auto& m : Outbox()) {
    EXPECT_EQ(m.attempts, 1) << m.id;
    EXPECT_EQ(m.last_error, "") << m.id;
  }
  EXPECT_EQ(kannel_->WaitForMessages(2, 0ms, kManager).size(), 1u);
  EXPECT_EQ(kannel_->WaitForMessages(2, 0ms, customer).size(), 1u);
  EXPECT_EQ(kannel_->ReceivedParts().size(), 2u);
  gateway_.reset();  // before the log is given back
}

// ---- 5. Delivery reports ----

TEST_F(KannelGatewayTest, DeliveryReportsMarkTheOutboxRows) {
  ASSERT_TRUE(
      kannel_->InjectText("6281200000021", kShortCode, "PESAN K1 1 ALAMAT Jl Anggrek 9").ok());
  WaitForOrder(1);
  Nth(kManager, 1);
  Nth("+6281200000021", 1);
  ASSERT_TRUE(WaitFor([&] { return AllOutbox(OutboxStatus::kDelivered, 2); }, kWait)) << [&] {
    std::string s;
    for (const auto& m : Outbox()) {
      s += std::to_string(m.id) + " " + std::string(OutboxStatusName(m.status)) + " " +
           m.provider_id + "\n";
    }
    return s;
  }();
  for (const auto& m : Outbox()) {
    EXPECT_EQ(m.provider_id, std::to_string(m.id));  // our id, back through the dlr-url
    EXPECT_EQ(m.last_error, "");
  }
}

// ---- 6. The same MO twice ----

TEST_F(KannelGatewayTest, MessageDeliveredTwiceByKannelMakesOneOrder) {
  relay_.LoseNextAnswers(1);
  ASSERT_TRUE(
      kannel_->InjectText("6281200000031", kShortCode, "PESAN G1 2 ALAMAT Jl Dahlia 1").ok());
  // Kannel got 503 for the first try and asks again (http-request-retry) with the same message.
  ASSERT_TRUE(WaitFor([&] { return relay_.seen().size() >= 2; }, kWait));
  auto seen = relay_.seen();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].gateway_status, 200);
  EXPECT_EQ(seen[0].answered, 503);
  EXPECT_EQ(seen[1].gateway_status, 200);
  EXPECT_EQ(seen[1].answered, 200);
  auto id_of = [](const std::string& target) {
    auto f = ParseForm(target.substr(target.find('?') + 1));
    const std::string* id = f.ok() ? FindField(*f, "id") : nullptr;
    return id ? *id : std::string();
  };
  EXPECT_EQ(id_of(seen[0].target), id_of(seen[1].target));
  EXPECT_EQ(id_of(seen[0].target).size(), 36u);  // Kannel's UUID

  ASSERT_EQ(Orders().size(), 1u);
  Nth("+6281200000031", 1);
  ASSERT_TRUE(WaitFor([&] { return AllOutbox(OutboxStatus::kDelivered, 2); }, kWait));
  EXPECT_EQ(Orders().size(), 1u);
  EXPECT_EQ(kannel_->WaitForMessages(2, 0ms, "+6281200000031").size(), 1u);
}

}  // namespace
}  // namespace pesan::testing
