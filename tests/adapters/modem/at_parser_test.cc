#include "adapters/modem/at_parser.h"

#include <gtest/gtest.h>

#include "adapters/modem/at_responses.h"

namespace pesan::modem {
namespace {

using Kind = AtEvent::Kind;

AtContext Pending(std::string prefix = "", bool prompt = false) {
  AtContext c;
  c.command_pending = true;
  c.response_prefix = std::move(prefix);
  c.expect_prompt = prompt;
  return c;
}

std::vector<AtEvent> FeedAll(AtParser& p, std::string_view bytes, const AtContext& ctx) {
  std::vector<AtEvent> out;
  p.Feed(bytes, ctx, &out);
  return out;
}

// Feeds one byte at a time: framing must not depend on how reads split the stream.
std::vector<AtEvent> FeedBytewise(std::string_view bytes, const AtContext& ctx) {
  AtParser p;
  std::vector<AtEvent> out;
  for (char c : bytes) p.Feed(std::string_view(&c, 1), ctx, &out);
  return out;
}

TEST(AtParser, FinalResultCodes) {
  EXPECT_EQ(ParseFinalResult("OK")->code, FinalResult::Code::kOk);
  EXPECT_EQ(ParseFinalResult("ERROR")->code, FinalResult::Code::kError);
  auto cms = ParseFinalResult("+CMS ERROR: 322");
  ASSERT_TRUE(cms);
  EXPECT_EQ(cms->code, FinalResult::Code::kCmsError);
  EXPECT_EQ(cms->error, 322);
  auto cme = ParseFinalResult("+CME ERROR: 16");
  EXPECT_EQ(cme->code, FinalResult::Code::kCmeError);
  EXPECT_EQ(cme->error, 16);
  // AT+CMEE=2: verbose text. One of 27.007 §9.2.1's texts counts as its number, whatever
  // its letter case; other text is kept for the log.
  auto verbose = ParseFinalResult("+CME ERROR: incorrect password");
  EXPECT_EQ(verbose->code, FinalResult::Code::kCmeError);
  EXPECT_EQ(verbose->error, 16);
  EXPECT_EQ(ParseFinalResult("+CME ERROR: SIM Not Inserted ")->error, 10);
  auto vendor = ParseFinalResult("+CME ERROR: SIM not ready");
  EXPECT_EQ(vendor->error, -1);
  EXPECT_EQ(vendor->text, "SIM not ready");
  EXPECT_EQ(ParseFinalResult("0")->code, FinalResult::Code::kOk);  // V0
  EXPECT_EQ(ParseFinalResult("4")->code, FinalResult::Code::kError);
  EXPECT_EQ(ParseFinalResult("COMMAND NOT SUPPORT")->code, FinalResult::Code::kError);
  EXPECT_EQ(ParseFinalResult("NO CARRIER")->code, FinalResult::Code::kNoCarrier);
  EXPECT_FALSE(ParseFinalResult("+CMGS: 12"));
  EXPECT_FALSE(ParseFinalResult("OKAY"));
  EXPECT_EQ(Describe(*cms), "+CMS ERROR 322 (memory full)");
  EXPECT_EQ(Describe(*cme), "+CME ERROR 16 (incorrect password)");
  EXPECT_EQ(Describe(*verbose), "+CME ERROR 16 (incorrect password)");
  EXPECT_EQ(Describe(*vendor), "+CME ERROR (SIM not ready)");
  EXPECT_EQ(Describe(*ParseFinalResult("+CMS ERROR: SIM busy")), "+CMS ERROR (SIM busy)");
  EXPECT_EQ(Describe(*ParseFinalResult("+CME ERROR:")), "+CME ERROR");
  // Kept printable and short: a modem's noise does not flood the log.
  auto noisy = ParseFinalResult("+CMS ERROR: bad\x01" + std::string(100, 'x'));
  EXPECT_EQ(noisy->text.substr(0, 4), "bad?");
  EXPECT_EQ(noisy->text.size(), 63u);
}

// 3GPP TS 27.005 §3.2.5 (PROTOCOLS.md §3.4).
TEST(AtParser, CmsErrorMeanings) {
  const std::pair<int, const char*> common[] = {
      {38, "network out of order"},
      {42, "congestion"},
      {300, "ME failure"},
      {302, "operation not allowed"},
      {304, "invalid PDU mode parameter"},
      {310, "SIM not inserted"},
      {311, "SIM PIN required"},
      {313, "SIM failure"},
      {322, "memory full"},
      {330, "SMSC address unknown"},
      {331, "no network service"},
      {332, "network timeout"},
      {500, "unknown error"},
      {1, "unassigned number"},
      {21, "short message transfer rejected"},
      {192, "SC busy"},
      {195, "invalid SME address"},
      {208, "SIM SMS storage full"},
      {316, "SIM PUK required"},
  };
  for (const auto& [code, meaning] : common) EXPECT_EQ(CmsErrorMeaning(code), meaning) << code;
  // The rest of each range says whose it is; codes 27.005 leaves unassigned have no meaning.
  EXPECT_EQ(CmsErrorMeaning(77), "refused by the network");
  EXPECT_EQ(CmsErrorMeaning(200), "refused by the service centre");
  EXPECT_EQ(CmsErrorMeaning(512), "manufacturer-specific error");
  EXPECT_EQ(CmsErrorMeaning(549), "manufacturer-specific error");
  EXPECT_EQ(CmsErrorMeaning(400), "");
  EXPECT_EQ(CmsErrorMeaning(-1), "");
  EXPECT_EQ(DescribeCmsError(331), "+CMS ERROR 331 (no network service)");
  EXPECT_EQ(DescribeCmsError(400), "+CMS ERROR 400");
}

// 3GPP TS 27.007 §9.2.1 (PROTOCOLS.md §3.4).
TEST(AtParser, CmeErrorMeanings) {
  const std::pair<int, const char*> common[] = {
      {16, "incorrect password"},
      {10, "SIM not inserted"},
      {30, "no network service"},
      {11, "SIM PIN required"},
      {100, "unknown"},
      {12, "SIM PUK required"},
      {31, "network timeout"},
      {13, "SIM failure"},
      {3, "operation not allowed"},
      {14, "SIM busy"},
      {20, "memory full"},
      {15, "SIM wrong"},
      {32, "network not allowed, emergency calls only"},
      {0, "phone failure"},
      {47, "corporate personalisation PUK required"},
  };
  for (const auto& [code, meaning] : common) EXPECT_EQ(CmeErrorMeaning(code), meaning) << code;
  // A code 27.007 §9.2.1 does not list has no meaning, and is shown bare.
  EXPECT_EQ(CmeErrorMeaning(9), "");
  EXPECT_EQ(CmeErrorMeaning(-1), "");
  EXPECT_EQ(CmeErrorMeaning(600), "");
  EXPECT_EQ(DescribeCmeError(10), "+CME ERROR 10 (SIM not inserted)");
  EXPECT_EQ(DescribeCmeError(9), "+CME ERROR 9");
}

TEST(AtParser, ResponseWithInformationLines) {
  AtParser p;
  auto ev = FeedAll(p, "\r\n+CSQ: 17,99\r\n\r\nOK\r\n", Pending("+CSQ:"));
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].kind, Kind::kInfo);
  EXPECT_EQ(ev[0].line, "+CSQ: 17,99");
  EXPECT_EQ(ev[1].kind, Kind::kFinal);
  EXPECT_TRUE(ev[1].final.ok());
}

