#include "gateway/commands.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "adapters/modem/modem_check.h"
#include "core/sqlite_store.h"
#include "gateway/gateway.h"
#include "gateway/modem_settings.h"
#include "gateway/setup.h"

namespace pesan {
namespace {

int Fail(const std::string& message) {
  std::cerr << "pesan: " << message << "\n";
  return 1;
}

Result<Config> Load(const DataOptions& d) {
  auto cfg = LoadConfig(d.config);
  if (!cfg) return cfg.error();
  if (!d.db.empty()) cfg->gateway.database = d.db;
  return cfg;
}

struct Opened {
  Config config;
  std::unique_ptr<SqliteStore> store;
  std::vector<std::string> seeded;  // shops whose catalog the config's file just gave
};

// What a command does with the database. Only an import creates one: for the others a database
// that is not there is refused rather than created empty, so a mistyped path does not pass for a
// shop without orders.
enum class Use { kRead, kChange, kCreate };

Result<Opened> Open(const DataOptions& d, Use use) {
  const bool create = use == Use::kCreate;
  auto cfg = Load(d);
  if (!cfg) return cfg.error();
  const std::string& path = cfg->gateway.database;
  std::error_code ec;
  if (!create && path != ":memory:" && !std::filesystem::exists(path, ec) && !ec) {
    return NotFound("no database " + path +
                    " (check --db or [gateway] database; `pesan serve` or `pesan catalog "
                    "import` creates it)");
  }
  if (use == Use::kRead && path != ":memory:") {
    // A command that only reads needs no write lock: a database at the current schema is read
    // as it is, while another program (a backup, `sqlite3`) holds the write lock. Shops and
    // catalogs the config adds are brought in by `serve` and `catalog import`.
    auto store = SqliteStore::Open(path, SqliteDb::Mode::kReadOnly);
    if (!store) return store.error();
    auto version = (*store)->SchemaVersion();
    if (!version) return version.error();
    if (*version == SqliteStore::kSchemaVersion) {
      return Opened{std::move(*cfg), std::move(*store), {}};
    }
    // An older schema (or a file never set up): migrated and prepared as a writer would.
  }
  auto store = SqliteStore::Open(path);
  if (!store) return store.error();
  std::vector<std::string> seeded;
  if (auto st = PrepareDatabase(*cfg, **store, &seeded); !st) return st.error();
  return Opened{std::move(*cfg), std::move(*store), std::move(seeded)};
}

Result<Shop> PickShop(Opened& o, const std::string& code) {
  return o.store->GetShop(code.empty() ? o.config.shops.front().code : code);
}

// ISO 8601 in the shop's local time: 2026-11-28T09:15:02+07:00
std::string IsoTime(SystemTime t, int offset_minutes) {
  using namespace std::chrono;
  auto local = t + minutes(offset_minutes);
  auto day = floor<days>(local);
  year_month_day ymd{day};
  hh_mm_ss hms{floor<seconds>(local - day)};
  char buf[40];
  int off = offset_minutes < 0 ? -offset_minutes : offset_minutes;
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d%c%02d:%02d",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()),
                offset_minutes < 0 ? '-' : '+', off / 60, off % 60);
  return buf;
}

// At most `max` bytes of `text` (cut at a character boundary), "..." marking the cut.
std::string Shorten(const std::string& text, std::size_t max) {
  if (text.size() <= max) return text;
  std::size_t end = max - 3;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end) + "...";
}

}  // namespace

int RunServe(const DataOptions& data, const std::string& listen, const std::string& log_level) {
  auto cfg = Load(data);
  if (!cfg) return Fail(cfg.error().message);
  if (!listen.empty()) {
    auto colon = listen.rfind(':');
    int port = -1;
    if (colon != std::string::npos) {
      const char* end = listen.data() + listen.size();
      auto [at, ec] = std::from_chars(listen.data() + colon + 1, end, port);
      if (ec != std::errc() || at != end) port = -1;
    }
    if (colon == std::string::npos || port < 0 || port > 65535) {
      return Fail("--listen '" + listen +
                  "' is not HOST:PORT (PORT a whole number from 0 to 65535, 0 for any free one)");
    }
    cfg->gateway.listen_host = listen.substr(0, colon);
    cfg->gateway.listen_port = static_cast<std::uint16_t>(port);
  }
  auto logger = spdlog::stderr_color_mt("pesan");
  spdlog::set_default_logger(logger);
  spdlog::set_level(
      spdlog::level::from_str(log_level.empty() ? cfg->gateway.log_level : log_level));

  SystemClock clock;
  auto gateway = Gateway::Create(std::move(*cfg), clock);
  if (!gateway) return Fail(gateway.error().message);
  if (auto st = (*gateway)->Start(); !st) return Fail(st.error().message);

  boost::asio::io_context signals_ioc;
  boost::asio::signal_set signals(signals_ioc, SIGINT, SIGTERM);
  signals.async_wait(
      [](boost::system::error_code, int sig) { spdlog::info("pesan: signal {}, stopping", sig); });
  signals_ioc.run();
  (*gateway)->Stop();
  spdlog::info("pesan: stopped");
  return 0;
}

