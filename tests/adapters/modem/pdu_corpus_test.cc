// Real-world PDUs as modems and phones on different networks delivered them, collected from the
// public test suites of open-source SMS projects (only the hex vectors and the texts those
// projects expect are reproduced; each entry names its source).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "adapters/modem/pdu.h"

namespace pesan::modem {
namespace {

// Sources:
//   [MM]  ModemManager, src/tests/test-sms-part-3gpp.c (linux-mobile-broadband/ModemManager)
//   [PM]  python-messaging, messaging/test/test_sms.py (pmarti/python-messaging)
//   [FL]  FrontlineSMS smslib, src/test/java/org/smslib/IncomingTextSmsTestData.java and
//         CStatusReportMessageTest.java (frontlinesms/smslib)
struct RealPdu {
  const char* name;
  const char* hex;
  bool has_smsc;
  PduType type;
  const char* smsc;    // nullptr: none
  const char* number;  // originator / destination / recipient
  const char* text;    // nullptr: not checked (binary, or national shift tables)
  int concat_ref;      // -1: not concatenated
  int concat_seq;
  int concat_total;
};

const RealPdu kCorpus[] = {
    // [MM] test_pdu1: US network, extension characters and Greek capitals.
    {"mm_pdu1",
     "07912104442961F4040B916171957291F800001120821105050A6AC8B2BC7C9A83C220F6DB7D2ECB41EDF27C1E"
     "3E97411BDE06754FD3D1A0F9BB5D0695F1F4B29B5C2683C6E8B03C3CA697E5F34D6AE303D1D1F2F7DD0D4ABB59A0"
     "797D8C0685E7A00028EC26832A960B28EC2683BE6050780EBA97D96C17",
     true, PduType::kDeliver, "+12404492164", "+16175927198",
     "Here's a longer message [{with some extended characters}] thrown in, such as £ and ΩΠΨ and "
     "§¿ as well.",
     -1, 0, 0},
    // [MM] test_pdu_dcsf1: SFR (France), DCS F1 (GSM-7, class 1), short code.
    {"mm_sfr_dcs_f1",
     "07913306091093F0040485810000F111604231805180A049B7F90D9A1AA5A01668F8769BD3E4B29B9E2EB359A03F"
     "C85D06A9C3ED707A0EA2CBC3EE79BB4CA7CBCBA05643617DA7C76990FD4D979741EE77DD5E0ED741ED371D442E83"
     "E0E1F9BC0CD281E677D9B84C06C1DF7539E85C9097E520FB9B2E2F83C6EF369C5E064D8D52D0BC2E07DDEF77D7DC"
     "2C7799E5A0771D040FCB41F402BB0047BFDD6550B80ECAD966",
     true, PduType::kDeliver, "+33609001390", "1800",
     "Info SFR - Confidentiel, à ne jamais transmettre -\r\nVoici votre nouveau mot de passe : "
     "sw2ced pour gérer votre compte SFR sur www.sfr.fr ou par téléphone au 963",
     -1, 0, 0},
    // [MM] test_pdu_udhi: KPN (Netherlands) welcome message, 16-bit concatenation reference.
    {"mm_kpn_udhi",
     "07911356131313F64004850120390011609232239180A006080400100201D7327BFD6EB340E2321BF46E83EA7790"
     "F59D1E97DBE1341B442F83C465763D3DA797E56537C81D0ECB41AB59CC1693C16031D96C064241E5656838AF03A9"
     "6230982A269BCD462917C8FA4E8FCBED709A0D7ABBE9F6B0FB5C7683D27350984D4FABC9A0B33C4C4FCF5D20EBFB"
     "2D079DCB62793DBD06D9C36E50FB2D4E97D9A0B49B5E96BBCB",
     true, PduType::kDeliver, "+31653131316", "1002",
     "Welkom, bel om uw Voicemail te beluisteren naar +31612001233 (PrePay: *100*1233#). "
     "Voicemail ontvangen is altijd gratis. Voor gebruik van mobiel interne",
     0x0010, 1, 2},
    // [MM] test_pdu_multipart: a US two-part message, parts from two SMSCs.
    {"mm_multipart_1",
     "07912160130320F5440B916171056429F5000021405291650569A00500034C0201A9E8F41C949E83C2207B599E07"
     "B1DFEE33885E9ED341E4F23C7D7697C920FA1B54C697E5E3F4BC0C6AD7D9F434081E96D341E3303C2C4EB3D3F4BC"
     "0B94A483E6E8779D4D06CDD1EF3BA80E0785E7A0B7BB0C6A97E7F3F0B9CC02B9DF7450780EA2DFDF2C50780EA2A3"
     "CBA0BA9B5C96B3F369F71954768FDFE4B4FB0C9297E1F2F2BCECA6CF41",
     true, PduType::kDeliver, "+12063130025", "+16175046925",
     "This is a very long test designed to exercise multi part capability. It should show up as "
     "one message, not as two, as the underlying encoding represents ",
     0x4C, 1, 2},
    {"mm_multipart_2",
     "07912160130320F6440B916171056429F5000021405291651569320500034C0202E9E8301D44479741F0B09C3E07"
     "85E56590BCCC0ED3CB6410FD0D7ABBCBA0B0FB4D4797E52E10",
     true, PduType::kDeliver, "+12063130026", "+16175046925",
     "that the parts are related to one another. ", 0x4C, 2, 2},
    // [MM] test_pdu_stored_by_us: a SUBMIT read back from modem storage, UCS-2.
    {"mm_stored_submit",
     "002100098136397339F70008224F60597D4F60597D4F60597D4F60597D4F60597D4F60597D4F60597D4F60597D4F"
     "60",
     true, PduType::kSubmit, nullptr, "639337937", "你好你好你好你好你好你好你好你好你", -1, 0, 0},
    // [MM] test_pdu_not_stored: a status report from a Spanish network, TP-ST 30.
    {"mm_status_report_es", "07914356060013F1065A098136397339F7219011700463802190117004638030",
     true, PduType::kStatusReport, "+34656000311", "639337937", nullptr, -1, 0, 0},
    // [PM] test_decoding_7bit_pdu: Netherlands.
    {"pm_nl_7bit", "07911326040000F0040B911346610089F60000208062917314080CC8F71D14969741F977FD07",
     true, PduType::kDeliver, "+31624000000", "+31641600986", "How are you?", -1, 0, 0},
    // [PM] test_decoding_ucs2_pdu: Spain.
    {"pm_es_ucs2", "07914306073011F0040B914316709807F2000880604290224080084E2D5174901A8BAF", true,
     PduType::kDeliver, "+34607003110", "+34610789702", "中兴通讯", -1, 0, 0},
    // [PM] test_decoding_datetime_gmtplusone: United Kingdom.
    {"pm_uk_bst", "0791447758100650040C914497716247010000909010711423400A2050EC468B81C4733A", true,
     PduType::kDeliver, "+447785016005", "+447917267410", "  1741 bst", -1, 0, 0},
    // [PM] test_decoding_number_alphanumeric: FONIC (Germany), odd-length alphanumeric sender.
    {"pm_de_fonic",
     "07919471060040340409D0C6A733390400009060920173018093CC74595C96838C4F6772085AD6DDE4320B444E97"
     "41D4B03C6D7EC3E9E9B71B9474D3CB727799DEA286CFE5B9991DA6CBC3F432E85E9793CBA0F09A9EB6A7CB72BA0B"
     "9474D3CB727799DE72D6E9FABAFB0CBAA7E56490BA4CD7D34170F91BE4ACD3F575F7794E0F9F4161F1B92C2F8FD1"
     "EE32DD054AA2E520E3D3991C82A8E5701B",
     true, PduType::kDeliver, "+491760000443", "FONIC",
     "Lieber FONIC Kunde, die Tarifoption Internet-Tagesflatrate wurde aktiviert. "
     "Internet-Nutzung wird jetzt pro Nutzungstag abgerechnet. Ihr FONIC Team",
     -1, 0, 0},
    // [PM] same test: TIM (Italy), even-length alphanumeric sender.
    {"pm_it_tim",
     "07919333852804000412D0F7FBDD454FB75D693A0000903002801153402BCD301E9F0605D9E971191483C140412A"
     "35690D52832063D2F9040599A058EE05A3BD6430580E",
     true, PduType::kDeliver, "+393358824000", "www.tim.it",
     "Maxxi Alice 100 ATTIVATA FINO AL 19/04/2009", -1, 0, 0},
    // [PM] test_decode_weird_multipart_german_pdu: Vodafone (Germany), PID 39, DCS F1.
    {"pm_de_vodafone_1",
     "07919471227210244405852122F039F101506271217180A005000319020198E9B2B82C0759DFE4B0F9ED2EB79675"
     "37B9CC02B5D37450122D2FCB41EE303DFD7687D96537881A96A7CD6F383DFD7683F46134BBEC064DD36550DA0D22"
     "A7CBF3721BE42CD3F5A0198B56036DCA20B8FC0D6A0A4170767D0EAAE540433A082E7F83A6E5F93CFD76BB40D7B2"
     "DB0D9AA6CB2072BA3C2F83926EF31BE44E8FD17450BB8C9683CA",
     true, PduType::kDeliver, "+491722270142", "12220",
     "Lieber Vodafone-Kunde, mit Ihrer nationalen Tarifoption zahlen Sie in diesem Netz 3,45 € "
     "pro MB plus 59 Ct pro Session. Wenn Sie diese Info nicht mehr e",
     25, 1, 2},
    {"pm_de_vodafone_2",
     "07919471227210244405852122F039F1015062712181804F050003190202E4E8309B5E7683DAFC319A5E76B340F7"
     "3D9A5D7683A6E93268FD9ED3CB6EF67B0E5AD172B19B2C2693C9602E90355D6683A6F0B007946E8382F5393BEC26"
     "BB00",
     true, PduType::kDeliver, "+491722270142", "12220",
     "rhalten möchten, wählen Sie kostenlos +4917212220. Viel Spaß im Ausland.", 25, 2, 2},
    // [PM] test_decode_sms_confirmation: status report from a Spanish network, TP-ST 43.
    {"pm_es_status_report", "07914306073011F006270B913426565711F7012081111345400120811174054043",
     true, PduType::kStatusReport, "+34607003110", "+43626575117", nullptr, -1, 0, 0},
    // [FL] GSM7BIT_MESSAGES: Orange (UK), alphanumeric sender "from_Orange".
    {"fl_uk_orange",
     "07914497370190370414D066F9BB1D79CAC3EE731900009020114181110097C834C82C7FB7414F79D87D2EBB40D4"
     "F0BA0CA2A3CB2074783E679741EF3A1DF43683E86F383CED3E83EA7017681866B341B41A0C447F83E4E5737A4E2F"
     "CB41F9775D0E2297C569FA6B2C2F93D374D0382C27835A203ABAEC06E5DF75D038EC06D1DFF0561D0E0ABBF3F474"
     "BB0C12E741F4329E0E7ACB41E23C681C66B3D3EE33885683B900",
     true, PduType::kDeliver, "+447973100973", "from_Orange",
     "Hi from Orange. Take the hassle out of topping up. Call 450 to register your debit/credit "
     "card - then you can top-up anytime by text or by calling 450.",
     -1, 0, 0},
    // [FL] MULTIPART_GSM7BIT_MESSAGES: Philippines, short code sender, DCS 11 (class 1).
    {"fl_ph_part3",
     "079136190800104244038153F200118040424172012339050003E60303C82E10154F07F1D6E5FCFD2D27FB404FA3"
     "11447F83EAEE795D3C1FCBD3E2B20B54C4EB40D760720A42169950",
     true, PduType::kDeliver, "+639180000124", "352",
     "d. Txt <keyword> OFF to unsubscribe. Ex: WAIS HELP",  // the last 50 characters
     0xE6, 3, 3},
    // [FL] MULTIPART_GSM7BIT_MESSAGES: UK, 16-bit concatenation reference.
    {"fl_uk_ref16_2",
     "0791449737019037640C9144774931843800009020117185630025060804B9DB0202A0303C2CA783CCF2771B4447"
     "97416F79FA9C7687D9A0B7BB1C02",
     true, PduType::kDeliver, "+447973100973", "+447794134883", " apart from the original one!",
     0xB9DB, 2, 2},
    // [FL] GSM7BIT_MESSAGES: Philippines, application port IE (05), no concatenation.
    {"fl_it_port",
     "0791361907002004440C913609363107320000805031117053231406050415B3FDE83210B2C8643E914526F309",
     true, PduType::kDeliver, "+639170000240", "+639063137023", "2 HELLOHELLO", -1, 0, 0},
    // [FL] GSM7BIT_MESSAGES: Singapore, part 3 of 3.
    {"fl_sg_part3",
     "06915669917777640A9156691639180000012022014281232B0500032A0303E6A0301CCE4E8FC36E3AC85D6F8BCB"
     "7217888A0EBBD77317688A0EBBE969771A",
     true, PduType::kDeliver, "+6596197777", "+6596619381", "s applicant number. Thanks. Shantini",
     0x2A, 3, 3},
    // [FL] UCS2_MESSAGES: UK, Cyrillic and Arabic in one message.
    {"fl_uk_ucs2_mixed",
     "0791449737709399040C91447749318438000890205071858300540420044D04410441049B0456000A0627062806"
     "2A062C062E062F06310633000A00530065006E0074002000660072006F006D002000460072006F006E0074006C00"
     "69006E00650053004D00530020003B002D0029",
     true, PduType::kDeliver, "+447973073999", "+447794134883",
     "Рэссқі\nابتجخدرس\nSent from FrontlineSMS ;-)", -1, 0, 0},
    // [FL] UCS2_MESSAGES: UK, UCS-2 part 1 of 2.
    {"fl_uk_ucs2_part1",
     "0791447728008000440C914497885156050008902021217274008C0500030E02010420044304340434045E002004"
     "4C043D00200430043A044804430442043200210020005400680061007400270073002000760065007200790020"
     "006500780063006900740069006E0067002C0020006C00650074002700730020006D0061006B0065002000740068"
     "006900730020006D0065007300730061006700650020006D0075006C0074",
     true, PduType::kDeliver, "+447782000800", "+447988156550",
     "Руддў ьн акшутв! That's very exciting, let's make this message mult", 0x0E, 1, 2},
    // [FL] CStatusReportMessageTest: Kenya, national recipient, delivered.
    {"fl_ke_report_delivered", "079152742205000006070A817020957711112112113391E11121121133912100",
     true, PduType::kStatusReport, "+254722500000", "0702597711", nullptr, -1, 0, 0},
    // [FL] CStatusReportMessageTest: Kenya, 17-digit recipient, TP-ST 40 (failed).
    {"fl_ke_report_failed",
     "0791527422050000060911818967454365878967F5112112213012E11121122130122140", true,
     PduType::kStatusReport, "+254722500000", "98765434567898765", nullptr, -1, 0, 0},
    // [FL] CStatusReportMessageTest: Netherlands, SMSC part "00".
    {"fl_nl_report", "0006D60B911326880736F4111011719551401110117195714000", true,
     PduType::kStatusReport, nullptr, "+31628870634", nullptr, -1, 0, 0},
    // [FL] CStatusReportMessageTest: Kenya, read without the SMSC part.
    {"fl_ke_report_no_smsc", "06130C91527420121670110172111332E11101721113322100", false,
     PduType::kStatusReport, nullptr, "+254702216107", nullptr, -1, 0, 0},
};

class RealPdus : public testing::TestWithParam<RealPdu> {};

TEST_P(RealPdus, Decode) {
  const RealPdu& v = GetParam();
  auto r = DecodePdu(v.hex, {.has_smsc = v.has_smsc});
  ASSERT_TRUE(r.ok()) << r.error().message;
  const SmsPdu& p = *r;
  EXPECT_EQ(p.type, v.type);
  if (v.smsc) {
    ASSERT_TRUE(p.smsc.has_value());
    EXPECT_EQ(p.smsc->value, v.smsc);
  } else {
    EXPECT_FALSE(p.smsc.has_value());
  }
  EXPECT_EQ(p.address.value, v.number);
  if (v.text) EXPECT_EQ(p.text, v.text);
  EXPECT_TRUE(IsValidUtf8(p.text));
  if (v.concat_ref < 0) {
    EXPECT_FALSE(p.udh && p.udh->concat);
  } else {
    ASSERT_TRUE(p.udh && p.udh->concat);
    EXPECT_EQ(p.udh->concat->ref, v.concat_ref);
    EXPECT_EQ(p.udh->concat->seq, v.concat_seq);
    EXPECT_EQ(p.udh->concat->total, v.concat_total);
  }
}

INSTANTIATE_TEST_SUITE_P(Corpus, RealPdus, testing::ValuesIn(kCorpus),
                         [](const auto& info) { return std::string(info.param.name); });

SmsPdu Decoded(std::string_view hex, bool has_smsc = true) {
  auto r = DecodePdu(hex, {.has_smsc = has_smsc});
  EXPECT_TRUE(r.ok());
  return r.ok() ? *r : SmsPdu{};
}

TEST(RealPduFields, TimestampsAndZones) {
  // [MM] pdu1: 2011-02-28T11:50:50-05:00.
  SmsPdu p = Decoded(kCorpus[0].hex);
  EXPECT_EQ(*p.timestamp, (SmsTimestamp{2011, 2, 28, 11, 50, 50, -20}));
  // [MM] SFR: 2011-06-24T13:08:15+02:00, class 1.
  p = Decoded(kCorpus[1].hex);
  EXPECT_EQ(*p.timestamp, (SmsTimestamp{2011, 6, 24, 13, 8, 15, 8}));
  EXPECT_EQ(p.dcs.message_class, 1);
  // [MM] multipart part 2: 2012-04-25T19:56:51-04:00.
  p = Decoded(kCorpus[4].hex);
  EXPECT_EQ(*p.timestamp, (SmsTimestamp{2012, 4, 25, 19, 56, 51, -16}));
  // [PM] NL: 2002-08-26 19:37:41.
  p = Decoded(kCorpus[7].hex);
  EXPECT_EQ(p.timestamp->year, 2002);
  EXPECT_EQ(p.timestamp->hour, 19);
  EXPECT_EQ(p.timestamp->second, 41);
}

TEST(RealPduFields, StatusReports) {
  // [MM] Spain: TP-ST 30 (SC-specific, still trying), MR 5A.
  SmsPdu p = Decoded("07914356060013F1065A098136397339F7219011700463802190117004638030");
  EXPECT_EQ(p.message_reference, 0x5A);
  EXPECT_EQ(p.status, 0x30);
  EXPECT_EQ(ClassifyStatus(p.status), DeliveryState::kPending);
  EXPECT_EQ(*p.timestamp, (SmsTimestamp{2012, 9, 11, 7, 40, 36, 8}));
  // [PM] Spain: MR 27, TP-ST 43 (failed).
  p = Decoded("07914306073011F006270B913426565711F7012081111345400120811174054043");
  EXPECT_EQ(p.message_reference, 0x27);
  EXPECT_EQ(ClassifyStatus(p.status), DeliveryState::kFailed);
  EXPECT_EQ(*p.timestamp, (SmsTimestamp{2010, 2, 18, 11, 31, 54, 4}));
  // [FL] Kenya: MR 7 delivered; MR 9 TP-ST 40 failed.
  p = Decoded("079152742205000006070A817020957711112112113391E11121121133912100");
  EXPECT_EQ(p.message_reference, 7);
  EXPECT_EQ(ClassifyStatus(p.status), DeliveryState::kDelivered);
  p = Decoded("0791527422050000060911818967454365878967F5112112213012E11121122130122140");
  EXPECT_EQ(p.message_reference, 9);
  EXPECT_EQ(ClassifyStatus(p.status), DeliveryState::kFailed);
  // [FL] Netherlands: MR 214; SCTS and DT instants as the source expects them
  // (1294765155000 and 1294765157000 ms).
  p = Decoded("0006D60B911326880736F4111011719551401110117195714000");
  EXPECT_EQ(p.message_reference, 214);
  EXPECT_EQ(UnixMillis(*p.timestamp->Utc()), 1294765155000);
  EXPECT_EQ(UnixMillis(*p.discharge_time->Utc()), 1294765157000);
  EXPECT_EQ(ClassifyStatus(p.status), DeliveryState::kDelivered);
}

TEST(RealPduFields, HeaderElementsOtherThanConcatenation) {
  // [FL] Philippines: application port addressing, 16-bit (IEI 05), destination 0x15B3.
  SmsPdu p = Decoded(
      "0791361907002004440C913609363107320000805031117053231406050415B3FDE83210B2C8643E914526F309");
  ASSERT_TRUE(p.udh.has_value());
  ASSERT_EQ(p.udh->others.size(), 1u);
  EXPECT_EQ(p.udh->others[0].iei, 0x05);
  EXPECT_EQ(ToHex(p.udh->others[0].data), "15B3FDE8");
  // [FL] A Turkish message: the national single shift IE (24) is kept raw and the text decodes
  // through the default table (national tables are not supported).
  p = Decoded(
      "0791093592100000640C910905566361400000012091327233804B03240101A0A2D373507A0E0A83DAE5F93C7C"
      "2E83E8E8301D347EBBE9E1B47B0EAAD3CD38D0181D96CF5DC8B2BC0C0ACBCB203ABA0C1AA3C3F2B96E93DE9C37"
      "733F1F");
  ASSERT_TRUE(p.udh.has_value());
  ASSERT_EQ(p.udh->others.size(), 1u);
  EXPECT_EQ(p.udh->others[0].iei, 0x24);
  EXPECT_EQ(p.text.rfind("This is a message that contains utf8 chars.Here are the chars:", 0), 0u)
      << p.text;
}

TEST(RealPduFields, EightBitDataIsKeptAsBytes) {
  // [MM] test_pdu3_8bit and test_pdu_dcsf_8bit: DCS 04 and F4.
  for (const char* hex :
       {"07912143658709F1040B918100551512F20004111010214365000AE8329BFD4697D9EC37DE",
        "07912143658709F1040B918100551512F200F4111010214365000AE8329BFD4697D9EC37DE"}) {
    SmsPdu p = Decoded(hex);
    EXPECT_EQ(p.dcs.alphabet, Alphabet::k8Bit);
    EXPECT_TRUE(p.text.empty());
    EXPECT_EQ(ToHex(p.data), "E8329BFD4697D9EC37DE");
  }
  // [MM] test_pdu_insufficient_data: UDL one septet longer than the data.
  EXPECT_FALSE(
      DecodePdu("07912143658709F1040B918100551512F20000111010214365000BE8329BFD4697D9EC37").ok());
}

// Encoders of other projects, byte for byte.
TEST(RealPduEncoding, ModemManagerSubmits) {
  // [MM] test_create_pdu_*: validity 5 (minutes: TP-VP 00), no class.
  SubmitOptions o;
  o.validity = std::chrono::minutes(5);
  const std::string gsm = "Hi there...Tue 17th Jan 2012 05:30.18 pm (GMT+1) ΔΔΔΔΔ";
  auto r = EncodeSubmit("+15555551234", gsm, o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].hex,
            "0011000B915155551532F400000036C834888E2ECBCB2E978B5A2F8362373A1AA40CBB4132584C0682D5"
            "7433982B8603C1DB20D4B1495DC552200804028100");
  o.smsc = Address{TypeOfNumber::kInternational, 1, "+19037029920"};
  r = EncodeSubmit("+15555551234", gsm, o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].hex.substr(0, 16), "07919130079229F0");
  EXPECT_EQ((*r)[0].tpdu_length + 8, (*r)[0].hex.size() / 2);
  r = EncodeSubmit("+15555551234", "Да здравствует король, детка!", o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].hex,
            "07919130079229F011000B915155551532F40008003A041404300020043704340440043004320441044204"
            "320443043504420020043A043E0440043E043B044C002C0020043404350442043A04300021");
  o.smsc.reset();
  r = EncodeSubmit("+15556661234", "This is really cool ΔΔΔΔΔ", o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].hex,
            "0011000B915155661632F40000001954747A0E4ACF41F27298CDCE83C6EF371B0481402010");
  o.validity.reset();
  r = EncodeSubmit("+15556661234", "This is really cool ΔΔΔΔΔ", o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].hex, "0001000B915155661632F4000019" +
                             std::string("54747A0E4ACF41F27298CDCE83C6EF371B0481402010"));
}

