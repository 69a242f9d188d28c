#include "adapters/smpp/smpp_channel.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <boost/asio.hpp>
#include <cctype>
#include <cstdio>
#include <deque>
#include <map>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "adapters/smpp/pdu.h"
#include "core/gsm_text.h"
#include "core/phone.h"
#include "core/sms_concat.h"

namespace pesan::smpp {

namespace asio = boost::asio;
using asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

namespace {

// A USSD session key ("<source_addr>/<session>") for logs: the number masked as MaskPhone does.
std::string MaskSessionKey(std::string_view key) {
  auto slash = key.find('/');
  return MaskPhone(key.substr(0, slash)) +
         std::string(slash == std::string_view::npos ? "" : key.substr(slash));
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool AllHex(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isxdigit(static_cast<unsigned char>(c)) != 0;
  });
}

// Receipt ids compare without case and leading zeros (PROTOCOLS.md §4.9).
std::string IdKey(std::string_view id) {
  std::string k;
  for (char c : id) {
    if (!std::isspace(static_cast<unsigned char>(c))) {
      k.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
  }
  size_t z = k.find_first_not_of('0');
  if (z == std::string::npos) return k.empty() ? k : "0";
  return k.substr(z);
}

// The same id in the other base, when it reads as a number (SMSCs differ on hex vs decimal).
std::vector<std::string> IdAlternatives(std::string_view id) {
  std::vector<std::string> out;
  std::string k = IdKey(id);
  if (k.size() <= 15) {
    if (AllDigits(k)) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%llx", std::stoull(k));
      out.push_back(buf);
    }
    if (AllHex(k)) out.push_back(std::to_string(std::stoull(k, nullptr, 16)));
  }
  return out;
}

// Address fields of SMPP34 §5.2.5-§5.2.9 for an address we send to / from.
struct Address {
  uint8_t ton = 0;
  uint8_t npi = 0;
  std::string addr;
};

Address SourceAddress(const std::string& s) {
  if (!s.empty() && s[0] == '+' && AllDigits(s.substr(1))) return {1, 1, s.substr(1)};
  if (AllDigits(s)) return s.size() >= 9 ? Address{1, 1, s} : Address{3, 0, s};
  return {5, 0, s};  // alphanumeric
}

Address DestinationAddress(const std::string& to) {
  if (!to.empty() && to[0] == '+') return {1, 1, to.substr(1)};
  return {0, 1, to};
}

// A number from the SMSC as the gateway writes it: E.164 when international.
std::string FromSmsc(uint8_t ton, const std::string& addr) {
  if (ton == 1 && AllDigits(addr)) return "+" + addr;
  return addr;
}

std::string Latin1ToUtf8(std::string_view s) {
  std::u32string cps;
  for (char c : s) cps.push_back(static_cast<unsigned char>(c));
  return EncodeUtf8(cps);
}

// The text of short_message / message_payload by data_coding (SMPP34 §5.2.19).
std::string DecodeText(uint8_t data_coding, std::string_view bytes) {
  if (data_coding == 0x08) return Utf16BeToUtf8(bytes);
  if (data_coding == 0x00) return Gsm7ToUtf8(bytes);  // unpacked septets (PROTOCOLS.md §4.5)
  if ((data_coding & 0xF0) == 0xF0) {                 // GSM DCS message class group
    return (data_coding & 0x04) ? Latin1ToUtf8(bytes) : Gsm7ToUtf8(bytes);
  }
  if ((data_coding & 0xC0) == 0 && (data_coding & 0x0C) == 0x08 && data_coding >= 0x10) {
    return Utf16BeToUtf8(bytes);  // GSM general data coding with UCS-2
  }
  return Latin1ToUtf8(bytes);  // 1 IA5, 3 Latin-1 and anything else as Latin-1
}

struct ConcatInfo {
  uint32_t ref = 0;
  uint8_t total = 0;
  uint8_t seq = 0;
};

// Strips a UDH (esm_class UDHI) and reads the concatenation IE 00 / 08 (3GPP TS 23.040
// §9.2.3.24.1, §9.2.3.24.8), or the sar_* TLVs (SMPP34 §5.3.2.22-24).
std::optional<ConcatInfo> SplitUdh(uint8_t esm_class, std::string& payload, const Tlvs& tlvs) {
  std::optional<ConcatInfo> info;
  if ((esm_class & kEsmUdhi) && !payload.empty()) {
    size_t udhl = static_cast<uint8_t>(payload[0]);
    if (udhl + 1 <= payload.size()) {
      std::string_view udh = std::string_view(payload).substr(1, udhl);
      size_t i = 0;
      while (i + 2 <= udh.size()) {
        uint8_t iei = static_cast<uint8_t>(udh[i]);
        size_t len = static_cast<uint8_t>(udh[i + 1]);
        if (i + 2 + len > udh.size()) break;
        std::string_view d = udh.substr(i + 2, len);
        if (iei == 0x00 && len == 3) {
          info = ConcatInfo{static_cast<uint8_t>(d[0]), static_cast<uint8_t>(d[1]),
                            static_cast<uint8_t>(d[2])};
        } else if (iei == 0x08 && len == 4) {
          info = ConcatInfo{
              static_cast<uint32_t>((static_cast<uint8_t>(d[0]) << 8) | static_cast<uint8_t>(d[1])),
              static_cast<uint8_t>(d[2]), static_cast<uint8_t>(d[3])};
        }
        i += 2 + len;
      }
      payload.erase(0, udhl + 1);
    }
  }
  if (!info) {
    const Tlv* ref = FindTlv(tlvs, kTagSarMsgRefNum);
    auto total = TlvByte(tlvs, kTagSarTotalSegments);
    auto seq = TlvByte(tlvs, kTagSarSegmentSeqnum);
    if (ref && ref->value.size() == 2 && total && seq) {
      info = ConcatInfo{static_cast<uint32_t>((static_cast<uint8_t>(ref->value[0]) << 8) |
                                              static_cast<uint8_t>(ref->value[1])),
                        *total, *seq};
    }
  }
  // 23.040 §9.2.3.24.1: total 0, seq 0 or seq > total make the IE void.
  if (info && (info->total == 0 || info->seq == 0 || info->seq > info->total)) return std::nullopt;
  if (info && info->total == 1) return std::nullopt;
  return info;
}

struct EncodedText {
  uint8_t data_coding = 0;
  std::vector<std::string> parts;  // octets of each part's text (no UDH)
  std::string whole;               // the whole text's octets
};

EncodedText EncodeText(const std::string& utf8, bool fold, bool split) {
  EncodedText e;
  std::string text = utf8;
  if (!IsGsm7(text) && fold) {
    std::string folded = ToGsmFriendly(text);
    if (IsGsm7(folded)) text = std::move(folded);
  }
  SmsCoding coding = IsGsm7(text) ? SmsCoding::kGsm7 : SmsCoding::kUcs2;
  auto enc = [&](std::string_view t) {
    return coding == SmsCoding::kGsm7 ? Utf8ToGsm7(t).value_or(std::string()) : Utf8ToUtf16Be(t);
  };
  e.data_coding = coding == SmsCoding::kGsm7 ? 0x00 : 0x08;
  e.whole = enc(text);
  if (split) {
    for (const std::string& p : SplitSms(text, coding)) e.parts.push_back(enc(p));
  } else {
    e.parts.push_back(e.whole);
  }
  return e;
}

}  // namespace

