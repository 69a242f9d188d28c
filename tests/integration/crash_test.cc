// The real `pesan serve` behind a real Kannel (bearerbox, smsbox and fakesmsc started by
// KannelHarness), under USSD and SMS load, killed with SIGKILL at random moments and started
// again on the same database each time. After the last start the outbox drains, and then:
//
//   - every USSD session whose END reached its client has exactly one order (orders.source_key
//     "ussd:at:<sessionId>"), the one the END named;
//   - no order exists twice: one per USSD session, one per SMS order message;
//   - every SMS order message has its one order, unless Kannel dropped it (each of its tries
//     found the gateway down or dying); every one whose confirmation reached the fake SMSC has
//     exactly one, which the confirmation names; the gateway answered every MO it got with 200;
//   - every outbox row is sent or delivered (none queued or failed) and reached the fake SMSC;
//     a row reached it more than once only if a kill found it not yet recorded as sent
//     (accepted by Kannel, then killed before the record), at most once more per such kill:
//     a message the channel acknowledged and the gateway recorded is not sent again;
//   - each order queued exactly its two SMS (the customer's confirmation, the manager's alert),
//     each customer got one SMS, and the fake SMSC got nothing that no outbox row holds.
//
//   clients ──USSD hops──▶ pesan serve ──sendsms──▶ smsbox ─▶ bearerbox ─▶ fakesmsc
//   fakesmsc ─MO─▶ bearerbox ─▶ smsbox ─get-url, dlr-url─▶ KannelFront ─▶ pesan serve
//   pesan serve: SIGKILL at random moments, started again on the same database
//
// PESAN_CRASH_KILLS=N sets the number of kills (default 5, a few seconds of load);
// PESAN_CRASH_SEED=S runs the kill delays and the load's pace of an earlier run again (the
// seed is printed; the interleaving with the gateway's threads differs from run to run).
// Synchronisation waits on conditions with deadlines; the random delays before each kill are
// the point of the test.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "core/embedded.h"
#include "core/form.h"
#include "core/gsm_text.h"
#include "core/sqlite_db.h"
#include "tests/support/gateway_relay.h"
#include "tests/support/kannel_harness.h"
#include "tests/support/test_support.h"

namespace pesan::testing {
namespace {

using namespace std::chrono_literals;

constexpr char kShortCode[] = "3636";
constexpr char kManager[] = "+6281234567890";
constexpr char kToken[] = "crash-token";
constexpr int kUssdClients = 3;
constexpr auto kStartDeadline = 15s;
constexpr auto kDrainDeadline = 90s;
// The reference session (FLOW.md): main menu, shopping, first product, quantity 2, address,
// confirm.
const char* const kHops[] = {
    "", "1", "1*1", "1*1*2", "1*1*2*Jl Mawar 3 RT02", "1*1*2*Jl Mawar 3 RT02*1"};

int EnvInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoi(v) : fallback;
}

// The demo catalogue with stock that a long run cannot use up: an order that fails for want of
// stock would hide what the test looks for.
std::string AmpleCatalog(std::vector<std::string>& codes) {
  std::istringstream in(std::string(*EmbeddedFile("demo-catalog.csv")));
  std::string line, out;
  std::getline(in, line);
  out = line + "\n";
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::vector<std::string> f;
    std::stringstream ls(line);
    for (std::string cell; std::getline(ls, cell, ',');) f.push_back(cell);
    if (f.size() < 4) continue;
    f[3] = "10000000";
    codes.push_back(f[0]);
    std::string joined;
    for (size_t i = 0; i < f.size(); ++i) joined += (i ? "," : "") + f[i];
    if (line.back() == ',') joined += ",";
    out += joined + "\n";
  }
  return out;
}

// The number after "no. " in a confirmation ("Pesanan no. 12 diterima ..."), or 0.
std::int64_t OrderNumberIn(const std::string& text) {
  auto at = text.find("no. ");
  return at == std::string::npos ? 0 : std::atoll(text.c_str() + at + 4);
}

std::string Digits(const char* prefix, long long n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s%08lld", prefix, n);
  return buf;
}

// ---- The gateway as a child process ----

class ServeProcess {
 public:
  ServeProcess(std::string config, std::string log, std::uint16_t port)
      : config_(std::move(config)), log_(std::move(log)), port_(port) {}
  ~ServeProcess() { Kill(); }