TEST(RealPduEncoding, PythonMessagingSubmits) {
  // [PM] TestSmsSubmit.
  SubmitOptions o;
  auto one = [&](std::string_view number, std::string_view text) {
    auto r = EncodeSubmit(number, text, o);
    EXPECT_TRUE(r.ok());
    return r.ok() ? (*r)[0] : EncodedPdu{};
  };
  EXPECT_EQ(one("+34616585119", "hola").hex, "0001000B914316565811F9000004E8373B0C");
  o.validity = std::chrono::hours(24 * 4);
  EXPECT_EQ(one("+34616585119", "hola").hex, "0011000B914316565811F90000AA04E8373B0C");
  EXPECT_EQ(one("+34616585119", "hola").tpdu_length, 18u);
  EXPECT_EQ(one("+34654123456", "Hölä").hex, "0011000B914356143254F60000AA04483E7B0F");
  EXPECT_EQ(one("655345678", "Русский").hex,
            "001100098156355476F80008AA0E0420044304410441043A04380439");
  o.validity.reset();
  EXPECT_EQ(one("+34654123456", "BÄRÇA äñ@").hex, "0001000B914356143254F6000009C2AD341104EDFB00");
  for (int k = 0; k < 4; ++k) {
    o.message_class = k;
    EXPECT_EQ(one("+34654123456", "hey yo").hex,
              "0001000B914356143254F6001" + std::to_string(k) + "06E8721E947F03");
  }
  o.message_class.reset();
  o.status_report = true;
  EXPECT_EQ(one("+34654123456", "hey yo").hex, "0021000B914356143254F6000006E8721E947F03");
  o.status_report = false;
  o.smsc = Address{TypeOfNumber::kInternational, 1, "+34646456456"};
  EXPECT_EQ(one("+34616585119", "hola").hex, "07914346466554F601000B914316565811F9000004E8373B0C");
  EXPECT_EQ(one("+34616585119", "hola").tpdu_length, 17u);
  EXPECT_EQ(one("+34616585119", "あ叶葉").hex,
            "07914346466554F601000B914316565811F9000806304253F68449");
}

