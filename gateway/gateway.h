// The running gateway: the only place that knows every concrete type. Builds the store, the
// writer, the menus' services, the HTTP routes, the SMS channel and the outbox from a Config.
#pragma once

#include <boost/asio/io_context.hpp>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "core/clock.h"
#include "core/refusal_log.h"
#include "gateway/config.h"
#include "gateway/db_writer.h"
#include "gateway/http_server.h"
#include "gateway/outbox.h"
#include "gateway/read_stores.h"
#include "gateway/shop_registry.h"
#include "gateway/sms_service.h"
#include "gateway/ussd_service.h"

namespace pesan {

class SimChannel;

class Gateway {
 public:
  // Opens and prepares the database and builds every part; nothing listens yet.
  static Result<std::unique_ptr<Gateway>> Create(Config config, const Clock& clock);
  ~Gateway();

  // Listens and starts the channel and the outbox.
  Status Start();
  // Stops taking requests, answers those in flight, stops the outbox, drains the writer.
  void Stop();

  std::uint16_t port() const { return http_->port(); }
  UssdService& ussd() { return *ussd_; }
  SmsService& sms() { return *sms_; }
  DbWriter& writer() { return *writer_; }
  Outbox* outbox() { return outbox_.get(); }
  SimChannel* sim() { return sim_; }
  // Since when the SMS channel's link is down, and why (the last failed try); nullopt while it
  // is up, and for channels without a link (Kannel, the simulator). Any thread.
  std::optional<HeldBack> channel_down() const;

 private:
  Gateway(Config config, const Clock& clock) : config_(std::move(config)), clock_(clock) {}
  void RouteUssd();
  void RouteSim();
  // Checks token and source address; answers 403 when they do not match, logged as Refuse does.
  bool Admit(const CallbackConfig& cb, const char* name, const HttpRequest& req,
             const HttpReply& reply);
  // Answers a request it cannot take with `status` and `answer` (`why` when empty), and logs
  // `why` at warn once an hour for the same cause: an aggregator set up wrongly repeats the same
  // mistake on every hop, and one line says it. Any thread.
  void Refuse(const char* name, const HttpRequest& req, const HttpReply& reply, int status,
              const std::string& why, std::string_view answer = {});
  void ScheduleSweep();
  // Now and every second: when another process changed the database (`pesan catalog import`),
  // the shop is reloaded, so that the menus show the prices and products orders are made with.
  void CheckExternalChanges();
  // Applies the delivery reports that came before their send was recorded (writer thread).
  void RetryEarlyReports(Store& s);

  // An exclusive flock on the database file while the gateway runs, so that a second `serve`
  // on the same file refuses to start. First member: its descriptor is closed after every
  // connection to the database (closing another descriptor of the file while SQLite holds
  // its locks would drop them: https://sqlite.org/howtocorrupt.html §2.2).
  struct DatabaseLock {
    int fd = -1;
    DatabaseLock() = default;
    DatabaseLock(const DatabaseLock&) = delete;
    DatabaseLock& operator=(const DatabaseLock&) = delete;
    ~DatabaseLock();
  } db_lock_;
  Config config_;
  const Clock& clock_;
  std::shared_ptr<const Texts> texts_;
  Voice voice_;
  ShopRegistry shops_;
  std::unique_ptr<DbWriter> writer_;
  std::unique_ptr<ReadStores> reads_;
  std::unique_ptr<UssdService> ussd_;
  std::unique_ptr<SmsService> sms_;
  std::unique_ptr<HttpServer> http_;
  boost::asio::io_context channel_ioc_;
  std::unique_ptr<boost::asio::steady_timer> sweep_timer_;
  std::unique_ptr<boost::asio::steady_timer> external_timer_;
  std::int64_t data_version_ = -1;  // writer thread only
  std::thread channel_thread_;
  std::unique_ptr<SmsChannel> channel_;
  SimChannel* sim_ = nullptr;
  std::unique_ptr<Outbox> outbox_;
  bool stopped_ = false;
  mutable std::mutex channel_mu_;
  std::optional<HeldBack> channel_down_;  // guarded by channel_mu_

  // Refused requests, logged at most once an hour per cause.
  RefusalLog refusals_{clock_};

  // Delivery reports for messages whose send is not recorded yet, oldest first; each is kept
  // for kEarlyReportLife and tried again after every commit. Writer thread only.
  struct EarlyReport {
    DeliveryReport report;
    SystemTime at;
  };
  static constexpr std::size_t kMaxEarlyReports = 256;
  static constexpr auto kEarlyReportLife = std::chrono::seconds(60);
  // /health fails once SMS have waited this long for the channel, or the channel's link has been
  // down this long.
  static constexpr auto kSmsHeldLimit = std::chrono::seconds(60);
  std::deque<EarlyReport> early_reports_;
};

}  // namespace pesan
