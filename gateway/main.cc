// pesan: the SMS/USSD ordering gateway for village shops.
#include <CLI/CLI.hpp>
#include <charconv>

#include "gateway/commands.h"

#ifndef PESAN_VERSION
#define PESAN_VERSION "0.0.0"
#endif

namespace {

// CLI11 takes a misspelt subcommand ("orders lst") for a missing one and says only "A subcommand
// is required": name the word it did not know, and the subcommands there are.
int ParseFailed(CLI::App& app, const CLI::ParseError& e) {
  CLI::App* group = &app;
  while (!group->get_subcommands().empty()) group = group->get_subcommands().front();
  if (dynamic_cast<const CLI::RequiredError*>(&e) == nullptr ||
      group->get_require_subcommand_min() == 0) {
    return app.exit(e);
  }
  std::string name = "pesan";
  for (const CLI::App* a = group; a->get_parent() != nullptr; a = a->get_parent()) {
    name.insert(5, " " + a->get_name());
  }
  std::string valid;
  for (const CLI::App* sub : group->get_subcommands([](const CLI::App*) { return true; })) {
    valid += (valid.empty() ? "" : ", ") + sub->get_name();
  }
  for (const std::string& word : group->remaining()) {
    if (word.starts_with("-")) continue;
    return app.exit(CLI::ExtrasError(
        name + ": unknown subcommand '" + word + "' (the subcommands are: " + valid + ")",
        CLI::ExitCodes::ExtrasError));
  }
  return app.exit(CLI::RequiredError(name + ": a subcommand is required: " + valid,
                                     CLI::ExitCodes::RequiredError));
}

// A whole number from `min` to `max`, said plainly: CLI11's own range checks print their
// bounds as doubles ("0.000000 to 179769313486231570...").
CLI::Validator WholeNumber(long long min, long long max) {
  return CLI::Validator(
      [min, max](std::string& text) -> std::string {
        long long v = 0;
        const char* end = text.data() + text.size();
        auto [at, ec] = std::from_chars(text.data(), end, v);
        if (ec == std::errc() && at == end && v >= min && v <= max) return "";
        return "a whole number from " + std::to_string(min) + " to " + std::to_string(max) +
               ", not '" + text + "'";
      },
      "");
}

constexpr long long kMaxLimit = 1000000;

}  // namespace

