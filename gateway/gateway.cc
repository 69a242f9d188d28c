#include "gateway/gateway.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <unistd.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <cstring>
#include <future>
#include <nlohmann/json.hpp>

#include "adapters/africastalking/at_ussd.h"
#include "adapters/hubtel/hubtel_ussd.h"
#include "adapters/sim/sim_channel.h"
#include "core/form.h"
#include "core/phone.h"
#include "core/sqlite_store.h"
#include "core/thread_name.h"
#include "gateway/channels.h"
#include "gateway/setup.h"

namespace pesan {

Result<std::unique_ptr<Gateway>> Gateway::Create(Config config, const Clock& clock) {
  std::unique_ptr<Gateway> g(new Gateway(std::move(config), clock));
  const auto& gw = g->config_.gateway;
  // What the configuration asks that the screens cannot show, before anything can stop the start.
  for (const auto& w : ConfigWarnings(g->config_)) spdlog::warn("pesan: {}", w);

  // The lock comes first, so that a second `serve` does not open (or migrate) a database in use.
  // An empty file is an empty SQLite database; where the file cannot be made, Open says why.
  g->db_lock_.fd = ::open(gw.database.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0600);
  const int open_err = errno;
  if (g->db_lock_.fd >= 0 && ::flock(g->db_lock_.fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    if (err == EWOULDBLOCK) {
      return Unavailable("the database " + gw.database +
                         " is in use by another 'pesan serve'; stop it first");
    }
    return Unavailable("cannot lock the database " + gw.database + ": " + std::strerror(err));
  }
  auto store = SqliteStore::Open(gw.database);
  if (!store) return store.error();
  if (g->db_lock_.fd < 0) {
    return Unavailable("cannot lock the database " + gw.database + ": " + std::strerror(open_err));
  }
  if (auto st = PrepareDatabase(g->config_, **store); !st) return st.error();
  if (auto st = (*store)->CheckpointInBackground(); !st) return st.error();
  auto known = std::make_shared<KnownPhones>();
  if (auto st = (*store)->TrackPhones(known); !st) return st.error();
  if (auto st = g->shops_.LoadServed(**store, g->config_.shops.front().code); !st)
    return st.error();
  // A database that served the shop under another code still holds that shop's orders; they
  // are not served under this configuration's code: say so while they are open.
  if (auto shops = (*store)->ListShops(); shops) {
    for (const auto& other : *shops) {
      if (other.code == g->config_.shops.front().code) continue;
      OrderFilter open;
      open.shop_id = other.id;
      open.open_only = true;
      auto orders = (*store)->ListOrders(open);
      if (!orders || orders->empty()) continue;
      spdlog::warn(
          "pesan: the database holds {} open order(s) of shop '{}', which this configuration "
          "does not serve; set its [[shops]] code to '{}' to handle them",
          orders->size(), other.code, other.code);
    }
  }

  // Failed SMS are never sent again by themselves: say how to send them.
  if (auto failed = (*store)->ListSms(0, OutboxStatus::kFailed); failed && !failed->empty()) {
    spdlog::warn(
        "pesan: {} SMS failed for good and will not be sent again by themselves; see `pesan "
        "outbox list --status failed`, and `pesan outbox retry --failed` (or retry ID...) puts "
        "them back in the queue",
        failed->size());
  }

  std::vector<std::string> overlong;
  auto texts = Texts::LoadDefault(gw.texts_dir, &overlong);
  if (!texts) return texts.error();
  for (const auto& w : overlong) spdlog::warn("pesan: {}", w);
  g->texts_ = *texts;
  g->voice_ = Voice{g->texts_.get(), gw.language, gw.utc_offset_minutes, gw.country_code};

  g->writer_ = std::make_unique<DbWriter>(std::move(*store));
  g->reads_ = std::make_unique<ReadStores>(gw.database);

  UssdOptions uo;
  uo.idle = gw.session_idle;
  uo.max_sessions = gw.max_sessions;
  uo.sessions_per_hour = gw.ussd_sessions_per_hour;
  uo.default_language = gw.language;
  uo.service_code = g->config_.africastalking.service_code;
  uo.known = known;
  g->ussd_ =
      std::make_unique<UssdService>(g->shops_, g->voice_, *g->writer_, *g->reads_, clock, uo);

  HttpLimits limits;
  limits.max_body_bytes = gw.max_body_bytes;
  limits.request_timeout = gw.request_timeout;
  // By default one network thread per core. The database writer mostly waits for its flush and
  // needs no core of its own: with one network thread on 2 cores, hops waited in its queue.
  const int cores = static_cast<int>(std::thread::hardware_concurrency());
  const int threads = gw.threads > 0 ? gw.threads : std::max(cores, 1);
  g->http_ = std::make_unique<HttpServer>(limits, threads);
  g->http_->OnRefused([g = g.get()](std::string_view what, std::string_view from, int status,
                                    std::string_view why) {
    g->refusals_.Refused(*spdlog::default_logger(), "http", what, from, status, why);
  });

  SmsOptions so;
  so.default_language = gw.language;
  so.country_code = gw.country_code;
  so.replies_per_hour = g->config_.sms.replies_per_hour;
  g->sms_ = std::make_unique<SmsService>(g->shops_, g->voice_, *g->writer_, clock, so);

  Gateway* self = g.get();
  ChannelEvents events;
  events.on_sms = [self](InboundSms sms, std::function<void(bool)> done) {
    self->sms_->Receive(self->config_.sms.channel, std::move(sms), std::move(done));
  };
  events.on_report = [self](DeliveryReport report) {
    const SystemTime now = self->clock_.Now();
    // A message sent in parts is named "id1,id2,..." (SendResult::provider_id); the outbox
    // knows it by each part's id, so the first names its row.
    if (auto comma = report.provider_id.find(','); comma != std::string::npos) {
      report.provider_id.resize(comma);
    }
    self->writer_->Submit(
        [self, report, now](Store& s) -> Status {
          if (report.state == DeliveryState::kPending) return Ok{};
          auto st = s.MarkSmsDelivery(report.provider_id, report.state == DeliveryState::kDelivered,
                                      report.detail, now);
          if (!st && st.error().code == ErrorCode::kNotFound) {
            // The report overtook the channel's "accepted" on its way to this writer (a fast
            // SMSC reports within milliseconds): keep it until the send is recorded.
            // (Kept once: this job may run again, see DbWriter::Work.)
            auto& early = self->early_reports_;
            const bool kept = std::any_of(early.begin(), early.end(), [&](const EarlyReport& e) {
              return e.report.provider_id == report.provider_id && e.report.state == report.state;
            });
            if (!kept) {
              if (early.size() >= kMaxEarlyReports) early.pop_front();
              early.push_back({report, now});
            }
            return Ok{};
          }
          return st;
        },
        [](Status) {});
  };
  events.on_ready = [self] {
    {
      std::lock_guard lock(self->channel_mu_);
      self->channel_down_.reset();
    }
    if (self->outbox_) self->outbox_->ChannelReady();
  };
  events.on_down = [self](const std::string& why) {
    std::lock_guard lock(self->channel_mu_);
    if (self->channel_down_) {
      self->channel_down_->why = why;
    } else {
      self->channel_down_ = HeldBack{self->clock_.Now(), why};
    }
  };
  ChannelUssd ussd;
  ussd.hop = [self](const std::string& key, const std::string& phone, const std::string& input,
                    bool opening, std::function<void(std::string, bool)> answer) {
    // SMPP carries no hop number: each hop is new (a repeated deliver_sm is the channel's).
    static std::atomic<long long> seq{0};
    // The SMSC may write the number nationally ("0812...") or without its TON ("62812...").
    auto e164 = NormalizePhone(phone, self->config_.gateway.country_code);
    if (!e164) {
      spdlog::warn("ussd: session {} from {} refused: not a phone number", key, phone);
      return answer("Maaf, nomor Anda tidak dikenali.", true);
    }
    self->ussd_->HopLatest(key, *e164, input, opening ? 0 : ++seq, opening,
                           [answer = std::move(answer)](UssdAnswer a) { answer(a.text, a.end); });
  };
  ussd.release = [self](const std::string& key) { self->ussd_->Release(key); };
  auto built = BuildChannel(g->config_, g->channel_ioc_, std::move(events), clock, *g->http_,
                            std::move(ussd));
  if (!built) return built.error();
  g->channel_ = std::move(built->channel);
  g->sim_ = built->sim;
  if (g->channel_) {
    OutboxOptions oo;
    oo.retry_min = g->config_.sms.retry_min;
    oo.retry_max = g->config_.sms.retry_max;
    oo.max_attempts = g->config_.sms.max_attempts;
    g->outbox_ =
        std::make_unique<Outbox>(g->channel_ioc_, *g->channel_, *g->writer_, *g->reads_, clock, oo);
  }
  g->writer_->SetAfterCommit([self](Store& s) {
    self->RetryEarlyReports(s);
    if (auto st = self->shops_.RefreshDirty(s); !st) {
      spdlog::error("cannot refresh the catalog: {}", st.error().message);
    }
  });
  g->writer_->SetAfterDurable([self] {
    if (self->outbox_) self->outbox_->Kick();
  });
  g->RouteUssd();
  g->RouteSim();
  // Fails while the database writer cannot store (its last transaction failed): orders are
  // being refused. Fails too while SMS have waited for the channel longer than kSmsHeldLimit (a
  // modem unplugged, an SMSC that refuses the bind, smsbox refusing our password): orders are
  // taken and nobody hears of them. And while the channel's link has been down that long, even
  // with no SMS due (a modem unplugged at night): the next order's texts would wait. A monitor
  // should see all three. No database round trip.
  g->http_->Route("/health", [self](const HttpRequest&, HttpReply reply) {
    if (auto failing = self->writer_->Failing()) {
      return reply({503, "text/plain", "database failing: " + *failing + "\n"});
    }
    const auto for_long = [self](const std::optional<HeldBack>& held, const char* what,
                                 const HttpReply& reply) {
      if (!held) return false;
      auto waited =
          std::chrono::duration_cast<std::chrono::seconds>(self->clock_.Now() - held->since);
      if (waited < kSmsHeldLimit) return false;
      reply({503, "text/plain",
             std::string(what) + " for " + std::to_string(waited.count()) + " s: " + held->why +
                 "\n"});
      return true;
    };
    if (for_long(self->outbox_ ? self->outbox_->held_back() : std::nullopt, "sms held back",
                 reply)) {
      return;
    }
    if (for_long(self->channel_down(), "sms channel down", reply)) return;
    reply({200, "text/plain", "ok\n"});
  });
  return g;
}

std::optional<HeldBack> Gateway::channel_down() const {
  std::lock_guard lock(channel_mu_);
  return channel_down_;
}

Gateway::~Gateway() { Stop(); }

Gateway::DatabaseLock::~DatabaseLock() {
  if (fd >= 0) ::close(fd);
}

void Gateway::RetryEarlyReports(Store& s) {
  if (early_reports_.empty()) return;
  const SystemTime now = clock_.Now();
  for (auto it = early_reports_.begin(); it != early_reports_.end();) {
    const DeliveryReport& r = it->report;
    auto st =
        s.MarkSmsDelivery(r.provider_id, r.state == DeliveryState::kDelivered, r.detail, it->at);
    if (!st && st.error().code == ErrorCode::kNotFound && now - it->at < kEarlyReportLife) {
      ++it;
      continue;
    }
    if (!st && st.error().code == ErrorCode::kNotFound) {
      spdlog::info("delivery report for unknown message {}", r.provider_id);
    } else if (!st) {
      spdlog::error("cannot record a delivery report: {}", st.error().message);
    }
    it = early_reports_.erase(it);
  }
}

bool Gateway::Admit(const CallbackConfig& cb, const char* name, const HttpRequest& req,
                    const HttpReply& reply) {
  if (!cb.allow.empty() &&
      std::find(cb.allow.begin(), cb.allow.end(), req.remote) == cb.allow.end()) {
    Refuse(name, req, reply, 403, "address not allowed", "forbidden");
    return false;
  }
  if (!cb.token.empty()) {
    auto q = ParseForm(req.query);
    const std::string* token = q ? FindField(*q, "token") : nullptr;
    if (!token || !SafeEquals(*token, cb.token)) {
      Refuse(name, req, reply, 403, token ? "wrong token" : "no token", "forbidden");
      return false;
    }
  }
  return true;
}

void Gateway::Refuse(const char* name, const HttpRequest& req, const HttpReply& reply, int status,
                     const std::string& why, std::string_view answer) {
  refusals_.Refused(*spdlog::default_logger(), name, "a request", req.remote, status, why);
  reply({status, "text/plain", std::string(answer.empty() ? why : answer) + "\n"});
}

void Gateway::RouteUssd() {
  if (config_.hubtel.enabled) {
    http_->Route(config_.hubtel.path, [this](const HttpRequest& req, HttpReply reply) {
      constexpr const char* kName = "hubtel";
      if (req.method != "POST") return Refuse(kName, req, reply, 405, "use POST");
      if (!Admit(config_.hubtel, kName, req, reply)) return;
      auto parsed = hubtel::ParseUssdRequest(req.body);
      if (!parsed) return Refuse(kName, req, reply, 400, parsed.error().message);
      auto phone = NormalizePhone(parsed->mobile, config_.gateway.country_code);
      if (!phone) return Refuse(kName, req, reply, 400, "bad Mobile");
      const std::string key = "hubtel:" + parsed->session_id;
      if (parsed->type == hubtel::HopType::kRelease || parsed->type == hubtel::HopType::kTimeout) {
        ussd_->Release(key);
        return reply({200, "application/json", hubtel::FormatUssdAnswer("", true)});
      }
      ussd_->HopLatest(
          key, *phone, parsed->input, parsed->sequence,
          parsed->type == hubtel::HopType::kInitiation, [reply](UssdAnswer a) {
            reply({a.http_status, "application/json", hubtel::FormatUssdAnswer(a.text, a.end)});
          });
    });
  }
  const auto& at = config_.africastalking;
  if (!at.enabled) return;
  http_->Route(at.path, [this](const HttpRequest& req, HttpReply reply) {
    constexpr const char* kName = "africastalking";
    if (req.method != "POST") return Refuse(kName, req, reply, 405, "use POST");
    if (!Admit(config_.africastalking, kName, req, reply)) return;
    // PROTOCOLS.md §5.1: the callback is a form POST. A body of another type is answered
    // 415 with what the endpoint takes, not with the first form field it lacks.
    if (auto st = africastalking::CheckContentType(req.content_type); !st) {
      return Refuse(kName, req, reply, 415, st.error().message);
    }
    auto parsed = africastalking::ParseUssdRequest(req.body);
    if (!parsed) return Refuse(kName, req, reply, 400, parsed.error().message);
    auto phone = NormalizePhone(parsed->phone, config_.gateway.country_code);
    if (!phone) return Refuse(kName, req, reply, 400, "bad phoneNumber");
    ussd_->Hop("at:" + parsed->session_id, *phone, parsed->text,
               [reply = std::move(reply)](UssdAnswer a) {
                 reply({a.http_status, "text/plain; charset=utf-8",
                        africastalking::FormatUssdAnswer(a.text, a.end)});
               });
  });
}

namespace {

// The simulator's routes let anyone send as any number, managers' included: they answer this
// machine only, whatever address the gateway listens on.
bool FromThisMachine(const HttpRequest& req) {
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(req.remote, ec);
  if (!ec && address.is_v6() && address.to_v6().is_v4_mapped()) {
    address = boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, address.to_v6());
  }
  return !ec && address.is_loopback();
}

}  // namespace

void Gateway::RouteSim() {
  if (!sim_) return;
  constexpr const char* kName = "sim";
  auto admit = [this](const HttpRequest& req, const HttpReply& reply) {
    if (FromThisMachine(req)) return true;
    Refuse(kName, req, reply, 403, "the simulator answers this machine only",
           "forbidden: the simulator answers this machine only");
    return false;
  };
  // The simulated phone sends an SMS to the shop.
  http_->Route("/sim/sms", [this, admit](const HttpRequest& req, HttpReply reply) {
    if (!admit(req, reply)) return;
    if (req.method != "POST") return Refuse(kName, req, reply, 405, "use POST");
    auto f = ParseForm(req.body);
    if (!f) return Refuse(kName, req, reply, 400, f.error().message);
    const std::string* from = FindField(*f, "from");
    const std::string* text = FindField(*f, "text");
    if (!from || !text) return Refuse(kName, req, reply, 400, "missing from or text");
    InboundSms sms{*from, "", *text, "", clock_.Now()};
    sms_->Receive("sim", std::move(sms), [reply](bool recorded) {
      reply(recorded ? HttpResponse{200, "text/plain", "ok\n"}
                     : HttpResponse{503, "text/plain", "not recorded\n"});
    });
  });
  http_->Route("/sim/inbox", [this, admit](const HttpRequest& req, HttpReply reply) {
    if (!admit(req, reply)) return;
    auto q = ParseForm(req.query);
    if (!q) return Refuse(kName, req, reply, 400, q.error().message);
    const std::string* phone = FindField(*q, "phone");
    const std::string* after = FindField(*q, "after");
    if (!phone) return Refuse(kName, req, reply, 400, "missing phone");
    auto e164 = NormalizePhone(*phone, config_.gateway.country_code);
    if (!e164) return Refuse(kName, req, reply, 400, "bad phone");
    long long since = 0;
    if (after) since = std::atoll(after->c_str());
    nlohmann::json out = nlohmann::json::array();
    for (const auto& m : sim_->Inbox(*e164, since)) {
      out.push_back({{"seq", m.seq}, {"to", m.to}, {"text", m.text}});
    }
    reply({200, "application/json", out.dump()});
  });
}

void Gateway::ScheduleSweep() {
  sweep_timer_->expires_after(std::chrono::seconds(30));
  sweep_timer_->async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    ussd_->Sweep();
    auto before = clock_.Now() - config_.gateway.session_idle;
    writer_->Submit([before](Store& s) { return s.ExpireSessions(before); }, [](Status) {});
    ScheduleSweep();
  });
}

