// A real Kannel 1.4 for tests: bearerbox, smsbox and the fake SMSC client `fakesmsc`, run as
// child processes on free loopback ports from a kannel.conf written into a temporary folder.
//
//   test ──sendsms──▶ smsbox ──▶ bearerbox ──smsc = fake──▶ fakesmsc (prints what the SMSC got)
//   test ◀─get-url── smsbox ◀── bearerbox ◀──────────────── fakesmsc (injects MO lines from stdin)
//
// The fake SMSC protocol is one line per message: "<from> <to> <type> [<udh>] <data>"; types
// are `text` (raw, 7-bit), `data` (URL-encoded, 8-bit), `ucs2` (URL-encoded UTF-16BE),
// `udh-text`/`udh-data` (URL-encoded UDH, then the text raw or the data URL-encoded). What the
// SMSC receives comes back as `text <utf-8>`, `data <url>`, `ucs-2 <url>`, or `udh <url> data
// <url>` for parts of a concatenated message (Kannel 1.4.5 gw/smsc/smsc_fake.c). The last form
// does not say the coding: the harness takes it from bearerbox's access log.
//
// Not thread-safe: one test thread drives a harness.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace pesan::testing {

struct KannelHarnessOptions {
  // The sms-service get-url without its query, e.g. "http://127.0.0.1:8080/sms/kannel". The
  // harness appends from, to, text (raw bytes), coding, charset, id (Kannel's message UUID)
  // and, when `token` is set, token: the query adapters/kannel/README.md gives. Empty: no
  // sms-service (MO messages are dropped).
  std::string mo_url;
  std::string token;  // unreserved URL characters only
  std::string username = "pesan";
  std::string password = "rahasia-kannel";
  std::string global_sender = "3636";
  std::chrono::milliseconds start_deadline{15000};
  std::chrono::milliseconds stop_deadline{5000};  // SIGTERM, then SIGKILL
};

// A port on 127.0.0.1 kept for a peer that must be named (in kannel.conf, in the gateway's
// configuration) before it listens, and that may stop and listen again on it. A socket stays
// bound to it with SO_REUSEADDR and never listens: the kernel neither hands the port out as the
// local port of an outgoing connection nor to a bind to port 0 meanwhile, while a server that
// binds with SO_REUSEADDR (Kannel's gwlib, the gateway) can still listen on it.
class ReservedPort {
 public:
  static Result<ReservedPort> Take();
  ReservedPort(ReservedPort&& other) noexcept;
  ReservedPort& operator=(ReservedPort&& other) noexcept;
  ReservedPort(const ReservedPort&) = delete;
  ReservedPort& operator=(const ReservedPort&) = delete;
  ~ReservedPort();
  int port() const { return port_; }

 private:
  ReservedPort(int fd, int port) : fd_(fd), port_(port) {}
  int fd_ = -1;
  int port_ = 0;
};

// One message as the fake SMSC received it (an MT) or as joined from its parts.
struct FakesmscMessage {
  enum class Coding { k7Bit, k8Bit, kUcs2, kUnknown };
  std::string from;
  std::string to;
  Coding coding = Coding::kUnknown;
  std::string udh;   // raw bytes, with the UDHL octet; empty without UDH
  std::string data;  // raw bytes: UTF-8 for 7-bit (Kannel keeps GSM text as UTF-8), UTF-16BE
                     // for UCS-2, octets for 8-bit
  int parts = 1;     // how many SMS this message came in
};

// Parses the part of a fakesmsc "Got message N: <...>" log line between the angle brackets.
Result<FakesmscMessage> ParseFakesmscLine(std::string_view line);

// Joins the parts of concatenated messages (3GPP TS 23.040 §9.2.3.24.1 and §9.2.3.24.8: IEI 0x00
// with an 8-bit, 0x08 with a 16-bit reference) in arrival order; a message stays where its
// first part arrived. Incomplete sets are left out. Messages without UDH pass unchanged.
std::vector<FakesmscMessage> JoinConcatenated(const std::vector<FakesmscMessage>& parts);

class KannelHarness {
 public:
  // Writes the configuration and starts Kannel; returns when bearerbox has the fake SMSC online,
  // smsbox connected, and sendsms answers.
  static Result<std::unique_ptr<KannelHarness>> Start(KannelHarnessOptions options);
  ~KannelHarness();  // stops every child, removes the folder (kept if PESAN_KEEP_KANNEL_DIR set)
  KannelHarness(const KannelHarness&) = delete;
  KannelHarness& operator=(const KannelHarness&) = delete;

  // Stops bearerbox, smsbox and fakesmsc (SIGTERM, then SIGKILL after the stop deadline).
  void StopKannel();
  // Starts them again on the same ports; what was received so far is kept.
  Status StartKannel();
  bool running() const { return bearerbox_ > 0; }

  // "http://127.0.0.1:<port>/cgi-bin/sendsms"
  std::string SendsmsUrl() const;
  const KannelHarnessOptions& options() const { return options_; }
  const std::string& dir() const { return dir_; }

  // Waits until the fake SMSC has received `count` whole messages (parts joined) for receiver
  // `to` (any receiver when empty) since the harness started, then returns all of them, in
  // order; returns what there is when the deadline passes.
  std::vector<FakesmscMessage> WaitForMessages(size_t count, std::chrono::milliseconds deadline,
                                               std::string_view to = {});
  // The individual SMS the fake SMSC received so far (parts not joined; coding kUnknown for UDH).
  std::vector<FakesmscMessage> ReceivedParts();

  // MO injection through fakesmsc; returns once fakesmsc has written the line to bearerbox.
  Status InjectText(std::string_view from, std::string_view to, std::string_view text);
  Status InjectUcs2(std::string_view from, std::string_view to, std::string_view utf16be);
  Status InjectUdhText(std::string_view from, std::string_view to, std::string_view udh,
                       std::string_view text);
  // One raw line in the fake SMSC protocol (without the newline).
  Status InjectLine(std::string_view line);

  // The last `bytes` of each log, for failure messages.
  std::string LogTail(size_t bytes = 3000) const;

 private:
  explicit KannelHarness(KannelHarnessOptions options);
  Status WriteConfig();
  Status StartFakesmsc();
  Status WaitReady(std::chrono::steady_clock::time_point deadline);
  void Poke();             // wakes fakesmsc's stdin loop so it reads its bearerbox socket
  void ReadFakesmscLog();  // new "Got message" and "sent message" lines
  void ReadAccessLog();    // codings of sent messages
  void StopChild(pid_t& pid);

  KannelHarnessOptions options_;
  std::string dir_;
  std::vector<ReservedPort> ports_;  // admin, smsbox, fake SMSC, sendsms: kept across restarts
  int admin_port_ = 0, smsbox_port_ = 0, fake_port_ = 0, sendsms_port_ = 0;
  pid_t bearerbox_ = -1, smsbox_ = -1, fakesmsc_ = -1;
  int fakesmsc_stdin_ = -1;
  int generation_ = 0;        // fakesmsc log file per start
  size_t fs_log_offset_ = 0;  // bytes of the current fakesmsc log already read
  std::string fs_log_partial_;
  long sent_lines_ = 0;  // "sent message" count of the current fakesmsc
  std::vector<FakesmscMessage> parts_;
  size_t access_offset_ = 0;
  std::string access_partial_;
  // (receiver, coding) of each "Sent SMS" in the access log, in order.
  std::vector<std::pair<std::string, FakesmscMessage::Coding>> sent_codings_;
};

}  // namespace pesan::testing
