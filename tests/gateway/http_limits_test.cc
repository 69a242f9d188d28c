// The HTTP server's limits, each hit on purpose.
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "tests/support/test_support.h"

namespace pesan::testing {
namespace {

using boost::asio::ip::tcp;

std::string WithGateway(const TempDir& dir, const std::string& gateway_keys) {
  std::string cfg = DemoConfig(dir);
  cfg.replace(cfg.find("threads = 2\n"), 12, "threads = 2\n" + gateway_keys);
  return cfg;
}

TEST(HttpLimits, OversizedHeadIsRefused) {
  TempDir dir;
  SystemClock clock;
  TestGateway gw(dir, DemoConfig(dir), clock);
  boost::asio::io_context ioc;
  tcp::socket s(ioc);
  s.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), gw.port()));
  std::string req =
      "POST /ussd/africastalking HTTP/1.1\r\nHost: x\r\nX-Junk: " + std::string(20000, 'j') +
      "\r\nContent-Length: 0\r\n\r\n";
  boost::system::error_code ec;
  boost::asio::write(s, boost::asio::buffer(req), ec);
  std::string answer(64, '\0');
  size_t n = s.read_some(boost::asio::buffer(answer), ec);
  answer.resize(n);
  EXPECT_EQ(answer.rfind("HTTP/1.1 431", 0), 0u) << answer;
}

// A client that keeps sending what the server cannot read is logged once an hour, not every
// time: the gateway's own refusals go the way its endpoints' do.
TEST(HttpLimits, UnreadableRequestsAreLoggedOnceAnHour) {
  CapturedLog log;
  TempDir dir;
  ManualClock clock;
  TestGateway gw(dir, DemoConfig(dir), clock);
  for (int i = 0; i < 3; ++i) {
    boost::asio::io_context ioc;
    tcp::socket s(ioc);
    s.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), gw.port()));
    boost::asio::write(s, boost::asio::buffer(std::string("NOT HTTP AT ALL\r\n\r\n")));
    std::string answer(64, '\0');
    boost::system::error_code ec;
    answer.resize(s.read_some(boost::asio::buffer(answer), ec));
    EXPECT_EQ(answer.rfind("HTTP/1.1 400", 0), 0u) << answer;
  }
  EXPECT_EQ(HttpGet(gw.port(), "/nowhere").status, 404);
  EXPECT_EQ(log.Count("http: refused a request from 127.0.0.1 with 400: bad request (first"), 1)
      << log.Lines();
  EXPECT_EQ(log.Count("http: refused a request from 127.0.0.1 with 404: not found (first"), 1)
      << log.Lines();
  EXPECT_EQ(log.Count("http: refused"), 2) << log.Lines();
}

TEST(HttpLimits, SlowClientIsCutOffAtTheRequestDeadline) {
  TempDir dir;
  SystemClock clock;
  TestGateway gw(dir, WithGateway(dir, "request_timeout_seconds = 1\n"), clock);
  boost::asio::io_context ioc;
  tcp::socket s(ioc);
  s.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), gw.port()));
  boost::system::error_code ec;
  boost::asio::write(
      s, boost::asio::buffer(std::string("POST /ussd/africastalking HTTP/1.1\r\nHo")), ec);
  // The client never finishes its request; the server closes the connection at its deadline.
  auto start = std::chrono::steady_clock::now();
  char c;
  size_t n = s.read_some(boost::asio::buffer(&c, 1), ec);
  auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(n, 0u);
  EXPECT_TRUE(ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset)
      << ec.message();
  EXPECT_LT(waited, std::chrono::seconds(10));
  // Meanwhile and afterwards, others are served.
  EXPECT_EQ(HttpGet(gw.port(), "/health").status, 200);
}

TEST(HttpLimits, BodyLimitIsConfigurable) {
  TempDir dir;
  SystemClock clock;
  TestGateway gw(dir, WithGateway(dir, "max_body_bytes = 1024\n"), clock);
  std::string body = "sessionId=a&phoneNumber=%2B6281200000001&text=" + std::string(1100, '1');
  EXPECT_EQ(HttpPost(gw.port(), "/ussd/africastalking", body).status, 413);
  EXPECT_EQ(HttpPost(gw.port(), "/ussd/africastalking", body.substr(0, 900)).status, 200);
}

}  // namespace
}  // namespace pesan::testing
