// Route checks, tunnel-graph components and memory; see metrics.h.
#include "re6st/scale/metrics.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>

namespace re6st::scale {
namespace {

uint32_t find(std::vector<uint32_t>& parent, uint32_t x) {
  while (parent[x] != x) x = parent[x] = parent[parent[x]];
  return x;
}

}  // namespace

Components tunnelComponents(const World& world) {
  Components c;
  std::vector<uint32_t> parent(world.size());
  for (uint32_t i = 0; i < parent.size(); ++i) parent[i] = i;
  for (auto [a, b] : world.liveTunnels()) parent[find(parent, uint32_t(a))] = find(parent, uint32_t(b));
  c.of.resize(world.size());
  std::map<uint32_t, uint64_t> sizes;
  uint64_t live = 0;
  for (uint32_t i = 0; i < parent.size(); ++i) {
    c.of[i] = find(parent, i);
    if (world.alive(i)) ++sizes[c.of[i]], ++live;
  }
  for (const auto& [root, n] : sizes) c.connectedPairs += n * (n - 1);
  c.livePairs = live > 0 ? live * (live - 1) : 0;
  c.count = sizes.size();
  return c;
}

RouteCheck checkRoutes(const World& world, uint64_t maxPairs, Random& random) {
  RouteCheck r;
  Components comp = tunnelComponents(world);
  std::vector<size_t> live;
  for (size_t i = 0; i < world.size(); ++i)
    if (world.alive(i)) live.push_back(i);
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
  uint64_t all = live.size() * (live.size() > 0 ? live.size() - 1 : 0);
  if (maxPairs == 0 || all <= maxPairs) {
    for (size_t s : live)
      for (size_t d : live)
        if (s != d) walk(s, d);
  } else {
    r.sampled = true;
    for (uint64_t k = 0; k < maxPairs; ++k) {
      size_t s = live[size_t(random.below(live.size()))];
      size_t d = live[size_t(random.below(live.size() - 1))];
      if (d == s) d = live.back();  // uniform over the others
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