void Gateway::CheckExternalChanges() {
  writer_->Submit(
      [this](Store& s) -> Status {
        auto version = s.DataVersion();
        if (!version) return version.error();
        if (data_version_ != -1 && *version != data_version_) {
          spdlog::info("pesan: the database was changed by another program; reloading the shop");
          shops_.MarkDirty(shops_.Default()->shop.id);
        }
        data_version_ = *version;
        return Ok{};
      },
      [](Status) {});
  external_timer_->expires_after(std::chrono::seconds(1));
  external_timer_->async_wait([this](boost::system::error_code ec) {
    if (!ec) CheckExternalChanges();
  });
}

Status Gateway::Start() {
  if (auto st = http_->Start(config_.gateway.listen_host, config_.gateway.listen_port); !st) {
    return st;
  }
  sweep_timer_ = std::make_unique<boost::asio::steady_timer>(channel_ioc_);
  ScheduleSweep();
  external_timer_ = std::make_unique<boost::asio::steady_timer>(channel_ioc_);
  {
    // The first reading, taken before Start returns: a change made after it is then one to see.
    std::promise<void> read;
    writer_->Submit(
        [this](Store& s) -> Status {
          auto version = s.DataVersion();
          if (!version) return version.error();
          data_version_ = *version;
          return Ok{};
        },
        [&read](Status) { read.set_value(); });
    read.get_future().wait();
  }
  CheckExternalChanges();
  if (channel_) channel_->Start();
  if (outbox_) outbox_->Start();
  channel_thread_ = std::thread([this] {
    NameThisThread("pesan-channel");
    channel_ioc_.run();
  });
  spdlog::info("pesan: serving shop '{}' on http://{}:{} (database {}, SMS channel {})",
               config_.shops.front().code, config_.gateway.listen_host, http_->port(),
               config_.gateway.database, config_.sms.channel);
  if (config_.shops.front().managers.empty()) {
    spdlog::warn(
        "pesan: shop '{}' has no managers: nobody gets its order alerts or runs it by SMS; set "
        "managers = [\"+62...\"] in its [[shops]] section",
        config_.shops.front().code);
  }
  boost::system::error_code ec;
  const auto host = boost::asio::ip::make_address(config_.gateway.listen_host, ec);
  if (config_.gateway.listen_host != "localhost" && (ec || !host.is_loopback())) {
    for (const auto& [cb, name] :
         {std::pair<const CallbackConfig*, const char*>{&config_.africastalking, "africastalking"},
          {&config_.hubtel, "hubtel"}}) {
      if (cb->enabled && cb->token.empty() && cb->allow.empty()) {
        spdlog::warn(
            "pesan: {} answers anyone who reaches {}: set a token in [ussd.{}] (see README)",
            cb->path, config_.gateway.listen_host, name);
      }
    }
  }
  return Ok{};
}

void Gateway::Stop() {
  if (stopped_) return;
  stopped_ = true;
  // A gateway whose Create failed half-way has only the parts made before the failure.
  if (http_) http_->Stop();
  if (outbox_) outbox_->Stop();
  if (channel_) channel_->Stop();
  if (sweep_timer_) {
    boost::asio::post(channel_ioc_, [this] {
      sweep_timer_->cancel();
      external_timer_->cancel();
    });
  }
  if (writer_) writer_->Stop();
  channel_ioc_.stop();
  if (channel_thread_.joinable()) channel_thread_.join();
  // What was posted to the channel thread and had not run when it stopped runs here, the
  // channel's own stop among it: a modem channel never stopped keeps itself alive through the
  // callbacks of its pending commands.
  channel_ioc_.restart();
  while (channel_ioc_.poll() > 0) {
  }
}

}  // namespace pesan