  // Starts `pesan serve` and waits until it answers /health.
  Status Start() {
    std::string bin = PesanBinary();
    std::vector<std::string> args = {bin, "serve", "--config", config_};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int out = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (out < 0) return Internal("cannot open " + log_);
    pid_t pid = ::fork();
    if (pid == 0) {
      // Only async-signal-safe calls in the child. It dies with this thread.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      ::dup2(out, 1);
      ::dup2(out, 2);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(out);
    if (pid < 0) return Internal("fork failed");
    pid_ = pid;
    ++starts_;
    bool exited = false;
    bool up = WaitFor(
        [&] {
          int status = 0;
          if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            exited = true;
            pid_ = -1;
            return true;
          }
          return HttpGet(port_, "/health").status == 200;
        },
        kStartDeadline);
    if (exited) return Unavailable("pesan serve exited while starting; see " + log_);
    if (!up) return Unavailable("pesan serve did not answer /health in time; see " + log_);
    return Ok{};
  }

  void Kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  // SIGTERM; the exit status (-1 when it did not exit in time or was not running).
  int Stop() {
    if (pid_ <= 0) return -1;
    ::kill(pid_, SIGTERM);
    int status = 0;
    bool gone = WaitFor([&] { return ::waitpid(pid_, &status, WNOHANG) == pid_; }, 15s);
    if (!gone) {
      Kill();
      return -1;
    }
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  int starts() const { return starts_; }

 private:
  std::string config_, log_;
  std::uint16_t port_;
  pid_t pid_ = -1;
  int starts_ = 0;
};

// Which gateway process is up: clients whose connection failed wait for the next one.
class Availability {
 public:
  long long Generation() const {
    std::lock_guard lock(mu_);
    return generation_;
  }
  void Down() {
    std::lock_guard lock(mu_);
    up_ = false;
  }
  void Up() {
    std::lock_guard lock(mu_);
    up_ = true;
    ++generation_;
    cv_.notify_all();
  }
  // After a request under `seen` failed: returns when a gateway started after it is up, or
  // after `limit` (a connection may fail without a kill: then try again anyway).
  void WaitAfter(long long seen, std::chrono::milliseconds limit) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, limit, [&] { return up_ && generation_ > seen; });
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool up_ = false;
  long long generation_ = 0;
};

// ---- What the load saw ----

struct UssdSession {
  std::string id;
  std::string phone;
  std::int64_t order = 0;  // the number the END named
};

struct SmsOrder {
  std::string phone;  // E.164
  std::string text;
};

struct LoadLog {
  std::mutex mu;
  std::vector<UssdSession> sessions;  // whose END reached the client
  std::vector<SmsOrder> sms;          // injected through fakesmsc
  std::vector<std::string> problems;
  std::atomic<long> hops{0};
  std::atomic<long> resent_hops{0};
  std::atomic<long> resent_confirmations{0};  // of them the last hop, that places the order

  void Problem(std::string p) {
    std::lock_guard lock(mu);
    if (problems.size() < 50) problems.push_back(std::move(p));
  }
};

// ---- The database, read by the test ----

struct OrderRow {
  std::int64_t id = 0;
  std::string phone, channel, source_key;
};
struct OutboxRow {
  std::int64_t id = 0;
  std::string to, text, status;
  std::int64_t order = 0;
};

std::unique_ptr<SqliteDb> OpenDb(const std::string& path) {
  auto db = SqliteDb::Open(path, SqliteDb::Mode::kReadOnly);
  if (!db.ok()) {
    ADD_FAILURE() << db.error().message;
    return nullptr;
  }
  return std::move(*db);
}

std::vector<OrderRow> ReadOrders(SqliteDb& db) {
  std::vector<OrderRow> out;
  auto s = db.Prepare("SELECT id, phone, channel, COALESCE(source_key, '') FROM orders");
  if (!s.ok()) {
    ADD_FAILURE() << s.error().message;
    return out;
  }
  while ((*s)->Step() == SQLITE_ROW) {
    out.push_back({(*s)->Int(0), (*s)->Text(1), (*s)->Text(2), (*s)->Text(3)});
  }
  return out;
}

std::vector<OutboxRow> ReadOutbox(SqliteDb& db) {
  std::vector<OutboxRow> out;
  auto s = db.Prepare("SELECT id, to_phone, body, status, COALESCE(order_id, 0) FROM outbox");
  if (!s.ok()) {
    ADD_FAILURE() << s.error().message;
    return out;
  }
  while ((*s)->Step() == SQLITE_ROW) {
    out.push_back({(*s)->Int(0), (*s)->Text(1), (*s)->Text(2), (*s)->Text(3), (*s)->Int(4)});
  }
  return out;
}

