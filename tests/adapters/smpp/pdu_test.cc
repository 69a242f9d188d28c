#include "adapters/smpp/pdu.h"

#include <gtest/gtest.h>

namespace pesan::smpp {
namespace {

// PROTOCOLS.md §4.11: submit_sm "Hello" from "MyShop" to 254712345678, receipt wanted, seq 2.
const std::string kSubmitHello = FromHex(
    "00 00 00 38 00 00 00 04 00 00 00 00 00 00 00 02"
    "00"
    "05 00 4D 79 53 68 6F 70 00"
    "01 01 32 35 34 37 31 32 33 34 35 36 37 38 00"
    "00 00 00"
    "00 00"
    "01 00 00 00"
    "05 48 65 6C 6C 6F");

Pdu MustDecode(std::string_view bytes) {
  auto r = DecodePdu(bytes);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? r.value() : Pdu{};
}

std::string MustEncode(const Pdu& p) {
  auto r = EncodePdu(p);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? r.value() : std::string();
}

TEST(SmppPdu, DecodesTheSubmitSmDump) {
  ASSERT_EQ(kSubmitHello.size(), 0x38u);
  Pdu p = MustDecode(kSubmitHello);
  EXPECT_EQ(p.command_id, kSubmitSm);
  EXPECT_EQ(p.command_status, 0u);
  EXPECT_EQ(p.sequence_number, 2u);
  ASSERT_TRUE(std::holds_alternative<ShortMessageBody>(p.body));
  const auto& b = std::get<ShortMessageBody>(p.body);
  EXPECT_EQ(b.service_type, "");
  EXPECT_EQ(b.source_addr_ton, 5);
  EXPECT_EQ(b.source_addr_npi, 0);
  EXPECT_EQ(b.source_addr, "MyShop");
  EXPECT_EQ(b.dest_addr_ton, 1);
  EXPECT_EQ(b.dest_addr_npi, 1);
  EXPECT_EQ(b.destination_addr, "254712345678");
  EXPECT_EQ(b.registered_delivery, 1);
  EXPECT_EQ(b.data_coding, 0);
  EXPECT_EQ(b.short_message, "Hello");
  EXPECT_TRUE(p.tlvs.empty());
}

TEST(SmppPdu, EncodesTheSubmitSmDump) {
  ShortMessageBody b;
  b.source_addr_ton = 5;
  b.source_addr = "MyShop";
  b.dest_addr_ton = 1;
  b.dest_addr_npi = 1;
  b.destination_addr = "254712345678";
  b.registered_delivery = 1;
  b.short_message = "Hello";
  Pdu p;
  p.command_id = kSubmitSm;
  p.sequence_number = 2;
  p.body = b;
  EXPECT_EQ(ToHex(MustEncode(p)), ToHex(kSubmitHello));
}

TEST(SmppPdu, SubmitSmRespDump) {
  std::string bytes = FromHex("00000019 80000004 00000000 00000002 3966336332613130 00");
  Pdu p = MustDecode(bytes);
  EXPECT_EQ(p.command_id, kSubmitSmResp);
  EXPECT_EQ(p.sequence_number, 2u);
  ASSERT_TRUE(std::holds_alternative<MessageIdBody>(p.body));
  EXPECT_EQ(std::get<MessageIdBody>(p.body).message_id, "9f3c2a10");
  EXPECT_EQ(MustEncode(p), bytes);
}

TEST(SmppPdu, BindTransceiverDump) {
  std::string bytes =
      FromHex("00000023 00000009 00000000 00000001 73686F70677700 73656372657400 00 34 00 00 00");
  BindBody b;
  b.system_id = "shopgw";
  b.password = "secret";
  EXPECT_EQ(ToHex(MustEncode(MakeBindTransceiver(1, b))), ToHex(bytes));
  Pdu p = MustDecode(bytes);
  ASSERT_TRUE(std::holds_alternative<BindBody>(p.body));
  EXPECT_EQ(std::get<BindBody>(p.body), b);
  EXPECT_EQ(std::get<BindBody>(p.body).interface_version, 0x34);
}

TEST(SmppPdu, BindRespWithInterfaceVersionTlv) {
  // Length: 16 + "SMSC\0" (5) + TLV (5) = 26.
  std::string bytes = FromHex("0000001A 80000009 00000000 00000001 534D534300 0210 0001 34");
  Pdu p = MustDecode(bytes);
  EXPECT_EQ(std::get<BindRespBody>(p.body).system_id, "SMSC");
  EXPECT_EQ(TlvByte(p.tlvs, kTagScInterfaceVersion), 0x34);
  EXPECT_EQ(MustEncode(p), bytes);
}

TEST(SmppPdu, BodilessErrorResponses) {
  // ESME_RBINDFAIL without a body, and a submit_sm_resp ESME_RTHROTTLED without a body.
  for (auto hex : {"00000010 80000009 0000000D 00000001", "00000010 80000004 00000058 00000009"}) {
    std::string bytes = FromHex(hex);
    Pdu p = MustDecode(bytes);
    EXPECT_TRUE(std::holds_alternative<std::monostate>(p.body));
    EXPECT_EQ(MustEncode(p), bytes);
  }
  EXPECT_EQ(StatusName(kRthrottled), "ESME_RTHROTTLED (0x00000058)");
  EXPECT_EQ(StatusName(0x401), "0x00000401");
}

TEST(SmppPdu, EnquireLinkAndGenericNackDumps) {
  EXPECT_EQ(ToHex(MustEncode(MakeEnquireLink(7))),
            "00 00 00 10 00 00 00 15 00 00 00 00 00 00 00 07");
  EXPECT_EQ(ToHex(MustEncode(MakeGenericNack(7, kRinvCmdId))),
            "00 00 00 10 80 00 00 00 00 00 00 03 00 00 00 07");
  Pdu el = MustDecode(FromHex("00000010 00000015 00000000 00000007"));
  EXPECT_EQ(ToHex(MustEncode(MakeResponse(el, kRok))),
            "00 00 00 10 80 00 00 15 00 00 00 00 00 00 00 07");
}

TEST(SmppPdu, DeliverSmRespHasASingleNul) {
  Pdu d;
  d.command_id = kDeliverSm;
  d.sequence_number = 0x1234;
  d.body = ShortMessageBody{};
  EXPECT_EQ(ToHex(MustEncode(MakeResponse(d, kRxTAppn))),
            "00 00 00 11 80 00 00 05 00 00 00 64 00 00 12 34 00");
}

TEST(SmppPdu, UnknownCommandIsRefusedWithRinvCmdId) {
  DecodeError err;
  auto r = DecodePdu(FromHex("00000010 00000077 00000000 00000007"), &err);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(err.nack_status, kRinvCmdId);
  EXPECT_NE(r.error().message.find("0x00000077"), std::string::npos);
}

TEST(SmppPdu, TruncatedAndOverlongFieldsAreRefused) {
  DecodeError err;
  // submit_sm whose body stops after the source address.
  std::string cut = FromHex("00000016 00000004 00000000 00000002 00 05 00 4D79 00");
  auto r = DecodePdu(cut, &err);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("dest_addr_ton"), std::string::npos) << r.error().message;

