// The per-number limit of USSD sessions (ussd_sessions_per_hour), on the USSD service itself with
// a manual clock, for both ways in (whole paths and one input at a time), and over real HTTP.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <future>
#include <sstream>

#include "core/phone.h"
#include "tests/support/test_support.h"

namespace pesan::testing {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

// The demo shop with `extra` lines in [gateway].
std::string Config(const TempDir& dir, const std::string& extra) {
  std::string cfg = DemoConfig(dir);
  cfg.replace(cfg.find("threads = 2\n"), 12, "threads = 2\n" + extra);
  return cfg;
}

// Waits for the answer of one hop (it may come from the database writer's thread).
UssdAnswer Wait(const std::function<void(UssdService::Done)>& hop) {
  auto p = std::make_shared<std::promise<UssdAnswer>>();
  auto f = p->get_future();
  hop([p](UssdAnswer a) { p->set_value(std::move(a)); });
  if (f.wait_for(seconds(10)) != std::future_status::ready) return {"(no answer)", true, 0};
  return f.get();
}

UssdAnswer Hop(Gateway& g, const std::string& key, const std::string& phone,
               const std::string& text) {
  return Wait([&](UssdService::Done done) { g.ussd().Hop(key, phone, text, std::move(done)); });
}

UssdAnswer Latest(Gateway& g, const std::string& key, const std::string& phone,
                  const std::string& input, long long seq, bool opening) {
  return Wait([&](UssdService::Done done) {
    g.ussd().HopLatest(key, phone, input, seq, opening, std::move(done));
  });
}

bool Refused(const UssdAnswer& a) {
  return a.end && a.text.find("terlalu banyak sesi") != std::string::npos;
}

// Captures what the gateway logs while it lives.
class LogCapture {
 public:
  LogCapture() : sink_(std::make_shared<spdlog::sinks::ostream_sink_mt>(out_)) {
    spdlog::default_logger()->sinks().push_back(sink_);
  }
  ~LogCapture() {
    auto& sinks = spdlog::default_logger()->sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
  }
  std::string Text() {
    sink_->flush();
    return out_.str();
  }
  int Count(const std::string& what) {
    std::string all = Text();
    int n = 0;
    for (auto at = all.find(what); at != std::string::npos; at = all.find(what, at + 1)) ++n;
    return n;
  }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink_;
};

TEST(UssdRateLimit, ANumberOverItsLimitGetsAShortEndAndOpenSessionsGoOn) {
  TempDir dir;
  ManualClock clock;
  LogCapture log;
  TestGateway gw(dir, Config(dir, "ussd_sessions_per_hour = 3\n"), clock);
  Gateway& g = gw.gateway();
  const std::string phone = "+6281200000101";
  for (int i = 1; i <= 3; ++i) {
    auto a = Hop(g, "at:S" + std::to_string(i), phone, "");
    EXPECT_FALSE(a.end) << i << ": " << a.text;
    clock.Advance(minutes(1));
  }
  // The fourth session of the hour is refused, in a screen that fits one message.
  auto refused = Hop(g, "at:S4", phone, "");
  EXPECT_TRUE(Refused(refused)) << refused.text;
  EXPECT_NE(refused.text.find("dalam 57 menit"), std::string::npos) << refused.text;
  EXPECT_LE(refused.text.size(), 160u);
  // So is it again (a resend of the refused hop, or a dialling loop), and with a path.
  EXPECT_TRUE(Refused(Hop(g, "at:S4", phone, "")));
  EXPECT_TRUE(Refused(Hop(g, "at:S5", phone, "1*1")));
  // The sessions already open go on, their resent hops are answered as before.
  auto first = Hop(g, "at:S1", phone, "1");
  EXPECT_FALSE(first.end) << first.text;
  EXPECT_EQ(Hop(g, "at:S1", phone, "1").text, first.text);
  EXPECT_FALSE(Hop(g, "at:S2", phone, "").end);
  EXPECT_FALSE(Hop(g, "at:S3", phone, "1*1").end);
  // Other numbers are not affected.
  EXPECT_FALSE(Hop(g, "at:O1", "+6281200000102", "").end);
  // The refusal is logged once in the window, without the whole number.
  EXPECT_EQ(log.Count("new ones refused"), 1) << log.Text();
  EXPECT_NE(log.Text().find(MaskPhone(phone)), std::string::npos) << log.Text();
  EXPECT_EQ(log.Text().find(phone), std::string::npos) << log.Text();
  // An hour after the number's first session it may open sessions again (and is logged again
  // when it passes the limit in the new window).
  clock.Advance(minutes(57));
  for (int i = 6; i <= 8; ++i) {
    EXPECT_FALSE(Hop(g, "at:S" + std::to_string(i), phone, "").end) << i;
  }
  EXPECT_TRUE(Refused(Hop(g, "at:S9", phone, "")));
  EXPECT_EQ(log.Count("new ones refused"), 2) << log.Text();
}

TEST(UssdRateLimit, OneInputAtATimeCountsOpeningsNotResendsOrLaterHops) {
  TempDir dir;
  ManualClock clock;
  TestGateway gw(dir, Config(dir, "ussd_sessions_per_hour = 2\n"), clock);
  Gateway& g = gw.gateway();
  const std::string phone = "+6281200000103";
  auto open1 = Latest(g, "hubtel:A", phone, "", 1, true);
  EXPECT_FALSE(open1.end) << open1.text;
  EXPECT_EQ(Latest(g, "hubtel:A", phone, "", 1, true).text, open1.text);  // resent opening
  EXPECT_FALSE(Latest(g, "hubtel:A", phone, "1", 2, false).end);
  EXPECT_FALSE(Latest(g, "hubtel:A", phone, "1", 2, false).end);  // resent hop
  EXPECT_FALSE(Latest(g, "smpp:B", phone, "", 0, true).end);
  // A third opening in the hour: refused; the open sessions still take their inputs.
  EXPECT_TRUE(Refused(Latest(g, "smpp:C", phone, "", 0, true)));
  auto product = Latest(g, "hubtel:A", phone, "1", 3, false);
  EXPECT_FALSE(product.end) << product.text;
  EXPECT_NE(product.text.find("Jumlah"), std::string::npos) << product.text;
  EXPECT_FALSE(Latest(g, "smpp:B", phone, "1", 1, false).end);
}

TEST(UssdRateLimit, TheRefusalIsInTheCustomersLanguage) {
  TempDir dir;
  ManualClock clock;
  TestGateway gw(dir, Config(dir, "ussd_sessions_per_hour = 2\n"), clock);
  Gateway& g = gw.gateway();
  const std::string phone = "+6281200000104";
  auto switched = Hop(g, "at:L1", phone, "4*2");  // Language, English
  EXPECT_NE(switched.text.find("1 Shop"), std::string::npos) << switched.text;
  EXPECT_FALSE(Hop(g, "at:L2", phone, "").end);
  auto refused = Hop(g, "at:L3", phone, "");
  EXPECT_TRUE(refused.end);
  EXPECT_NE(refused.text.find("Please try again in 60 min"), std::string::npos) << refused.text;
}

TEST(UssdRateLimit, ZeroMeansNoLimit) {
  TempDir dir;
  ManualClock clock;
  TestGateway gw(dir, Config(dir, "ussd_sessions_per_hour = 0\n"), clock);
  Gateway& g = gw.gateway();
  for (int i = 0; i < 100; ++i) {
    ASSERT_FALSE(Hop(g, "at:Z" + std::to_string(i), "+6281200000105", "").end) << i;
  }
  EXPECT_EQ(g.ussd().counted_numbers(), 0u);
}

TEST(UssdRateLimit, TheCountsAreBoundedAndSweptWithTheSessions) {
  TempDir dir;
  ManualClock clock;
  TestGateway gw(dir, Config(dir, "max_sessions = 10\nussd_sessions_per_hour = 1\n"), clock);
  Gateway& g = gw.gateway();
  for (int i = 0; i < 50; ++i) {
    ASSERT_FALSE(
        Hop(g, "at:M" + std::to_string(i), "+62812000002" + std::to_string(10 + i), "").end)
        << i;
    clock.Advance(seconds(1));
  }
  EXPECT_LE(g.ussd().counted_numbers(), 10u);
  // The newest numbers are still counted: their second session is refused.
  EXPECT_TRUE(Refused(Hop(g, "at:M49b", "+6281200000259", "")));
  // Counts outlive idle sessions (a number cannot reset its count by waiting five minutes)...
  clock.Advance(minutes(10));
  EXPECT_EQ(g.ussd().Sweep(), 0u);
  EXPECT_GT(g.ussd().counted_numbers(), 0u);
  EXPECT_TRUE(Refused(Hop(g, "at:M49c", "+6281200000259", "")));
  // ...and are forgotten with the sweep once their hour is over.
  clock.Advance(minutes(60));
  g.ussd().Sweep();
  EXPECT_EQ(g.ussd().counted_numbers(), 0u);
  EXPECT_FALSE(Hop(g, "at:M49d", "+6281200000259", "").end);
}

TEST(UssdRateLimit, OverRealHttpTheThirdSessionEnds) {
  TempDir dir;
  SystemClock clock;
  TestGateway gw(dir, Config(dir, "ussd_sessions_per_hour = 2\n"), clock);
  const std::string phone = "+6281200000106";
  EXPECT_EQ(gw.Ussd("H1", phone, "").body.substr(0, 4), "CON ");
  EXPECT_EQ(gw.Ussd("H2", phone, "").body.substr(0, 4), "CON ");
  auto third = gw.Ussd("H3", phone, "");
  EXPECT_EQ(third.status, 200);
  EXPECT_EQ(third.body.substr(0, 4), "END ") << third.body;
  EXPECT_NE(third.body.find("Silakan coba lagi dalam"), std::string::npos) << third.body;
  // The first session still orders.
  for (const char* t : {"1", "1*1", "1*1*2", "1*1*2*Jl Mawar 3 RT02"}) {
    EXPECT_EQ(gw.Ussd("H1", phone, t).body.substr(0, 4), "CON ") << t;
  }
  auto end = gw.Ussd("H1", phone, "1*1*2*Jl Mawar 3 RT02*1");
  EXPECT_NE(end.body.find("diterima"), std::string::npos) << end.body;
}

}  // namespace
}  // namespace pesan::testing
