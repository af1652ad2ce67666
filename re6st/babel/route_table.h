// The route table (RFC 8966 §3.2.6) and route selection (§3.6): every route learned from
// every neighbour, grouped by (prefix, source prefix), and the choice among them with
// hysteresis. "Why was this route chosen?" is answered by chooseRoute(). No I/O.
#pragma once

#include <unordered_map>
#include <optional>
#include <utility>
#include <vector>

#include "re6st/babel/neighbour.h"
#include "re6st/babel/source.h"

namespace re6st::babel {

struct Route {
  Neighbour* neighbour = nullptr;  // owned by the router's neighbour table
  RouterId routerId{};
  uint16_t seqno = 0;
  uint16_t refmetric = kInfinity;  // metric announced by the neighbour
  uint16_t metric = kInfinity;     // refmetric + link cost (§3.5.2 M(c, m))
  Ipv6 nexthop{};
  Duration interval{};
  Time expires{};
  bool refused = false;  // the kernel refused to install it: not selectable for a while
};

struct Destination {
  std::vector<Route> routes;
  int selected = -1;
  std::optional<std::pair<Ipv6, int>> installed;  // next hop and ifindex in the kernel
  // The last selection, to decide whether a change deserves a triggered update (§3.7.2).
  Neighbour* lastNeighbour = nullptr;
  RouterId lastRouterId{};
  uint16_t lastSeqno = 0;
  uint16_t lastMetric = kInfinity;
  Time lastSeqnoRequest{};  // starvation requests are rate-limited (§3.8.2.1)
};

using RouteKey = std::pair<Prefix, Prefix>;  // (destination, source) — RFC 9079 §3
struct RouteKeyHash {
  size_t operator()(const RouteKey& k) const {
    uint64_t h = hashPrefix(hashPrefix(0, k.first), k.second);
    h = (h ^ (h >> 31)) * 0xbf58476d1ce4e5b9ULL;  // splitmix64 finaliser
    return size_t(h ^ (h >> 29));
  }
};

// §3.5.2: metric of a route through a link: infinity if either is infinite.
uint16_t addMetric(uint16_t refmetric, uint16_t cost);

// Hysteresis: another route must be better by at least 1/16 of the metric (16 minimum).
inline int hysteresis(uint16_t metric) { return metric / 16 > 16 ? metric / 16 : 16; }

// §3.6: the best feasible route with a finite metric. The current choice is kept unless
// the other is better by a margin (hysteresis, avoids flapping on noisy RTT costs).
int chooseRoute(const Destination& d, const RouteKey& key, const SourceTable& sources);

}  // namespace re6st::babel