int RunCatalogImport(const DataOptions& data, const std::string& file, const std::string& shop_code,
                     bool replace, bool file_stock) {
  auto o = Open(data, Use::kCreate);
  if (!o) return Fail(o.error().message);
  auto shop = PickShop(*o, shop_code);
  if (!shop) return Fail(shop.error().message);
  auto rows = ReadCatalogFile(file);
  if (!rows) return Fail(rows.error().message);
  if (auto st = o->store->Begin(); !st) return Fail(st.error().message);
  auto in_shop = o->store->ListProducts(shop->id, true);
  if (!in_shop) {
    o->store->Rollback();
    return Fail(in_shop.error().message);
  }
  std::map<std::string, const Product*> existing;
  for (const auto& p : *in_shop) existing[p.code] = &p;
  // A file exported earlier holds the stock of then: the products sold since would come back.
  // Without --stock a product already in the shop keeps its stock; a new one takes the file's.
  // (Products the config's catalog gave a new database a moment ago count as new.)
  const bool seeded = std::find(o->seeded.begin(), o->seeded.end(), shop->code) != o->seeded.end();
  std::size_t stock_kept = 0;
  if (!file_stock && !seeded) {
    for (auto& r : *rows) {
      auto it = existing.find(r.code);
      if (it == existing.end() || !(r.given & CatalogRow::kStock)) continue;
      stock_kept += it->second->stock != r.stock ? 1 : 0;
      r.given &= static_cast<std::uint8_t>(~CatalogRow::kStock);
    }
  }
  // --replace takes off sale the products on sale now that the file does not name.
  std::size_t taken_off = 0;
  if (replace) {
    std::set<std::string> named;
    for (const auto& r : *rows) named.insert(r.code);
    for (const auto& p : *in_shop) taken_off += p.active && named.count(p.code) == 0 ? 1 : 0;
  }
  if (auto st = o->store->ImportCatalog(shop->id, *rows, replace); !st) {
    o->store->Rollback();
    return Fail(st.error().message);
  }
  if (auto st = o->store->Commit(); !st) return Fail(st.error().message);
  std::cout << "imported " << rows->size() << " products into " << shop->code;
  if (replace) {
    std::cout << "; " << taken_off << (taken_off == 1 ? " other" : " others") << " taken off sale";
  }
  if (stock_kept > 0) {
    std::cout << "; " << stock_kept
              << (stock_kept == 1 ? " product keeps its" : " products keep their")
              << " stock in the shop, not the file's (--stock takes the file's)";
  }
  std::cout << "\n";
  return 0;
}

int RunCatalogExport(const DataOptions& data, const std::string& file,
                     const std::string& shop_code) {
  auto o = Open(data, Use::kRead);
  if (!o) return Fail(o.error().message);
  auto shop = PickShop(*o, shop_code);
  if (!shop) return Fail(shop.error().message);
  auto products = o->store->ListProducts(shop->id, true);
  if (!products) return Fail(products.error().message);
  std::vector<CatalogRow> rows;
  for (const auto& p : *products) {
    rows.push_back({p.code, p.name, p.price, p.stock, p.unit, p.category, p.active});
  }
  std::string csv = WriteCatalogCsv(rows);
  if (file.empty()) {
    std::cout << csv;
    return 0;
  }
  std::ofstream out(file, std::ios::binary);
  if (!(out << csv)) return Fail(file + ": cannot write the file");
  return 0;
}

int RunOrdersList(const DataOptions& data, const std::string& status, int limit, bool json) {
  auto o = Open(data, Use::kRead);
  if (!o) return Fail(o.error().message);
  OrderFilter f;
  if (!status.empty()) {
    f.status = ParseOrderStatus(status);
    if (!f.status)
      return Fail("--status must be new, accepted, shipped, done, rejected or cancelled");
  }
  f.limit = limit;
  auto orders = o->store->ListOrders(f);
  if (!orders) return Fail(orders.error().message);
  const int off = o->config.gateway.utc_offset_minutes;
  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& ord : *orders) {
      nlohmann::json items = nlohmann::json::array();
      for (const auto& it : ord.items) {
        items.push_back(
            {{"code", it.code}, {"name", it.name}, {"qty", it.qty}, {"price", it.price}});
      }
      out.push_back({{"id", ord.id},
                     {"shop", ord.shop_code},
                     {"phone", ord.phone},
                     {"status", OrderStatusName(ord.status)},
                     {"items", items},
                     {"total", ord.total},
                     {"address", ord.address},
                     {"pickup", ord.pickup},
                     {"channel", ord.channel},
                     {"language", ord.language},
                     {"note", ord.note},
                     {"created_at", IsoTime(ord.created_at, off)}});
    }
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  if (orders->empty()) std::cout << "no orders\n";
  for (const auto& ord : *orders) {
    std::cout << "#" << ord.id << "  " << IsoTime(ord.created_at, off) << "  "
              << OrderStatusName(ord.status) << "  " << ord.phone << "  " << FormatRupiah(ord.total)
              << "  " << (ord.pickup ? "pickup" : ord.address) << "\n";
    for (const auto& it : ord.items) {
      std::cout << "    " << it.qty << " x " << it.code << " " << it.name << " @ "
                << FormatRupiah(it.price) << "\n";
    }
    if (!ord.note.empty()) std::cout << "    reason: " << ord.note << "\n";
  }
  return 0;
}