TEST(AtParser, LinesWithoutPrefixAreInformationWhileACommandRuns) {
  AtParser p;
  auto ev = FeedAll(p, "\r\nE173\r\n\r\nOK\r\n", Pending());
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].kind, Kind::kInfo);
  EXPECT_EQ(ev[0].line, "E173");
}

TEST(AtParser, AnythingWithoutCommandIsUnsolicited) {
  AtParser p;
  auto ev = FeedAll(p, "\r\nSOMETHING\r\n\r\n+CSQ: 3,99\r\n", AtContext{});
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].kind, Kind::kUnsolicited);
  EXPECT_EQ(ev[1].kind, Kind::kUnsolicited);
}

TEST(AtParser, UnsolicitedCodesInsideAListing) {
  // +CMTI, ^RSSI and ^BOOT interleaved between the entries of AT+CMGL=4 (PROTOCOLS.md §3.1).
  std::string bytes =
      "\r\n+CMGL: 1,0,,5\r\n0011AABB00\r\n"
      "\r\n+CMTI: \"SM\",3\r\n"
      "\r\n^RSSI:14\r\n"
      "\r\n+CMGL: 2,1,,5\r\n0011CCDD00\r\n"
      "\r\n^BOOT:12345,0,0,0,72\r\n"
      "\r\nOK\r\n";
  for (auto ev : {FeedBytewise(bytes, Pending("+CMGL:")), [&] {
                    AtParser p;
                    return FeedAll(p, bytes, Pending("+CMGL:"));
                  }()}) {
    std::vector<std::string> info, urc;
    for (auto& e : ev) {
      if (e.kind == Kind::kInfo) info.push_back(e.line);
      if (e.kind == Kind::kUnsolicited) urc.push_back(e.line);
    }
    EXPECT_EQ(info, (std::vector<std::string>{"+CMGL: 1,0,,5", "0011AABB00", "+CMGL: 2,1,,5",
                                              "0011CCDD00"}));
    EXPECT_EQ(urc,
              (std::vector<std::string>{"+CMTI: \"SM\",3", "^RSSI:14", "^BOOT:12345,0,0,0,72"}));
    EXPECT_EQ(ev.back().kind, Kind::kFinal);
    auto parsed = ParseCmgl(info);
    ASSERT_EQ(parsed.size(), 2u);
    EXPECT_EQ(parsed[1].index, 2);
    EXPECT_EQ(parsed[1].stat, 1);
    EXPECT_EQ(parsed[1].pdu, "0011CCDD00");
  }
}

