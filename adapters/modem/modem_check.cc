#include "adapters/modem/modem_check.h"

#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "adapters/modem/at_engine.h"
#include "adapters/modem/at_responses.h"

namespace pesan::modem {

std::string RegistrationText(int stat) {
  // 27.007 §7.2 <stat>.
  switch (stat) {
    case 0:
      return "not registered, not searching";
    case 1:
      return "registered (home network)";
    case 2:
      return "not registered, searching";
    case 3:
      return "registration denied";
    case 4:
      return "unknown";
    case 5:
      return "registered (roaming)";
    case 6:
      return "registered for SMS only (home network)";
    case 7:
      return "registered for SMS only (roaming)";
    case 8:
      return "emergency calls only";
    default:
      return "state " + std::to_string(stat);
  }
}

namespace {

class Checker : public std::enable_shared_from_this<Checker> {
 public:
  Checker(boost::asio::any_io_executor ex, ModemConfig config, std::shared_ptr<spdlog::logger> log,
          std::function<void(Result<ModemReport>)> done, ModemChannel::Opener opener)
      : ex_(std::move(ex)),
        config_(std::move(config)),
        log_(std::move(log)),
        done_(std::move(done)),
        opener_(std::move(opener)),
        settle_(ex_) {}

  void Run() {
    auto stream = opener_ ? opener_(ex_) : OpenSerial(ex_, config_.device, config_.baud);
    if (!stream.ok()) return Finish(stream.error());
    engine_ = AtEngine::Create(ex_, std::move(*stream), AtEngine::Options{}, log_);
    engine_->Start();
    auto self = shared_from_this();
    // ESC and a quiet moment first, as the channel does: ESC ends a PDU prompt left open by
    // a host that died after AT+CMGS (27.005 §3.5.1), and answers meant for an earlier session
    // arrive with no command in flight, dropped.
    AtCommand esc{"\x1B", "", "", std::chrono::milliseconds(500)};
    esc.may_go_unanswered = true;
    engine_->Send(std::move(esc), [self](Result<AtReply>) {
      if (self->finished_) return;
      self->settle_.expires_after(std::chrono::milliseconds(200));
      self->settle_.async_wait([self](const boost::system::error_code& ec) {
        if (!ec && !self->finished_) self->Hello();
      });
    });
  }

 private:
  using Next = std::function<void(const Result<AtReply>&)>;

  void Hello() {
    auto self = shared_from_this();
    Cmd("AT", "", [self](const Result<AtReply>& r) {
      if (!r->final.ok())
        return self->Finish(Unavailable("the modem answers AT with " + Describe(r->final)));
      self->Cmd("ATE0", "", [self](const Result<AtReply>&) {
        self->Cmd("AT+CMEE=1", "", [self](const Result<AtReply>&) { self->Identity(); });
      });
    });
  }

  void Cmd(std::string text, std::string prefix, Next next) {
    engine_->Send(AtCommand{std::move(text), std::move(prefix), "", config_.command_timeout},
                  [self = shared_from_this(), next = std::move(next)](Result<AtReply> r) {
                    if (self->finished_) return;
                    // A modem that stops answering midway fails the whole check.
                    if (!r.ok() && r.error().code == ErrorCode::kTimeout)
                      return self->Finish(Error{ErrorCode::kTimeout,
                                                (self->answered_ ? "the modem stopped answering: "
                                                                 : "the modem does not answer: ") +
                                                    r.error().message});
                    if (!r.ok()) return self->Finish(r.error());
                    self->answered_ = true;
                    next(r);
                  });
  }

  static std::string FirstLine(const Result<AtReply>& r) {
    if (!r.ok() || !r->final.ok() || r->lines.empty()) return "";
    return r->lines.front();
  }

  void Identity() {
    auto self = shared_from_this();
    Cmd("AT+CGMI", "", [self](const Result<AtReply>& r) {
      self->report_.manufacturer = FirstLine(r);
      self->Cmd("AT+CGMM", "", [self](const Result<AtReply>& r) {
        self->report_.model = FirstLine(r);
        self->Cmd("AT+CGMR", "", [self](const Result<AtReply>& r) {
          self->report_.revision = FirstLine(r);
          self->Sim();
        });
      });
    });
  }

  void Sim() {
    auto self = shared_from_this();
    Cmd("AT+CPIN?", "+CPIN:", [self](const Result<AtReply>& r) {
      std::string state;
      if (r->final.ok())
        for (const auto& l : r->lines)
          if (auto s = ParseCpin(l)) state = *s;
      self->report_.sim_detail = state.empty() ? Describe(r->final) : state;
      if (state == "READY") {
        self->report_.sim = SimStatus::kReady;
        return self->Network();
      }
      if (state == "SIM PIN") {
        if (self->config_.pin.empty()) {
          self->report_.sim = SimStatus::kPinNeeded;
          return self->Network();
        }
        return self->EnterPin();
      }
      if (state == "SIM PUK") {
        self->report_.sim = SimStatus::kPukNeeded;
      } else if (r->final.code == FinalResult::Code::kCmeError && r->final.error == 10) {
        self->report_.sim = SimStatus::kNotInserted;  // 27.007 §9.2.1 SIM not inserted
      } else {
        self->report_.sim = SimStatus::kOther;
      }
      self->Network();
    });
  }

  void EnterPin() {
    auto self = shared_from_this();
    Cmd("AT+CPIN=\"" + config_.pin + "\"", "", [self](const Result<AtReply>& r) {
      if (r->final.ok()) {
        self->report_.sim = SimStatus::kReady;
        self->report_.pin_entered = true;
      } else {
        self->report_.sim = SimStatus::kPinWrong;
        self->report_.sim_detail = Describe(r->final);
      }
      self->Network();
    });
  }

