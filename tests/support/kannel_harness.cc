#include "tests/support/kannel_harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>
#include <utility>

#include "core/form.h"

namespace pesan::testing {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr const char* kBearerbox = "/usr/sbin/bearerbox";
constexpr const char* kSmsbox = "/usr/sbin/smsbox";
constexpr const char* kFakesmsc = "/usr/lib/kannel/test/fakesmsc";
constexpr const char* kAdminPassword = "harness-admin";
// fakesmsc reads stdin with fgets() into a 256-byte buffer (test/fakesmsc.c IN_BUFSIZE): a
// longer line goes out in pieces of 255 bytes, each counted as one "sent message".
constexpr size_t kFakesmscChunk = 255;

}  // namespace

Result<ReservedPort> ReservedPort::Take() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Internal(std::string("socket: ") + std::strerror(errno));
  const int on = 1;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0 ||
      bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    Error e = Internal(std::string("reserving a loopback port: ") + std::strerror(errno));
    close(fd);
    return e;
  }
  return ReservedPort(fd, static_cast<int>(ntohs(a.sin_port)));
}

ReservedPort::ReservedPort(ReservedPort&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), port_(other.port_) {}

ReservedPort& ReservedPort::operator=(ReservedPort&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    port_ = other.port_;
  }
  return *this;
}

ReservedPort::~ReservedPort() {
  if (fd_ >= 0) close(fd_);
}

namespace {

// A blocking HTTP/1.0 GET on 127.0.0.1; the whole response (status line, headers, body).
Result<std::string> HttpGet(int port, const std::string& target) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Internal("socket");
  timeval tv{2, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return Unavailable("connect: " + std::string(std::strerror(errno)));
  }
  std::string req = "GET " + target + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  if (send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
    close(fd);
    return Unavailable("send");
  }
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n > 0) {
      out.append(buf, static_cast<size_t>(n));
      continue;
    }
    break;
  }
  close(fd);
  if (out.rfind("HTTP/", 0) != 0) return Unavailable("no HTTP answer");
  return out;
}

// fork + exec with stdin/stdout/stderr redirected; the child dies with the test process.
Result<pid_t> Spawn(const std::vector<std::string>& argv, int stdin_fd, const std::string& log) {
  int out = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (out < 0) return Internal("open " + log + ": " + std::strerror(errno));
  int in = stdin_fd >= 0 ? stdin_fd : open("/dev/null", O_RDONLY | O_CLOEXEC);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    // Only async-signal-safe calls from here on.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    dup2(in, 0);
    dup2(out, 1);
    dup2(out, 2);
    execv(args[0], args.data());
    _exit(127);
  }
  int err = errno;
  close(out);
  if (stdin_fd < 0) close(in);
  if (pid < 0) return Internal(std::string("fork: ") + std::strerror(err));
  return pid;
}

// True when `pid` has exited (and is reaped).
bool Exited(pid_t pid) {
  int status = 0;
  pid_t r = waitpid(pid, &status, WNOHANG);
  return r == pid || (r < 0 && errno == ECHILD);
}

std::string Tail(const std::string& path, size_t bytes) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return "";
  std::stringstream ss;
  ss << f.rdbuf();
  std::string s = ss.str();
  return s.size() > bytes ? s.substr(s.size() - bytes) : s;
}

