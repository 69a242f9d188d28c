// Agreement with an independent implementation: libgammu, driven by gammu_vectors.py.
// Gammu encodes generated texts and we decode them (and must produce the same TPDU octets);
// we encode and Gammu decodes.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "adapters/modem/pdu.h"

namespace pesan::modem {
namespace {

using nlohmann::json;

struct ScriptRun {
  int exit_code = -1;
  std::vector<json> lines;
};

// Runs gammu_vectors.py `mode` with `input` on stdin; one JSON value per output line.
ScriptRun RunGammu(const std::string& mode, const std::string& input) {
  const std::string python = access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
  const std::string in_path =
      testing::TempDir() + "gammu_" + mode + "_" + std::to_string(getpid()) + ".in";
  {
    std::ofstream in(in_path, std::ios::binary);
    in << input;
  }
  const std::string cmd = python + " " PESAN_SOURCE_DIR "/tests/adapters/modem/gammu_vectors.py " +
                          mode + " < " + in_path;
  ScriptRun run;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) return run;
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  const int status = pclose(pipe);
  std::remove(in_path.c_str());
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) run.lines.push_back(json::parse(line));
  }
  return run;
}

// Deterministic texts (fixed seed): GSM-7 with extension characters, UCS-2 with emoji and
// other scripts, short and long.
std::vector<std::string> GeneratedTexts() {
  std::mt19937 rng(20250109);
  auto pick = [&](const std::vector<std::string>& v) {
    return v[std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng)];
  };
  const std::vector<std::string> gsm_words = {
      "PESAN", "B1", "2",   "beras", "gula", "Rp5.000", "ok!",  "@toko", "{x}",   "[1]",
      "€10",   "~",  "a|b", "^_^",   "\\n",  "Ünal",    "café", "ΔΣΩ",   "¿qué?", "100%",
      "#123",  "$5", "£3",  "¥",     "§4",   "Ñ",       "ø",    "ß",     "Æ",     "é è"};
  const std::vector<std::string> ucs_words = {
      "terima", "kasih", "😀",  "🙏", "🇮🇩", "Привет", "شكرا", "ꦱꦸꦒꦼꦁ",  "你好", "क्ष",
      "€",      "{B1}",  "ok", "ñ", "𝄞",  "á",      "ç",    "“x”", "…",    "Rp"};
  std::vector<std::string> texts = {"a",
                                    "{",
                                    "😀",
                                    std::string(160, 'x'),
                                    std::string(161, 'x'),
                                    std::string(152, 'a') + "{b}",
                                    std::string(66, 'x') + "😀y"};
  for (int i = 0; i < 30; ++i) {
    const bool ucs = i % 2 == 1;
    const size_t words = std::uniform_int_distribution<size_t>(1, i < 10 ? 20 : 90)(rng);
    std::string t;
    for (size_t w = 0; w < words; ++w) {
      if (w) t += ' ';
      t += pick(ucs ? ucs_words : gsm_words);
    }
    texts.push_back(t);
  }
  return texts;
}

std::string TpduOf(const std::string& hex) {
  const int smsc_octets = std::stoi(hex.substr(0, 2), nullptr, 16);
  return hex.substr(2 + 2 * smsc_octets);
}