std::string Text(const FakesmscMessage& m) {
  return m.coding == FakesmscMessage::Coding::kUcs2 ? Utf16BeToUtf8(m.data) : m.data;
}

// ---- Kannel's way into the gateway ----

// smsbox's get-url and dlr-url point here (see GatewayRelay), counting the tries of each MO
// message.
class KannelFront {
 public:
  struct MoTries {
    std::string from;  // as Kannel writes %p: digits
    int tries = 0;
    int refused = 0;  // answers of the gateway other than 200
    bool answered_ok = false;
  };

  explicit KannelFront(int workers)
      : relay_(workers, [this](GatewayRelay::Exchange& e) { Count(e); }) {}

  std::string base_url() const { return relay_.base_url(); }
  void set_gateway_port(std::uint16_t port) { relay_.set_gateway_port(port); }
  // Every MO message by Kannel's id (%I).
  std::map<std::string, MoTries> mo() const {
    std::lock_guard lock(mu_);
    return mo_;
  }

 private:
  void Count(const GatewayRelay::Exchange& e) {
    auto q = e.target.find('?');
    if (q == std::string::npos || e.target.compare(0, q, "/sms/kannel") != 0) return;
    auto f = ParseForm(e.target.substr(q + 1));
    const std::string* id = f.ok() ? FindField(*f, "id") : nullptr;
    const std::string* from = f.ok() ? FindField(*f, "from") : nullptr;
    if (!id || !from) return;
    std::lock_guard lock(mu_);
    MoTries& t = mo_[*id];
    t.from = *from;
    ++t.tries;
    t.answered_ok |= e.gateway_status == 200;
    t.refused += e.gateway_status != 0 && e.gateway_status != 200;
  }

  mutable std::mutex mu_;
  std::map<std::string, MoTries> mo_;
  GatewayRelay relay_;  // last: its workers stop before the members they use go
};

// Tries smsbox makes for one MO message: 1 + http-request-retry of its kannel.conf.
int KannelTries(const std::string& kannel_dir) {
  std::istringstream conf(ReadFile(kannel_dir + "/kannel.conf"));
  for (std::string line; std::getline(conf, line);) {
    if (line.rfind("http-request-retry", 0) == 0) {
      return 1 + std::atoi(line.c_str() + line.find('=') + 1);
    }
  }
  return 1;
}

// Senders (digits) of MO messages Kannel dropped: every try failed (the gateway was down or
// died before answering each time).
std::set<std::string> DroppedByKannel(const std::map<std::string, KannelFront::MoTries>& mo,
                                      int tries) {
  std::set<std::string> out;
  for (const auto& [id, t] : mo) {
    if (!t.answered_ok && t.tries >= tries) out.insert(t.from);
  }
  return out;
}

// ---- The test ----

class CrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto port = ReservedPort::Take();  // kept until the end: the gateway restarts on it
    ASSERT_TRUE(port.ok()) << port.error().message;
    port_ = static_cast<std::uint16_t>(port->port());
    reserved_ = std::move(*port);
    front_.set_gateway_port(port_);

    KannelHarnessOptions options;
    options.mo_url = front_.base_url() + "/sms/kannel";
    options.token = kToken;
    auto kannel = KannelHarness::Start(options);
    ASSERT_TRUE(kannel.ok()) << kannel.error().message;
    kannel_ = std::move(*kannel);

    dir_.Write("catalog.csv", AmpleCatalog(codes_));
    ASSERT_FALSE(codes_.empty());
    // Kannel reaches the gateway (MO messages, delivery reports) through the front.
    std::string toml = "[gateway]\nlisten = \"127.0.0.1:" + std::to_string(port_) +
                       "\"\ndatabase = \"shop.db\"\nthreads = 2\n"
                       "\n[[shops]]\ncode = \"majubersama\"\nname = \"BUMDes Maju Bersama\"\n"
                       "managers = [\"" +
                       std::string(kManager) +
                       "\"]\ncatalog = \"catalog.csv\"\npickup = true\n"
                       "\n[ussd.africastalking]\npath = \"/ussd/africastalking\"\n"
                       "service_code = \"*123#\"\n"
                       "\n[sms]\nchannel = \"kannel\"\nretry_min_seconds = 1\n"
                       "retry_max_seconds = 2\n"
                       "\n[sms.kannel]\npath = \"/sms/kannel\"\nsendsms_url = \"" +
                       kannel_->SendsmsUrl() + "\"\nusername = \"" + options.username +
                       "\"\npassword = \"" + options.password + "\"\nsender = \"" + kShortCode +
                       "\"\ntoken = \"" + kToken + "\"\ndlr_url = \"" + front_.base_url() + "\"\n";
    config_ = dir_.Write("pesan.toml", toml);
    gateway_ = std::make_unique<ServeProcess>(config_, dir_.File("gateway.log"), port_);
  }

  void TearDown() override {
    if (HasFailure()) {
      if (kannel_) std::cerr << kannel_->LogTail();
      std::string log = ReadFile(dir_.File("gateway.log"));
      std::cerr << "--- gateway.log (tail)\n"
                << (log.size() > 4000 ? log.substr(log.size() - 4000) : log) << "\n";
    }
    gateway_.reset();
    kannel_.reset();
  }

  // One client: sessions one after another until told to stop, each hop after the answer to
  // the one before; a hop whose connection failed is sent again once the gateway is back.
  void UssdClient(int client) {
    std::mt19937 rng(seed_ + 100 + static_cast<unsigned>(client));
    for (long n = 0; !stop_load_; ++n) {
      UssdSession s;
      s.id = "c" + std::to_string(client) + "-" + std::to_string(n);
      s.phone = Digits("+62815", client * 10000000LL + n);
      bool ok = true;
      for (size_t h = 0; h < std::size(kHops) && ok && !abort_; ++h) {
        Pace(std::chrono::milliseconds(rng() % 25));  // the customer reads and types
        const std::string body =
            "sessionId=" + UrlEncode(s.id) + "&serviceCode=" + UrlEncode("*123#") +
            "&phoneNumber=" + UrlEncode(s.phone) + "&networkCode=51010&text=" + UrlEncode(kHops[h]);
        HttpResult r;
        for (int attempt = 0; !abort_; ++attempt) {
          long long generation = up_.Generation();
          r = HttpPost(port_, "/ussd/africastalking", body);
          ++log_.hops;
          if (r.status != 0) break;
          if (attempt >= 100) {
            log_.Problem("session " + s.id + " hop " + std::to_string(h + 1) + ": no connection");
            ok = false;
            break;
          }
          ++log_.resent_hops;
          if (h + 1 == std::size(kHops)) ++log_.resent_confirmations;
          up_.WaitAfter(generation, 2s);
        }
        if (!ok || abort_) break;
        const bool last = h + 1 == std::size(kHops);
        const char* want = last ? "END " : "CON ";
        if (r.status != 200 || r.body.rfind(want, 0) != 0 || (last && !OrderNumberIn(r.body))) {
          log_.Problem("session " + s.id + " hop " + std::to_string(h + 1) + ": " +
                       std::to_string(r.status) + " " + r.body);
          ok = false;
          break;
        }
        if (last) s.order = OrderNumberIn(r.body);
      }
      if (!ok || abort_) {
        if (abort_) return;
        continue;
      }
      std::lock_guard lock(log_.mu);
      log_.sessions.push_back(std::move(s));
    }
  }

  // SMS orders from new numbers through fakesmsc, until told to stop. The only user of the
  // harness while the load runs.
  void SmsSender(unsigned seed) {
    std::mt19937 rng(seed);
    for (long n = 0; !stop_load_ && !abort_; ++n) {
      const std::string from = Digits("62816", n);
      const std::string& code = codes_[static_cast<size_t>(n) % codes_.size()];
      const std::string text = "PESAN " + code + " " + std::to_string(1 + n % 3) +
                               " ALAMAT Jl Mawar " + std::to_string(n + 1);
      auto st = kannel_->InjectText(from, kShortCode, text);
      if (!st.ok()) {
        log_.Problem("cannot inject an SMS: " + st.error().message);
        return;
      }
      {
        std::lock_guard lock(log_.mu);
        log_.sms.push_back({"+" + from, text});
      }
      Pace(std::chrono::milliseconds(rng() % 20));
    }
  }

  // The pace of the load (not a wait for anything): returns early when the load stops.
  void Pace(std::chrono::milliseconds d) {
    std::unique_lock lock(pace_mu_);
    pace_cv_.wait_for(lock, d, [&] { return stop_load_.load(); });
  }

  void StopLoad(std::vector<std::thread>& threads) {
    {
      std::lock_guard lock(pace_mu_);
      stop_load_ = true;
    }
    pace_cv_.notify_all();
    for (auto& t : threads) t.join();
    threads.clear();
  }

  TempDir dir_;
  std::optional<ReservedPort> reserved_;
  std::uint16_t port_ = 0;
  KannelFront front_{4};
  std::string config_;
  std::vector<std::string> codes_;
  std::unique_ptr<KannelHarness> kannel_;
  std::unique_ptr<ServeProcess> gateway_;
  Availability up_;
  LoadLog log_;
  unsigned seed_ = 0;
  std::atomic<bool> stop_load_{false};
  std::atomic<bool> abort_{false};
  std::mutex pace_mu_;
  std::condition_variable pace_cv_;
};

