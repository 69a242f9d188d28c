// The HTTP server on its own: how connections are spread over its network threads.
#include "gateway/http_server.h"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include "tests/support/test_support.h"

namespace pesan::testing {
namespace {

using boost::asio::ip::tcp;

// Sends one request on an open connection and returns the answer's body.
std::string Ask(tcp::socket& s) {
  const std::string req = "GET /thread HTTP/1.1\r\nHost: x\r\n\r\n";
  boost::asio::write(s, boost::asio::buffer(req));
  std::string got;
  char buf[512];
  while (true) {
    const size_t n = s.read_some(boost::asio::buffer(buf));
    got.append(buf, n);
    const auto head_end = got.find("\r\n\r\n");
    if (head_end == std::string::npos) continue;
    const auto len_at = got.find("Content-Length: ");
    const size_t len = std::stoul(got.substr(len_at + 16));
    if (got.size() >= head_end + 4 + len) return got.substr(head_end + 4, len);
  }
}

TEST(HttpServer, ConnectionsAreSpreadEvenlyOverTheThreads) {
  HttpServer server(HttpLimits{}, 2);
  server.Route("/thread", [](const HttpRequest&, HttpReply reply) {
    std::ostringstream id;
    id << std::this_thread::get_id();
    reply({200, "text/plain", id.str()});
  });
  ASSERT_TRUE(server.Start("127.0.0.1", 0));
  boost::asio::io_context ioc;
  std::vector<std::unique_ptr<tcp::socket>> open;
  std::map<std::string, int> per_thread;
  // Opened one after the other and all kept open: each goes to the thread with fewer.
  for (int i = 0; i < 16; ++i) {
    auto s = std::make_unique<tcp::socket>(ioc);
    s->connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), server.port()));
    ++per_thread[Ask(*s)];
    open.push_back(std::move(s));
  }
  ASSERT_EQ(per_thread.size(), 2u);
  for (const auto& [thread, n] : per_thread) EXPECT_EQ(n, 8) << thread;
  // Every connection stays on its thread.
  for (auto& s : open) EXPECT_EQ(per_thread.count(Ask(*s)), 1u);
  server.Stop(std::chrono::milliseconds(0));
}

TEST(HttpServer, WhatItRefusesItselfIsTold) {
  struct Told {
    std::string what, from, why;
    int status;
  };
  std::mutex mu;
  std::vector<Told> told;
  HttpLimits limits;
  limits.max_connections = 1;
  HttpServer server(limits, 2);
  server.Route("/thread", [](const HttpRequest&, HttpReply reply) {
    reply({200, "text/plain", ""});
  });
  server.OnRefused(
      [&](std::string_view what, std::string_view from, int status, std::string_view why) {
        std::lock_guard lock(mu);
        told.push_back({std::string(what), std::string(from), std::string(why), status});
      });
  ASSERT_TRUE(server.Start("127.0.0.1", 0));
  const tcp::endpoint at(boost::asio::ip::make_address("127.0.0.1"), server.port());
  const auto count = [&] {
    std::lock_guard lock(mu);
    return told.size();
  };
  boost::asio::io_context ioc;
  tcp::socket first(ioc);
  first.connect(at);
  Ask(first);  // open and served: the limit is reached
  tcp::socket second(ioc);
  second.connect(at);
  ASSERT_TRUE(WaitFor([&] { return count() == 1; }));
  {
    std::lock_guard lock(mu);
    EXPECT_EQ(told[0].what, "a connection");
    EXPECT_EQ(told[0].from, "127.0.0.1");
    EXPECT_EQ(told[0].status, 0);
    EXPECT_EQ(told[0].why, "connection limit 1 reached");
  }
  boost::asio::write(first, boost::asio::buffer(std::string("GET /nowhere HTTP/1.1\r\n\r\n")));
  ASSERT_TRUE(WaitFor([&] { return count() == 2; }));
  {
    std::lock_guard lock(mu);
    EXPECT_EQ(told[1].what, "a request");
    EXPECT_EQ(told[1].status, 404);
    EXPECT_EQ(told[1].why, "not found");
  }
  server.Stop(std::chrono::milliseconds(0));
}

}  // namespace
}  // namespace pesan::testing