// Appends the bytes of `path` after `offset` to `partial` and returns the complete lines.
std::vector<std::string> NewLines(const std::string& path, size_t& offset, std::string& partial) {
  std::vector<std::string> lines;
  std::ifstream f(path, std::ios::binary);
  if (!f) return lines;
  f.seekg(static_cast<std::streamoff>(offset));
  std::string chunk((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  offset += chunk.size();
  partial += chunk;
  size_t start = 0;
  for (size_t nl; (nl = partial.find('\n', start)) != std::string::npos; start = nl + 1) {
    lines.push_back(partial.substr(start, nl - start));
  }
  partial.erase(0, start);
  return lines;
}

// Kannel's octstr_url_decode: %XX and '+' for a space.
Result<std::string> UrlDecode(std::string_view s) {
  auto fields = ParseForm(std::string("v=") + std::string(s));
  if (!fields.ok()) return fields.error();
  const std::string* v = FindField(*fields, "v");
  return v ? *v : std::string();
}

// The concatenation information element of a UDH, if any: (reference, total, sequence).
std::optional<std::tuple<int, int, int>> ConcatInfo(std::string_view udh) {
  if (udh.empty()) return std::nullopt;
  size_t len = static_cast<unsigned char>(udh[0]);
  if (len + 1 > udh.size()) return std::nullopt;
  size_t i = 1;
  while (i + 2 <= len + 1) {
    unsigned iei = static_cast<unsigned char>(udh[i]);
    size_t iel = static_cast<unsigned char>(udh[i + 1]);
    if (i + 2 + iel > len + 1) return std::nullopt;
    const auto* v = reinterpret_cast<const unsigned char*>(udh.data() + i + 2);
    if (iei == 0x00 && iel == 3) return std::make_tuple(v[0], v[1], v[2]);  // 23.040 §9.2.3.24.1
    if (iei == 0x08 && iel == 4) {                                          // §9.2.3.24.8
      return std::make_tuple(v[0] * 256 + v[1], v[2], v[3]);
    }
    i += 2 + iel;
  }
  return std::nullopt;
}

}  // namespace

Result<FakesmscMessage> ParseFakesmscLine(std::string_view line) {
  auto next_word = [&line]() -> std::optional<std::string_view> {
    size_t sp = line.find(' ');
    if (sp == std::string_view::npos) return std::nullopt;
    std::string_view w = line.substr(0, sp);
    line.remove_prefix(sp + 1);
    return w;
  };
  FakesmscMessage m;
  auto from = next_word(), to = next_word(), type = next_word();
  if (!from || !to || !type) return InvalidInput("fakesmsc line has fewer than four fields");
  m.from = std::string(*from);
  m.to = std::string(*to);
  if (*type == "text") {
    m.coding = FakesmscMessage::Coding::k7Bit;
    m.data = std::string(line);
  } else if (*type == "data" || *type == "ucs-2" || *type == "ucs2") {
    m.coding = *type == "data" ? FakesmscMessage::Coding::k8Bit : FakesmscMessage::Coding::kUcs2;
    auto d = UrlDecode(line);
    if (!d.ok()) return d.error();
    m.data = std::move(*d);
  } else if (*type == "udh") {
    auto udh = next_word(), kind = next_word();
    if (!udh || !kind || *kind != "data") return InvalidInput("fakesmsc udh line malformed");
    auto u = UrlDecode(*udh), d = UrlDecode(line);
    if (!u.ok()) return u.error();
    if (!d.ok()) return d.error();
    m.udh = std::move(*u);
    m.data = std::move(*d);
  } else {
    return InvalidInput("unknown fakesmsc message type '" + std::string(*type) + "'");
  }
  return m;
}

std::vector<FakesmscMessage> JoinConcatenated(const std::vector<FakesmscMessage>& parts) {
  struct Pending {
    size_t slot;
    int total;
    std::map<int, const FakesmscMessage*> seen;
  };
  std::vector<std::optional<FakesmscMessage>> slots;
  std::map<std::tuple<std::string, std::string, int, int>, Pending> open;
  for (const auto& p : parts) {
    auto ci = ConcatInfo(p.udh);
    if (!ci) {
      slots.emplace_back(p);
      continue;
    }
    auto [ref, total, seq] = *ci;
    auto key = std::make_tuple(p.from, p.to, ref, total);
    auto it = open.find(key);
    if (it == open.end()) {
      slots.emplace_back(std::nullopt);
      it = open.emplace(key, Pending{slots.size() - 1, total, {}}).first;
    }
    it->second.seen[seq] = &p;
    if (static_cast<int>(it->second.seen.size()) == total) {
      FakesmscMessage whole = *it->second.seen.begin()->second;
      whole.udh.clear();
      whole.data.clear();
      whole.parts = total;
      for (const auto& [s, part] : it->second.seen) whole.data += part->data;
      slots[it->second.slot] = std::move(whole);
      open.erase(it);  // the reference may be used again by a later message
    }
  }
  std::vector<FakesmscMessage> out;
  for (auto& s : slots) {
    if (s) out.push_back(std::move(*s));
  }
  return out;
}

KannelHarness::KannelHarness(KannelHarnessOptions options) : options_(std::move(options)) {}

Result<std::unique_ptr<KannelHarness>> KannelHarness::Start(KannelHarnessOptions options) {
  for (const char* bin : {kBearerbox, kSmsbox, kFakesmsc}) {
    if (access(bin, X_OK) != 0) return Unavailable(std::string(bin) + " not installed");
  }
  for (char c : options.token) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
      return InvalidInput("token must be made of letters, digits, '-', '_' and '.'");
    }
  }
  std::unique_ptr<KannelHarness> h(new KannelHarness(std::move(options)));
  std::string tmpl = (std::filesystem::temp_directory_path() / "pesan-kannel-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) return Internal(std::string("mkdtemp: ") + std::strerror(errno));
  h->dir_ = tmpl;
  for (int* port : {&h->admin_port_, &h->smsbox_port_, &h->fake_port_, &h->sendsms_port_}) {
    auto reserved = ReservedPort::Take();  // distinct: a reserved port is not handed out again
    if (!reserved.ok()) return reserved.error();
    *port = reserved->port();
    h->ports_.push_back(std::move(*reserved));
  }
  if (auto s = h->WriteConfig(); !s.ok()) return s.error();
  if (auto s = h->StartKannel(); !s.ok()) {
    Error e = s.error();
    e.message += "\n" + h->LogTail();
    return e;
  }
  return h;
}

