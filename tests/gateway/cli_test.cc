// The real `pesan` binary on real database files.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "core/sqlite_store.h"
#include "tests/support/test_support.h"

extern char** environ;

namespace pesan::testing {
namespace {

struct CliShop {
  TempDir dir;
  std::string config;
  std::string db;
  explicit CliShop(const std::string& extra = "") {
    config = dir.Write("pesan.toml", DemoConfig(dir, extra));
    db = dir.File("shop.db");
  }
  CommandResult Run(std::vector<std::string> args, const std::string& in = "") {
    args.push_back("--config");
    args.push_back(config);
    return RunPesan(args, in);
  }
  // The database as an operator makes it: the first import of the shop's catalog creates it.
  CommandResult Create() { return Run({"catalog", "import", dir.File("catalog.csv")}); }
};

TEST(Cli, VersionAndHelp) {
  auto v = RunPesan({"--version"});
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_EQ(v.out.rfind("pesan ", 0), 0u) << v.out;
  auto h = RunPesan({"--help"});
  EXPECT_EQ(h.exit_code, 0);
  for (const char* sub : {"serve", "catalog", "orders", "outbox", "sim"}) {
    EXPECT_NE(h.out.find(sub), std::string::npos) << sub;
  }
  auto hs = RunPesan({"catalog", "import", "--help"});
  EXPECT_EQ(hs.exit_code, 0);
  EXPECT_NE(hs.out.find("--replace"), std::string::npos) << hs.out;
  EXPECT_NE(RunPesan({"no-such-command"}).exit_code, 0);
}

TEST(Cli, CatalogExportThenImportGivesTheSameCatalog) {
  CliShop s;
  ASSERT_EQ(s.Create().exit_code, 0);
  auto first = s.Run({"catalog", "export"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(first.out.rfind("code,name,price,stock,unit,category,active", 0), 0u) << first.out;
  EXPECT_NE(first.out.find("B1,Beras 5kg,65000,200,karung,,1"), std::string::npos) << first.out;
  std::string file = s.dir.File("out.csv");
  ASSERT_EQ(s.Run({"catalog", "export", file}).exit_code, 0);
  auto imported = s.Run({"catalog", "import", file});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_EQ(s.Run({"catalog", "export"}).out, first.out);
}

TEST(Cli, ImportUpdatesAddsAndKeepsOrDeactivates) {
  CliShop s;
  // Semicolons, a BOM, Indonesian price forms; B1 updated, Z1 new, the others untouched.
  std::string csv =
      "\xEF\xBB\xBF"
      "code;name;price;stock\r\nB1;Beras 5kg;Rp 70.000;150\r\nz1;Gula aren;12.000;5\r\n";
  auto r = s.Run({"catalog", "import", s.dir.Write("in.csv", csv)});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto out = s.Run({"catalog", "export"}).out;
  // B1 keeps the unit the file does not give; the new Z1 has none.
  EXPECT_NE(out.find("B1,Beras 5kg,70000,150,karung,,1"), std::string::npos) << out;
  EXPECT_NE(out.find("Z1,Gula aren,12000,5,,,1"), std::string::npos) << out;
  EXPECT_NE(out.find("M1,Minyak goreng 1L,18000,300,botol,,1"), std::string::npos) << out;
  // The eight demo products and Z1 were on sale; the file names two of them.
  auto replaced = s.Run({"catalog", "import", "--replace", s.dir.Write("in2.csv", csv)});
  ASSERT_EQ(replaced.exit_code, 0) << replaced.err;
  EXPECT_EQ(replaced.out, "imported 2 products into majubersama; 7 others taken off sale\n");
  auto again = s.Run({"catalog", "import", "--replace", s.dir.File("in2.csv")});
  EXPECT_EQ(again.out, "imported 2 products into majubersama; 0 others taken off sale\n");
  out = s.Run({"catalog", "export"}).out;
  EXPECT_NE(out.find("M1,Minyak goreng 1L,18000,300,botol,,0"), std::string::npos) << out;
  EXPECT_NE(out.find("B1,Beras 5kg,70000,150,karung,,1"), std::string::npos) << out;
  // Prices only, and an empty stock cell: stock, unit and category stay as they were.
  const std::string prices = "code,name,price,stock\nB1,Beras 5kg,72000,\nZ1,Gula aren,13000,\n";
  ASSERT_EQ(s.Run({"catalog", "import", s.dir.Write("in3.csv", prices)}).exit_code, 0);
  out = s.Run({"catalog", "export"}).out;
  EXPECT_NE(out.find("B1,Beras 5kg,72000,150,karung,,1"), std::string::npos) << out;
  EXPECT_NE(out.find("Z1,Gula aren,13000,5,,,1"), std::string::npos) << out;
}

// A manager exports the catalog, edits a price in a spreadsheet and imports it back while the
// shop sells: the sales made meanwhile stay counted unless --stock asks for the file's stock.
TEST(Cli, ReimportingAnOldExportKeepsTheStockSoldSince) {
  CliShop s;
  ASSERT_EQ(s.Create().exit_code, 0);
  auto exported = s.Run({"catalog", "export"});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  std::string csv = exported.out;
  const std::string g1 = "G1,Gula pasir 1kg,17500,150,kg,,1";
  ASSERT_NE(csv.find(g1), std::string::npos) << csv;
  csv.replace(csv.find(g1), g1.size(), "G1,Gula pasir 1kg,18000,150,kg,,1");
  csv += "Z1,Gula aren,12000,5,,,1\r\n";  // new to the shop: takes the file's stock
  const std::string file = s.dir.Write("edited.csv", csv);
  {
    auto store = SqliteStore::Open(s.db);
    ASSERT_TRUE(store.ok()) << store.error().message;
    auto shop = (*store)->GetShop("majubersama");
    ASSERT_TRUE(shop.ok());
    ASSERT_EQ(*(*store)->AdjustStock(shop->id, "G1", -1), 149);  // an order sells one
  }
  auto r = s.Run({"catalog", "import", file});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "imported 9 products into majubersama; 1 product keeps its stock in the shop, not the "
            "file's (--stock takes the file's)\n");
  auto out = s.Run({"catalog", "export"}).out;
  EXPECT_NE(out.find("G1,Gula pasir 1kg,18000,149,kg,,1"), std::string::npos) << out;
  EXPECT_NE(out.find("Z1,Gula aren,12000,5,,,1"), std::string::npos) << out;
  EXPECT_NE(out.find("B1,Beras 5kg,65000,200,karung,,1"), std::string::npos) << out;
  // Again: G1 still differs, and still keeps its stock.
  EXPECT_EQ(s.Run({"catalog", "import", file}).out, r.out);
  // --stock: the file's stock.
  auto counted = s.Run({"catalog", "import", "--stock", file});
  ASSERT_EQ(counted.exit_code, 0) << counted.err;
  EXPECT_EQ(counted.out, "imported 9 products into majubersama\n");
  out = s.Run({"catalog", "export"}).out;
  EXPECT_NE(out.find("G1,Gula pasir 1kg,18000,150,kg,,1"), std::string::npos) << out;
  EXPECT_EQ(s.Run({"catalog", "import", file}).out, "imported 9 products into majubersama\n");
}

// The shop's first catalog, in a new database, takes the stock of the file imported: the
// config's catalog file, read as the database is made, does not count as the shop's stock.
TEST(Cli, TheFirstImportIntoANewDatabaseTakesTheFilesStock) {
  TempDir dir;
  const std::string config =
      dir.Write("shop.toml", DemoConfig(dir, "", "code,name,price,stock\nG1,Gula,17500,150\n"));
  const std::string other = dir.Write("other.csv", "code,name,price,stock\nG1,Gula,17500,90\n");
  auto r = RunPesan({"catalog", "import", other, "--config", config});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "imported 1 products into majubersama\n");
  auto out = RunPesan({"catalog", "export", "--config", config}).out;
  EXPECT_NE(out.find("G1,Gula,17500,90,"), std::string::npos) << out;
}

TEST(Cli, BadCsvIsRejectedWithItsLineAndChangesNothing) {
  CliShop s;
  ASSERT_EQ(s.Create().exit_code, 0);
  auto before = s.Run({"catalog", "export"}).out;
  std::string csv = "code,name,price,stock\nB1,Beras 5kg,1000,5\nM1,Minyak,1000,5\nX1,Bad,abc,3\n";
  auto r = s.Run({"catalog", "import", s.dir.Write("bad.csv", csv)});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("line 4"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("abc"), std::string::npos) << r.err;
  EXPECT_EQ(s.Run({"catalog", "export"}).out, before);
  auto dup =
      s.Run({"catalog", "import", s.dir.Write("dup.csv", "code,name,price\nB1,A,1\nb1,B,2\n")});
  EXPECT_NE(dup.exit_code, 0);
  EXPECT_NE(dup.err.find("line 3"), std::string::npos) << dup.err;
  EXPECT_EQ(s.Run({"catalog", "export"}).out, before);
  auto missing = s.Run({"catalog", "import", s.dir.File("nope.csv")});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("nope.csv"), std::string::npos);
  EXPECT_NE(missing.err.find("No such file or directory"), std::string::npos) << missing.err;
}

// The catalog file the config names cannot be read: the message says why, and where the config
// names it.
TEST(Cli, AnUnreadableCatalogNamedByTheConfigSaysWhyAndWhere) {
  TempDir dir;
  std::string toml = DemoConfig(dir);
  const std::string key = "catalog = \"catalog.csv\"";
  const auto at = toml.find(key);
  ASSERT_NE(at, std::string::npos);
  const auto line = 1 + std::count(toml.begin(), toml.begin() + at, '\n');
  toml.replace(at, key.size(), "catalog = \"nope.csv\"");
  const std::string config = dir.Write("shop.toml", toml);
  auto r = RunPesan({"serve", "--config", config, "--listen", "127.0.0.1:0"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find(config + ":" + std::to_string(line) + ": [shops] catalog: " +
                       dir.File("nope.csv") + ": cannot read the file: No such file or directory"),
            std::string::npos)
      << r.err;
}

// A misspelt subcommand is named as unknown, with the ones there are.
TEST(Cli, AMisspeltSubcommandIsNamedWithTheValidOnes) {
  struct Case {
    std::vector<std::string> args;
    std::string expect;
  };
  for (const Case& c : {
           Case{{"orders", "lst"},
                "pesan orders: unknown subcommand 'lst' (the subcommands are: list)"},
           Case{{"outbox", "lits", "--json"},
                "pesan outbox: unknown subcommand 'lits' (the subcommands are: list, retry)"},
           Case{{"catalog", "exprot"},
                "pesan catalog: unknown subcommand 'exprot' (the subcommands are: import, export)"},
           Case{{"modem", "chek"},
                "pesan modem: unknown subcommand 'chek' (the subcommands are: check)"},
           Case{{"serv"}, "pesan: unknown subcommand 'serv' (the subcommands are: serve, catalog"},
           Case{{"orders"}, "pesan orders: a subcommand is required: list"},
       }) {
    auto r = RunPesan(c.args);
    EXPECT_NE(r.exit_code, 0) << c.args[0];
    EXPECT_NE(r.err.find(c.expect), std::string::npos) << r.err;
  }
}

TEST(Cli, OrdersListAsJson) {
  TempDir dir;
  std::string config = dir.Write("pesan.toml", DemoConfig(dir));
  {
    SystemClock clock;
    TestGateway gw(dir, ReadFile(config), clock);
    for (const char* t :
         {"", "1", "1*1", "1*1*2", "1*1*2*Jl Mawar 3 RT02", "1*1*2*Jl Mawar 3 RT02*1"}) {
      gw.Ussd("J1", "+6281200000001", t);
    }
    gw.Ussd("J2", "+6281200000002", "1*2*1*Dekat masjid*1");
  }
  {
    // The shop turns the second order down, with its reason (as a manager's TOLAK does).
    auto store = SqliteStore::Open(dir.File("shop.db"));
    ASSERT_TRUE(store.ok()) << store.error().message;
    auto orders = (*store)->ListOrders({});
    ASSERT_TRUE(orders.ok() && orders->size() == 2u);
    ASSERT_TRUE((*store)
                    ->MoveOrder(orders->front().id, OrderStatus::kRejected, "Stok habis",
                                std::chrono::system_clock::now())
                    .ok());
  }
  auto r = RunPesan({"orders", "list", "--json", "--config", config});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_TRUE(j.is_array());
  ASSERT_EQ(j.size(), 2u);
  EXPECT_GT(j[0]["id"].get<long long>(), j[1]["id"].get<long long>());  // newest first
  const auto& o = j[1];
  EXPECT_EQ(o["shop"], "majubersama");
  EXPECT_EQ(o["phone"], "+6281200000001");
  EXPECT_EQ(o["status"], "new");
  EXPECT_EQ(o["total"], 130000);
  EXPECT_EQ(o["address"], "Jl Mawar 3 RT02");
  EXPECT_EQ(o["language"], "id");
  EXPECT_EQ(o["note"], "");
  EXPECT_EQ(j[0]["status"], "rejected");
  EXPECT_EQ(j[0]["note"], "Stok habis");
  ASSERT_EQ(o["items"].size(), 1u);
  EXPECT_EQ(o["items"][0]["code"], "B1");
  EXPECT_EQ(o["items"][0]["name"], "Beras 5kg");
  EXPECT_EQ(o["items"][0]["qty"], 2);
  EXPECT_EQ(o["items"][0]["price"], 65000);
  std::string created = o["created_at"];
  EXPECT_EQ(created.size(), 25u) << created;  // 2026-11-28T09:15:02+07:00
  EXPECT_EQ(created.substr(19), "+07:00");
  auto limited = nlohmann::json::parse(
      RunPesan({"orders", "list", "--json", "--limit", "1", "--config", config}).out);
  EXPECT_EQ(limited.size(), 1u);
  auto none = nlohmann::json::parse(
      RunPesan({"orders", "list", "--json", "--status", "done", "--config", config}).out);
  EXPECT_EQ(
      nlohmann::json::parse(
          RunPesan({"orders", "list", "--json", "--status", "rejected", "--config", config}).out)
          .size(),
      1u);
  EXPECT_TRUE(none.empty());
  EXPECT_NE(RunPesan({"orders", "list", "--status", "bogus", "--config", config}).exit_code, 0);
  // Text form, and --db overriding the config's database.
  auto text = RunPesan({"orders", "list", "--config", config, "--db", dir.File("shop.db")});
  EXPECT_NE(text.out.find("Jl Mawar 3 RT02"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("    reason: Stok habis\n"), std::string::npos) << text.out;
  auto other = RunPesan({"orders", "list", "--config", config, "--db", dir.File("other.db")});
  EXPECT_EQ(other.exit_code, 1);
  EXPECT_NE(other.err.find(dir.File("other.db")), std::string::npos) << other.err;
  // The outbox holds the SMS of both orders.
  auto ob = nlohmann::json::parse(RunPesan({"outbox", "list", "--json", "--config", config}).out);
  EXPECT_EQ(ob.size(), 4u);
  for (const auto& m : ob) {
    EXPECT_EQ(m["segments"], 1);
    EXPECT_EQ(m["status"], "queued");  // no SMS channel in this config
  }
}

TEST(Cli, FailedSmsAreListedWithTheirErrorAndPutBackInTheQueue) {
  CliShop s;
  ASSERT_EQ(s.Create().exit_code, 0);
  std::vector<std::int64_t> ids;
  {
    auto store = SqliteStore::Open(s.db);
    ASSERT_TRUE(store.ok()) << store.error().message;
    auto shop = (*store)->GetShop("majubersama");
    ASSERT_TRUE(shop.ok());
    const auto now = std::chrono::system_clock::now();
    for (int i = 0; i < 4; ++i) {
      auto id = (*store)->QueueSms(
          {shop->id, "+628120000005" + std::to_string(i), "Pesanan", {}, {}}, now);
      ASSERT_TRUE(id.ok());
      ids.push_back(*id);
    }
    // Three failed, one still queued; one failed with a long error.
    ASSERT_TRUE((*store)->MarkSmsFailed(ids[0], "SMSC answered ESME_RINVDSTADR").ok());
    ASSERT_TRUE((*store)->MarkSmsFailed(ids[1], "kannel 503: " + std::string(300, 'x')).ok());
    ASSERT_TRUE((*store)->MarkSmsFailed(ids[2], "no submit_sm_resp within 10000 ms").ok());
    ASSERT_TRUE((*store)->MarkSmsWaiting(ids[3], "SMPP link down").ok());
  }
  auto list = s.Run({"outbox", "list", "--status", "failed"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find("last error: SMSC answered ESME_RINVDSTADR"), std::string::npos)
      << list.out;
  EXPECT_NE(list.out.find("last error: kannel 503: xxx"), std::string::npos) << list.out;
  EXPECT_EQ(list.out.find(std::string(120, 'x')), std::string::npos) << "not shortened";
  EXPECT_EQ(list.out.find("+6281200000053"), std::string::npos) << "a queued one is listed";
  auto all = s.Run({"outbox", "list"});
  EXPECT_NE(all.out.find("last error: SMPP link down"), std::string::npos) << all.out;
  auto json = nlohmann::json::parse(s.Run({"outbox", "list", "--json", "--status", "failed"}).out);
  ASSERT_EQ(json.size(), 3u);
  EXPECT_EQ(json[1]["last_error"].get<std::string>().size(), 312u);  // whole in JSON
  EXPECT_NE(s.Run({"outbox", "list", "--status", "lost"}).exit_code, 0);

  // One by id; an id that is not failed changes nothing.
  auto one = s.Run({"outbox", "retry", std::to_string(ids[0])});
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_EQ(one.out, "1 failed message back in the queue\n");
  auto wrong = s.Run({"outbox", "retry", std::to_string(ids[1]), std::to_string(ids[3])});
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_NE(wrong.err.find("message " + std::to_string(ids[3]) + " is not a failed message"),
            std::string::npos)
      << wrong.err;
  EXPECT_NE(s.Run({"outbox", "retry"}).exit_code, 0);
  {
    auto rows = *SqliteStore::Open(s.db).value()->ListSms(0);
    std::map<std::int64_t, OutboxMessage> by_id;
    for (auto& m : rows) by_id[m.id] = m;
    EXPECT_EQ(by_id[ids[0]].status, OutboxStatus::kQueued);
    EXPECT_EQ(by_id[ids[0]].attempts, 0);
    EXPECT_LE(by_id[ids[0]].next_attempt_at, std::chrono::system_clock::now());
    EXPECT_EQ(by_id[ids[1]].status, OutboxStatus::kFailed);
  }
  // All the others.
  auto rest = s.Run({"outbox", "retry", "--failed"});
  ASSERT_EQ(rest.exit_code, 0) << rest.err;
  EXPECT_EQ(rest.out, "2 failed messages back in the queue\n");
  EXPECT_EQ(s.Run({"outbox", "list", "--status", "failed"}).out, "no failed messages\n");
  auto queued =
      nlohmann::json::parse(s.Run({"outbox", "list", "--json", "--status", "queued"}).out);
  EXPECT_EQ(queued.size(), 4u);
  for (const auto& m : queued) EXPECT_EQ(m["attempts"], 0);
}

TEST(Cli, DatabaseIsPrivateToItsOwner) {
  CliShop s;
  ASSERT_EQ(s.Create().exit_code, 0);
  struct stat st;
  ASSERT_EQ(::stat(s.db.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
}

TEST(Cli, ConfigErrorsNameTheFileTheLineAndTheProblem) {
  TempDir dir;
  struct Case {
    std::string toml;
    std::string expect;
  };
  const std::string shop = "[[shops]]\ncode = \"a\"\nname = \"A\"\n";
  for (const Case& c : {
           Case{"[gateway]\nlisten = \"nowhere\"\n" + shop, ":2: [gateway] listen"},
           Case{"[gateway]\nlanguage = \"fr\"\n" + shop, ":2: [gateway] language"},
           Case{"[gateway]\ntimezone = \"Mars/Olympus\"\n" + shop, ":2: [gateway] timezone"},
           Case{"[gateway]\nlistne = \"127.0.0.1:1\"\n" + shop,
                ":2: [gateway] unknown key 'listne'"},
           Case{shop + "managers = [\"+62abc\"]\n",
                ":4: [shops] managers: '+62abc' is not a phone"},
           Case{shop + "managers = [1, 2]\n", ":4: [shops] managers: must be a list of strings"},
           Case{"[gateway]\nthreads = \"two\"\n" + shop, ":2: [gateway] threads: must be a whole"},
           Case{"[gateway]\nussd_sessions_per_hour = -1\n" + shop,
                ":2: [gateway] ussd_sessions_per_hour: must be between 0 and 100000"},
           Case{"[gateway]\nlisten = \"127.0.0.1:1\"\nussd_sessions_per_hour = \"30\"\n" + shop,
                ":3: [gateway] ussd_sessions_per_hour: must be a whole number"},
           Case{shop + "[sms]\nchannel = \"pigeon\"\n", ":5: [sms] channel"},
           Case{shop + "[sms]\nchannel = \"kannel\"\n", "needs a [sms.kannel] section"},
           Case{shop + "[ussd.other]\npath = \"/x\"\n", ":4: unknown section [ussd.other]"},
           Case{"[gateway\nlisten = 1\n", ":1: "},
           Case{"[gateway]\n", "no shop"},
           Case{shop + "[[shops]]\ncode = \"b\"\nname = \"B\"\n",
                ":4: [[shops]] 'b': a gateway serves one shop ('a')"},
       }) {
    std::string path = dir.Write("bad.toml", c.toml);
    auto r = RunPesan({"orders", "list", "--config", path});
    EXPECT_NE(r.exit_code, 0) << c.toml;
    EXPECT_NE(r.err.find("bad.toml"), std::string::npos) << c.toml << "\n" << r.err;
    EXPECT_NE(r.err.find(c.expect), std::string::npos) << c.toml << "\n" << r.err;
  }
}

// Mistakes found while the gateway is being made (before it listens) are said, and it exits 1.
TEST(Cli, ServeThatCannotStartSaysWhy) {
  CliShop s;
  auto no_folder = RunPesan({"serve", "--config", s.config, "--db",
                             s.dir.File("no/such/folder/x.db"), "--listen", "127.0.0.1:0"});
  EXPECT_EQ(no_folder.exit_code, 1) << no_folder.err;
  EXPECT_NE(no_folder.err.find("cannot open database"), std::string::npos) << no_folder.err;

  auto loud = RunPesan({"serve", "--config", s.config, "--log-level", "loud"});
  EXPECT_NE(loud.exit_code, 0);
  EXPECT_NE(loud.err.find("--log-level"), std::string::npos) << loud.err;
  EXPECT_NE(loud.err.find("loud"), std::string::npos) << loud.err;

  // A database another serve holds is refused before it is opened: nothing is written to it.
  const std::string held = s.dir.File("held.db");
  const int fd = ::open(held.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0);
  auto busy = RunPesan({"serve", "--config", s.config, "--db", held, "--listen", "127.0.0.1:0"});
  ::close(fd);
  EXPECT_EQ(busy.exit_code, 1) << busy.err;
  EXPECT_NE(busy.err.find("is in use by another 'pesan serve'"), std::string::npos) << busy.err;
  EXPECT_EQ(std::filesystem::file_size(held), 0u);
  EXPECT_FALSE(std::filesystem::exists(held + "-wal"));

  TempDir other;
  const std::string bad_catalog =
      other.Write("shop.toml", DemoConfig(other, "", "code,name,price\nB1,Beras,abc\n"));
  auto bad = RunPesan({"serve", "--config", bad_catalog, "--listen", "127.0.0.1:0"});
  EXPECT_EQ(bad.exit_code, 1) << bad.err;
  EXPECT_NE(bad.err.find("catalog.csv: line 2"), std::string::npos) << bad.err;
}

// A channel section's mistake is reported at the line of the key, once prefixed.
TEST(Cli, ChannelSectionErrorsNameTheKeysLine) {
  TempDir dir;
  for (const auto& [extra, expect] : std::vector<std::pair<std::string, std::string>>{
           {"[sms]\nchannel = \"smpp\"\n\n[sms.smpp]\nhost = \"127.0.0.1\"\nwindow = 0\n",
            "[sms.smpp] window: expected an integer from 1 to 1000"},
           {"[sms]\nchannel = \"kannel\"\n\n[sms.kannel]\nusername = \"u\"\nsendsms_url = "
            "\"ftp://x\"\n",
            "[sms.kannel] sendsms_url: "},
           // A modem plugged back in is not kept waiting longer than 10 s.
           {"[sms]\nchannel = \"modem\"\n\n[sms.modem]\ndevice = \"/dev/null\"\nreopen_max_ms = "
            "60000\n",
            "[sms.modem] reopen_max_ms: must be at most 10000 (a modem plugged back in waits at "
            "most this long)"},
       }) {
    const std::string toml = DemoConfig(dir, extra);
    const std::string key =
        expect.substr(expect.find("] ") + 2, expect.find(':') - 2 - expect.find("] "));
    const auto line = 1 + std::count(toml.begin(), toml.begin() + toml.find(key + " ="), '\n');
    auto r = RunPesan({"serve", "--config", dir.Write("ch.toml", toml), "--db", dir.File("ch.db"),
                       "--listen", "127.0.0.1:0"});
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_NE(r.err.find("ch.toml:" + std::to_string(line) + ": " + expect), std::string::npos)
        << r.err;
  }
}

// An unknown key reads the same in every section: the file, the key's line, the section, and
// the keys that section takes.
TEST(Cli, UnknownKeysAreReportedAlikeWithTheValidKeys) {
  TempDir dir;
  struct Case {
    std::string extra;  // appended to the demo config; its last line is "bogus = 1"
    std::string section;
    std::string some_valid;  // two keys the message lists
  };
  for (const Case& c : {
           Case{"[sms]\nchannel = \"none\"\nbogus = 1\n", "[sms]", "channel, max_attempts"},
           Case{"[sms]\nchannel = \"smpp\"\n[sms.smpp]\nhost = \"127.0.0.1\"\nbogus = 1\n",
                "[sms.smpp]", "fold_to_gsm, host"},
           Case{"[sms]\nchannel = \"kannel\"\n[sms.kannel]\nusername = \"u\"\nbogus = 1\n",
                "[sms.kannel]", "dlr_mask, dlr_url"},
           Case{"[sms]\nchannel = \"modem\"\n[sms.modem]\ndevice = \"/dev/null\"\nbogus = 1\n",
                "[sms.modem]", "baud, device"},
           Case{"[ussd.africastalking]\npath = \"/ussd\"\nbogus = 1\n", "[ussd.africastalking]",
                "allow, enabled, path, service_code, token"},
           Case{"bogus = 1\n", "[shops]", "catalog, code"},
       }) {
    const std::string toml = DemoConfig(dir, c.extra);
    const auto line = std::count(toml.begin(), toml.end(), '\n');
    const std::string config = dir.Write("keys.toml", toml);
    auto r = RunPesan(
        {"serve", "--config", config, "--db", dir.File("keys.db"), "--listen", "127.0.0.1:0"});
    EXPECT_EQ(r.exit_code, 1) << r.err;
    const std::string expect = config + ":" + std::to_string(line) + ": " + c.section +
                               " unknown key 'bogus' (valid keys: ";
    EXPECT_NE(r.err.find(expect), std::string::npos) << c.extra << "\n" << r.err;
    EXPECT_NE(r.err.find(c.some_valid), std::string::npos) << c.extra << "\n" << r.err;
  }
  auto gw = RunPesan({"orders", "list", "--config",
                      dir.Write("gw.toml",
                                "[gateway]\nlistne = \"127.0.0.1:1\"\n[[shops]]\n"
                                "code = \"a\"\nname = \"A\"\n")});
  EXPECT_NE(gw.err.find("gw.toml:2: [gateway] unknown key 'listne' (valid keys: "),
            std::string::npos)
      << gw.err;
  EXPECT_NE(gw.err.find("language, listen, log_level"), std::string::npos) << gw.err;
}

// Counts are whole numbers, and a wrong one is said plainly.
TEST(Cli, AWrongLimitIsSaidPlainly) {
  CliShop s;
  ASSERT_EQ(s.Create().exit_code, 0);
  for (const std::string cmd : {"orders", "outbox"}) {
    for (const std::string value : {"-1", "abc", "0", "2.5", "1000001"}) {
      auto r = s.Run({cmd, "list", "--limit", value});
      EXPECT_NE(r.exit_code, 0) << cmd << " " << value;
      EXPECT_NE(r.err.find("--limit: a whole number from 1 to 1000000, not '" + value + "'"),
                std::string::npos)
          << r.err;
      EXPECT_LT(r.err.size(), 200u) << r.err;
    }
    EXPECT_EQ(s.Run({cmd, "list", "--limit", "3"}).exit_code, 0) << cmd;
  }
  auto listen = s.Run({"serve", "--listen", "127.0.0.1:80x"});
  EXPECT_EQ(listen.exit_code, 1);
  EXPECT_NE(listen.err.find("--listen '127.0.0.1:80x' is not HOST:PORT (PORT a whole number from 0 "
                            "to 65535"),
            std::string::npos)
      << listen.err;
}

// Another program (a backup, `sqlite3`) holds the database's write lock: the commands that only
// read still work, and one that writes says so plainly.
TEST(Cli, AnotherProgramsWriteLockStopsOnlyTheCommandsThatWrite) {
  CliShop s;
  ASSERT_EQ(s.Create().exit_code, 0);
  auto other = SqliteDb::Open(s.db, SqliteDb::Mode::kReadWrite);
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE((*other)->Exec("BEGIN EXCLUSIVE").ok());
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"orders", "list"}, {"outbox", "list"}, {"catalog", "export"}}) {
    const auto start = std::chrono::steady_clock::now();
    auto r = s.Run(args);
    EXPECT_EQ(r.exit_code, 0) << args[0] << ": " << r.err;
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2)) << args[0];
  }
  EXPECT_NE(s.Run({"catalog", "export"}).out.find("G1,Gula pasir 1kg,17500,150"),
            std::string::npos);
  auto blocked = s.Run({"catalog", "import", s.dir.File("catalog.csv")});
  EXPECT_EQ(blocked.exit_code, 1);
  EXPECT_EQ(blocked.err, "pesan: the database " + s.db +
                             " is locked by another program (database is locked); try again\n");
  ASSERT_TRUE((*other)->Exec("ROLLBACK").ok());
  EXPECT_EQ(s.Run({"catalog", "import", s.dir.File("catalog.csv")}).exit_code, 0);
}

// With or without a [gateway] section, the database is beside the config file by default,
// wherever the command runs from; a command that only reads does not create it there either.
TEST(Cli, TheDefaultDatabaseIsBesideTheConfigFile) {
  TempDir dir;
  const std::string csv = dir.Write("in.csv", "code,name,price\nB1,Beras 5kg,65000\n");
  for (const std::string head : {"", "[gateway]\nlanguage = \"id\"\n"}) {
    const std::string config =
        dir.Write("shop.toml", head + "[[shops]]\ncode = \"a\"\nname = \"A\"\n");
    std::filesystem::remove(dir.File("pesan.db"));
    auto refused = RunPesan({"orders", "list", "--config", config});
    EXPECT_EQ(refused.exit_code, 1) << refused.out;
    EXPECT_NE(refused.err.find(dir.File("pesan.db")), std::string::npos) << refused.err;
    EXPECT_FALSE(std::filesystem::exists(dir.File("pesan.db"))) << head;
    auto created = RunPesan({"catalog", "import", csv, "--config", config});
    EXPECT_EQ(created.exit_code, 0) << created.err;
    EXPECT_TRUE(std::filesystem::exists(dir.File("pesan.db"))) << head;
    auto r = RunPesan({"orders", "list", "--config", config});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(std::filesystem::current_path(), dir.path());
  }
}

// A mistyped --db is not taken for a new, empty shop: the commands that only read refuse it,
// say which file and what creates one, and leave nothing behind.
TEST(Cli, ReadingCommandsRefuseADatabaseThatIsNotThere) {
  CliShop s;
  const std::string typo = s.dir.File("shop-typo.db");
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"orders", "list"}, {"outbox", "list"}, {"catalog", "export"}}) {
    std::vector<std::string> with_db = args;
    with_db.insert(with_db.end(), {"--db", typo});
    auto r = s.Run(with_db);
    EXPECT_EQ(r.exit_code, 1) << args[0] << "\n" << r.out;
    EXPECT_EQ(r.out, "") << args[0];
    EXPECT_NE(r.err.find(typo), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("`pesan serve`"), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(typo)) << args[0];
  }
  // The commands that write still create it.
  auto created = s.Run({"catalog", "import", s.dir.File("catalog.csv"), "--db", typo});
  EXPECT_EQ(created.exit_code, 0) << created.err;
  EXPECT_TRUE(std::filesystem::exists(typo));
  EXPECT_EQ(s.Run({"orders", "list", "--db", typo}).exit_code, 0);
}