class SmppChannel::Impl : public std::enable_shared_from_this<SmppChannel::Impl> {
 public:
  Impl(asio::io_context& io, SmppConfig config, ChannelEvents events,
       std::shared_ptr<spdlog::logger> logger, const Clock& clock, SmppUssdHandler ussd)
      : strand_(asio::make_strand(io)),
        config_(std::move(config)),
        events_(std::move(events)),
        log_(std::move(logger)),
        clock_(clock),
        ussd_handler_(std::move(ussd)),
        socket_(strand_),
        resolver_(strand_),
        reconnect_timer_(strand_),
        enquire_timer_(strand_),
        send_timer_(strand_),
        connect_timer_(strand_),
        purge_timer_(strand_) {
    if (config_.window < 1) config_.window = 1;
    backoff_ = config_.reconnect_backoff_min;
    tokens_ = 1;
  }

  void Start() {
    asio::post(strand_, [self = shared_from_this()] {
      if (self->started_ || self->stopping_) return;
      self->started_ = true;
      self->Connect();
    });
  }

  void Send(OutgoingSms sms, std::function<void(SendResult)> done) {
    asio::post(strand_,
               [self = shared_from_this(), sms = std::move(sms), done = std::move(done)]() mutable {
                 self->DoSend(std::move(sms), std::move(done));
               });
  }

  void Stop(std::function<void()> stopped) {
    asio::post(strand_, [self = shared_from_this(), stopped = std::move(stopped)]() mutable {
      self->DoStop(std::move(stopped));
    });
  }

  void Abandon() {
    asio::post(strand_, [self = shared_from_this()] {
      self->stopping_ = true;
      self->Close("channel destroyed");
    });
  }

  void SetLinkObserver(std::function<void(bool, const std::string&)> o) {
    link_observer_ = std::move(o);
  }

 private:
  enum class State { kIdle, kConnecting, kBinding, kBound, kUnbinding, kDown };

  struct Message {
    OutgoingSms sms;
    std::function<void(SendResult)> done;
    std::vector<std::pair<ShortMessageBody, Tlvs>> parts;
    std::vector<std::string> ids;
    size_t acked = 0;
    size_t written = 0;  // submit_sm put on the wire (a part sent again counts again)
    int throttled = 0;
    bool finished = false;
  };
  using MessagePtr = std::shared_ptr<Message>;

  enum class Kind { kBind, kSubmit, kEnquire, kUnbind };
  struct InFlight {
    Kind kind;
    MessagePtr msg;
    size_t part = 0;
    std::unique_ptr<asio::steady_timer> timer;
  };

  // A deliver_sm / data_sm whose response waits.
  struct Held {
    uint32_t seq;
    uint32_t command_id;
  };

  // The parts of a concatenated MO whose responses wait for the whole message.
  struct HeldParts {
    std::vector<Held> held;
    std::string to;
    std::map<uint8_t, std::string> texts;  // by part number
  };

  // A concatenated MO the gateway recorded: its parts' texts, to know a part delivered again.
  struct RecordedConcat {
    std::map<uint8_t, std::string> texts;
    SystemTime at;
  };

  struct UssdSession {
    Address phone;    // the MS (their source, our destination)
    Address service;  // the code (their destination, our source)
    std::string service_type;
    Tlvs echo;  // its_session_info, user_message_reference
    uint64_t generation = 0;
  };

  struct ReceiptGroup {
    std::string provider_id;
    size_t total = 1;
    std::unordered_set<std::string> delivered;
    bool final_reported = false;
    SystemTime created;
  };

  // ---- connection ----

  void Connect() {
    if (stopping_) return;
    state_ = State::kConnecting;
    ++generation_;
    rx_.clear();
    tx_.clear();
    writing_ = false;
    close_after_flush_ = false;
    uint64_t gen = generation_;
    log_->info("smpp: connecting to {}:{}", config_.host, config_.port);
    connect_timer_.expires_after(config_.response_timeout);
    connect_timer_.async_wait([self = shared_from_this(), gen](boost::system::error_code ec) {
      if (ec || gen != self->generation_) return;
      if (self->state_ == State::kConnecting || self->state_ == State::kBinding) {
        self->LinkDown("no connection or bind_transceiver_resp within " +
                       std::to_string(self->config_.response_timeout.count()) + " ms");
      }
    });
    resolver_.async_resolve(
        config_.host, std::to_string(config_.port),
        [self = shared_from_this(), gen](boost::system::error_code ec,
                                         tcp::resolver::results_type results) {
          if (gen != self->generation_) return;
          if (ec) {
            self->LinkDown("cannot resolve " + self->config_.host + ": " + ec.message());
            return;
          }
          asio::async_connect(self->socket_, results,
                              [self, gen](boost::system::error_code ec, const tcp::endpoint&) {
                                if (gen != self->generation_) return;
                                if (ec) {
                                  self->LinkDown("connect to " + self->config_.host + ":" +
                                                 std::to_string(self->config_.port) +
                                                 " failed: " + ec.message());
                                  return;
                                }
                                self->OnConnected();
                              });
        });
  }

