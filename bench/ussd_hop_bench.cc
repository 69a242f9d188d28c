// One USSD hop without the network: the menus' Step on the demo shop for each hop of the
// reference session (/work/shared/bench/FLOW.md), and the Africa's Talking form parse of a
// request body. What bench/run measures over HTTP, minus the sockets and the database.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "adapters/africastalking/at_ussd.h"
#include "core/catalog_csv.h"
#include "core/embedded.h"
#include "gateway/config.h"
#include "menus/ussd/ussd_menu.h"

namespace pesan {
namespace {

// The six `text` fields of the reference session.
constexpr const char* kHops[] = {
    "", "1", "1*1", "1*1*2", "1*1*2*Jl Mawar 3 RT02", "1*1*2*Jl Mawar 3 RT02*1"};

template <typename T>
T OrDie(Result<T> r, const char* what) {
  if (!r) {
    std::fprintf(stderr, "%s: %s\n", what, r.error().message.c_str());
    std::exit(1);
  }
  return std::move(*r);
}

// The built-in demo shop (config/demo.toml and config/demo-catalog.csv), as the gateway loads it.
struct Demo {
  std::shared_ptr<const Texts> texts;
  ussd::ShopView shop;
  ussd::CustomerView customer;

  Demo() {
    texts = OrDie(Texts::LoadDefault(), "texts");
    Config cfg = OrDie(LoadConfig(""), "demo config");
    const ShopConfig& sc = cfg.shops.front();
    Shop s;
    s.id = 1;
    s.code = sc.code;
    s.name = sc.name;
    s.pickup = sc.pickup;
    s.info = sc.info;
    s.managers = sc.managers;
    auto rows = OrDie(ParseCatalogCsv(*EmbeddedFile("demo-catalog.csv")), "demo catalog");
    std::vector<Product> products;
    for (const auto& r : rows) {
      Product p;
      p.id = static_cast<std::int64_t>(products.size()) + 1;
      p.shop_id = s.id;
      p.code = r.code;
      p.name = r.name;
      p.price = r.price;
      p.stock = r.stock;
      p.unit = r.unit;
      p.category = r.category;
      p.active = r.active;
      p.position = p.id;
      products.push_back(std::move(p));
    }
    shop = ussd::MakeShopView(std::move(s), std::move(products));
    customer.phone = "+6281200000001";  // a new customer: no address, no orders
    customer.language = cfg.gateway.language;
    customer.today = "2026-11-28";
  }
};

const Demo& TheDemo() {
  static const Demo demo;
  return demo;
}

// Arg: the hop (0..5). Splits the text and steps the menus, as UssdService::Run does.
void BM_UssdStep(benchmark::State& state) {
  const Demo& d = TheDemo();
  const std::string text = kHops[state.range(0)];
  for (auto _ : state) {
    auto inputs = ussd::SplitInputs(text);
    auto r = ussd::Step(d.shop, d.customer, *d.texts, inputs);
    benchmark::DoNotOptimize(r);
  }
  state.SetLabel(text.empty() ? "(empty)" : text);
}

// The whole session's six steps, one after the other: the menus' work for one order.
void BM_UssdSession(benchmark::State& state) {
  const Demo& d = TheDemo();
  for (auto _ : state) {
    for (const char* text : kHops) {
      auto r = ussd::Step(d.shop, d.customer, *d.texts, ussd::SplitInputs(text));
      benchmark::DoNotOptimize(r);
    }
  }
}

// A request body as ussd-flow.lua sends it (hop 5, the longest common one).
void BM_AtParse(benchmark::State& state) {
  const std::string body =
      "sessionId=ATUid_1764290000_7_42&serviceCode=%2A123%23&phoneNumber=%2B6281207"
      "17640000042&networkCode=51010&text=1*1*2*Jl+Mawar+3+RT02";
  for (auto _ : state) {
    auto r = africastalking::ParseUssdRequest(body);
    benchmark::DoNotOptimize(r);
  }
}

void BM_AtFormat(benchmark::State& state) {
  const Demo& d = TheDemo();
  const std::string screen =
      ussd::Step(d.shop, d.customer, *d.texts, ussd::SplitInputs("1")).screen;
  for (auto _ : state) {
    auto s = africastalking::FormatUssdAnswer(screen, false);
    benchmark::DoNotOptimize(s);
  }
}
}  // namespace
}  // namespace pesan

// PESAN_BENCH_ITERATIONS=N runs every benchmark exactly N iterations, once: for counting
// instructions with callgrind (see bench/README.md), where time-based runs would repeat.
int main(int argc, char** argv) {
  using namespace pesan;
  const char* fixed = std::getenv("PESAN_BENCH_ITERATIONS");
  const long iterations = fixed ? std::atol(fixed) : 0;
  auto add = [&](benchmark::internal::Benchmark* b) {
    if (iterations > 0) b->Iterations(iterations);
    return b;
  };
  for (int hop = 0; hop < 6; ++hop) {
    add(benchmark::RegisterBenchmark("BM_UssdStep", BM_UssdStep))->Arg(hop);
  }
  add(benchmark::RegisterBenchmark("BM_UssdSession", BM_UssdSession));
  add(benchmark::RegisterBenchmark("BM_AtParse", BM_AtParse));
  add(benchmark::RegisterBenchmark("BM_AtFormat", BM_AtFormat));
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