TEST(Cli, ServeAnswersAndStopsCleanlyOnSigterm) {
  CliShop s;
  {
    // The database also holds a shop the configuration no longer names, with an open order.
    auto store = SqliteStore::Open(s.db);
    ASSERT_TRUE(store.ok()) << store.error().message;
    auto old = (*store)->UpsertShop({"lama", "Toko Lama", {"+6281200000000"}, false, "", ""});
    ASSERT_TRUE(old.ok()) << old.error().message;
    ASSERT_TRUE(
        (*store)->ImportCatalog(old->id, {{"B1", "Beras", 1000, 5, "", "", true}}, true).ok());
    NewOrder order;
    order.shop_id = old->id;
    order.phone = "+6281200000002";
    order.lines = {{"B1", 1}};
    order.channel = "sms";
    ASSERT_TRUE((*store)->CreateOrder(order, std::chrono::system_clock::now()).ok());
    // And an SMS that failed for good.
    auto sms = (*store)->QueueSms({old->id, "+6281200000002", "Pesanan diterima", {}, {}},
                                  std::chrono::system_clock::now());
    ASSERT_TRUE(sms.ok());
    ASSERT_TRUE((*store)->MarkSmsFailed(*sms, "kannel 400: rejected").ok());
  }
  // Port 0: the kernel picks a free port and the log line says which.
  std::string bin = PesanBinary(), log = s.dir.File("serve.log");
  std::vector<std::string> args = {bin, "serve", "--config", s.config, "--listen", "127.0.0.1:0"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_t pid;
  ASSERT_EQ(posix_spawn(&pid, bin.c_str(), &fa, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&fa);
  std::uint16_t port = 0;
  ASSERT_TRUE(WaitFor([&] {
    auto text = ReadFile(log);
    auto at = text.find("http://127.0.0.1:");
    if (at == std::string::npos) return false;
    port = static_cast<std::uint16_t>(std::atoi(text.c_str() + at + 17));
    return port != 0;
  }));
  ASSERT_TRUE(WaitFor([&] { return HttpGet(port, "/health").status == 200; }));
  auto r = HttpPost(port, "/ussd/africastalking", "sessionId=x&phoneNumber=%2B6281200000001&text=");
  EXPECT_EQ(r.body.rfind("CON ", 0), 0u);
  // A second gateway started by mistake on the same port, or on the same database, refuses.
  auto same_port = RunPesan({"serve", "--config", s.config, "--db", s.dir.File("other.db"),
                             "--listen", "127.0.0.1:" + std::to_string(port)});
  EXPECT_EQ(same_port.exit_code, 1) << same_port.err;
  EXPECT_NE(same_port.err.find("is another pesan serve running?"), std::string::npos)
      << same_port.err;
  auto same_db = RunPesan({"serve", "--config", s.config, "--listen", "127.0.0.1:0"});
  EXPECT_EQ(same_db.exit_code, 1) << same_db.err;
  EXPECT_NE(same_db.err.find("is in use by another 'pesan serve'"), std::string::npos)
      << same_db.err;
  EXPECT_NE(ReadFile(log).find("1 open order(s) of shop 'lama'"), std::string::npos)
      << ReadFile(log);
  EXPECT_NE(ReadFile(log).find("1 SMS failed for good"), std::string::npos) << ReadFile(log);
  EXPECT_NE(ReadFile(log).find("`pesan outbox retry --failed`"), std::string::npos)
      << ReadFile(log);
  ::kill(pid, SIGTERM);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace pesan::testing

namespace pesan::testing {
namespace {

// The phone simulator against a running gateway: dial, order, then read the manager's alert
// and answer it by SMS.
TEST(Cli, PhoneSimulatorOrdersAndShowsTheManagersSms) {
  TempDir dir;
  SystemClock clock;
  TestGateway gw(dir, DemoConfig(dir, "[sms]\nchannel = \"sim\"\n"), clock);
  std::string url = "http://127.0.0.1:" + std::to_string(gw.port());
  std::string keys = "d\n1\n1\n2\nJl Mawar 3 RT02\n1\n";
  auto first = RunPesan({"sim", "--url", url}, keys + "q\n");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.out.find("Pilih produk"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("Pesanan no. 1 diterima"), std::string::npos) << first.out;
  // The customer's confirmation SMS shows on the customer's phone.
  EXPECT_TRUE(WaitFor([&] {
    return RunPesan({"sim", "--url", url}, "i\nq\n").out.find("SMS> Pesanan no. 1") !=
           std::string::npos;
  }));
  // The manager sees the alert and accepts by SMS; the customer is told.
  EXPECT_TRUE(WaitFor([&] {
    return RunPesan({"sim", "--url", url}, "m\nq\n").out.find("SMS> Pesanan 1: 2x Beras 5kg") !=
           std::string::npos;
  }));
  EXPECT_EQ(RunPesan({"sim", "--url", url}, "m\ns OK 1\nq\n").exit_code, 0);
  EXPECT_TRUE(WaitFor([&] {
    return RunPesan({"sim", "--url", url}, "m\nq\n").out.find("OK: pesanan 1") != std::string::npos;
  }));
  EXPECT_TRUE(WaitFor([&] {
    return RunPesan({"sim", "--url", url}, "i\nq\n").out.find("diterima toko") != std::string::npos;
  }));
}

}  // namespace
}  // namespace pesan::testing

namespace pesan::testing {
namespace {

// A string left without its closing quote is named as such, at its line, in place of the TOML
// parser's words for what it found instead.
TEST(Cli, AStringWithoutItsClosingQuoteIsNamed) {
  TempDir dir;
  const std::string shop = "[[shops]]\ncode = \"a\"\nname = \"A\"\n";
  for (const std::string& toml :
       {shop + "info = \"Buka 07.00-17.00\npickup = true\n", shop + "info = \"Buka 07.00",
        shop + "info = 'Buka 07.00\n", shop + "info = \"Buka \\\"pagi\\\"\n"}) {
    auto r = RunPesan({"orders", "list", "--config", dir.Write("open.toml", toml)});
    EXPECT_EQ(r.exit_code, 1) << toml;
    EXPECT_NE(r.err.find(dir.File("open.toml") + ":4: missing closing quote"), std::string::npos)
        << toml << "\n"
        << r.err;
    EXPECT_EQ(r.err.find("Error while parsing"), std::string::npos) << r.err;
  }
  // Other syntax errors keep the parser's words.
  auto other = RunPesan({"orders", "list", "--config", dir.Write("other.toml", shop + "x = \n")});
  EXPECT_NE(other.err.find("other.toml:4: "), std::string::npos) << other.err;
  EXPECT_EQ(other.err.find("missing closing quote"), std::string::npos) << other.err;
}

// A --config that is not there is said not to exist, by every command that reads it.
TEST(Cli, AConfigFileThatIsNotThereIsSaidNotToExist) {
  TempDir dir;
  const std::string path = dir.File("nope.toml");
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"orders", "list"}, {"catalog", "export"}, {"serve", "--listen", "127.0.0.1:0"}}) {
    std::vector<std::string> with = args;
    with.insert(with.end(), {"--config", path});
    auto r = RunPesan(with);
    EXPECT_EQ(r.exit_code, 1) << args[0];
    EXPECT_NE(r.err.find("pesan: config file " + path + " does not exist"), std::string::npos)
        << r.err;
  }
  auto folder = RunPesan({"orders", "list", "--config", dir.path().string()});
  EXPECT_EQ(folder.exit_code, 1);
  EXPECT_NE(folder.err.find(dir.path().string() + " is a folder, not a config file"),
            std::string::npos)
      << folder.err;
}

// The info screen shows the first 140 characters of the shop's info: a longer one is warned
// about at start, at its line, before anything else can stop the start.
TEST(Cli, AShopInfoLongerThanItsScreenIsWarnedAboutAtStart) {
  TempDir dir;
  std::string toml = DemoConfig(dir);
  const std::string key = "info = \"Desa Sukamaju. Buka 07.00-17.00.\"";
  const auto at = toml.find(key);
  ASSERT_NE(at, std::string::npos);
  const auto line = 1 + std::count(toml.begin(), toml.begin() + at, '\n');
  const std::string fits = dir.Write("fits.toml", toml);
  // 150 characters, of which some take two bytes.
  std::string info;
  while (info.size() < 146) info += "Desa Sukamaju, ";
  info = info.substr(0, 146) + "é ok";
  toml.replace(at, key.size(), "info = \"" + info + "\"");
  const std::string config = dir.Write("long.toml", toml);
  const std::string nowhere = dir.File("no/such/folder/x.db");
  auto r = RunPesan({"serve", "--config", config, "--db", nowhere, "--listen", "127.0.0.1:0"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find(config + ":" + std::to_string(line) +
                       ": [shops] info is 150 characters; the USSD shop info screen shows the "
                       "first 140"),
            std::string::npos)
      << r.err;
  auto quiet = RunPesan({"serve", "--config", fits, "--db", nowhere, "--listen", "127.0.0.1:0"});
  EXPECT_EQ(quiet.exit_code, 1);
  EXPECT_EQ(quiet.err.find("info is"), std::string::npos) << quiet.err;
}

// The simulated phone hangs up a USSD session on an empty line, as its help says, and is back
// at its own prompt.
TEST(Cli, PhoneSimulatorHangsUpOnAnEmptyLine) {
  TempDir dir;
  SystemClock clock;
  TestGateway gw(dir, DemoConfig(dir, "[sms]\nchannel = \"sim\"\n"), clock);
  const std::string url = "http://127.0.0.1:" + std::to_string(gw.port());
  auto r = RunPesan({"sim", "--url", url}, "d\n1\n\ni\nq\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("an empty line hangs up"), std::string::npos) << r.out;
  const auto hung = r.out.find("(hung up)\n");
  ASSERT_NE(hung, std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Pilih produk"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("Pilihan tidak ada"), std::string::npos) << r.out;
  // Then "i" is the phone's own command again: its inbox, not a USSD reply.
  EXPECT_NE(r.out.find("[+6281200000001] > (no new SMS)", hung), std::string::npos) << r.out;
}

}  // namespace
}  // namespace pesan::testing