int RunOutboxList(const DataOptions& data, const std::string& status, int limit, bool json) {
  std::optional<OutboxStatus> only;
  if (!status.empty()) {
    for (auto st : {OutboxStatus::kQueued, OutboxStatus::kSent, OutboxStatus::kDelivered,
                    OutboxStatus::kFailed}) {
      if (OutboxStatusName(st) == status) only = st;
    }
    if (!only) return Fail("--status must be queued, sent, delivered or failed");
  }
  auto o = Open(data, Use::kRead);
  if (!o) return Fail(o.error().message);
  auto rows = o->store->ListSms(limit, only);
  if (!rows) return Fail(rows.error().message);
  const int off = o->config.gateway.utc_offset_minutes;
  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& m : *rows) {
      out.push_back({{"id", m.id},
                     {"to", m.to},
                     {"text", m.text},
                     {"segments", m.segments},
                     {"status", OutboxStatusName(m.status)},
                     {"attempts", m.attempts},
                     {"provider_id", m.provider_id},
                     {"last_error", m.last_error},
                     {"created_at", IsoTime(m.created_at, off)},
                     {"sent_at", m.sent_at ? nlohmann::json(IsoTime(*m.sent_at, off))
                                           : nlohmann::json(nullptr)}});
    }
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  if (rows->empty()) std::cout << (only ? "no " + status + " messages\n" : "outbox empty\n");
  for (const auto& m : *rows) {
    std::cout << m.id << "  " << OutboxStatusName(m.status) << "  " << m.to << "  " << m.segments
              << " seg  " << m.attempts << " tries  " << m.text << "\n";
    // Why it is not sent (yet), or why a sent one failed; --json has it whole.
    if (!m.last_error.empty() && m.status != OutboxStatus::kSent &&
        m.status != OutboxStatus::kDelivered) {
      std::cout << "    last error: " << Shorten(m.last_error, 100) << "\n";
    }
  }
  return 0;
}

int RunOutboxRetry(const DataOptions& data, const std::vector<long long>& ids, bool all_failed) {
  if (ids.empty() == !all_failed) return Fail("give the ids of failed messages, or --failed");
  auto o = Open(data, Use::kChange);
  if (!o) return Fail(o.error().message);
  const SystemTime now = std::chrono::system_clock::now();
  if (all_failed) {
    auto n = o->store->RequeueFailedSms(std::nullopt, now);
    if (!n) return Fail(n.error().message);
    std::cout << *n << (*n == 1 ? " failed message" : " failed messages") << " back in the queue\n";
    return 0;
  }
  // All named or none: an id that is not a failed message is refused before anything changes.
  if (auto st = o->store->Begin(); !st) return Fail(st.error().message);
  for (long long id : ids) {
    auto done = o->store->RequeueFailedSms(id, now);
    if (!done || *done == 0) {
      o->store->Rollback();
      if (!done) return Fail(done.error().message);
      return Fail("message " + std::to_string(id) +
                  " is not a failed message (see `pesan outbox list --status failed`); nothing "
                  "requeued");
    }
  }
  if (auto st = o->store->Commit(); !st) return Fail(st.error().message);
  std::cout << ids.size() << (ids.size() == 1 ? " failed message" : " failed messages")
            << " back in the queue\n";
  return 0;
}

int RunModemCheck(const std::string& config, const std::string& device, const std::string& pin) {
  modem::ModemConfig m;
  if (!config.empty()) {
    auto cfg = LoadConfig(config);
    if (!cfg) return Fail(cfg.error().message);
    auto read = ReadModemSettings(*cfg);
    if (!read) return Fail(read.error().message);
    m = std::move(*read);
  }
  if (!device.empty()) m.device = device;
  if (!pin.empty()) m.pin = pin;
  if (m.device.empty()) return Fail("give --config with a [sms.modem] section, or --device");
  auto logger = spdlog::stderr_color_mt("modem-check");
  logger->set_level(spdlog::level::warn);
  auto report = modem::CheckModem(m, logger);
  if (!report) {
    std::cout << "modem " << m.device << ": NOT USABLE: " << report.error().message << "\n";
    return 1;
  }
  std::cout << modem::FormatModemReport(*report);
  // `serve` cannot initialise the modem while the SIM is locked: the check fails too.
  return report->sim == modem::SimStatus::kReady ? 0 : 1;
}

}  // namespace pesan