TEST(AtParser, TwoLineUnsolicitedCarriesThePdu) {
  std::string pdu = "0791527400000000062B0C91527421436587521090315470215210903195002100";
  auto ev = FeedBytewise("\r\n+CDS: 25\r\n" + pdu + "\r\n", AtContext{});
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, Kind::kUnsolicited);
  EXPECT_EQ(ev[0].line, "+CDS: 25");
  EXPECT_EQ(ev[0].pdu, pdu);
  // The same in the middle of a command: still unsolicited, and the PDU is not an info line.
  auto ev2 = FeedBytewise(
      "\r\n+CMT: "
      ",24\r\n07911326040000F0040B911346610089F60000208062917314080CC8F71D14969741F977FD07\r\n"
      "\r\n+CSQ: 20,99\r\n\r\nOK\r\n",
      Pending("+CSQ:"));
  ASSERT_EQ(ev2.size(), 3u);
  EXPECT_EQ(ev2[0].kind, Kind::kUnsolicited);
  EXPECT_EQ(ev2[0].line, "+CMT: ,24");
  EXPECT_FALSE(ev2[0].pdu.empty());
  EXPECT_EQ(ev2[1].line, "+CSQ: 20,99");
  EXPECT_EQ(ev2[2].kind, Kind::kFinal);
}

TEST(AtParser, TwoLineHeaderWithoutPduDoesNotSwallowTheNextLine) {
  AtParser p;
  auto ev = FeedAll(p, "\r\n+CDS: 25\r\nOK\r\n", Pending());
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].kind, Kind::kUnsolicited);
  EXPECT_TRUE(ev[0].pdu.empty());
  EXPECT_EQ(ev[1].kind, Kind::kFinal);
}

TEST(AtParser, ExpectedPrefixWinsOverUnsolicitedMeaning) {
  AtParser p;
  auto ev = FeedAll(p, "\r\n+CREG: 0,1\r\n\r\nOK\r\n", Pending("+CREG:"));
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].kind, Kind::kInfo);
  // ...but a +CREG with no AT+CREG? running is unsolicited.
  auto ev2 = FeedAll(p, "\r\n+CREG: 1\r\n\r\n+CSQ: 1,2\r\n", Pending("+CSQ:"));
  ASSERT_EQ(ev2.size(), 2u);
  EXPECT_EQ(ev2[0].kind, Kind::kUnsolicited);
  EXPECT_EQ(ev2[1].kind, Kind::kInfo);
}

TEST(AtParser, PromptWithAndWithoutLineBreak) {
  for (std::string bytes : {"\r\n> ", "> ", ">"}) {
    auto ev = FeedBytewise(bytes, Pending("+CMGS:", true));
    ASSERT_EQ(ev.size(), 1u) << bytes;
    EXPECT_EQ(ev[0].kind, Kind::kPrompt);
  }
  // Echo of the command before the prompt (ATE1).
  auto ev = FeedBytewise("AT+CMGS=19\r\r\n> ", Pending("+CMGS:", true));
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].kind, Kind::kInfo);
  EXPECT_EQ(ev[0].line, "AT+CMGS=19");
  EXPECT_EQ(ev[1].kind, Kind::kPrompt);
  // Without a +CMGS in flight a '>' is just text.
  auto none = FeedBytewise("> \r\n", Pending());
  ASSERT_EQ(none.size(), 1u);
  EXPECT_EQ(none[0].kind, Kind::kInfo);
}

TEST(AtParser, SendResultAfterPrompt) {
  AtParser p;
  auto ev = FeedAll(p, "\r\n> ", Pending("+CMGS:", true));
  ASSERT_EQ(ev.size(), 1u);
  auto ev2 = FeedAll(p, "\r\n^RSSI:9\r\n\r\n+CMGS: 43\r\n\r\nOK\r\n", Pending("+CMGS:"));
  ASSERT_EQ(ev2.size(), 3u);
  EXPECT_EQ(ev2[0].kind, Kind::kUnsolicited);
  EXPECT_EQ(ParseCmgs(ev2[1].line), 43);
  EXPECT_TRUE(ev2[2].final.ok());
}

