// Benchmark (not a test): Babel cores on the simulator. Prints a table of
// (1) simulated routers × virtual seconds per wall second for random graphs of degree ~10,
// (2) heap and CPU of one router holding 10,000 prefixes learned through 30 neighbours,
// (3) virtual time to reroute after a link cut with 1 s and 15 s hellos.
// Build and run with test/bench/babel_sim_bench.sh BUILD_DIR.
#include <malloc.h>

#include <chrono>
#include <cstdio>
#include <set>

#include "re6st/sim/babel_net.h"

using namespace re6st;

namespace {

double wallSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

Prefix prefixOf(size_t i, int len) {
  Prefix p;
  p.addr = {0x20, 0x01, 0x0d, 0xb8, uint8_t(i >> 16), uint8_t(i >> 8), uint8_t(i)};
  p.len = len;
  return p;
}

babel::Config config(Duration hello) {
  babel::Config c;
  c.helloInterval = hello;
  return c;
}

void scale(size_t n, Duration virt) {
  auto t0 = std::chrono::steady_clock::now();
  babel::Config cfg = config(seconds(4));
  cfg.updateInterval = seconds(60);
  sim::BabelNet net(1, cfg);
  for (size_t i = 0; i < n; ++i) net.addRouter(prefixOf(i, 56));
  SeededRandom rnd(2);
  std::set<std::pair<size_t, size_t>> done;
  for (size_t i = 0; i < n; ++i) {
    for (size_t k = 0; k < 5;) {
      size_t j = size_t(rnd.below(n));
      if (j == i || !done.insert(std::minmax(i, j)).second) continue;
      net.link(i, j, sim::LinkParams{milliseconds(int64_t(5 + rnd.below(40)))});
      ++k;
    }
  }
  net.run(virt);
  double wall = wallSince(t0);
  auto c = net.check();
  std::printf("| %6zu | %5llds | %8.1f | %12.0f | %9.2f%% | %5.2f | %9.1f |\n", n,
              (long long)std::chrono::duration_cast<seconds>(virt).count(), wall,
              double(n) * double(virt.count()) / 1e6 / wall,
              100.0 * double(c.reachable) / double(c.pairs ? c.pairs : 1), c.avgHops,
              double(net.net().stats().bytes) / double(n) / (double(virt.count()) / 1e6));
}

void manyPrefixes(size_t prefixes, size_t neighbours) {
  sim::BabelNet net(3, config(seconds(4)));
  size_t hub = net.addRouter(prefixOf(0xFFFFFF, 56));
  std::vector<babel::Xroute> xs;
  for (size_t i = 0; i < prefixes; ++i) xs.push_back(babel::Xroute{prefixOf(i, 64), {}, 0});
  for (size_t k = 0; k < neighbours; ++k) {
    size_t f = net.addRouter(prefixOf(0xFFFF00 + k, 56));
    net.router(f).setRedistributed(xs, net.now());
  }
  net.run(seconds(1));
  struct mallinfo2 before = mallinfo2();
  auto t0 = std::chrono::steady_clock::now();
  for (size_t k = 0; k < neighbours; ++k) net.link(hub, 1 + k);
  net.run(seconds(30));
  double convergeWall = wallSince(t0);
  struct mallinfo2 after = mallinfo2();
  size_t routes = net.router(hub).routes().size();
  t0 = std::chrono::steady_clock::now();
  net.run(seconds(32));
  double steady = wallSince(t0);
  std::printf("| %6zu | %3zu | %8zu | %9.1f | %10.0f | %12.2f | %18.3f |\n", prefixes,
              neighbours, routes, double(after.uordblks - before.uordblks) / 1e6,
              double(after.uordblks - before.uordblks) / double(routes ? routes : 1),
              convergeWall, steady / 32.0);
}

void reroute(Duration hello) {
  // A ring of 8; the 0-1 link is cut; how long until 0 reaches 1 again (the long way)?
  sim::BabelNet net(4, config(hello));
  for (size_t i = 0; i < 8; ++i) net.addRouter(prefixOf(i, 56));
  std::vector<sim::SegmentId> segs;
  for (size_t i = 0; i < 8; ++i) segs.push_back(net.link(i, (i + 1) % 8));
  net.run(hello * 20);
  net.net().setUp(segs[0], false);
  Time cut = net.now();
  Duration step = milliseconds(50);
  Duration took{};
  for (int k = 0; k < 20000; ++k) {
    net.run(step);
    auto it = net.fib(0).find({prefixOf(1, 56), Prefix{}});
    auto viaCut = it != net.fib(0).end() && net.net().neighbourAt(0, it->second.second,
                                                                  it->second.first) == 1u;
    if (it != net.fib(0).end() && !viaCut && net.check().reachable == 56) {
      took = net.now() - cut;
      break;
    }
  }
  std::printf("| %5llds | %10.2fs |\n",
              (long long)std::chrono::duration_cast<seconds>(hello).count(),
              double(took.count()) / 1e6);
}

}  // namespace

int main() {
  std::printf("Simulated Babel routers (random graph, degree ~10, hello 4 s, periodic dumps 60 s)\n");
  std::printf("| routers | virtual | wall s | router·s/s | reachable | hops | B/s/node |\n");
  std::printf("|--------|--------|----------|--------------|------------|-------|-----------|\n");
  for (size_t n : {100, 250, 500}) scale(n, seconds(30));
  std::printf("\nOne router, many prefixes (every prefix via every neighbour)\n");
  std::printf("| prefixes | nbrs | routes | heap MB | B/route | converge wall s | wall s per "
              "virtual s |\n");
  std::printf("|--------|-----|----------|-----------|------------|--------------|------------"
              "--------|\n");
  manyPrefixes(10000, 30);
  std::printf("\nReroute after a link cut (ring of 8, virtual time)\n");
  std::printf("| hello | reroute |\n|-------|------------|\n");
  reroute(seconds(1));
  reroute(seconds(15));
  return 0;
}