KannelHarness::~KannelHarness() {
  StopKannel();
  if (!dir_.empty() && !std::getenv("PESAN_KEEP_KANNEL_DIR")) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

Status KannelHarness::WriteConfig() {
  std::ofstream f(dir_ + "/kannel.conf");
  const auto& o = options_;
  f << "group = core\n"
    << "admin-port = " << admin_port_ << "\n"
    << "admin-interface = 127.0.0.1\n"
    << "admin-password = " << kAdminPassword << "\n"
    << "smsbox-port = " << smsbox_port_ << "\n"
    << "smsbox-interface = 127.0.0.1\n"
    << "box-allow-ip = 127.0.0.1\n"
    << "dlr-storage = internal\n"
    << "access-log = " << dir_
    << "/access.log\n"
    // One line per event: "<time> Sent SMS|<receiver>|<coding>" (escapes as in sms-service).
    << "access-log-format = \"%l|%P|%c\"\n"
    << "\n"
    << "group = smsc\n"
    << "smsc = fake\n"
    << "smsc-id = fake\n"
    << "port = " << fake_port_ << "\n"
    << "our-host = 127.0.0.1\n"
    << "connect-allow-ip = 127.0.0.1\n"
    << "\n"
    << "group = smsbox\n"
    << "bearerbox-host = 127.0.0.1\n"
    << "bearerbox-port = " << smsbox_port_ << "\n"
    << "sendsms-port = " << sendsms_port_ << "\n"
    << "sendsms-interface = 127.0.0.1\n"
    << "global-sender = " << o.global_sender << "\n"
    << "http-request-retry = 2\n"
    << "http-queue-delay = 1\n"
    << "\n"
    << "group = sendsms-user\n"
    << "username = " << o.username << "\n"
    << "password = " << o.password << "\n"
    << "max-messages = 10\n"
    << "concatenation = true\n";
  if (!o.mo_url.empty()) {
    // %b: the message as received (raw bytes, URL-encoded by Kannel); %c/%C: its coding and
    // charset; %I: Kannel's own message id (a UUID), unique per MO message.
    f << "\n"
      << "group = sms-service\n"
      << "keyword = default\n"
      << "catch-all = true\n"
      << "max-messages = 0\n"
      << "concatenation = true\n"
      << "get-url = \"" << o.mo_url << "?from=%p&to=%P&text=%b&coding=%c&charset=%C&id=%I"
      << (o.token.empty() ? "" : "&token=" + o.token) << "\"\n";
  }
  f.close();
  if (!f) return Internal("cannot write " + dir_ + "/kannel.conf");
  return Ok{};
}

Status KannelHarness::StartKannel() {
  if (running()) return Ok{};
  auto deadline = Clock::now() + options_.start_deadline;
  ++generation_;
  fs_log_offset_ = 0;
  fs_log_partial_.clear();
  sent_lines_ = 0;
  auto bb = Spawn({kBearerbox, "-v", "1", dir_ + "/kannel.conf"}, -1, dir_ + "/bearerbox.log");
  if (!bb.ok()) return bb.error();
  bearerbox_ = *bb;
  if (auto s = WaitReady(deadline); !s.ok()) {
    Error e = s.error();
    StopKannel();
    return e;
  }
  return Ok{};
}

Status KannelHarness::StartFakesmsc() {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    return Internal(std::string("socketpair: ") + std::strerror(errno));
  }
  // fakesmsc logs the lines it gets at debug level (-v 0).
  auto fs =
      Spawn({kFakesmsc, "-H", "127.0.0.1", "-r", std::to_string(fake_port_), "-i", "0", "-v", "0"},
            sv[0], dir_ + "/fakesmsc-" + std::to_string(generation_) + ".log");
  close(sv[0]);
  if (!fs.ok()) {
    close(sv[1]);
    return fs.error();
  }
  fakesmsc_ = *fs;
  fakesmsc_stdin_ = sv[1];
  return Ok{};
}

