#include "tests/support/kannel_harness.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace pesan::testing {
namespace {

using Coding = FakesmscMessage::Coding;

// Binds a socket to 127.0.0.1:`port` (SO_REUSEADDR if `reuse`) and returns bind's errno, 0 when
// bound. A bound socket goes to `fd` when given; otherwise, and when not bound, it is closed.
int BindLoopback(int port, bool reuse, int* fd = nullptr) {
  int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int on = 1;
  if (reuse) setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  int err = bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 ? 0 : errno;
  if (fd && err == 0) {
    *fd = s;
  } else {
    close(s);
  }
  return err;
}

TEST(ReservedPort, HeldAgainstOthersYetAServerWithReuseAddrListensOnItAgainAndAgain) {
  auto reserved = ReservedPort::Take();
  ASSERT_TRUE(reserved.ok()) << reserved.error().message;
  const int port = reserved->port();
  ASSERT_GT(port, 0);
  // Anyone else binding it plainly is refused: the port is not free for others.
  EXPECT_EQ(BindLoopback(port, false), EADDRINUSE);
  // A server that sets SO_REUSEADDR (Kannel, the gateway) listens on it, stops, and listens again.
  for (int round = 0; round < 2; ++round) {
    int server = -1;
    ASSERT_EQ(BindLoopback(port, true, &server), 0) << "round " << round;
    EXPECT_EQ(listen(server, 4), 0) << "round " << round;
    close(server);
  }
  // Moved, it is still held; dropped, it is free again.
  ReservedPort moved = std::move(*reserved);
  EXPECT_EQ(moved.port(), port);
  EXPECT_EQ(BindLoopback(port, false), EADDRINUSE);
  { ReservedPort gone = std::move(moved); }
  EXPECT_EQ(BindLoopback(port, false), 0);
}

TEST(FakesmscLine, ParsesEveryFormKannelWrites) {
  // As Kannel 1.4.5's smsc_fake wrote them to fakesmsc.
  auto text = ParseFakesmscLine("1234 628111 text Halo € café {}");
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(text->from, "1234");
  EXPECT_EQ(text->to, "628111");
  EXPECT_EQ(text->coding, Coding::k7Bit);
  EXPECT_EQ(text->data, "Halo € café {}");
  EXPECT_TRUE(text->udh.empty());

  auto ucs2 = ParseFakesmscLine("1234 628111 ucs-2 %063%06D%06'%06E%00+%D8%3D%DE%00");
  ASSERT_TRUE(ucs2.ok());
  EXPECT_EQ(ucs2->coding, Coding::kUcs2);
  EXPECT_EQ(ucs2->data, std::string("\x06\x33\x06\x44\x06\x27\x06\x45\x00 \xD8\x3D\xDE\x00", 14));

  auto data = ParseFakesmscLine("1 2 data %00%FF");
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(data->coding, Coding::k8Bit);
  EXPECT_EQ(data->data, std::string("\x00\xFF", 2));

  auto part = ParseFakesmscLine("1234 628111 udh %05%00%03%03%02%01 data abc+def");
  ASSERT_TRUE(part.ok());
  EXPECT_EQ(part->coding, Coding::kUnknown);
  EXPECT_EQ(part->udh, std::string("\x05\x00\x03\x03\x02\x01", 6));
  EXPECT_EQ(part->data, "abc def");

  for (const char* bad : {"", "1 2", "1 2 text", "1 2 fax hello", "1 2 udh %05 text x",
                          "1 2 ucs-2 %G0", "1 2 udh %05%00 data"}) {
    EXPECT_FALSE(ParseFakesmscLine(bad).ok()) << bad;
  }
  auto empty = ParseFakesmscLine("1 2 text ");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->data, "");
}

FakesmscMessage Part(std::string to, std::string udh, std::string data) {
  FakesmscMessage m;
  m.from = "3636";
  m.to = std::move(to);
  m.udh = std::move(udh);
  m.data = std::move(data);
  return m;
}

TEST(FakesmscJoin, JoinsPartsInAnyOrderAndKeepsArrivalOrder) {
  const std::string a1("\x05\x00\x03\x07\x02\x01", 6), a2("\x05\x00\x03\x07\x02\x02", 6);
  const std::string b1("\x06\x08\x04\x01\x00\x02\x01", 7), b2("\x06\x08\x04\x01\x00\x02\x02", 7);
  std::vector<FakesmscMessage> parts = {
      Part("A", a2, "world"),  Part("B", b1, "16-bit "), Part("C", "", "single"),
      Part("A", a1, "hello "), Part("B", b2, "ref"),     Part("D", a1, "never completed"),
  };
  auto whole = JoinConcatenated(parts);
  ASSERT_EQ(whole.size(), 3u);
  EXPECT_EQ(whole[0].to, "A");
  EXPECT_EQ(whole[0].data, "hello world");
  EXPECT_EQ(whole[0].parts, 2);
  EXPECT_TRUE(whole[0].udh.empty());
  EXPECT_EQ(whole[1].to, "B");
  EXPECT_EQ(whole[1].data, "16-bit ref");
  EXPECT_EQ(whole[2].to, "C");
  EXPECT_EQ(whole[2].parts, 1);
}

TEST(FakesmscJoin, AReferenceCanBeUsedAgain) {
  const std::string p1("\x05\x00\x03\x01\x02\x01", 6), p2("\x05\x00\x03\x01\x02\x02", 6);
  auto whole = JoinConcatenated(
      {Part("A", p1, "a"), Part("A", p2, "b"), Part("A", p1, "c"), Part("A", p2, "d")});
  ASSERT_EQ(whole.size(), 2u);
  EXPECT_EQ(whole[0].data, "ab");
  EXPECT_EQ(whole[1].data, "cd");
}

}  // namespace
}  // namespace pesan::testing