TEST(RealPduEncoding, PythonMessagingMultipart) {
  // [PM] test_encoding_multipart_7bit: three parts, reference 136, VP 4 days.
  const std::string text =
      "Or walk with Kings - nor lose the common touch, if neither foes nor loving friends can "
      "hurt you, If all men count with you, but none too much; If you can fill the unforgiving "
      "minute With sixty seconds' worth of distance run, Yours is the Earth and everything thats "
      "in it, And - which is more - you will be a Man, my son";
  SubmitOptions o;
  o.validity = std::chrono::hours(24 * 4);
  o.concat_ref = 136;
  auto r = EncodeSubmit("655345678", text, o);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].hex,
            "005100098156355476F80000AAA00500038803019E72D03DCC5E83EE693A1AB44CBBCF73500BE47ECB41"
            "ECF7BC0CA2A3CBA0F1BBDD7EBB41F4777D8C6681D26690BB9CA6A3CB7290F95D9E83DC6F3988FDB6A7DD"
            "6790599E2EBBC973D038EC06A1EB723A28FFAEB340493328CC6683DA653768FCAEBBE9A07B9A8E06E5DF"
            "7516485CA783DC6F7719447FBF41EDFA18BD0325CDA0FCBB0E1A87DD");
  EXPECT_EQ((*r)[1].hex,
            "005100098156355476F80000AAA005000388030240E6349B0DA2A3CBA0BADBFC969FD3F6B4FB0C6AA7DD"
            "757A19744DD3D1A0791A4FCF83E6E5F1DB4D9E9F40F7B79C8E06BDCD20727A4E0FBBC76590BCEE6681B2"
            "EFBA7C0E4ACF41747419540CCBE96850D84D0695ED65799E8E4EBBCF203A3A4C9F83D26E509ACE0205DD"
            "64500B7447A7C768507A0E6ABFE565500B947FD741F7349B0D129741");
  EXPECT_EQ((*r)[2].hex, "005100098156355476F80000AA14050003880303C2A066D8CD02B5F3A0F9DB0D");
}

}  // namespace
}  // namespace pesan::modem
