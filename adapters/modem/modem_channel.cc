#include "adapters/modem/modem_channel.h"

#include <spdlog/fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <cstdio>
#include <deque>
#include <map>
#include <set>

#include "adapters/modem/at_engine.h"
#include "adapters/modem/at_responses.h"
#include "adapters/modem/pdu.h"
#include "core/gsm_text.h"
#include "core/sms_concat.h"

namespace pesan::modem {

CmsErrorClass ClassifyCmsError(int code) {
  // 27.005 §3.2.5: 310..318 are SIM states (not inserted, PIN, PUK ...): a person must act.
  if (code >= 310 && code <= 318) return CmsErrorClass::kOperator;
  if (code == 193) return CmsErrorClass::kOperator;  // no SC subscription
  switch (code) {
    // RP causes (3GPP TS 24.011 §8.2.5.4) that name the destination or the subscription.
    case 1:   // unassigned (unallocated) number
    case 8:   // operator determined barring
    case 10:  // call barred
    case 21:  // short message transfer rejected
    case 28:  // unidentified subscriber
    case 29:  // facility rejected
    case 30:  // unknown subscriber
    case 50:  // requested facility not subscribed
    case 69:  // requested facility not implemented
    case 96:  // invalid mandatory information
    case 97:  // message type non-existent
    case 99:  // information element non-existent
    // TP-FCS (23.040 §9.2.3.22) about this message.
    case 176:  // TPDU not supported
    case 195:  // invalid SME address
    case 196:  // destination SME barred
    case 197:  // SM rejected, duplicate SM
    case 198:  // TP-VPF not supported
    case 199:  // TP-VP not supported
    // 27.005 §3.2.5 ME/TA errors about the parameters.
    case 303:  // operation not supported
    case 304:  // invalid PDU mode parameter
    case 305:  // invalid text mode parameter
      return CmsErrorClass::kPermanent;
    default:
      break;
  }
  // 128..175: TP-PID, TP-DCS and TP-Command errors: the content is refused.
  if (code >= 128 && code <= 175) return CmsErrorClass::kPermanent;
  // Everything else (network, SC busy 192, SC failure 194, memory 208..212/320/322, ME failure
  // 300, 330..332, unknown 500, manufacturer codes >= 512) may pass later.
  return CmsErrorClass::kTransient;
}

std::chrono::milliseconds NextReopenWait(std::chrono::milliseconds current,
                                         const ModemConfig& config) {
  return std::min({current * 2, config.reopen_max, kMaxReopenWait});
}

std::string InboundProviderId(const std::vector<std::string>& tpdus_hex) {
  // FNV-1a 64 (stable across builds and runs, unlike std::hash).
  uint64_t h = 0xcbf29ce484222325ull;
  auto mix = [&](char c) {
    h ^= static_cast<uint8_t>(c);
    h *= 0x100000001b3ull;
  };
  for (const auto& t : tpdus_hex) {
    for (char c : t) mix(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    mix('|');
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "pdu:%016llx", static_cast<unsigned long long>(h));
  return buf;
}

namespace {

using Clock = std::chrono::steady_clock;
using Strand = boost::asio::strand<boost::asio::io_context::executor_type>;

// A stored PDU with trailing padding cut off (PROTOCOLS.md §3.7: some modems pad with FF) and
// its TPDU (the SMSC part excluded, 27.005 §3.1), uppercase.
struct CleanPdu {
  std::string full;
  std::string tpdu;
};
CleanPdu Clean(const std::string& hex, int length) {
  CleanPdu c{hex, hex};
  for (auto& ch : c.full) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  size_t tpdu_chars = length > 0 ? static_cast<size_t>(length) * 2 : 0;
  if (tpdu_chars && c.full.size() > tpdu_chars && c.full.size() >= 2) {
    unsigned smsc = 0;
    if (std::sscanf(c.full.substr(0, 2).c_str(), "%2x", &smsc) == 1) {
      size_t want = 2 * (1 + smsc) + tpdu_chars;
      if (c.full.size() > want) c.full.resize(want);
    }
    c.tpdu = c.full.substr(c.full.size() - std::min(tpdu_chars, c.full.size()));
  } else {
    c.tpdu = c.full;
  }
  return c;
}

// Sets TP-SRR (23.040 §9.2.3.5, bit 5 of the first TPDU octet) in an SMS-SUBMIT PDU.
void RequestStatusReport(std::string& hex) {
  unsigned smsc = 0, first = 0;
  if (hex.size() < 4 || std::sscanf(hex.substr(0, 2).c_str(), "%2x", &smsc) != 1) return;
  size_t off = 2 + 2 * smsc;
  if (off + 2 > hex.size() || std::sscanf(hex.substr(off, 2).c_str(), "%2x", &first) != 1) return;
  char buf[3];
  std::snprintf(buf, sizeof buf, "%02X", (first | 0x20) & 0xFF);
  hex.replace(off, 2, buf);
}

std::string ErrorText(const Result<AtReply>& r) {
  return r.ok() ? Describe(r->final) : r.error().message;
}

}  // namespace

class ModemChannel::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(boost::asio::io_context& io, ModemConfig config, ChannelEvents events,
       const pesan::Clock& clock, std::shared_ptr<spdlog::logger> log, Opener opener)
      : strand_(boost::asio::make_strand(io)),
        config_(std::move(config)),
        events_(std::move(events)),
        clock_(clock),
        log_(std::move(log)),
        opener_(std::move(opener)),
        reopen_timer_(strand_),
        pace_timer_(strand_),
        poll_timer_(strand_),
        settle_timer_(strand_),
        backoff_(std::min(config_.reopen_min, kMaxReopenWait)),
        next_concat_ref_(static_cast<uint16_t>(UnixMillis(clock.Now()) & 0xFF)) {
    if (!opener_) {
      opener_ = [device = config_.device, baud = config_.baud](boost::asio::any_io_executor ex) {
        return OpenSerial(ex, device, baud);
      };
    }
  }

  void Start() {
    Post([this] {
      if (state_ != State::kIdle) return;
      Open();
    });
  }

  void Stop() {
    Post([this] {
      if (state_ == State::kStopped) return;
      state_ = State::kStopped;
      ready_ = false;
      ++gen_;
      reopen_timer_.cancel();
      pace_timer_.cancel();
      poll_timer_.cancel();
      settle_timer_.cancel();
      FailSends("modem channel stopped");
      if (engine_) engine_->Close();
      engine_.reset();
      log_->info("modem channel stopped");
    });
  }

  void Send(OutgoingSms sms, std::function<void(SendResult)> done) {
    Post([this, sms = std::move(sms), done = std::move(done)]() mutable {
      OnSend(std::move(sms), std::move(done));
    });
  }

  bool Ready() const { return ready_.load(); }

 private:
  enum class State { kIdle, kDown, kInit, kReady, kStopped };
  static constexpr std::chrono::milliseconds kEscTimeout{500};
  static constexpr std::chrono::milliseconds kSettle{200};

  struct SendJob {
    uint64_t id = 0;
    OutgoingSms sms;
    std::function<void(SendResult)> done;
    std::vector<EncodedPdu> parts;
    size_t next = 0;
    std::vector<int> mrs;
    int vendor_retries = 0;
  };

  struct PartMeta {
    int index = -1;  // storage index, -1 for a routed +CMT
    std::string tpdu;
  };
  struct GroupMeta {
    std::map<int, PartMeta> parts;   // by sequence number
    std::vector<int> extra_indexes;  // repeated parts, deleted with the message
    std::optional<SystemTime> sent_at;
  };

  template <typename F>
  void Post(F&& f) {
    boost::asio::post(strand_,
                      [self = shared_from_this(), f = std::forward<F>(f)]() mutable { f(); });
  }

  // Runs an AT command of the current session; `cb` is dropped if the session ends first.
  void Cmd(AtCommand cmd, std::function<void(Result<AtReply>)> cb) {
    if (!engine_) return;
    uint64_t gen = gen_;
    engine_->Send(std::move(cmd),
                  [self = shared_from_this(), gen, cb = std::move(cb)](Result<AtReply> r) {
                    if (gen != self->gen_ || self->state_ == State::kStopped) return;
                    cb(std::move(r));
                  });
  }
  void Cmd(std::string text, std::string prefix, std::function<void(Result<AtReply>)> cb) {
    Cmd(AtCommand{std::move(text), std::move(prefix), "", config_.command_timeout}, std::move(cb));
  }

  // ---- Opening and initialisation (PROTOCOLS.md §3.2) ----

  void Open() {
    if (state_ == State::kStopped) return;
    ++gen_;
    auto stream = opener_(strand_);
    if (!stream.ok()) {
      state_ = State::kDown;
      const Error& e = stream.error();
      if (e.code == ErrorCode::kNotFound) {
        // Not there (unplugged): look again soon, however long it has been away, so that it
        // is back within reopen_min of being plugged in.
        backoff_ = std::min(config_.reopen_min, kMaxReopenWait);
        LogDown(e.message, "looking for it every " + std::to_string(backoff_.count()) + " ms");
      } else {
        LogDown(e.message, "retrying in " + std::to_string(backoff_.count()) + " ms");
      }
      ScheduleReopen();
      return;
    }
    engine_ = AtEngine::Create(strand_, std::move(*stream), AtEngine::Options{64}, log_);
    std::weak_ptr<Impl> weak = shared_from_this();
    engine_->SetUnsolicitedHandler([weak](const AtEvent& ev) {
      if (auto self = weak.lock()) self->OnUnsolicited(ev);
    });
    engine_->SetClosedHandler([weak](const Error& e) {
      if (auto self = weak.lock()) self->LinkLost(e.message);
    });
    engine_->Start();
    log_->info("modem: opened {}", config_.device);
    Init();
  }

  // Logs why the device is down and what comes next, at warn, or at debug when the reason is
  // the one of the last time and the modem was not ready since (a modem away for the night is
  // not a warning every few seconds).
  void LogDown(const std::string& why, const std::string& next) {
    const auto level = why == last_down_ ? spdlog::level::debug : spdlog::level::warn;
    log_->log(level, "modem: {}; {}", why, next);
    last_down_ = why;
    if (events_.on_down) events_.on_down(why);
  }

  void ScheduleReopen() {
    reopen_timer_.expires_after(backoff_);
    backoff_ = NextReopenWait(backoff_, config_);
    reopen_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec && self->state_ == State::kDown) self->Open();
    });
  }

  // The device failed (unplugged, hung) or its initialisation did: close, fail what was being
  // sent (the outbox retries it), reopen later.
  void LinkLost(const std::string& reason) {
    if (state_ == State::kStopped || state_ == State::kDown) return;
    LogDown("link lost (" + reason + ")",
            "reopening in " + std::to_string(backoff_.count()) + " ms");
    state_ = State::kDown;
    ready_ = false;
    ++gen_;
    if (engine_) engine_->Close();
    engine_.reset();
    pace_timer_.cancel();
    poll_timer_.cancel();
    settle_timer_.cancel();
    FailSends("modem link lost: " + reason);
    // Stored messages stay in the modem; the next session lists them again.
    groups_.clear();
    part_indexes_.clear();
    deleting_.clear();
    reassembler_ = SmsReassembler();
    draining_ = drain_again_ = false;
    ScheduleReopen();
  }

  void InitFailed(const std::string& step, const std::string& why) {
    LinkLost("initialisation failed at " + step + ": " + why);
  }

  // Runs `text`; continues with `next` on OK, fails the session otherwise (or ignores the
  // failure when `optional`).
  void InitCmd(std::string text, std::string prefix, bool optional,
               std::function<void(const AtReply&)> next) {
    Cmd(text, prefix, [this, text, optional, next = std::move(next)](Result<AtReply> r) {
      if (r.ok() && r->final.ok()) return next(*r);
      if (optional && r.ok()) {
        log_->info("modem: {} refused ({}), going on", text, Describe(r->final));
        return next(*r);
      }
      InitFailed(text, ErrorText(r));
    });
  }

  void Init() {
    state_ = State::kInit;
    ready_ = false;
    // A modem left waiting for the PDU of an AT+CMGS (its host died after the command) takes
    // every byte as part of that PDU until Ctrl-Z or ESC (27.005 §3.5.1): ESC cancels it, as
    // gammu does before its first command. In command mode the line is answered with OK or
    // ERROR, or not at all; any of the three will do. Then a quiet moment: what the modem still
    // had to say to an earlier session (an answer waiting in the tty, the ESC's own answer
    // after an older one took its place) arrives with no command in flight and is dropped,
    // instead of being taken for the answer to the next command.
    AtCommand esc{"\x1B", "", "", kEscTimeout};
    esc.may_go_unanswered = true;
    Cmd(std::move(esc), [this](Result<AtReply>) {
      settle_timer_.expires_after(kSettle);
      settle_timer_.async_wait(
          [self = shared_from_this(), gen = gen_](const boost::system::error_code& ec) {
            if (!ec && gen == self->gen_ && self->state_ == State::kInit) self->WakeUp(0);
          });
    });
  }

  // "AT" until the modem answers: some ignore the first command after idling (PROTOCOLS.md
  // §3.2 step 1, smstools' needs_wakeup_at).
  void WakeUp(int attempt) {
    AtCommand at{"AT", "", "", std::min(config_.command_timeout, std::chrono::milliseconds(2000))};
    at.may_go_unanswered = attempt < 2;
    Cmd(std::move(at), [this, attempt](Result<AtReply> r) {
      if (!r.ok() && r.error().code == ErrorCode::kTimeout && attempt < 2)
        return WakeUp(attempt + 1);
      if (!r.ok() || !r->final.ok()) return InitFailed("AT", ErrorText(r));
      InitCmd("ATE0", "", false, [this](const AtReply&) {
        InitCmd("AT+CMEE=1", "", true, [this](const AtReply&) { InitPin(); });
      });
    });
  }

  void InitPin() {
    InitCmd("AT+CPIN?", "+CPIN:", false, [this](const AtReply& r) {
      std::string state;
      for (const auto& l : r.lines)
        if (auto s = ParseCpin(l)) state = *s;
      if (state == "READY") return InitMessaging();
      if (state == "SIM PIN") {
        if (config_.pin.empty())
          return InitFailed("AT+CPIN?", "the SIM wants a PIN and none is configured");
        if (pin_rejected_)
          return InitFailed("AT+CPIN?", "the SIM rejected the configured PIN; not trying it again");
        Cmd("AT+CPIN=\"" + config_.pin + "\"", "", [this](Result<AtReply> pr) {
          if (pr.ok() && pr->final.ok()) {
            log_->info("modem: PIN accepted");
            return InitMessaging();
          }
          if (pr.ok() && pr->final.code == FinalResult::Code::kCmeError && pr->final.error == 16) {
            // 27.007 §9.2.1 "incorrect password": a second wrong try brings the SIM nearer to
            // its PUK lock, so this PIN is never entered again until a restart.
            pin_rejected_ = true;
            log_->error("modem: the SIM rejected the configured PIN");
          }
          InitFailed("AT+CPIN", pr.ok() ? Describe(pr->final) : pr.error().message);
        });
        return;
      }
      InitFailed("AT+CPIN?", state.empty() ? "no SIM state" : "SIM state " + state);
    });
  }

  void InitMessaging() {
    InitCmd("AT+CMGF=0", "", false, [this](const AtReply&) {
      auto next = [this](const AtReply&) { InitStorage(); };
      if (config_.smsc.empty()) return next(AtReply{});
      const char* type = config_.smsc.starts_with("+") ? "145" : "129";  // 24.008 §10.5.4.7
      InitCmd("AT+CSCA=\"" + config_.smsc + "\"," + type, "", true, next);
    });
  }

  void InitStorage() {
    const std::string& m = config_.storage;
    InitCmd("AT+CPMS=\"" + m + "\",\"" + m + "\",\"" + m + "\"", "+CPMS:", false,
            [this](const AtReply& r) {
              for (const auto& l : r.lines)
                if (auto use = ParseCpms(l)) {
                  log_->info("modem: storage {} used {}/{}", config_.storage, use->used,
                             use->total);
                  if (use->total > 0 && use->used >= use->total)
                    log_->warn("modem: SIM storage full; reading and clearing it");
                }
              InitCmd("AT+CSMS=0", "+CSMS:", true, [this](const AtReply&) { InitIndications(0); });
            });
  }

  // +CNMI: the configured parameters, then fallbacks with other status report routings
  // (PROTOCOLS.md §3.3: many modems refuse some <ds> values they list).
  void InitIndications(size_t attempt) {
    static const char* kFallbacks[] = {"2,1,0,1,0", "2,1,0,0,0"};
    std::string params = attempt == 0 ? config_.cnmi : kFallbacks[attempt - 1];
    Cmd("AT+CNMI=" + params, "", [this, attempt, params](Result<AtReply> r) {
      if (r.ok() && r->final.ok()) {
        cnmi_ = params;
        return OnReady();
      }
      if (r.ok() && attempt < 2) {
        log_->info("modem: AT+CNMI={} refused ({}), trying another", params, Describe(r->final));
        return InitIndications(attempt + 1);
      }
      InitFailed("AT+CNMI", ErrorText(r));
    });
  }

  void OnReady() {
    state_ = State::kReady;
    ready_ = true;
    backoff_ = std::min(config_.reopen_min, kMaxReopenWait);
    last_down_.clear();
    log_->info("modem: ready");
    if (events_.on_ready) events_.on_ready();
    Drain();
    SchedulePoll();
    Pump();
  }

  void SchedulePoll() {
    poll_timer_.expires_after(config_.poll_interval);
    poll_timer_.async_wait(
        [self = shared_from_this(), gen = gen_](const boost::system::error_code& ec) {
          if (ec || gen != self->gen_ || self->state_ != State::kReady) return;
          self->Poll();
        });
  }

  // Periodic care: +CNMI is lost on some modems (PROTOCOLS.md §3.7), a +CMTI may have been
  // missed, and a long message may wait for a part that never comes.
  void Poll() {
    Cmd("AT+CNMI=" + cnmi_, "", [this](Result<AtReply> r) {
      if (!r.ok() || !r->final.ok())
        log_->warn("modem: re-asserting +CNMI failed: {}", ErrorText(r));
    });
    Drain();
    ExpireParts();
    // PROTOCOLS.md §3.6: a full SIM makes the network retry and then drop messages. The drain
    // frees what is ours to free; what remains is for a person to look at.
    Cmd("AT+CPMS?", "+CPMS:", [this](Result<AtReply> r) {
      if (!r.ok() || !r->final.ok()) return;
      for (const auto& l : r->lines)
        if (auto use = ParseCpms(l); use && use->total > 0 && use->used >= use->total)
          log_->warn("modem: storage {} full ({}/{}) after clearing what was recorded", use->mem,
                     use->used, use->total);
    });
    SchedulePoll();
  }

  // ---- Unsolicited result codes ----

  void OnUnsolicited(const AtEvent& ev) {
    const std::string& line = ev.line;
    if (line.starts_with("+CMTI:") || line.starts_with("+CDSI:")) {
      if (state_ != State::kReady) return;  // the listing after initialisation reads it
      auto ind = ParseStorageIndication(line);
      if (!ind) return;
      if (!ind->mem.empty() && ind->mem != config_.storage) {
        // AT+CMGR reads <mem1> (our storage); reading this index there would be another message.
        log_->warn("modem: {} names storage {}, not {}; the next listing of {} will not see it",
                   line, ind->mem, config_.storage, config_.storage);
        return;
      }
      ReadIndex(ind->index);
      return;
    }
    if (line.starts_with("+CMT:") || line.starts_with("+CDS:")) {
      // Routed straight to us (+CNMI mt=2 / ds=1), nothing stored (27.005 §3.4.1).
      auto params = SplitParams(line, line.substr(0, 4));
      int length = 0;
      if (params && !params->empty()) length = std::atoi(params->back().c_str());
      if (ev.pdu.empty()) {
        log_->warn("modem: {} without its PDU", line);
        return;
      }
      HandlePdu(-1, ev.pdu, length);
      return;
    }
    if (line == "RDY" || line == "+CPIN: READY") {
      // The modem restarted by itself and forgot +CMGF, +CNMI, ... (PROTOCOLS.md §3.2).
      if (state_ == State::kReady) {
        log_->warn("modem: {} — the modem restarted; initialising again", line);
        Init();
      }
      return;
    }
    log_->debug("modem: unsolicited {}", line);
  }

  // ---- Reading storage ----

  void Drain() {
    if (state_ != State::kReady) return;
    if (draining_) {
      drain_again_ = true;
      return;
    }
    draining_ = true;
    // 27.005 §3.4.2: <stat> 4 = all messages.
    Cmd(AtCommand{"AT+CMGL=4", "+CMGL:", "", config_.command_timeout * 3},
        [this](Result<AtReply> r) {
          draining_ = false;
          if (!r.ok() || !r->final.ok()) {
            log_->warn("modem: listing stored messages failed: {}", ErrorText(r));
          } else {
            for (const auto& sp : ParseCmgl(r->lines)) HandlePdu(sp.index, sp.pdu, sp.length);
          }
          if (drain_again_) {
            drain_again_ = false;
            Drain();
          }
        });
  }

  bool Known(int index) const {
    return index >= 0 &&
           (inflight_.count(index) || part_indexes_.count(index) || deleting_.count(index));
  }

  void ReadIndex(int index) {
    if (Known(index)) return;
    Cmd("AT+CMGR=" + std::to_string(index), "+CMGR:", [this, index](Result<AtReply> r) {
      if (!r.ok() || !r->final.ok()) {
        log_->warn("modem: reading message {} failed: {}", index, ErrorText(r));
        return;
      }
      if (auto sp = ParseCmgr(r->lines)) HandlePdu(index, sp->pdu, sp->length);
    });
  }

  void HandlePdu(int index, const std::string& hex, int length) {
    if (Known(index)) return;
    CleanPdu clean = Clean(hex, length);
    DecodeOptions opts;
    if (length > 0) opts.tpdu_length = static_cast<size_t>(length);
    auto pdu = DecodePdu(clean.full, opts);
    if (!pdu.ok()) {
      // Kept in the log (the only copy left), then removed so it cannot fill the storage.
      log_->error("modem: undecodable PDU at index {} ({}): {}", index, pdu.error().message,
                  clean.full);
      Delete(index);
      return;
    }
    switch (pdu->type) {
      case PduType::kStatusReport:
        Report(*pdu);
        Delete(index);
        return;
      case PduType::kSubmit:
        log_->debug("modem: stored SMS-SUBMIT at index {} left alone", index);
        return;
      case PduType::kDeliver:
        break;
    }
    if (pdu->pid == 0x40) {  // 23.040 §9.2.3.9: short message type 0, acknowledge and discard
      Delete(index);
      return;
    }
    const auto& concat = pdu->udh ? pdu->udh->concat : std::nullopt;
    if (concat && concat->total > 1) {
      AddPart(index, std::move(clean.tpdu), *pdu, *concat);
      return;
    }
    std::vector<int> indexes;
    if (index >= 0) indexes.push_back(index);
    DeliverMessage(pdu->address.value, TextOf(*pdu), Timestamp(*pdu), indexes, {clean.tpdu});
  }

  static std::string TextOf(const SmsPdu& pdu) {
    if (!pdu.text.empty() || pdu.data.empty()) return pdu.text;
    return IsValidUtf8(pdu.data) ? pdu.data : ToHex(pdu.data);
  }

  SystemTime Timestamp(const SmsPdu& pdu) const {
    if (pdu.timestamp)
      if (auto t = pdu.timestamp->Utc()) return *t;
    return clock_.Now();
  }

  void AddPart(int index, std::string tpdu, const SmsPdu& pdu, const Concatenation& c) {
    ConcatKey key{pdu.address.value, c.ref, c.total};
    GroupMeta& g = groups_[key];
    if (index >= 0) part_indexes_.insert(index);
    if (g.parts.count(c.seq)) {
      if (index >= 0) g.extra_indexes.push_back(index);
      return;
    }
    g.parts[c.seq] = PartMeta{index, std::move(tpdu)};
    if (c.seq == 1 || !g.sent_at) g.sent_at = Timestamp(pdu);
    auto whole = reassembler_.Add(key, c.seq, TextOf(pdu), clock_.Now());
    if (!whole) return;
    FinishGroup(key, std::move(*whole));
  }

  void FinishGroup(const ConcatKey& key, std::string text) {
    auto it = groups_.find(key);
    if (it == groups_.end()) return;
    GroupMeta g = std::move(it->second);
    groups_.erase(it);
    std::vector<int> indexes = g.extra_indexes;
    std::vector<std::string> tpdus;
    for (auto& [seq, part] : g.parts) {
      if (part.index >= 0) indexes.push_back(part.index);
      tpdus.push_back(std::move(part.tpdu));
    }
    for (int i : indexes) part_indexes_.erase(i);
    DeliverMessage(key.sender, std::move(text), g.sent_at.value_or(clock_.Now()), indexes, tpdus);
  }

  void ExpireParts() {
    for (auto& inc : reassembler_.Expire(clock_.Now(), config_.concat_timeout)) {
      log_->warn("modem: long message with {} of {} parts delivered incomplete", inc.parts_received,
                 int(inc.key.total));
      FinishGroup(inc.key, std::move(inc.text));
    }
  }

  void DeliverMessage(std::string from, std::string text, SystemTime at, std::vector<int> indexes,
                      const std::vector<std::string>& tpdus) {
    InboundSms sms{std::move(from), config_.own_number, std::move(text), InboundProviderId(tpdus),
                   at};
    for (int i : indexes) inflight_.insert(i);
    log_->info("modem: message {} received ({} part(s), storage {})", sms.provider_id, tpdus.size(),
               fmt::join(indexes, ","));
    if (!events_.on_sms) return;
    std::weak_ptr<Impl> weak = shared_from_this();
    auto once = std::make_shared<std::atomic<bool>>(false);
    uint64_t gen = gen_;
    std::string id = sms.provider_id;
    events_.on_sms(std::move(sms), [weak, once, gen, indexes, id](bool recorded) {
      if (once->exchange(true)) return;
      if (auto self = weak.lock())
        self->Post(
            [self, gen, indexes, id, recorded] { self->OnRecorded(gen, indexes, id, recorded); });
    });
  }

  void OnRecorded(uint64_t gen, const std::vector<int>& indexes, const std::string& id,
                  bool recorded) {
    for (int i : indexes) inflight_.erase(i);
    if (!recorded) {
      log_->warn("modem: message {} not recorded; it stays in the modem", id);
      return;
    }
    if (gen != gen_) {
      // The device was reopened since: the indexes are read again and offered again under the
      // same provider_id, and deleted once that copy is recorded.
      Drain();
      return;
    }
    for (int i : indexes) Delete(i);
  }

  void Delete(int index) {
    if (index < 0 || state_ == State::kStopped || !engine_) return;
    deleting_.insert(index);
    Cmd("AT+CMGD=" + std::to_string(index), "", [this, index](Result<AtReply> r) {
      deleting_.erase(index);
      if (!r.ok() || !r->final.ok())
        log_->warn("modem: deleting message {} failed: {}", index, ErrorText(r));
    });
  }

  void Report(const SmsPdu& pdu) {
    DeliveryReport rep;
    rep.provider_id = std::to_string(pdu.message_reference);
    switch (ClassifyStatus(pdu.status)) {
      case modem::DeliveryState::kDelivered:
        rep.state = pesan::DeliveryState::kDelivered;
        break;
      case modem::DeliveryState::kPending:
        rep.state = pesan::DeliveryState::kPending;
        break;
      case modem::DeliveryState::kFailed:
        rep.state = pesan::DeliveryState::kFailed;
        break;
    }
    char buf[16];
    std::snprintf(buf, sizeof buf, "TP-ST %02X", pdu.status);
    rep.detail = buf;
    log_->info("modem: status report MR {} {}", rep.provider_id, rep.detail);
    if (events_.on_report) events_.on_report(std::move(rep));
  }

  // ---- Sending ----

  void OnSend(OutgoingSms sms, std::function<void(SendResult)> done) {
    auto reply = [&](SendResult::Kind k, std::string reason) {
      done(SendResult{k, "", std::move(reason)});
    };
    if (state_ == State::kStopped) {
      return reply(SendResult::Kind::kNotReady, "modem channel stopped");
    }
    if (state_ == State::kDown) return reply(SendResult::Kind::kNotReady, "modem not connected");
    if (send_queue_.size() >= config_.max_queue)
      return reply(SendResult::Kind::kRetry, "modem send queue full");
    SubmitOptions opts;
    opts.validity = config_.validity;
    opts.concat_ref = next_concat_ref_++;  // used when the text needs several parts
    auto parts =
        EncodeSubmit(sms.to, config_.gsm_friendly ? ToGsmFriendly(sms.text) : sms.text, opts);
    if (!parts.ok()) return reply(SendResult::Kind::kFailed, parts.error().message);
    // Only the last part asks for a status report (as ModemManager does): one report per
    // message, carrying the TP-MR that SendResult::provider_id names.
    if (config_.status_reports && !parts->empty()) RequestStatusReport(parts->back().hex);
    SendJob job;
    job.id = ++next_job_id_;
    job.sms = std::move(sms);
    job.done = std::move(done);
    job.parts = std::move(*parts);
    send_queue_.push_back(std::move(job));
    Pump();
  }

  void Pump() {
    if (state_ != State::kReady || in_cmgs_) return;
    if (!sending_) {
      if (send_queue_.empty()) return;
      sending_ = std::move(send_queue_.front());
      send_queue_.pop_front();
    }
    auto now = Clock::now();
    if (now < next_send_at_) {
      pace_timer_.expires_at(next_send_at_);
      pace_timer_.async_wait(
          [self = shared_from_this(), gen = gen_](const boost::system::error_code& ec) {
            if (!ec && gen == self->gen_) self->Pump();
          });
      return;
    }
    SendPart();
  }

  void SendPart() {
    in_cmgs_ = true;
    const EncodedPdu& part = sending_->parts[sending_->next];
    uint64_t id = sending_->id;
    // 27.005 §3.5.1: AT+CMGS=<length of the TPDU>, prompt, PDU, Ctrl-Z.
    AtCommand cmd{"AT+CMGS=" + std::to_string(part.tpdu_length), "+CMGS:", part.hex,
                  config_.send_timeout};
    Cmd(std::move(cmd), [this, id](Result<AtReply> r) {
      in_cmgs_ = false;
      next_send_at_ = Clock::now() + config_.send_interval;
      if (!sending_ || sending_->id != id) return Pump();
      if (!r.ok()) return FinishSend(SendResult::Kind::kRetry, "", r.error().message);
      if (r->final.ok()) {
        std::optional<int> mr;
        for (const auto& l : r->lines)
          if (!mr) mr = ParseCmgs(l);
        if (!mr)
          return FinishSend(SendResult::Kind::kRetry, "", "no +CMGS reference in the answer");
        sending_->mrs.push_back(*mr);
        if (++sending_->next < sending_->parts.size()) return Pump();
        std::string mrs = fmt::format("{}", fmt::join(sending_->mrs, ","));
        return FinishSend(SendResult::Kind::kAccepted, std::to_string(*mr), "sent, TP-MR " + mrs);
      }
      std::string what = Describe(r->final);
      if (r->final.code == FinalResult::Code::kCmsError) {
        int code = r->final.error;
        // PROTOCOLS.md §3.1: >= 512 often means an incoming SMS collided with the send.
        if (code >= 512 && sending_->vendor_retries < 2) {
          ++sending_->vendor_retries;
          log_->warn("modem: {} on outbox {}, trying the part again", what, sending_->sms.id);
          return Pump();
        }
        switch (ClassifyCmsError(code)) {
          case CmsErrorClass::kPermanent:
            return FinishSend(SendResult::Kind::kFailed, "", what);
          case CmsErrorClass::kOperator:
            log_->error("modem: {} — the SIM needs attention", what);
            return FinishSend(SendResult::Kind::kRetry, "", what);
          case CmsErrorClass::kTransient:
            return FinishSend(SendResult::Kind::kRetry, "", what);
        }
      }
      FinishSend(SendResult::Kind::kRetry, "", what);
    });
  }

  void FinishSend(SendResult::Kind kind, std::string provider_id, std::string reason) {
    SendJob job = std::move(*sending_);
    sending_.reset();
    if (job.next > 0 && job.next < job.parts.size())
      reason += " (after " + std::to_string(job.next) + " of " + std::to_string(job.parts.size()) +
                " parts)";
    // A message that did not go (a +CMS ERROR with its meaning, a timeout) is worth a look.
    log_->log(kind == SendResult::Kind::kAccepted ? spdlog::level::info : spdlog::level::warn,
              "modem: outbox {}: {}", job.sms.id, reason);
    job.done(SendResult{kind, std::move(provider_id), std::move(reason)});
    Pump();
  }

  // Gives every send back: the one being sent (a part went to the modem, or AT+CMGS is under
  // way) as kRetry, those that never reached the modem as kNotReady.
  void FailSends(const std::string& reason) {
    const bool handed_over = sending_ && (in_cmgs_ || sending_->next > 0);
    in_cmgs_ = false;
    std::deque<SendJob> jobs;
    if (sending_) jobs.push_back(std::move(*sending_));
    sending_.reset();
    for (auto& j : send_queue_) jobs.push_back(std::move(j));
    send_queue_.clear();
    for (size_t i = 0; i < jobs.size(); ++i) {
      auto kind = i == 0 && handed_over ? SendResult::Kind::kRetry : SendResult::Kind::kNotReady;
      jobs[i].done(SendResult{kind, "", reason});
    }
  }

  Strand strand_;
  ModemConfig config_;
  ChannelEvents events_;
  const pesan::Clock& clock_;
  std::shared_ptr<spdlog::logger> log_;
  Opener opener_;
  boost::asio::steady_timer reopen_timer_;
  boost::asio::steady_timer pace_timer_;
  boost::asio::steady_timer poll_timer_;
  boost::asio::steady_timer settle_timer_;  // the quiet moment after the opening ESC
  std::chrono::milliseconds backoff_;
  std::string last_down_;  // why the device went down last, since it was last ready (LogDown)

  State state_ = State::kIdle;
  std::atomic<bool> ready_{false};
  uint64_t gen_ = 0;  // the device session; callbacks of an older one are dropped
  std::shared_ptr<AtEngine> engine_;
  bool pin_rejected_ = false;
  std::string cnmi_;

  // Inbound bookkeeping, by storage index.
  std::set<int> inflight_;      // handed to on_sms, waiting for recorded()
  std::set<int> part_indexes_;  // parts of an incomplete long message
  std::set<int> deleting_;      // AT+CMGD queued
  std::map<ConcatKey, GroupMeta> groups_;
  SmsReassembler reassembler_;
  bool draining_ = false;
  bool drain_again_ = false;

  // Outbound.
  std::deque<SendJob> send_queue_;
  std::optional<SendJob> sending_;
  bool in_cmgs_ = false;
  Clock::time_point next_send_at_{};
  uint64_t next_job_id_ = 0;
  uint16_t next_concat_ref_;
};

ModemChannel::ModemChannel(boost::asio::io_context& io, ModemConfig config, ChannelEvents events,
                           const pesan::Clock& clock, std::shared_ptr<spdlog::logger> log,
                           Opener opener)
    : impl_(std::make_shared<Impl>(io, std::move(config), std::move(events), clock, std::move(log),
                                   std::move(opener))) {}

ModemChannel::~ModemChannel() { impl_->Stop(); }

void ModemChannel::Start() { impl_->Start(); }
void ModemChannel::Send(OutgoingSms sms, std::function<void(SendResult)> done) {
  impl_->Send(std::move(sms), std::move(done));
}
void ModemChannel::Stop() { impl_->Stop(); }
bool ModemChannel::Ready() const { return impl_->Ready(); }

}  // namespace pesan::modem