Status KannelHarness::WaitReady(Clock::time_point deadline) {
  const std::string status_target = std::string("/status.txt?password=") + kAdminPassword;
  const std::string fake = "FAKE:" + std::to_string(fake_port_);
  int smsbox_starts = 0;
  for (;;) {
    if (Exited(bearerbox_)) {
      bearerbox_ = -1;
      return Unavailable("bearerbox exited while starting");
    }
    if (smsbox_ > 0 && Exited(smsbox_)) {
      smsbox_ = -1;
      if (++smsbox_starts > 3) return Unavailable("smsbox exited while starting");
    }
    if (fakesmsc_ > 0 && Exited(fakesmsc_)) {  // it could not connect yet: start it again
      fakesmsc_ = -1;
      close(fakesmsc_stdin_);
      fakesmsc_stdin_ = -1;
    }
    auto st = HttpGet(admin_port_, status_target);
    if (st.ok()) {
      // smsbox gives up at once when bearerbox does not listen yet: start it now.
      if (smsbox_ < 0) {
        auto sb = Spawn({kSmsbox, "-v", "1", dir_ + "/kannel.conf"}, -1, dir_ + "/smsbox.log");
        if (!sb.ok()) return sb.error();
        smsbox_ = *sb;
      }
      if (fakesmsc_ < 0 && st->find(fake) != std::string::npos) {
        if (auto s = StartFakesmsc(); !s.ok()) return s;
      }
      bool fake_online = st->find(fake + " (online") != std::string::npos;
      bool smsbox_connected = st->find("smsbox:") != std::string::npos;
      if (fake_online && smsbox_connected && HttpGet(sendsms_port_, "/cgi-bin/sendsms").ok()) {
        return Ok{};
      }
    }
    if (Clock::now() > deadline) return Unavailable("Kannel did not become ready in time");
    std::this_thread::sleep_for(20ms);  // polling interval, bounded by the deadline above
  }
}

void KannelHarness::StopChild(pid_t& pid) {
  if (pid <= 0) return;
  auto deadline = Clock::now() + options_.stop_deadline;
  while (!Exited(pid)) {
    if (Clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
      break;
    }
    std::this_thread::sleep_for(10ms);
  }
  pid = -1;
}

void KannelHarness::StopKannel() {
  if (fakesmsc_stdin_ >= 0) {
    close(fakesmsc_stdin_);  // fakesmsc ends at the end of its input
    fakesmsc_stdin_ = -1;
  }
  for (pid_t pid : {smsbox_, bearerbox_, fakesmsc_}) {
    if (pid > 0) kill(pid, SIGTERM);
  }
  StopChild(smsbox_);
  StopChild(bearerbox_);
  StopChild(fakesmsc_);
  ReadFakesmscLog();
  ReadAccessLog();
}

std::string KannelHarness::SendsmsUrl() const {
  return "http://127.0.0.1:" + std::to_string(sendsms_port_) + "/cgi-bin/sendsms";
}

void KannelHarness::Poke() {
  if (fakesmsc_stdin_ >= 0) send(fakesmsc_stdin_, "\n", 1, MSG_NOSIGNAL);
}

void KannelHarness::ReadFakesmscLog() {
  const std::string path = dir_ + "/fakesmsc-" + std::to_string(generation_) + ".log";
  for (const auto& line : NewLines(path, fs_log_offset_, fs_log_partial_)) {
    if (line.find("fakesmsc: sent message ") != std::string::npos) {
      ++sent_lines_;
      continue;
    }
    size_t got = line.find("Got message ");
    if (got == std::string::npos) continue;
    size_t open = line.find(": <", got);
    if (open == std::string::npos || line.back() != '>') continue;
    auto m = ParseFakesmscLine(std::string_view(line).substr(open + 3, line.size() - open - 4));
    if (m.ok()) parts_.push_back(std::move(*m));
  }
}

