// Route checks, tunnel-graph components and memory; see metrics.h.
#include "re6st/scale/metrics.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>

namespace re6st::scale {
Components tunnelComponents(const World& world) {
  Components c;
  c.of = world.overlayComponents();
  std::map<uint32_t, uint64_t> sizes;
  uint64_t live = 0;
  for (uint32_t i = 0; i < c.of.size(); ++i)
    if (world.alive(i)) ++sizes[c.of[i]], ++live;
  for (const auto& [root, n] : sizes) c.connectedPairs += n * (n - 1);
  c.livePairs = live > 0 ? live * (live - 1) : 0;
  c.count = sizes.size();
  return c;
}

RouteCheck checkRoutes(const World& world, uint64_t maxPairs, Random& random) {
  RouteCheck r;
  Components comp = tunnelComponents(world);
  std::vector<size_t> live, dests;  // sampled mode: destinations are the tracked nodes
  for (size_t i = 0; i < world.size(); ++i) {
    if (!world.alive(i)) continue;
    live.push_back(i);
    if (world.tracked(i)) dests.push_back(i);
  }
  uint64_t hopSum = 0;
  auto walk = [&](size_t s, size_t d) {
    ++r.pairs;
    if (comp.of[s] == comp.of[d]) ++r.expected;
    size_t cur = s;
    uint64_t hops = 0;
    while (cur != d) {
      auto next = world.nextHop(cur, d);
      if (!next) {
        ++r.missing;
        return;
      }
      cur = *next;
      if (++hops > live.size()) {  // longer than any simple path: a loop
        ++r.loops;
        return;
      }
    }
    ++r.reachable;
    hopSum += hops;
    r.maxHops = std::max(r.maxHops, hops);
  };
  uint64_t all = live.size() * dests.size() - dests.size();
  if (maxPairs == 0 || all <= maxPairs) {
    for (size_t s : live)
      for (size_t d : dests)
        if (s != d) walk(s, d);
  } else if (!dests.empty()) {
    r.sampled = true;
    for (uint64_t k = 0; k < maxPairs; ++k) {
      size_t d = dests[size_t(random.below(dests.size()))];
      size_t s = live[size_t(random.below(live.size() - 1))];
      if (s == d) s = live.back();  // uniform over the others
      walk(s, d);
    }
  }
  r.avgHops = r.reachable ? double(hopSum) / double(r.reachable) : 0;
  return r;
}

Memory processMemory() {
  Memory m;
  std::ifstream f("/proc/self/status");
  std::string line;
  auto kb = [&line](size_t at) { return uint64_t(std::strtoull(line.c_str() + at, nullptr, 10)); };
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) m.rssKb = kb(6);
    if (line.rfind("VmHWM:", 0) == 0) m.peakKb = kb(6);
  }
  return m;
}

}  // namespace re6st::scale