  void Network() {
    auto self = shared_from_this();
    Cmd("AT+CREG?", "+CREG:", [self](const Result<AtReply>& r) {
      for (const auto& l : r->lines)
        if (auto s = ParseCregResponse(l)) self->report_.registration = *s;
      self->Cmd("AT+CSQ", "+CSQ:", [self](const Result<AtReply>& r) {
        for (const auto& l : r->lines)
          if (auto q = ParseCsq(l)) {
            if (auto dbm = RssiToDbm(q->rssi)) {
              self->report_.rssi = q->rssi;
              self->report_.dbm = *dbm;
              self->report_.bars = RssiToBars(q->rssi);
            }
          }
        if (self->report_.sim != SimStatus::kReady) return self->Finish(self->report_);
        self->Messaging();
      });
    });
  }

  void Messaging() {
    auto self = shared_from_this();
    Cmd("AT+CSCA?", "+CSCA:", [self](const Result<AtReply>& r) {
      for (const auto& l : r->lines)
        if (auto s = ParseCsca(l)) self->report_.smsc = *s;
      self->Cmd("AT+CPMS?", "+CPMS:", [self](const Result<AtReply>& r) {
        for (const auto& l : r->lines)
          if (auto u = ParseCpms(l)) {
            self->report_.storage = u->mem;
            self->report_.storage_used = u->used;
            self->report_.storage_total = u->total;
          }
        self->Finish(self->report_);
      });
    });
  }

  void Finish(Result<ModemReport> r) {
    if (finished_) return;
    finished_ = true;
    settle_.cancel();
    if (engine_) engine_->Close();
    auto done = std::move(done_);
    boost::asio::post(ex_,
                      [done = std::move(done), r = std::move(r)]() mutable { done(std::move(r)); });
  }

  boost::asio::any_io_executor ex_;
  ModemConfig config_;
  std::shared_ptr<spdlog::logger> log_;
  std::function<void(Result<ModemReport>)> done_;
  ModemChannel::Opener opener_;
  boost::asio::steady_timer settle_;
  std::shared_ptr<AtEngine> engine_;
  ModemReport report_;
  bool finished_ = false;
  bool answered_ = false;
};

}  // namespace

void CheckModemAsync(boost::asio::any_io_executor ex, const ModemConfig& config,
                     std::shared_ptr<spdlog::logger> log,
                     std::function<void(Result<ModemReport>)> done, ModemChannel::Opener opener) {
  auto checker =
      std::make_shared<Checker>(ex, config, std::move(log), std::move(done), std::move(opener));
  boost::asio::post(ex, [checker] { checker->Run(); });
}

Result<ModemReport> CheckModem(const ModemConfig& config, std::shared_ptr<spdlog::logger> log) {
  boost::asio::io_context io;
  std::optional<Result<ModemReport>> out;
  CheckModemAsync(io.get_executor(), config, std::move(log),
                  [&](Result<ModemReport> r) { out = std::move(r); });
  io.run();
  if (!out) return Internal("modem check ended without a result");
  return std::move(*out);
}

std::string FormatModemReport(const ModemReport& r) {
  std::string s;
  auto line = [&](const std::string& label, const std::string& value) {
    s += label + ": " + value + "\n";
  };
  std::string name = r.manufacturer;
  if (!r.model.empty()) name += (name.empty() ? "" : " ") + r.model;
  line("Modem", name.empty() ? "(did not say its name)" : name);
  if (!r.revision.empty()) line("Firmware", r.revision);
  switch (r.sim) {
    case SimStatus::kReady:
      line("SIM", r.pin_entered ? "ready (PIN entered)" : "ready");
      break;
    case SimStatus::kPinNeeded:
      line("SIM", "locked: it needs a PIN. Put the PIN in the configuration ([sms.modem] pin).");
      break;
    case SimStatus::kPinWrong:
      line("SIM", "locked: the configured PIN was refused (" + r.sim_detail +
                      "). Check the PIN; after 3 wrong tries the SIM needs its PUK.");
      break;
    case SimStatus::kPukNeeded:
      line("SIM", "blocked: it needs the PUK. Unlock it in a phone, then try again.");
      break;
    case SimStatus::kNotInserted:
      line("SIM", "not inserted (or not seen by the modem).");
      break;
    case SimStatus::kOther:
      line("SIM",
           "not ready: " + (r.sim_detail.empty() ? std::string("unknown state") : r.sim_detail));
      break;
  }
  if (r.registration) {
    bool ok = *r.registration == 1 || *r.registration == 5 || *r.registration == 6 ||
              *r.registration == 7;
    line("Network", RegistrationText(*r.registration) +
                        (ok ? "" : " — SMS will not go out until it registers"));
  } else {
    line("Network", "unknown");
  }
  if (r.dbm) {
    std::string bars = std::to_string(r.bars) + " of 5 bars";
    line("Signal", bars + " (" + std::to_string(*r.dbm) + " dBm)" +
                       (r.bars <= 1 ? " — weak; move the modem or use an antenna" : ""));
  } else {
    line("Signal", "unknown (no measurement yet)");
  }
  if (r.sim == SimStatus::kReady) {
    line("Service centre", r.smsc.empty() ? "not set — set [sms.modem] smsc" : r.smsc);
    if (r.storage_used && r.storage_total) {
      std::string st =
          std::to_string(*r.storage_used) + " of " + std::to_string(*r.storage_total) + " messages";
      if (!r.storage.empty()) st += " (" + r.storage + ")";
      if (*r.storage_total > 0 && *r.storage_used >= *r.storage_total)
        st += " — full; `pesan serve` reads and clears it";
      line("SIM storage", st);
    }
  }
  return s;
}

}  // namespace pesan::modem