  // system_id of 16 characters: 17 octets with the NUL, over the 16 allowed.
  std::string long_id =
      "00000023 00000009 00000000 00000001 " + ToHex("ABCDEFGHIJKLMNOP") + " 00 00 00 34 00 00 00";
  std::string bytes = FromHex(long_id);
  bytes[3] = static_cast<char>(bytes.size());
  r = DecodePdu(bytes, &err);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("system_id"), std::string::npos) << r.error().message;
  EXPECT_EQ(err.nack_status, kRinvMsgLen);

  BindBody b;
  b.system_id = "ABCDEFGHIJKLMNOP";
  auto e = EncodePdu(MakeBindTransceiver(1, b));
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().message.find("at most 15"), std::string::npos) << e.error().message;

  // sm_length past the end.
  std::string sm = kSubmitHello;
  sm[sm.size() - 6] = 9;
  r = DecodePdu(sm, &err);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("short_message"), std::string::npos);

  // sm_length 255: short_message is at most 254 octets (SMPP 3.4 §5.2.22).
  ShortMessageBody big;
  big.short_message = std::string(255, 'a');
  Pdu bp;
  bp.command_id = kDeliverSm;
  bp.body = big;
  EXPECT_FALSE(EncodePdu(bp).ok());
  std::get<ShortMessageBody>(bp.body).short_message.pop_back();
  std::string bb = MustEncode(bp);
  bb[bb.size() - 255] = static_cast<char>(255);  // sm_length
  bb += "a";
  bb[3] = static_cast<char>(bb.size());
  bb[2] = static_cast<char>(bb.size() >> 8);
  r = DecodePdu(bb, &err);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("sm_length"), std::string::npos) << r.error().message;

  // A TLV whose length runs past the end.
  std::string tlv = kSubmitHello + FromHex("0424 0010 41");
  tlv[3] = static_cast<char>(tlv.size());
  r = DecodePdu(tlv, &err);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(err.nack_status, kRinvOptParStream);
}