int main(int argc, char** argv) {
  using pesan::DataOptions;
  CLI::App app{
      "Pesan: order by USSD or SMS from a village shop, cash on delivery.\n"
      "Without a config file every command uses the built-in demo shop."};
  app.set_version_flag("--version", std::string("pesan ") + PESAN_VERSION);
  app.require_subcommand(1);

  auto add_data = [](CLI::App* cmd, DataOptions& d) {
    cmd->add_option("--config", d.config, "TOML configuration file (default: the built-in demo)");
    cmd->add_option("--db", d.db, "SQLite database file (overrides [gateway] database)");
  };

  DataOptions serve_data;
  std::string listen, log_level;
  auto* serve =
      app.add_subcommand("serve", "Run the gateway in the foreground until SIGINT/SIGTERM");
  add_data(serve, serve_data);
  serve->add_option("--listen", listen, "HOST:PORT to listen on (overrides [gateway] listen)");
  serve
      ->add_option("--log-level", log_level,
                   "trace, debug, info, warn, error, critical or off (overrides config)")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));

  auto* catalog = app.add_subcommand("catalog", "The shop's products as a spreadsheet (CSV)");
  catalog->require_subcommand(1);
  DataOptions import_data, export_data;
  std::string import_file, import_shop, export_file, export_shop;
  bool replace = false, file_stock = false;
  auto* imp = catalog->add_subcommand("import",
                                      "Add and update products from a CSV file; all rows or none");
  imp->add_option("file", import_file,
                  "CSV with columns code,name,price,stock,unit,category,active")
      ->required();
  add_data(imp, import_data);
  imp->add_option("--shop", import_shop, "shop code (default: the configured shop)");
  imp->add_flag("--replace", replace, "deactivate products the file does not name");
  imp->add_flag("--stock", file_stock,
                "set the stock of products already in the shop to the file's (by default they "
                "keep the stock they have: the sales since the export stay counted)");
  auto* exp =
      catalog->add_subcommand("export", "Write the catalog as CSV (to stdout without FILE)");
  exp->add_option("file", export_file, "output CSV file");
  add_data(exp, export_data);
  exp->add_option("--shop", export_shop, "shop code (default: the configured shop)");

  auto* orders = app.add_subcommand("orders", "The shop's orders");
  orders->require_subcommand(1);
  DataOptions orders_data;
  std::string status;
  int limit = 0;
  bool json = false;
  auto* list = orders->add_subcommand("list", "Orders, newest first");
  add_data(list, orders_data);
  list->add_option("--status", status, "new, accepted, shipped, done, rejected or cancelled");
  list->add_option("--limit", limit, "at most N orders (default: all)")
      ->check(WholeNumber(1, kMaxLimit));
  list->add_flag("--json", json, "one JSON array");

  auto* outbox = app.add_subcommand("outbox", "SMS sent and waiting to be sent");
  outbox->require_subcommand(1);
  DataOptions outbox_data;
  int outbox_limit = 0;
  bool outbox_json = false;
  auto* olist = outbox->add_subcommand("list", "Outbox rows, newest first");
  add_data(olist, outbox_data);
  olist->add_option("--limit", outbox_limit, "at most N rows (default: all)")
      ->check(WholeNumber(1, kMaxLimit));
  olist->add_flag("--json", outbox_json, "one JSON array");
  std::string outbox_status;
  olist->add_option("--status", outbox_status, "queued, sent, delivered or failed")
      ->check(CLI::IsMember({"queued", "sent", "delivered", "failed"}));
  DataOptions retry_data;
  std::vector<long long> retry_ids;
  bool retry_failed = false;
  auto* oretry =
      outbox->add_subcommand("retry", "Put failed SMS back in the queue with their tries reset");
  oretry->add_option("id", retry_ids, "ids of failed messages (see outbox list --status failed)");
  oretry->add_flag("--failed", retry_failed, "every failed message");
  add_data(oretry, retry_data);

  auto* modem = app.add_subcommand("modem", "The GSM modem");
  modem->require_subcommand(1);
  std::string modem_config, modem_device, modem_pin;
  auto* check = modem->add_subcommand(
      "check", "Talk to the modem as serve would: model, SIM, network, signal, service centre");
  check->add_option("--config", modem_config, "configuration with a [sms.modem] section");
  check->add_option("--device", modem_device, "serial device, e.g. /dev/ttyUSB0");
  check->add_option("--pin", modem_pin, "SIM PIN, when the SIM asks for one");

  std::string sim_url = "http://127.0.0.1:8080", sim_phone = "+6281200000001",
              sim_manager = "+6281234567890";
  auto* sim =
      app.add_subcommand("sim", "A feature phone in the terminal, talking to a running gateway");
  sim->add_option("--url", sim_url, "the gateway's address");
  sim->add_option("--phone", sim_phone, "the customer's number");
  sim->add_option("--manager", sim_manager, "the manager's number (see the config's managers)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return ParseFailed(app, e);
  }

  if (serve->parsed()) return pesan::RunServe(serve_data, listen, log_level);
  if (imp->parsed())
    return pesan::RunCatalogImport(import_data, import_file, import_shop, replace, file_stock);
  if (exp->parsed()) return pesan::RunCatalogExport(export_data, export_file, export_shop);
  if (list->parsed()) return pesan::RunOrdersList(orders_data, status, limit, json);
  if (olist->parsed()) {
    return pesan::RunOutboxList(outbox_data, outbox_status, outbox_limit, outbox_json);
  }
  if (oretry->parsed()) return pesan::RunOutboxRetry(retry_data, retry_ids, retry_failed);
  if (check->parsed()) return pesan::RunModemCheck(modem_config, modem_device, modem_pin);
  if (sim->parsed()) return pesan::RunSim(sim_url, sim_phone, sim_manager);
  return 1;
}