  void OnConnected() {
    boost::system::error_code ignored;
    socket_.set_option(tcp::no_delay(true), ignored);
    state_ = State::kBinding;
    Read();
    BindBody b;
    b.system_id = config_.system_id;
    b.password = config_.password;
    b.system_type = config_.system_type;
    uint32_t seq = NextSeq();
    if (!Write(MakeBindTransceiver(seq, b))) {
      LinkDown("bind_transceiver not encodable (check system_id / password / system_type sizes)");
      return;
    }
    AddInFlight(seq, Kind::kBind, nullptr, 0);
  }

  void OnBound(const Pdu& resp) {
    connect_timer_.cancel();
    state_ = State::kBound;
    backoff_ = config_.reconnect_backoff_min;
    std::string smsc;
    if (auto* b = std::get_if<BindRespBody>(&resp.body)) smsc = b->system_id;
    log_->info("smpp: bound as transceiver to {}:{} (SMSC system_id \"{}\")", config_.host,
               config_.port, smsc);
    last_down_reason_.clear();
    tokens_ = 1;
    last_refill_ = SteadyClock::now();
    ScheduleEnquireLink();
    SchedulePurge();
    if (link_observer_) link_observer_(true, "bound");
    if (events_.on_ready) events_.on_ready();
    Pump();
  }

  // Closes the socket and cancels everything of this connection; no reconnect.
  void Close(const std::string& why) {
    ++generation_;
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    resolver_.cancel();
    connect_timer_.cancel();
    enquire_timer_.cancel();
    send_timer_.cancel();
    purge_timer_.cancel();
    send_paused_ = false;
    bool was_up = state_ == State::kBound || state_ == State::kUnbinding;
    state_ = State::kDown;
    // Sends: nothing unacknowledged is ever reported kAccepted.
    std::vector<MessagePtr> pending;
    for (auto& [seq, f] : inflight_) {
      if (f.timer) f.timer->cancel();
      if (f.kind == Kind::kSubmit) pending.push_back(f.msg);
    }
    inflight_.clear();
    inflight_submits_ = 0;
    for (auto& [msg, part] : ready_) pending.push_back(msg);
    ready_.clear();
    for (auto& m : pending) {
      if (m->written > 0) {
        Finish(m, SendResult::Kind::kRetry, "", "link down before the SMSC acknowledged: " + why);
      } else {
        Finish(m, SendResult::Kind::kNotReady, "", "link down before it was sent: " + why);
      }
    }
    // Held deliver_sm are void: the SMSC delivers them again on the next bind.
    reassembler_ = SmsReassembler();
    concat_held_.clear();
    ussd_sessions_.clear();
    if (was_up && link_observer_) link_observer_(false, why);
    if (stopping_ && !stopped_) {
      stopped_ = true;
      reconnect_timer_.cancel();
      log_->info("smpp: stopped");
      for (auto& cb : stopped_callbacks_) {
        if (cb) cb();
      }
      stopped_callbacks_.clear();
    }
  }