TEST(PduGammu, WeDecodeWhatGammuEncodesAndEncodeTheSameOctets) {
  const std::vector<std::string> texts = GeneratedTexts();
  std::string input;
  struct Request {
    std::string text;
    std::string layout;
    bool ref16;
  };
  std::vector<Request> requests;
  for (size_t i = 0; i < texts.size(); ++i) {
    for (const char* layout : {"Submit", "Deliver"}) {
      Request r{texts[i], layout, i % 3 == 2};
      json j = {{"text", r.text},
                {"number", "+6281234567890"},
                {"unicode", !IsGsm7(r.text)},
                {"ref16", r.ref16},
                {"layout", r.layout}};
      input += j.dump() + "\n";
      requests.push_back(r);
    }
  }
  ScriptRun run = RunGammu("encode", input);
  if (run.exit_code == 77) GTEST_SKIP() << "python-gammu is not installed";
  ASSERT_EQ(run.exit_code, 0);
  ASSERT_EQ(run.lines.size(), requests.size());

  for (size_t i = 0; i < requests.size(); ++i) {
    const Request& req = requests[i];
    const auto& pdus = run.lines[i]["pdus"];
    const int ref = run.lines[i]["ref"];
    SCOPED_TRACE(req.layout + " #" + std::to_string(i) + ": " + req.text);
    // Decode Gammu's PDUs and join the parts.
    std::string joined;
    for (size_t k = 0; k < pdus.size(); ++k) {
      auto p = DecodePdu(pdus[k].get<std::string>());
      ASSERT_TRUE(p.ok()) << p.error().message;
      EXPECT_EQ(p->type, req.layout == "Submit" ? PduType::kSubmit : PduType::kDeliver);
      EXPECT_EQ(p->address.value, "+6281234567890");
      if (pdus.size() > 1) {
        ASSERT_TRUE(p->udh && p->udh->concat);
        EXPECT_EQ(p->udh->concat->seq, k + 1);
        EXPECT_EQ(p->udh->concat->total, pdus.size());
        EXPECT_EQ(p->udh->concat->ref, ref);
        EXPECT_EQ(p->udh->concat->ref16, req.ref16);
      }
      joined += p->text;
    }
    EXPECT_EQ(joined, req.text);

    // Encode with the same settings: the TPDUs must be identical octet for octet.
    Result<std::vector<EncodedPdu>> ours = Error{};
    if (req.layout == "Submit") {
      SubmitOptions o;
      o.validity = std::chrono::hours(24 * 4);
      o.ref16 = req.ref16;
      o.concat_ref = static_cast<uint16_t>(ref < 0 ? 0 : ref);
      ours = EncodeSubmit("+6281234567890", req.text, o);
    } else {
      DeliverOptions o;
      o.more_messages = true;  // Gammu leaves TP-MMS at 0
      o.timestamp = {2025, 1, 9, 13, 45, 7, 0};
      o.ref16 = req.ref16;
      o.concat_ref = static_cast<uint16_t>(ref < 0 ? 0 : ref);
      ours = EncodeDeliver("+6281234567890", req.text, o);
    }
    ASSERT_TRUE(ours.ok()) << ours.error().message;
    ASSERT_EQ(ours->size(), pdus.size());
    for (size_t k = 0; k < pdus.size(); ++k) {
      EXPECT_EQ(TpduOf((*ours)[k].hex), TpduOf(pdus[k].get<std::string>())) << "part " << k + 1;
    }
  }
}