TEST(AtParser, UnsolicitedCodeInsideAnEchoedCommand) {
  // ModemManager's log (PROTOCOLS.md §3.1): "T*EMRD<CR><LF>*EMRDY: 1<CR><LF>Y?" — the URC cuts
  // the echo in two; the pieces are information lines, the URC stays unsolicited.
  auto ev =
      FeedBytewise("AT*EMRD\r\n*EMRDY: 1\r\nY?\r\r\n*EMRDY: 1\r\n\r\nOK\r\n", Pending("*EMRDY:"));
  ASSERT_EQ(ev.size(), 5u);
  EXPECT_EQ(ev[0].line, "AT*EMRD");
  EXPECT_EQ(ev[1].kind, Kind::kInfo);  // the command's own prefix wins
  EXPECT_EQ(ev[2].line, "Y?");
  EXPECT_EQ(ev[4].kind, Kind::kFinal);
  auto ev2 =
      FeedBytewise("AT+CR\r\n*EMRDY: 1\r\nEG?\r\r\n+CREG: 0,1\r\n\r\nOK\r\n", Pending("+CREG:"));
  ASSERT_EQ(ev2.size(), 5u);
  EXPECT_EQ(ev2[1].kind, Kind::kUnsolicited);
  EXPECT_EQ(ev2[1].line, "*EMRDY: 1");
  EXPECT_EQ(ParseCregResponse(ev2[3].line), 1);
}

TEST(AtParser, NumericResultCodes) {
  // ATV0: "<code><CR>" without line feeds (V.250 §5.7.1).
  auto ev = FeedBytewise("0\r", Pending());
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].final.code, FinalResult::Code::kOk);
  auto ev2 = FeedBytewise("+CSQ: 5,99\r\n4\r", Pending("+CSQ:"));
  ASSERT_EQ(ev2.size(), 2u);
  EXPECT_EQ(ev2[1].final.code, FinalResult::Code::kError);
}

TEST(AtParser, StrayCarriageReturnsAndBlanks) {
  auto ev = FeedBytewise("\r\r\n\rOK  \r\r\n\n", Pending());
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, Kind::kFinal);
}

TEST(AtParser, OverlongLineIsDropped) {
  AtParser p;
  std::string big(AtParser::kMaxLine + 10, 'A');
  auto ev = FeedAll(p, big + "\r\nOK\r\n", Pending());
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, Kind::kFinal);
}

TEST(AtResponses, Parsers) {
  auto ind = ParseStorageIndication("+CMTI: \"SM\",12");
  ASSERT_TRUE(ind);
  EXPECT_EQ(ind->mem, "SM");
  EXPECT_EQ(ind->index, 12);
  EXPECT_EQ(ParseStorageIndication("+CDSI: \"SR\",0")->index, 0);
  EXPECT_FALSE(ParseStorageIndication("+CMTI: \"SM\""));
  EXPECT_EQ(ParseCmgs("+CMGS: 7,\"0011\""), 7);
  EXPECT_FALSE(ParseCmgs("+CMGS: 300"));
  auto csq = ParseCsq("+CSQ: 21,99");
  EXPECT_EQ(csq->rssi, 21);
  EXPECT_EQ(RssiToDbm(21), -71);
  EXPECT_EQ(RssiToDbm(0), -113);
  EXPECT_EQ(RssiToDbm(31), -51);
  EXPECT_FALSE(RssiToDbm(99));
  EXPECT_EQ(RssiToBars(99), -1);
  EXPECT_EQ(RssiToBars(0), 0);
  EXPECT_EQ(RssiToBars(31), 5);
  EXPECT_EQ(ParseCregResponse("+CREG: 0,5"), 5);
  EXPECT_EQ(ParseCregResponse("+CREG: 2,1,\"00C3\",\"0000ABCD\",7"), 1);
  EXPECT_EQ(ParseCsca("+CSCA: \"+6281100000\",145"), "+6281100000");
  auto q = ParseCpms("+CPMS: \"SM\",3,30,\"SM\",3,30,\"SM\",3,30");
  EXPECT_EQ(q->mem, "SM");
  EXPECT_EQ(q->used, 3);
  EXPECT_EQ(q->total, 30);
  auto s = ParseCpms("+CPMS: 0,20,0,20,0,20");
  EXPECT_EQ(s->used, 0);
  EXPECT_EQ(s->total, 20);
  EXPECT_EQ(ParseCpin("+CPIN: SIM PIN"), "SIM PIN");
  auto cmgr = ParseCmgr({"+CMGR: 0,,24", "07911326040000F0040B91,0"});
  ASSERT_TRUE(cmgr);
  EXPECT_EQ(cmgr->pdu, "07911326040000F0040B91");
  EXPECT_EQ(cmgr->length, 24);
  EXPECT_FALSE(ParseCmgr({"+CMGR: 0,,24"}));
  EXPECT_FALSE(SplitParams("+CMGLX: 1", "+CMGL"));
}

}  // namespace
}  // namespace pesan::modem