  void LinkDown(const std::string& why) {
    bool binding = state_ == State::kBinding || state_ == State::kConnecting;
    if (stopping_) {
      log_->info("smpp: link closed: {}", why);
    } else {
      log_->warn("smpp: {}: {}; reconnecting in {} ms", binding ? "bind failed" : "link lost", why,
                 backoff_.count());
    }
    last_down_reason_ = why;
    Close(why);
    if (stopping_) return;
    if (events_.on_down) events_.on_down(why);
    reconnect_timer_.expires_after(backoff_);
    backoff_ = std::min(backoff_ * 2, config_.reconnect_backoff_max);
    reconnect_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec && !self->stopping_) self->Connect();
    });
  }

  void DoStop(std::function<void()> stopped) {
    if (stopped_) {
      if (stopped) stopped();
      return;
    }
    stopped_callbacks_.push_back(std::move(stopped));
    if (stopping_) return;
    stopping_ = true;
    reconnect_timer_.cancel();
    // Nothing new goes out; what is not on the wire yet is given back.
    std::deque<std::pair<MessagePtr, size_t>> ready;
    ready.swap(ready_);
    for (auto& [m, part] : ready) {
      Finish(m, m->written > 0 ? SendResult::Kind::kRetry : SendResult::Kind::kNotReady, "",
             "channel stopping");
    }
    if (state_ == State::kBound) {
      MaybeUnbind();
    } else {
      Close("stopped");
    }
  }

  // When stopping: unbind once the submits in flight are answered (or timed out).
  void MaybeUnbind() {
    if (!stopping_ || state_ != State::kBound || inflight_submits_ > 0) return;
    state_ = State::kUnbinding;
    enquire_timer_.cancel();
    uint32_t seq = NextSeq();
    Write(MakeUnbind(seq));
    AddInFlight(seq, Kind::kUnbind, nullptr, 0);
  }

  // ---- I/O ----

  void Read() {
    auto self = shared_from_this();
    uint64_t gen = generation_;
    socket_.async_read_some(
        asio::buffer(read_buf_), [self, gen](boost::system::error_code ec, size_t n) {
          if (gen != self->generation_) return;
          if (ec) {
            self->LinkDown(ec == asio::error::eof ? "the SMSC closed the connection"
                                                  : "read failed: " + ec.message());
            return;
          }
          self->rx_.append(self->read_buf_.data(), n);
          size_t used = 0;
          while (gen == self->generation_) {
            Frame f = NextFrame(std::string_view(self->rx_).substr(used));
            if (f.kind == Frame::Kind::kNeedMore) break;
            if (f.kind == Frame::Kind::kBad) {
              // The stream cannot be resynchronised (SMPP34 §4.3): nack what we can and close.
              if (auto h = PeekHeader(std::string_view(self->rx_).substr(used))) {
                self->Write(MakeGenericNack(h->sequence_number, kRinvCmdLen));
              }
              self->LinkDown("unreadable PDU from the SMSC: " + f.error);
              return;
            }
            used += f.pdu.size();
            self->OnPdu(std::string(f.pdu));
          }
          if (gen != self->generation_) return;
          self->rx_.erase(0, used);
          self->Read();
        });
  }

  bool Write(const Pdu& pdu) {
    auto bytes = EncodePdu(pdu);
    if (!bytes.ok()) {
      log_->error("smpp: cannot encode {}: {}", CommandName(pdu.command_id), bytes.error().message);
      return false;
    }
    log_->debug("smpp: >> {} seq={} status={}", CommandName(pdu.command_id), pdu.sequence_number,
                pdu.command_status);
    tx_.push_back(std::move(bytes.value()));
    Flush();
    return true;
  }

  void Flush() {
    if (writing_ || tx_.empty()) {
      if (!writing_ && close_after_flush_) LinkDown(close_reason_);
      return;
    }
    writing_ = true;
    // Everything queued goes out in one write.
    auto batch = std::make_shared<std::string>();
    for (auto& s : tx_) *batch += s;
    tx_.clear();
    uint64_t gen = generation_;
    asio::async_write(
        socket_, asio::buffer(*batch),
        [self = shared_from_this(), batch, gen](boost::system::error_code ec, size_t) {
          if (gen != self->generation_) return;
          self->writing_ = false;
          if (ec) {
            self->LinkDown("write failed: " + ec.message());
            return;
          }
          self->Flush();
        });
  }

  uint32_t NextSeq() {
    // 0x00000001-0x7FFFFFFF, wrapping back to 1 (SMPP34 §5.1.4).
    uint32_t s = next_seq_;
    next_seq_ = next_seq_ >= 0x7FFFFFFF ? 1 : next_seq_ + 1;
    return s;
  }

  void AddInFlight(uint32_t seq, Kind kind, MessagePtr msg, size_t part) {
    InFlight f{kind, std::move(msg), part, std::make_unique<asio::steady_timer>(strand_)};
    f.timer->expires_after(config_.response_timeout);
    uint64_t gen = generation_;
    f.timer->async_wait([self = shared_from_this(), seq, gen](boost::system::error_code ec) {
      if (ec || gen != self->generation_) return;
      auto it = self->inflight_.find(seq);
      if (it == self->inflight_.end()) return;
      static constexpr const char* kNames[] = {"bind_transceiver_resp", "submit_sm_resp",
                                               "enquire_link_resp", "unbind_resp"};
      self->LinkDown(std::string("no ") + kNames[static_cast<int>(it->second.kind)] + " within " +
                     std::to_string(self->config_.response_timeout.count()) + " ms (seq " +
                     std::to_string(seq) + ")");
    });
    if (kind == Kind::kSubmit) ++inflight_submits_;
    inflight_.emplace(seq, std::move(f));
  }

  // ---- inbound ----

  void OnPdu(const std::string& bytes) {
    DecodeError derr;
    auto decoded = DecodePdu(bytes, &derr);
    auto h = PeekHeader(bytes);
    if (!decoded.ok()) {
      if (h->command_id & kResponseBit) {
        log_->warn("smpp: malformed {} (seq {}): {}", CommandName(h->command_id),
                   h->sequence_number, decoded.error().message);
        Pdu bare;
        bare.command_id = h->command_id;
        bare.command_status = h->command_status;
        bare.sequence_number = h->sequence_number;
        OnResponse(bare);
      } else {
        log_->warn("smpp: answering generic_nack {}: {}", StatusName(derr.nack_status),
                   decoded.error().message);
        Write(MakeGenericNack(h->sequence_number, derr.nack_status));
      }
      return;
    }
    Pdu& pdu = decoded.value();
    log_->debug("smpp: << {} seq={} status={}", CommandName(pdu.command_id), pdu.sequence_number,
                pdu.command_status);
    if (pdu.IsResponse()) {
      OnResponse(pdu);
      return;
    }
    switch (pdu.command_id) {
      case kEnquireLink:
        Write(MakeResponse(pdu, kRok));
        return;
      case kUnbind:
        log_->info("smpp: the SMSC unbinds");
        Write(MakeResponse(pdu, kRok));
        close_after_flush_ = true;
        close_reason_ = "unbound by the SMSC";
        Flush();
        return;
      case kDeliverSm:
        if (state_ != State::kBound && state_ != State::kUnbinding) {
          Write(MakeResponse(pdu, kRinvBndSts));
          return;
        }
        OnDeliver(pdu, std::get<ShortMessageBody>(pdu.body), pdu.tlvs);
        return;
      case kDataSm: {
        if (state_ != State::kBound && state_ != State::kUnbinding) {
          Write(MakeResponse(pdu, kRinvBndSts));
          return;
        }
        const auto& d = std::get<DataSmBody>(pdu.body);
        ShortMessageBody b;
        b.service_type = d.service_type;
        b.source_addr_ton = d.source_addr_ton;
        b.source_addr_npi = d.source_addr_npi;
        b.source_addr = d.source_addr;
        b.dest_addr_ton = d.dest_addr_ton;
        b.dest_addr_npi = d.dest_addr_npi;
        b.destination_addr = d.destination_addr;
        b.esm_class = d.esm_class;
        b.data_coding = d.data_coding;
        OnDeliver(pdu, b, pdu.tlvs);
        return;
      }
      case kAlertNotification: {
        const auto& a = std::get<AlertNotificationBody>(pdu.body);
        log_->info("smpp: alert_notification: {} is available", MaskPhone(a.source_addr));
        return;
      }
      case kOutbind:
        log_->info("smpp: outbind ignored (this client connects itself)");
        return;
      default:
        // A request an ESME does not serve (submit_sm, bind_* ...).
        log_->warn("smpp: unexpected {} from the SMSC", CommandName(pdu.command_id));
        Write(MakeGenericNack(pdu.sequence_number, kRinvCmdId));
        return;
    }
  }

  void OnResponse(const Pdu& pdu) {
    auto it = inflight_.find(pdu.sequence_number);
    if (it == inflight_.end()) {
      log_->warn("smpp: {} with unknown seq {} ignored", CommandName(pdu.command_id),
                 pdu.sequence_number);
      return;
    }
    InFlight f = std::move(it->second);
    inflight_.erase(it);
    f.timer->cancel();
    if (f.kind == Kind::kSubmit) --inflight_submits_;
    switch (f.kind) {
      case Kind::kBind:
        if (pdu.command_status == kRok && pdu.command_id != kGenericNack) {
          OnBound(pdu);
        } else {
          LinkDown("bind_transceiver refused with " + StatusName(pdu.command_status));
        }
        return;
      case Kind::kEnquire:
        enquire_outstanding_ = false;
        return;
      case Kind::kUnbind:
        Close("unbound");
        return;
      case Kind::kSubmit:
        OnSubmitResp(pdu, f.msg, f.part);
        MaybeUnbind();
        Pump();
        return;
    }
  }

  void OnSubmitResp(const Pdu& pdu, const MessagePtr& m, size_t part) {
    if (m->finished) return;
    uint32_t st = pdu.command_status;
    if (st == kRok && pdu.command_id == kSubmitSmResp) {
      std::string id;
      if (auto* b = std::get_if<MessageIdBody>(&pdu.body)) id = b->message_id;
      m->ids[part] = id;
      if (++m->acked == m->parts.size()) {
        std::string joined;
        for (size_t i = 0; i < m->ids.size(); ++i) joined += (i ? "," : "") + m->ids[i];
        RememberIds(m->ids, joined);
        Finish(m, SendResult::Kind::kAccepted, joined, "");
      }
      return;
    }
    if (st == kRthrottled || st == kRmsgQFul) {
      if (++m->throttled > config_.throttle_retries) {
        Finish(m, SendResult::Kind::kRetry, "",
               "still " + StatusName(st) + " after " + std::to_string(config_.throttle_retries) +
                   " retries");
        return;
      }
      log_->info("smpp: {} for sms {}: pausing {} ms", StatusName(st), m->sms.id,
                 config_.throttle_pause.count());
      ready_.emplace_front(m, part);
      PauseSending(config_.throttle_pause);
      return;
    }
    if (st == kRsysErr || st == kRxTAppn) {
      Finish(m, SendResult::Kind::kRetry, "", "SMSC answered " + StatusName(st));
      return;
    }
    Finish(m, SendResult::Kind::kFailed, "",
           "SMSC answered " + (pdu.command_id == kGenericNack ? std::string("generic_nack ") : "") +
               StatusName(st));
  }

  void Finish(const MessagePtr& m, SendResult::Kind kind, std::string provider_id,
              std::string reason) {
    if (m->finished) return;
    m->finished = true;
    if (kind != SendResult::Kind::kAccepted) {
      log_->info("smpp: sms {} to {}: {} ({})", m->sms.id, MaskPhone(m->sms.to),
                 kind == SendResult::Kind::kFailed     ? "failed"
                 : kind == SendResult::Kind::kNotReady ? "not sent"
                                                       : "retry",
                 reason);
    }
    if (m->done) m->done(SendResult{kind, std::move(provider_id), std::move(reason)});
  }

  // ---- sending ----

  void DoSend(OutgoingSms sms, std::function<void(SendResult)> done) {
    auto m = std::make_shared<Message>();
    m->sms = std::move(sms);
    m->done = std::move(done);
    if (stopping_) {
      Finish(m, SendResult::Kind::kNotReady, "", "channel stopped");
      return;
    }
    if (state_ != State::kConnecting && state_ != State::kBinding && state_ != State::kBound) {
      Finish(m, SendResult::Kind::kNotReady, "",
             "SMPP link down" + (last_down_reason_.empty() ? "" : ": " + last_down_reason_));
      return;
    }
    Address src = SourceAddress(config_.source_addr);
    Address dst = DestinationAddress(m->sms.to);
    EncodedText text = EncodeText(m->sms.text, config_.fold_to_gsm, true);
    ShortMessageBody base;
    base.source_addr_ton = src.ton;
    base.source_addr_npi = src.npi;
    base.source_addr = src.addr;
    base.dest_addr_ton = dst.ton;
    base.dest_addr_npi = dst.npi;
    base.destination_addr = dst.addr;
    base.registered_delivery = config_.registered_delivery ? 1 : 0;
    base.data_coding = text.data_coding;
    if (config_.use_message_payload && text.parts.size() > 1) {
      // One message_payload TLV, sm_length 0 (SMPP34 §5.3.2.32): the SMSC splits.
      Tlvs tlvs{{kTagMessagePayload, text.whole}};
      m->parts.emplace_back(base, std::move(tlvs));
    } else if (text.parts.size() == 1) {
      base.short_message = text.parts[0];
      m->parts.emplace_back(base, Tlvs{});
    } else {
      // Concatenated SM, 8-bit reference (3GPP TS 23.040 §9.2.3.24.1): UDHL 05, IEI 00, IEDL 03,
      // ref, total, seq; esm_class UDHI (SMPP34 §5.2.12). One reference counter per channel.
      uint8_t ref = concat_ref_++;
      size_t total = text.parts.size();
      if (total > 255) {
        Finish(m, SendResult::Kind::kFailed, "",
               "text too long: " + std::to_string(total) + " parts");
        return;
      }
      for (size_t i = 0; i < total; ++i) {
        ShortMessageBody b = base;
        b.esm_class |= kEsmUdhi;
        b.short_message = std::string{0x05,
                                      0x00,
                                      0x03,
                                      static_cast<char>(ref),
                                      static_cast<char>(total),
                                      static_cast<char>(i + 1)} +
                          text.parts[i];
        m->parts.emplace_back(std::move(b), Tlvs{});
      }
    }
    m->ids.resize(m->parts.size());
    for (size_t i = 0; i < m->parts.size(); ++i) ready_.emplace_back(m, i);
    Pump();
  }

  // A pause only ever lengthens: a throttle pause is not cut short by a shorter token-bucket wait.
  // Each pause has its own number, since a timer that already fired cannot be cancelled: only
  // the handler of the latest pause may lift it.
  void PauseSending(std::chrono::milliseconds d) {
    auto until = SteadyClock::now() + d;
    if (send_paused_ && until <= paused_until_) return;
    send_paused_ = true;
    paused_until_ = until;
    uint64_t gen = generation_;
    uint64_t pause = ++pause_seq_;
    send_timer_.expires_at(until);
    send_timer_.async_wait([self = shared_from_this(), gen, pause](boost::system::error_code ec) {
      if (ec || gen != self->generation_ || pause != self->pause_seq_) return;
      self->send_paused_ = false;
      self->Pump();
    });
  }

  // Token bucket for max_per_second, capacity max_per_second / 10 (at least 1).
  bool TakeToken() {
    if (config_.max_per_second <= 0) return true;
    double cap = std::max(1.0, config_.max_per_second / 10.0);
    auto now = SteadyClock::now();
    tokens_ = std::min(cap, tokens_ + std::chrono::duration<double>(now - last_refill_).count() *
                                          config_.max_per_second);
    last_refill_ = now;
    if (tokens_ >= 1) {
      tokens_ -= 1;
      return true;
    }
    auto wait = std::chrono::duration<double>((1 - tokens_) / config_.max_per_second);
    PauseSending(std::chrono::ceil<std::chrono::milliseconds>(wait));
    return false;
  }

  void Pump() {
    while (state_ == State::kBound && !stopping_ && !send_paused_ && !ready_.empty() &&
           inflight_submits_ < config_.window) {
      if (ready_.front().first->finished) {
        ready_.pop_front();
        continue;
      }
      if (!TakeToken()) return;
      auto [m, part] = ready_.front();
      ready_.pop_front();
      Pdu p;
      p.command_id = kSubmitSm;
      p.sequence_number = NextSeq();
      p.body = m->parts[part].first;
      p.tlvs = m->parts[part].second;
      if (!Write(p)) {
        Finish(m, SendResult::Kind::kFailed, "", "submit_sm not encodable (address too long?)");
        continue;
      }
      ++m->written;
      AddInFlight(p.sequence_number, Kind::kSubmit, m, part);
    }
  }

  void ScheduleEnquireLink() {
    enquire_timer_.expires_after(config_.enquire_link_interval);
    uint64_t gen = generation_;
    enquire_timer_.async_wait([self = shared_from_this(), gen](boost::system::error_code ec) {
      if (ec || gen != self->generation_ || self->state_ != State::kBound) return;
      if (!self->enquire_outstanding_) {
        uint32_t seq = self->NextSeq();
        self->enquire_outstanding_ = true;
        self->Write(MakeEnquireLink(seq));
        self->AddInFlight(seq, Kind::kEnquire, nullptr, 0);
      }
      self->ScheduleEnquireLink();
    });
  }

  // ---- deliver_sm ----

  void OnDeliver(const Pdu& pdu, const ShortMessageBody& b, const Tlvs& tlvs) {
    uint8_t type = b.esm_class & kEsmTypeMask;
    if (type == kEsmReceipt || type == 0x20 /* intermediate notification */) {
      Write(MakeResponse(pdu, kRok));
      OnReceipt(b, tlvs);
      return;
    }
    if (type != 0) {
      log_->info("smpp: deliver_sm with esm_class 0x{:02X} (SME ack) ignored", b.esm_class);
      Write(MakeResponse(pdu, kRok));
      return;
    }
    std::string payload = b.short_message;
    if (payload.empty()) {
      if (const Tlv* t = FindTlv(tlvs, kTagMessagePayload)) payload = t->value;
    }
    auto concat = SplitUdh(b.esm_class, payload, tlvs);
    std::string text = DecodeText(b.data_coding, payload);
    if (config_.ussd && TlvByte(tlvs, kTagUssdServiceOp)) {
      Write(MakeResponse(pdu, kRok));
      OnUssd(b, tlvs, std::move(text));
      return;
    }
    std::string from = FromSmsc(b.source_addr_ton, b.source_addr);
    Held held{pdu.sequence_number, pdu.command_id};
    if (!concat) {
      Deliver(from, b.destination_addr, std::move(text), {held});
      return;
    }
    ConcatKey key{from, static_cast<uint16_t>(concat->ref), concat->total};
    if (!concat_held_.count(key)) {
      // A part of a message recorded lately, delivered again (its deliver_sm_resp was lost):
      // answered, not taken for the first part of a new message.
      auto done = recorded_concat_.find(key);
      if (done != recorded_concat_.end()) {
        auto part = done->second.texts.find(concat->seq);
        if (part != done->second.texts.end() && part->second == text) {
          log_->info("smpp: part {}/{} of ref {} from {} delivered again; already recorded",
                     concat->seq, concat->total, concat->ref, MaskPhone(from));
          Answer({held}, kRok);
          return;
        }
      }
    }
    HeldParts& parts = concat_held_[key];
    if (parts.held.empty()) parts.to = b.destination_addr;
    parts.held.push_back(held);
    parts.texts.emplace(concat->seq, text);
    log_->debug("smpp: part {}/{} of ref {} from {}", concat->seq, concat->total, concat->ref,
                MaskPhone(from));
    auto whole = reassembler_.Add(key, concat->seq, std::move(text), clock_.Now());
    if (!whole) return;
    auto node = concat_held_.extract(key);
    Deliver(from, std::move(node.mapped().to), std::move(*whole), std::move(node.mapped().held),
            key, std::move(node.mapped().texts));
  }

  // `key` and `texts`: a concatenated message's, remembered once it is recorded.
  void Deliver(std::string from, std::string to, std::string text, std::vector<Held> held,
               std::optional<ConcatKey> key = std::nullopt,
               std::map<uint8_t, std::string> texts = {}) {
    if (!events_.on_sms) {
      log_->warn("smpp: MO from {} refused: no receiver", MaskPhone(from));
      Answer(held, kRxTAppn);
      return;
    }
    InboundSms sms;
    sms.from = std::move(from);
    sms.to = std::move(to);
    sms.text = std::move(text);
    sms.received_at = clock_.Now();
    log_->info("smpp: MO from {} ({} parts)", MaskPhone(sms.from), held.size());
    uint64_t gen = generation_;
    auto self = shared_from_this();
    auto once = std::make_shared<bool>(false);
    auto parts =
        std::make_shared<std::pair<std::optional<ConcatKey>, std::map<uint8_t, std::string>>>(
            std::move(key), std::move(texts));
    events_.on_sms(std::move(sms), [self, gen, held = std::move(held), once, parts](bool recorded) {
      asio::post(self->strand_, [self, gen, held, once, recorded, parts] {
        if (*once) return;
        *once = true;
        if (recorded && parts->first) {
          self->recorded_concat_[*parts->first] = {std::move(parts->second), self->clock_.Now()};
        }
        // After a reconnect the SMSC delivers it again anyway; the answer would be void.
        if (gen != self->generation_) return;
        self->Answer(held, recorded ? kRok : kRxTAppn);
      });
    });
  }

  void Answer(const std::vector<Held>& held, uint32_t status) {
    for (const Held& h : held) {
      Pdu req;
      req.command_id = h.command_id;
      req.sequence_number = h.seq;
      Write(MakeResponse(req, status));
    }
  }

  void SchedulePurge() {
    purge_timer_.expires_after(
        std::min<std::chrono::milliseconds>(config_.concat_timeout, std::chrono::minutes(1)));
    uint64_t gen = generation_;
    purge_timer_.async_wait([self = shared_from_this(), gen](boost::system::error_code ec) {
      if (ec || gen != self->generation_) return;
      // Incomplete concatenations are given to the gateway as they are, the missing parts
      // marked, rather than lost.
      for (auto& inc :
           self->reassembler_.Expire(self->clock_.Now(), self->config_.concat_timeout)) {
        HeldParts parts;
        if (auto node = self->concat_held_.extract(inc.key)) parts = std::move(node.mapped());
        self->log_->warn(
            "smpp: concatenated MO from {} (ref {}) incomplete after {} ms: {} of {} parts",
            MaskPhone(inc.key.sender), inc.key.ref, self->config_.concat_timeout.count(),
            inc.parts_received, inc.key.total);
        self->Deliver(inc.key.sender, std::move(parts.to), std::move(inc.text),
                      std::move(parts.held));
      }
      self->PruneReceipts();
      SystemTime limit = self->clock_.Now() - self->config_.concat_timeout;
      std::erase_if(self->recorded_concat_, [&](const auto& r) { return r.second.at < limit; });
      self->SchedulePurge();
    });
  }

  // ---- receipts ----

  void RememberIds(const std::vector<std::string>& ids, const std::string& provider_id) {
    auto g = std::make_shared<ReceiptGroup>();
    g->provider_id = provider_id;
    g->total = ids.size();
    g->created = clock_.Now();
    for (const auto& id : ids) {
      if (!id.empty()) receipt_ids_[IdKey(id)] = g;
    }
    if (receipt_ids_.size() > 200'000) PruneReceipts();
  }

  void PruneReceipts() {
    SystemTime limit = clock_.Now() - config_.receipt_memory;
    for (auto it = receipt_ids_.begin(); it != receipt_ids_.end();) {
      it = it->second->created < limit ? receipt_ids_.erase(it) : std::next(it);
    }
  }

  std::shared_ptr<ReceiptGroup> FindGroup(const std::string& id) {
    if (auto it = receipt_ids_.find(IdKey(id)); it != receipt_ids_.end()) return it->second;
    for (const auto& alt : IdAlternatives(id)) {
      if (auto it = receipt_ids_.find(alt); it != receipt_ids_.end()) return it->second;
    }
    return nullptr;
  }

  void OnReceipt(const ShortMessageBody& b, const Tlvs& tlvs) {
    auto rep = ReportFromReceipt(b, tlvs);
    if (!rep.ok()) {
      log_->warn("smpp: receipt not understood: {}", rep.error().message);
      return;
    }
    DeliveryReport r = std::move(rep.value());
    std::string part_id = r.provider_id;
    auto g = FindGroup(part_id);
    if (g) {
      r.provider_id = g->provider_id;
      if (g->total > 1) {
        if (g->final_reported) return;
        r.detail = "part " + part_id + ": " + r.detail;
        if (r.state == DeliveryState::kDelivered) {
          g->delivered.insert(IdKey(part_id));
          if (g->delivered.size() < g->total) r.state = DeliveryState::kPending;
        }
      }
      if (r.state != DeliveryState::kPending) g->final_reported = true;
    }
    log_->info("smpp: receipt for {}: {}", r.provider_id, r.detail);
    if (events_.on_report) events_.on_report(std::move(r));
  }

  // ---- USSD ----

  void OnUssd(const ShortMessageBody& b, const Tlvs& tlvs, std::string text) {
    uint8_t op = *TlvByte(tlvs, kTagUssdServiceOp);
    const Tlv* its = FindTlv(tlvs, kTagItsSessionInfo);
    std::string key = b.source_addr;
    if (its && its->value.size() == 2)
      key += "/" + std::to_string(static_cast<uint8_t>(its->value[0]));
    bool known = ussd_sessions_.count(key) > 0;
    SmppUssdRequest req;
    req.session_key = key;
    req.phone = FromSmsc(b.source_addr_ton, b.source_addr);
    req.service_code = b.destination_addr;
    req.text = std::move(text);
    req.ussd_service_op = op;
    // its_session_info octet 2 bit 0: end of session (SMPP34 §5.3.2.43).
    bool end = its && its->value.size() == 2 && (static_cast<uint8_t>(its->value[1]) & 1);
    if (end) {
      req.phase = SmppUssdRequest::Phase::kRelease;
    } else if (op == 0 || op == 1) {  // PSSD / PSSR indication: the user dialled
      req.phase = SmppUssdRequest::Phase::kBegin;
    } else if (op == 0x12 || op == 0x13 || known) {  // USSR / USSN confirm
      req.phase = SmppUssdRequest::Phase::kContinue;
    } else {
      req.phase = SmppUssdRequest::Phase::kBegin;
    }
    log_->info("smpp: USSD op {} from {} session {}", op, MaskPhone(req.phone),
               MaskSessionKey(key));
    if (req.phase == SmppUssdRequest::Phase::kRelease) {
      ussd_sessions_.erase(key);
      if (ussd_handler_) ussd_handler_(std::move(req), [](std::string, bool) {});
      return;
    }
    UssdSession s;
    s.phone = {b.source_addr_ton, b.source_addr_npi, b.source_addr};
    s.service = {b.dest_addr_ton, b.dest_addr_npi, b.destination_addr};
    s.service_type = b.service_type.empty() ? config_.ussd_service_type : b.service_type;
    if (its) s.echo.push_back(*its);
    if (const Tlv* umr = FindTlv(tlvs, kTagUserMessageReference)) s.echo.push_back(*umr);
    s.generation = generation_;
    ussd_sessions_[key] = s;
    if (!ussd_handler_) {
      log_->warn("smpp: USSD request without a handler; ending the session");
      UssdAnswer(key, "Service unavailable", true);
      return;
    }
    auto self = shared_from_this();
    auto once = std::make_shared<bool>(false);
    ussd_handler_(std::move(req), [self, key, once](std::string text, bool end) {
      asio::post(self->strand_, [self, key, once, text = std::move(text), end]() mutable {
        if (*once) return;
        *once = true;
        self->UssdAnswer(key, std::move(text), end);
      });
    });
  }

  void UssdAnswer(const std::string& key, std::string text, bool end) {
    auto it = ussd_sessions_.find(key);
    if (it == ussd_sessions_.end() || it->second.generation != generation_) {
      log_->info("smpp: USSD answer for {} dropped: the session is gone", MaskSessionKey(key));
      return;
    }
    UssdSession s = it->second;
    if (end) ussd_sessions_.erase(it);
    EncodedText enc = EncodeText(text, config_.fold_to_gsm, false);
    ShortMessageBody b;
    b.service_type = s.service_type;
    b.source_addr_ton = s.service.ton;
    b.source_addr_npi = s.service.npi;
    b.source_addr = s.service.addr;
    b.dest_addr_ton = s.phone.ton;
    b.dest_addr_npi = s.phone.npi;
    b.destination_addr = s.phone.addr;
    b.data_coding = enc.data_coding;
    Tlvs tlvs;
    if (enc.whole.size() <= 254) {
      b.short_message = enc.whole;
    } else {
      tlvs.push_back({kTagMessagePayload, enc.whole});
    }
    // USSR request (2) waits for the user's input; PSSR response (17) is the final screen.
    tlvs.push_back({kTagUssdServiceOp, std::string(1, static_cast<char>(end ? 0x11 : 0x02))});
    for (Tlv t : s.echo) {
      if (t.tag == kTagItsSessionInfo && t.value.size() == 2) {
        t.value[1] = static_cast<char>((static_cast<uint8_t>(t.value[1]) & 0xFE) | (end ? 1 : 0));
      }
      tlvs.push_back(std::move(t));
    }
    auto m = std::make_shared<Message>();
    m->sms.to = FromSmsc(s.phone.ton, s.phone.addr);
    m->parts.emplace_back(std::move(b), std::move(tlvs));
    m->ids.resize(1);
    auto log = log_;
    m->done = [log, key](SendResult r) {
      if (r.kind != SendResult::Kind::kAccepted) {
        log->warn("smpp: USSD answer for {} not taken: {}", key, r.reason);
      }
    };
    // Answers go first: the user is waiting on the phone.
    ready_.emplace_front(m, 0);
    Pump();
  }

  asio::strand<asio::io_context::executor_type> strand_;
  SmppConfig config_;
  ChannelEvents events_;
  std::shared_ptr<spdlog::logger> log_;
  const Clock& clock_;
  SmppUssdHandler ussd_handler_;
  std::function<void(bool, const std::string&)> link_observer_;

  tcp::socket socket_;
  tcp::resolver resolver_;
  asio::steady_timer reconnect_timer_;
  asio::steady_timer enquire_timer_;
  asio::steady_timer send_timer_;
  asio::steady_timer connect_timer_;
  asio::steady_timer purge_timer_;

  State state_ = State::kIdle;
  bool started_ = false;
  bool stopping_ = false;
  bool stopped_ = false;
  std::vector<std::function<void()>> stopped_callbacks_;
  uint64_t generation_ = 0;
  std::chrono::milliseconds backoff_;
  std::string last_down_reason_;

  std::array<char, 16 * 1024> read_buf_{};
  std::string rx_;
  std::deque<std::string> tx_;
  bool writing_ = false;
  bool close_after_flush_ = false;
  std::string close_reason_;

  uint32_t next_seq_ = 1;
  std::unordered_map<uint32_t, InFlight> inflight_;
  int inflight_submits_ = 0;
  bool enquire_outstanding_ = false;
  std::deque<std::pair<MessagePtr, size_t>> ready_;
  bool send_paused_ = false;
  SteadyClock::time_point paused_until_;
  uint64_t pause_seq_ = 0;
  double tokens_ = 1;
  SteadyClock::time_point last_refill_ = SteadyClock::now();
  uint8_t concat_ref_ = 1;

  SmsReassembler reassembler_;
  std::map<ConcatKey, HeldParts> concat_held_;
  // Kept for concat_timeout, across reconnects (a lost answer is delivered again after one).
  std::map<ConcatKey, RecordedConcat> recorded_concat_;
  std::map<std::string, UssdSession> ussd_sessions_;
  std::unordered_map<std::string, std::shared_ptr<ReceiptGroup>> receipt_ids_;
};

SmppChannel::SmppChannel(asio::io_context& io, SmppConfig config, ChannelEvents events,
                         std::shared_ptr<spdlog::logger> logger, const Clock& clock,
                         SmppUssdHandler ussd_handler)
    : impl_(std::make_shared<Impl>(io, std::move(config), std::move(events), std::move(logger),
                                   clock, std::move(ussd_handler))) {}

SmppChannel::~SmppChannel() { impl_->Abandon(); }

void SmppChannel::Start() { impl_->Start(); }

void SmppChannel::Send(OutgoingSms sms, std::function<void(SendResult)> done) {
  impl_->Send(std::move(sms), std::move(done));
}

void SmppChannel::Stop() { impl_->Stop(nullptr); }

void SmppChannel::Stop(std::function<void()> stopped) { impl_->Stop(std::move(stopped)); }

void SmppChannel::SetLinkObserver(std::function<void(bool, const std::string&)> observer) {
  impl_->SetLinkObserver(std::move(observer));
}

}  // namespace pesan::smpp