TEST(PduGammu, GammuDecodesWhatWeEncode) {
  struct Sent {
    std::string kind;
    std::string number;
    std::string text;  // part text
    int ref = -1, seq = 0, total = 0;
    bool ref16 = false;
  };
  std::vector<Sent> sent;
  std::string input;
  const std::vector<std::string> texts = GeneratedTexts();
  const char* numbers[] = {"+6281234567890", "081234567890", "TOKO B1", "3636"};
  for (size_t i = 0; i < texts.size(); ++i) {
    const std::string number = numbers[i % 4];
    const bool ref16 = i % 2 == 0;
    const uint16_t ref = static_cast<uint16_t>(ref16 ? 0x1234 + i : 0x80 + i);
    const std::vector<std::string> parts = SplitSmsUnits(
        texts[i], IsGsm7(texts[i]) ? SmsCoding::kGsm7 : SmsCoding::kUcs2,
        IsGsm7(texts[i]) ? 160 : 70, IsGsm7(texts[i]) ? (ref16 ? 152 : 153) : (ref16 ? 66 : 67));
    Result<std::vector<EncodedPdu>> pdus = Error{};
    std::string kind;
    if (number[0] == 'T') {  // alphanumeric: only as an originator
      DeliverOptions o;
      o.smsc = Address{TypeOfNumber::kInternational, 1, "+6281100000"};
      o.timestamp = {2025, 1, 9, 13, 45, 7, 28};
      o.ref16 = ref16;
      o.concat_ref = ref;
      pdus = EncodeDeliver(number, texts[i], o);
      kind = "Deliver";
    } else {
      SubmitOptions o;
      o.validity = std::chrono::hours(24);
      o.ref16 = ref16;
      o.concat_ref = ref;
      o.status_report = i % 3 == 0;
      pdus = EncodeSubmit(number, texts[i], o);
      kind = "Submit";
    }
    ASSERT_TRUE(pdus.ok());
    ASSERT_EQ(pdus->size(), parts.size());
    for (size_t k = 0; k < parts.size(); ++k) {
      Sent s{kind, number, parts[k]};
      if (parts.size() > 1) {
        s.ref = ref16 ? ref : (ref & 0xFF);
        s.seq = static_cast<int>(k + 1);
        s.total = static_cast<int>(parts.size());
        s.ref16 = ref16;
      }
      sent.push_back(s);
      input += (*pdus)[k].hex + "\n";
    }
  }
  // Status reports, delivered and failed.
  for (uint8_t st : {0x00, 0x30, 0x46}) {
    StatusReportOptions o;
    o.smsc = Address{TypeOfNumber::kInternational, 1, "+6281100000"};
    o.message_reference = static_cast<uint8_t>(0x10 + st);
    o.timestamp = {2025, 1, 9, 13, 45, 7, 28};
    o.discharge_time = {2025, 1, 9, 13, 59, 0, 28};
    o.status = st;
    auto r = EncodeStatusReport("+6285766660001", o);
    ASSERT_TRUE(r.ok());
    sent.push_back({"Status_Report", "+6285766660001", "", o.message_reference, st, 0});
    input += r->hex + "\n";
  }

  ScriptRun run = RunGammu("decode", input);
  if (run.exit_code == 77) GTEST_SKIP() << "python-gammu is not installed";
  ASSERT_EQ(run.exit_code, 0);
  ASSERT_EQ(run.lines.size(), sent.size());
  for (size_t i = 0; i < sent.size(); ++i) {
    const Sent& s = sent[i];
    const json& g = run.lines[i];
    SCOPED_TRACE(std::to_string(i) + ": " + s.number + " " + s.text + " -> " + g.dump());
    ASSERT_FALSE(g.contains("error"));
    EXPECT_EQ(g["type"], s.kind);
    EXPECT_EQ(g["number"], s.number);
    if (s.kind == "Status_Report") {
      EXPECT_EQ(g["message_reference"], s.ref);
      EXPECT_EQ(g["status"], s.seq);
      EXPECT_EQ(g["DateTime"], "2025-01-09 13:45:07");
      EXPECT_EQ(g["SMSCDateTime"], "2025-01-09 13:59:00");
      EXPECT_EQ(g["smsc"], "+6281100000");
      continue;
    }
    EXPECT_EQ(g["text"], s.text);
    if (s.kind == "Deliver") {
      EXPECT_EQ(g["DateTime"], "2025-01-09 13:45:07");
      EXPECT_EQ(g["smsc"], "+6281100000");
    }
    if (s.ref >= 0) {
      EXPECT_EQ(g["udh_type"], s.ref16 ? "ConcatenatedMessages16bit" : "ConcatenatedMessages");
      EXPECT_EQ(g["ref"], s.ref);
      EXPECT_EQ(g["part"], s.seq);
      EXPECT_EQ(g["total"], s.total);
    } else {
      EXPECT_EQ(g["udh_type"], "NoUDH");
    }
  }
}

}  // namespace
}  // namespace pesan::modem