TEST(SmppPdu, UnknownTlvsRoundTripByteExact) {
  // deliver_sm receipt with receipted_message_id, message_state, a vendor TLV 0x1401 and
  // an empty TLV, in an unusual order.
  std::string sm =
      "id:9f3c2a10 sub:001 dlvrd:001 submit date:2501091345 done date:2501091359 "
      "stat:DELIVRD err:000 text:Hello";
  Pdu p;
  p.command_id = kDeliverSm;
  p.sequence_number = 99;
  ShortMessageBody b;
  b.source_addr = "254712345678";
  b.destination_addr = "MyShop";
  b.esm_class = kEsmReceipt;
  b.short_message = sm;
  p.body = b;
  p.tlvs = {{0x1401, "\x01\x02\x03"},
            {kTagMessageState, "\x02"},
            {0x7777, ""},
            {kTagReceiptedMessageId, std::string("9f3c2a10\0", 9)}};
  std::string bytes = MustEncode(p);
  Pdu back = MustDecode(bytes);
  EXPECT_EQ(back, p);
  EXPECT_EQ(MustEncode(back), bytes);
  EXPECT_EQ(TlvCString(back.tlvs, kTagReceiptedMessageId), "9f3c2a10");
}

TEST(SmppPdu, DataSmOutbindAlertRoundTrip) {
  Pdu ds;
  ds.command_id = kDataSm;
  ds.sequence_number = 5;
  DataSmBody d;
  d.service_type = "USSD";
  d.source_addr = "6281234567890";
  d.destination_addr = "*123#";
  d.data_coding = 8;
  ds.body = d;
  ds.tlvs = {{kTagMessagePayload, std::string("\x00H\x00i", 4)}};
  std::string bytes = MustEncode(ds);
  EXPECT_EQ(MustDecode(bytes), ds);

  Pdu ob;
  ob.command_id = kOutbind;
  ob.sequence_number = 1;
  ob.body = OutbindBody{"SMSC", "pw"};
  bytes = MustEncode(ob);
  EXPECT_EQ(ToHex(bytes),
            "00 00 00 18 00 00 00 0B 00 00 00 00 00 00 00 01 53 4D 53 43 00 70 77 00");
  EXPECT_EQ(MustDecode(bytes), ob);

  Pdu al;
  al.command_id = kAlertNotification;
  al.sequence_number = 3;
  AlertNotificationBody a;
  a.source_addr_ton = 1;
  a.source_addr_npi = 1;
  a.source_addr = "6281234567890";
  a.esme_addr = "shop";
  al.body = a;
  al.tlvs = {{0x0422, "\x00"}};  // ms_availability_status
  bytes = MustEncode(al);
  EXPECT_EQ(MustDecode(bytes), al);

  Pdu dr;
  dr.command_id = kDataSmResp;
  dr.sequence_number = 5;
  dr.body = MessageIdBody{"abc"};
  bytes = MustEncode(dr);
  EXPECT_EQ(MustDecode(bytes), dr);
}

TEST(SmppPdu, FramerCutsAStream) {
  std::string stream = FromHex("00000010 00000015 00000000 00000007") + kSubmitHello;
  Frame f = NextFrame(std::string_view(stream).substr(0, 3));
  EXPECT_EQ(f.kind, Frame::Kind::kNeedMore);
  f = NextFrame(std::string_view(stream).substr(0, 15));
  EXPECT_EQ(f.kind, Frame::Kind::kNeedMore);
  f = NextFrame(stream);
  ASSERT_EQ(f.kind, Frame::Kind::kPdu);
  EXPECT_EQ(f.pdu.size(), 16u);
  std::string_view rest = std::string_view(stream).substr(f.pdu.size());
  EXPECT_EQ(NextFrame(rest.substr(0, 40)).kind, Frame::Kind::kNeedMore);
  f = NextFrame(rest);
  ASSERT_EQ(f.kind, Frame::Kind::kPdu);
  EXPECT_EQ(f.pdu, kSubmitHello);

  f = NextFrame(FromHex("0000000F 00000015"));
  EXPECT_EQ(f.kind, Frame::Kind::kBad);
  EXPECT_NE(f.error.find("shorter"), std::string::npos);
  f = NextFrame(FromHex("01000000 00000004"));
  EXPECT_EQ(f.kind, Frame::Kind::kBad);
  EXPECT_NE(f.error.find("over the limit"), std::string::npos);
  EXPECT_EQ(NextFrame(FromHex("00000100"), 256).kind, Frame::Kind::kNeedMore);
  EXPECT_EQ(NextFrame(FromHex("00000101"), 256).kind, Frame::Kind::kBad);
}

