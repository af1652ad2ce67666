// 500 Babel routers in a random graph of degree ~10 on virtual time: every pair converges
// to a loop-free route whose next-hop chain ends at the origin, and again after 20% of
// the routers vanish at once (issue 4, simulation evidence).
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <set>

#include "babel_sim.h"
#include "re6st/sim/babel_net.h"

using namespace re6st;
using re6st::test::babelConfig;
using re6st::test::babelPrefix;

namespace {

// Each router opens `out` links to distinct random others: mean degree 2 × out.
void randomGraph(sim::BabelNet& net, size_t n, size_t out, SeededRandom& rnd) {
  std::set<std::pair<size_t, size_t>> done;
  for (size_t i = 0; i < n; ++i) {
    for (size_t k = 0; k < out;) {
      size_t j = size_t(rnd.below(n));
      auto key = std::minmax(i, j);
      if (j == i || !done.insert(key).second) continue;
      sim::LinkParams lp;
      lp.latency = milliseconds(int64_t(5 + rnd.below(40)));
      net.link(i, j, lp);
      ++k;
    }
  }
}

void report(const char* what, const sim::RouteCheck& c, uint64_t expect, double wall) {
  std::printf("%-22s pairs %6llu reachable %6llu (expected %6llu) loops %llu missing %llu "
              "broken %llu hops avg %.2f max %llu  wall %.1fs\n",
              what, (unsigned long long)c.pairs, (unsigned long long)c.reachable,
              (unsigned long long)expect, (unsigned long long)c.loops,
              (unsigned long long)c.missing, (unsigned long long)c.broken, c.avgHops,
              (unsigned long long)c.maxHops, wall);
}

}  // namespace

TEST_CASE("babel sim: 500 routers converge loop-free and reconverge after 20% vanish") {
  auto t0 = std::chrono::steady_clock::now();
  auto wall = [&t0] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  const size_t n = 500;
  // 4-second Hellos; periodic dumps every 60 s as with re6st's default 15-second Hellos.
  babel::Config cfg = babelConfig(seconds(4));
  cfg.updateInterval = seconds(60);
  sim::BabelNet net(42, cfg);
  for (size_t i = 0; i < n; ++i) net.addRouter(babelPrefix(i));
  SeededRandom rnd(7);
  randomGraph(net, n, 5, rnd);
  net.run(seconds(20));
  auto c = net.check();
  uint64_t expect = net.connectedPairs();
  report("converged (20 s)", c, expect, wall());
  CHECK(c.loops == 0);
  CHECK(c.broken == 0);
  CHECK(c.reachable == expect);
  CHECK(expect == n * (n - 1));

  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = i;
  for (size_t i = n - 1; i > 0; --i) std::swap(order[i], order[size_t(rnd.below(i + 1))]);
  for (size_t i = 0; i < n / 5; ++i) net.kill(order[i]);
  // Neighbours notice the silence after two missed Hellos (~11 s), then reroute.
  net.run(seconds(25));
  c = net.check();
  expect = net.connectedPairs();
  report("after 20% vanish (25 s)", c, expect, wall());
  CHECK(c.loops == 0);
  CHECK(c.broken == 0);
  CHECK(c.reachable == expect);
  std::printf("virtual net: %llu packets delivered, %llu bytes\n",
              (unsigned long long)net.net().stats().delivered,
              (unsigned long long)net.net().stats().bytes);
}
