// `re6st sim` option parsing: every documented option, and clear one-line errors for
// malformed or absurd values (operators type these).
#include <catch2/catch.hpp>

#include "re6st/base/random.h"
#include "re6st/scale/config.h"

using namespace re6st;
using namespace re6st::scale;

TEST_CASE("scale config: options set every parameter") {
  auto c = parseArgs({"--nodes", "1000", "--client-count=16", "--max-clients", "40",
                      "--tunnel-refresh", "5m", "--hello", "4", "--nat", "0.25", "--latency",
                      "lognormal:30:0.5", "--churn", "12", "--kill", "0.3@10m", "--kill",
                      "0.1@1h", "--partition", "900", "--registry-down", "1500ms",
                      "--duration", "2h", "--seed", "9", "--pairs", "0", "--csv", "out",
                      "--json", "--join", "30s", "--loss", "0.01", "--sample", "1m"});
  REQUIRE(c.ok());
  CHECK(c->nodes == 1000);
  CHECK(c->clientCount == 16);
  CHECK(c->effectiveMaxClients() == 40);
  CHECK(c->tunnelRefresh == seconds(300));
  CHECK(c->hello == seconds(4));
  CHECK(c->nat == 0.25);
  CHECK(c->latency.str() == "lognormal:30:0.5");
  CHECK(c->churn == 12);
  REQUIRE(c->kills.size() == 2);
  CHECK(c->kills[0].share == 0.3);
  CHECK(c->kills[0].at == seconds(600));
  CHECK(c->kills[1].at == seconds(3600));
  CHECK(c->partition == seconds(900));
  CHECK(c->registryDown == milliseconds(1500));
  CHECK(c->duration == seconds(7200));
  CHECK(c->seed == 9);
  CHECK(c->pairs == 0);
  CHECK(c->csvDir == "out");
  CHECK(c->json);
  CHECK(c->join == seconds(30));
  CHECK(c->loss == 0.01);
  CHECK(c->sampleEvery == seconds(60));
}

TEST_CASE("scale config: --track selects the sampled mode, all nodes means full") {
  auto c = parseArgs({"--nodes", "1000", "--track", "100"});
  REQUIRE(c.ok());
  CHECK(c->track == 100);
  auto all = parseArgs({"--nodes", "50", "--track", "50"});
  REQUIRE(all.ok());
  CHECK(all->track == 0);
  auto none = parseArgs({});
  REQUIRE(none.ok());
  CHECK(none->track == 0);
}

TEST_CASE("scale config: defaults are re6st-registry's network defaults") {
  auto c = parseArgs({});
  REQUIRE(c.ok());
  CHECK(c->clientCount == 10);
  CHECK(c->effectiveMaxClients() == 20);
  CHECK(c->hello == seconds(15));
  CHECK(c->tunnelRefresh == seconds(300));
}

TEST_CASE("scale config: malformed values give one-line errors") {
  const std::vector<std::vector<std::string>> bad = {
      {"--nodes"},                      {"--nodes", "1"},
      {"--nodes", "-5"},                {"--nodes", "9999999999"},
      {"--nodes", "12abc"},             {"--nat", "1.5"},
      {"--nat", "nan"},                 {"--kill", "0.3"},
      {"--kill", "2@10"},               {"--kill", "0.3@soon"},
      {"--latency", "uniform:80:5"},    {"--latency", "gauss:1:2"},
      {"--latency", "fixed"},           {"--latency", "lognormal:0:1"},
      {"--hello", "0"},                 {"--duration", "-1"},
      {"--duration", "1e300"},          {"--bogus", "1"},
      {"positional"},                   {"--client-count", "0"},
      {"--churn", "inf"},               {"--tunnel-refresh", "1s"},
      {"--track", "1"},                 {"--track", "x"},
  };
  for (const auto& args : bad) {
    auto c = parseArgs(args);
    INFO(args[0]);
    REQUIRE_FALSE(c.ok());
    CHECK(c.error().message.find('\n') == std::string::npos);
    CHECK_FALSE(c.error().message.empty());
  }
}

TEST_CASE("scale config: latency distributions stay in their range") {
  SeededRandom rnd(1);
  auto u = parseLatency("uniform:5:80");
  REQUIRE(u.ok());
  auto l = parseLatency("lognormal:30:1");
  REQUIRE(l.ok());
  auto f = parseLatency("fixed:12.5");
  REQUIRE(f.ok());
  for (int i = 0; i < 1000; ++i) {
    Duration d = u->draw(rnd);
    CHECK(d >= milliseconds(5));
    CHECK(d <= milliseconds(80));
    Duration e = l->draw(rnd);
    CHECK(e >= milliseconds(1));
    CHECK(e <= milliseconds(2000));
  }
  CHECK(f->draw(rnd) == Duration(12500));
}

TEST_CASE("scale config: durations") {
  CHECK(*parseDuration("90") == seconds(90));
  CHECK(*parseDuration("2m") == seconds(120));
  CHECK(*parseDuration("250ms") == milliseconds(250));
  CHECK(*parseDuration("1.5h") == seconds(5400));
  CHECK_FALSE(parseDuration("").ok());
  CHECK_FALSE(parseDuration("ms").ok());
  CHECK_FALSE(parseDuration("5 s").ok());
}