TEST(SmppReceipt, ParsesTheAppendixBText) {
  auto r = ParseReceiptText(
      "id:9f3c2a10 sub:001 dlvrd:001 submit date:2501091345 done date:2501091359 stat:DELIVRD "
      "err:000 text:Hello");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->id, "9f3c2a10");
  EXPECT_EQ(r->sub, "001");
  EXPECT_EQ(r->dlvrd, "001");
  EXPECT_EQ(r->submit_date, "2501091345");
  EXPECT_EQ(r->done_date, "2501091359");
  EXPECT_EQ(r->stat, "DELIVRD");
  EXPECT_EQ(r->err, "000");
  EXPECT_EQ(r->text, "Hello");
}

TEST(SmppReceipt, ToleratesCaseOrderMissingFieldsAndKeysInText) {
  auto r = ParseReceiptText("stat:UNDELIV id:0012345 Text:id: err: stat:DELIVRD inside");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->id, "0012345");
  EXPECT_EQ(r->stat, "UNDELIV");
  EXPECT_EQ(r->err, "");
  EXPECT_EQ(r->text, "id: err: stat:DELIVRD inside");
  EXPECT_EQ(r->done_date, "");

  r = ParseReceiptText(
      "ID:ab12 SUB:001 DLVRD:000 SUBMIT DATE:250109134501 DONE DATE:250109135959 "
      "STAT:EXPIRED ERR:0FF");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->id, "ab12");
  EXPECT_EQ(r->submit_date, "250109134501");
  EXPECT_EQ(r->stat, "EXPIRED");
  EXPECT_EQ(r->err, "0FF");

  EXPECT_FALSE(ParseReceiptText("Hello, this is a normal message").ok());
  EXPECT_FALSE(ParseReceiptText("paid:100 stat:DELIVRD").ok());
}

TEST(SmppReceipt, StatesFollowTheNormalisedMapping) {
  EXPECT_EQ(StateFromStat("DELIVRD"), DeliveryState::kDelivered);
  EXPECT_EQ(StateFromStat("ENROUTE"), DeliveryState::kPending);
  EXPECT_EQ(StateFromStat("ACCEPTD"), DeliveryState::kPending);
  for (auto s : {"UNDELIV", "EXPIRED", "DELETED", "REJECTD", "UNKNOWN"}) {
    EXPECT_EQ(StateFromStat(s), DeliveryState::kFailed) << s;
  }
  EXPECT_EQ(StateFromMessageState(2), DeliveryState::kDelivered);
  EXPECT_EQ(StateFromMessageState(1), DeliveryState::kPending);
  EXPECT_EQ(StateFromMessageState(6), DeliveryState::kPending);
  for (uint8_t s : {3, 4, 5, 7, 8}) EXPECT_EQ(StateFromMessageState(s), DeliveryState::kFailed);
}

TEST(SmppReceipt, TlvsWinOverText) {
  ShortMessageBody b;
  b.esm_class = kEsmReceipt;
  b.short_message =
      "id:123 sub:001 dlvrd:000 submit date:2501091345 done date:2501091359 "
      "stat:ENROUTE err:000 text:";
  auto rep = ReportFromReceipt(b, {});
  ASSERT_TRUE(rep.ok());
  EXPECT_EQ(rep->provider_id, "123");
  EXPECT_EQ(rep->state, DeliveryState::kPending);
  EXPECT_EQ(rep->detail, "stat:ENROUTE err:000");

  Tlvs tlvs = {{kTagReceiptedMessageId, std::string("7B\0", 3)}, {kTagMessageState, "\x05"}};
  rep = ReportFromReceipt(b, tlvs);
  ASSERT_TRUE(rep.ok());
  EXPECT_EQ(rep->provider_id, "7B");
  EXPECT_EQ(rep->state, DeliveryState::kFailed);
  EXPECT_EQ(rep->detail, "message_state:UNDELIVERABLE stat:ENROUTE err:000");

  b.short_message.clear();
  EXPECT_FALSE(ReportFromReceipt(b, {}).ok());
  rep = ReportFromReceipt(b, tlvs);
  ASSERT_TRUE(rep.ok());
  EXPECT_EQ(rep->detail, "message_state:UNDELIVERABLE");
}

}  // namespace
}  // namespace pesan::smpp