void KannelHarness::ReadAccessLog() {
  for (const auto& line : NewLines(dir_ + "/access.log", access_offset_, access_partial_)) {
    size_t p = line.find("Sent SMS|");
    if (p == std::string::npos) continue;
    std::string_view rest = std::string_view(line).substr(p + 9);
    size_t bar = rest.find('|');
    if (bar == std::string_view::npos) continue;
    std::string_view coding = rest.substr(bar + 1);
    // DC_UNDEF (-1) is sent as 7-bit.
    auto c = coding == "2"   ? FakesmscMessage::Coding::kUcs2
             : coding == "1" ? FakesmscMessage::Coding::k8Bit
                             : FakesmscMessage::Coding::k7Bit;
    sent_codings_.emplace_back(std::string(rest.substr(0, bar)), c);
  }
}

std::vector<FakesmscMessage> KannelHarness::ReceivedParts() {
  ReadFakesmscLog();
  return parts_;
}

std::vector<FakesmscMessage> KannelHarness::WaitForMessages(size_t count,
                                                            std::chrono::milliseconds wait,
                                                            std::string_view to) {
  auto deadline = Clock::now() + wait;
  for (;;) {
    ReadFakesmscLog();
    ReadAccessLog();
    // The k-th message to a receiver is the k-th "Sent SMS" to it in the access log: bearerbox
    // hands one message's parts to the fake SMSC in order and logs it after the last part.
    std::vector<FakesmscMessage> whole = JoinConcatenated(parts_);
    std::map<std::string, size_t> seen;
    std::vector<FakesmscMessage> known;
    for (auto& m : whole) {
      size_t k = seen[m.to]++;
      if (m.coding == FakesmscMessage::Coding::kUnknown) {
        size_t n = 0;
        for (const auto& [to, coding] : sent_codings_) {
          if (to == m.to && n++ == k) m.coding = coding;
        }
        if (m.coding == FakesmscMessage::Coding::kUnknown) break;  // wait for the access log
      }
      known.push_back(std::move(m));
    }
    if (!to.empty()) {
      std::erase_if(known, [to](const FakesmscMessage& m) { return m.to != to; });
    }
    if (known.size() >= count || Clock::now() > deadline) return known;
    Poke();
    std::this_thread::sleep_for(20ms);  // polling interval, bounded by the deadline above
  }
}

Status KannelHarness::InjectLine(std::string_view line) {
  if (fakesmsc_stdin_ < 0) return Unavailable("fakesmsc is not running");
  if (line.find('\n') != std::string_view::npos) return InvalidInput("newline in an MO line");
  size_t bytes = line.size() + 1;
  // fakesmsc drops a piece shorter than 2 bytes: a lone trailing newline would be lost.
  if (bytes > kFakesmscChunk && bytes % kFakesmscChunk == 1) {
    return InvalidInput("fakesmsc cannot read a line of this length; change it by a byte");
  }
  long expect = sent_lines_ + static_cast<long>((bytes + kFakesmscChunk - 1) / kFakesmscChunk);
  std::string l = std::string(line) + "\n";
  if (send(fakesmsc_stdin_, l.data(), l.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(l.size())) {
    return Unavailable("cannot write to fakesmsc");
  }
  // fakesmsc select()s on stdin and then fgets() one line: lines that arrive together wait in
  // its stdio buffer until more input comes, so keep poking it with empty lines (it skips them).
  auto deadline = Clock::now() + 5s;
  for (;;) {
    ReadFakesmscLog();
    if (sent_lines_ >= expect) return Ok{};
    if (Clock::now() > deadline) return Unavailable("fakesmsc did not send the line");
    Poke();
    std::this_thread::sleep_for(20ms);
  }
}

Status KannelHarness::InjectText(std::string_view from, std::string_view to,
                                 std::string_view text) {
  return InjectLine(std::string(from) + " " + std::string(to) + " text " + std::string(text));
}

Status KannelHarness::InjectUcs2(std::string_view from, std::string_view to,
                                 std::string_view utf16be) {
  return InjectLine(std::string(from) + " " + std::string(to) + " ucs2 " + UrlEncode(utf16be));
}

Status KannelHarness::InjectUdhText(std::string_view from, std::string_view to,
                                    std::string_view udh, std::string_view text) {
  return InjectLine(std::string(from) + " " + std::string(to) + " udh-text " + UrlEncode(udh) +
                    " " + std::string(text));
}

std::string KannelHarness::LogTail(size_t bytes) const {
  std::string out;
  const std::vector<std::string> names = {"bearerbox.log", "smsbox.log",
                                          "fakesmsc-" + std::to_string(generation_) + ".log"};
  for (const auto& name : names) {
    out += "--- " + dir_ + "/" + name + "\n" + Tail(dir_ + "/" + name, bytes) + "\n";
  }
  return out;
}

}  // namespace pesan::testing