TEST_F(CrashTest, NothingLostOrDoubledAcrossSigkill) {
  const int kills = std::max(1, EnvInt("PESAN_CRASH_KILLS", 5));
  const unsigned seed = std::getenv("PESAN_CRASH_SEED")
                            ? static_cast<unsigned>(EnvInt("PESAN_CRASH_SEED", 0))
                            : std::random_device{}();
  std::cout << "[ crash    ] seed " << seed << " (PESAN_CRASH_SEED=" << seed << " replays it), "
            << kills << " kills" << std::endl;
  RecordProperty("seed", std::to_string(seed));
  seed_ = seed;
  std::mt19937 rng(seed);
  const std::string db_path = dir_.File("shop.db");

  ASSERT_TRUE(gateway_->Start().ok());
  up_.Up();

  std::vector<std::thread> load;
  struct Finally {
    std::function<void()> f;
    ~Finally() { f(); }
  } joiner{[&] {
    abort_ = true;
    up_.Up();  // wakes clients waiting for a gateway
    StopLoad(load);
  }};
  for (int c = 0; c < kUssdClients; ++c) load.emplace_back([this, c] { UssdClient(c); });
  load.emplace_back([this, seed] { SmsSender(seed + 1); });

  // Outbox rows a kill found queued (each such kill may have cut a send that Kannel had
  // accepted before the gateway recorded it), and rows a kill found recorded as sent.
  std::map<std::int64_t, int> queued_at_kill;
  std::set<std::int64_t> recorded_at_kill;
  std::uniform_int_distribution<int> delay_ms(0, 800);
  std::vector<long> downtimes;  // ms from a kill until the next gateway answers
  for (int k = 1; k <= kills; ++k) {
    // A random moment of the load: the point of the test, not a wait for anything.
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng)));
    up_.Down();
    const auto killed = std::chrono::steady_clock::now();
    gateway_->Kill();
    {
      auto db = OpenDb(db_path);
      ASSERT_TRUE(db);
      auto s = db->Prepare("SELECT id, status FROM outbox");
      ASSERT_TRUE(s.ok()) << s.error().message;
      while ((*s)->Step() == SQLITE_ROW) {
        const std::string status = (*s)->Text(1);
        if (status == "queued") ++queued_at_kill[(*s)->Int(0)];
        if (status == "sent" || status == "delivered") recorded_at_kill.insert((*s)->Int(0));
      }
    }
    auto st = gateway_->Start();
    ASSERT_TRUE(st.ok()) << "start " << k + 1 << ": " << st.error().message;
    up_.Up();
    downtimes.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - killed)
                            .count());
  }
  std::sort(downtimes.begin(), downtimes.end());

  // The last gateway stays up: the clients finish their sessions, Kannel delivers what it
  // holds, the outbox drains.
  StopLoad(load);
  std::vector<UssdSession> sessions;
  std::vector<SmsOrder> sms;
  {
    std::lock_guard lock(log_.mu);
    sessions = log_.sessions;
    sms = log_.sms;
    for (const auto& p : log_.problems) ADD_FAILURE() << p;
  }
  ASSERT_FALSE(sessions.empty());
  ASSERT_FALSE(sms.empty());

  const int kannel_tries = KannelTries(kannel_->dir());
  std::vector<OrderRow> orders;
  std::vector<OutboxRow> outbox;
  std::vector<FakesmscMessage> arrived;
  std::set<std::string> given_up;
  std::map<std::pair<std::string, std::string>, int> arrivals;  // (to, text) -> count
  std::string waiting_for;
  bool drained = WaitFor(
      [&] {
        // Pokes the fake SMSC so that it reads what bearerbox sent it.
        arrived = kannel_->WaitForMessages(SIZE_MAX, 100ms);
        auto db = OpenDb(db_path);
        if (!db) return false;
        orders = ReadOrders(*db);
        outbox = ReadOutbox(*db);
        given_up = DroppedByKannel(front_.mo(), kannel_tries);
        arrivals.clear();
        for (const auto& m : arrived) ++arrivals[{m.to, Text(m)}];
        std::set<std::string> ordered;
        for (const auto& o : orders) ordered.insert(o.phone);
        size_t pending_mo = 0, queued = 0, missing = 0;
        for (const auto& m : sms) {
          pending_mo += !ordered.count(m.phone) && !given_up.count(m.phone.substr(1));
        }
        for (const auto& row : outbox) {
          queued += row.status == "queued";
          missing += !arrivals.count({row.to, row.text});
        }
        waiting_for = std::to_string(pending_mo) + " SMS order(s) without an order, " +
                      std::to_string(queued) + " outbox row(s) queued, " + std::to_string(missing) +
                      " row(s) not at the SMSC";
        return pending_mo == 0 && queued == 0 && missing == 0;
      },
      kDrainDeadline);
  EXPECT_TRUE(drained) << "still waiting for: " << waiting_for;

  // ---- Orders ----
  std::map<std::string, std::vector<const OrderRow*>> by_phone, by_source;
  std::set<std::int64_t> order_ids;
  for (const auto& o : orders) {
    by_phone[o.phone].push_back(&o);
    if (!o.source_key.empty()) by_source[o.source_key].push_back(&o);
    EXPECT_TRUE(order_ids.insert(o.id).second) << "order id " << o.id << " twice";
  }
  std::set<std::string> known_phones;
  for (const auto& s : sessions) {
    known_phones.insert(s.phone);
    const auto& keyed = by_source["ussd:at:" + s.id];
    EXPECT_EQ(keyed.size(), 1u) << "session " << s.id << ": " << keyed.size() << " order(s)";
    EXPECT_EQ(by_phone[s.phone].size(), 1u) << "session " << s.id << " (" << s.phone << ")";
    if (keyed.size() == 1) {
      EXPECT_EQ(keyed[0]->id, s.order) << "session " << s.id << ": its END named another order";
      EXPECT_EQ(keyed[0]->phone, s.phone);
      EXPECT_EQ(keyed[0]->channel, "ussd");
    }
  }
  size_t sms_orders = 0, confirmed = 0, dropped_by_kannel = 0;
  // What Kannel's tries met: a gateway that was down or died before answering is expected; a
  // gateway that answered anything but 200 (it could not record the message) is not.
  long mo_tries = 0, mo_refused = 0;
  for (const auto& [id, t] : front_.mo()) {
    mo_tries += t.tries;
    mo_refused += t.refused;
  }
  EXPECT_EQ(mo_refused, 0) << "the gateway refused MO messages it was given";
  for (const auto& m : sms) {
    known_phones.insert(m.phone);
    const auto& placed = by_phone[m.phone];
    EXPECT_LE(placed.size(), 1u) << m.phone << " \"" << m.text << "\" made " << placed.size()
                                 << " orders";
    sms_orders += placed.size();
    if (placed.empty()) {
      // Lost, unless Kannel found the gateway down at every try and dropped it.
      EXPECT_TRUE(given_up.count(m.phone.substr(1)))
          << m.phone << " \"" << m.text << "\" made no order";
      ++dropped_by_kannel;
      continue;
    }
    EXPECT_EQ(placed[0]->channel, "sms");
    // The customer's confirmation names the order.
    bool got_confirmation = false;
    for (const auto& a : arrived) {
      if (a.to == m.phone && OrderNumberIn(Text(a)) == placed[0]->id) got_confirmation = true;
    }
    confirmed += got_confirmation;
    EXPECT_TRUE(got_confirmation) << m.phone << ": no confirmation of order " << placed[0]->id;
  }
  for (const auto& o : orders) {
    EXPECT_TRUE(known_phones.count(o.phone)) << "order " << o.id << " from unknown " << o.phone;
  }
  EXPECT_EQ(orders.size(), sessions.size() + sms_orders);

  // ---- Outbox and what reached the SMSC ----
  std::map<std::int64_t, int> rows_per_order;
  std::map<std::string, int> rows_per_customer;
  std::map<std::pair<std::string, std::string>, int> rows_per_text;
  size_t sent = 0, delivered = 0, duplicates = 0, rows_resent = 0, caught = 0;
  int most_for_recorded = 0;  // arrivals of a row recorded sent before some kill
  for (const auto& row : outbox) {
    ++rows_per_order[row.order];
    if (row.to != kManager) ++rows_per_customer[row.to];
    ++rows_per_text[{row.to, row.text}];
    EXPECT_NE(row.order, 0) << "outbox " << row.id << " to " << row.to
                            << " belongs to no order: " << row.text;
    EXPECT_TRUE(row.status == "sent" || row.status == "delivered")
        << "outbox " << row.id << " is " << row.status << ": " << row.text;
    sent += row.status == "sent";
    delivered += row.status == "delivered";
    const int got = arrivals[{row.to, row.text}];
    const int kills_found_it_queued = queued_at_kill.count(row.id) ? queued_at_kill[row.id] : 0;
    caught += kills_found_it_queued > 0;
    EXPECT_GE(got, 1) << "outbox " << row.id << " never reached the SMSC: " << row.text;
    EXPECT_LE(got, 1 + kills_found_it_queued)
        << "outbox " << row.id << " reached the SMSC " << got << " times, " << kills_found_it_queued
        << " kill(s) found it unsent" << (recorded_at_kill.count(row.id) ? ", recorded sent" : "")
        << ": " << row.text;
    if (recorded_at_kill.count(row.id)) most_for_recorded = std::max(most_for_recorded, got);
    if (got > 1) {
      duplicates += got - 1;
      ++rows_resent;
    }
  }
  for (const auto& [key, n] : rows_per_text) {
    EXPECT_EQ(n, 1) << "outbox holds " << n << " rows for " << key.first << ": " << key.second;
  }
  for (const auto& o : orders) {
    // The customer's confirmation and the manager's alert, queued with the order.
    EXPECT_EQ(rows_per_order[o.id], 2) << "order " << o.id;
  }
  EXPECT_EQ(outbox.size(), 2 * orders.size());
  for (const auto& phone : known_phones) {
    // Each customer was sent one SMS: the confirmation of the one order.
    EXPECT_EQ(rows_per_customer[phone], by_phone[phone].empty() ? 0 : 1)
        << phone << " was sent " << rows_per_customer[phone] << " SMS";
  }
  for (const auto& [key, n] : arrivals) {
    EXPECT_TRUE(rows_per_text.count(key))
        << "the SMSC got a message no outbox row holds: " << key.first << ": " << key.second;
  }

  // The last gateway stops cleanly.
  EXPECT_EQ(gateway_->Stop(), 0);

  std::cout << "[ crash    ] " << kills << " kills (seed " << seed << "), " << gateway_->starts()
            << " starts of pesan serve, down " << downtimes[downtimes.size() / 2]
            << " ms at the median, " << downtimes.back() << " ms at most\n"
            << "[ crash    ] USSD: " << sessions.size() << " sessions completed, " << log_.hops
            << " hops sent, " << log_.resent_hops << " resent after a failed connection ("
            << log_.resent_confirmations << " confirming an order)\n"
            << "[ crash    ] SMS orders: " << sms.size() << " injected, " << sms_orders
            << " ordered, " << confirmed << " confirmed at the SMSC, " << dropped_by_kannel
            << " dropped by Kannel (the gateway down at every try); Kannel tried " << mo_tries
            << " times, the gateway refused " << mo_refused << "\n"
            << "[ crash    ] orders: " << orders.size() << " (" << sessions.size() << " USSD, "
            << sms_orders << " SMS), none twice\n"
            << "[ crash    ] outbox: " << outbox.size() << " SMS queued, " << sent + delivered
            << " sent (" << delivered << " reported delivered), "
            << outbox.size() - sent - delivered << " left\n"
            << "[ crash    ] SMSC: " << arrived.size() << " messages received; " << caught
            << " rows found unrecorded by a kill, " << rows_resent << " of them sent again ("
            << duplicates << " duplicate(s)); " << recorded_at_kill.size()
            << " rows recorded sent before a kill reached it at most " << most_for_recorded
            << " time(s)" << std::endl;
}

}  // namespace
}  // namespace pesan::testing
