// Many Babel router cores on one VirtualNet: each router's actions become virtual sends
// and entries in a per-node forwarding table, and its timer becomes an event. Checks
// walk those tables hop by hop (every route's next-hop chain must end at its origin).
// Deterministic for a seed; single-threaded.
#pragma once

#include <map>
#include <memory>
#include <vector>

#include "re6st/babel/router.h"
#include "re6st/sim/virtual_net.h"

namespace re6st::sim {

struct RouteCheck {
  uint64_t pairs = 0;       // (router, live destination router) pairs examined
  uint64_t reachable = 0;   // next-hop chain ends at the destination
  uint64_t missing = 0;     // some hop has no route (not yet converged, or partitioned)
  uint64_t loops = 0;       // the chain revisits a router
  uint64_t broken = 0;      // a next hop that is not a live neighbour on that link
  uint64_t maxHops = 0;
  double avgHops = 0;
};

class BabelNet {
 public:
  // base: the configuration every router starts from (router-id, seqno and the
  // redistributed prefix are set per router).
  BabelNet(uint64_t seed, babel::Config base);
  ~BabelNet();

  // Adds a router originating prefix; returns its index.
  size_t addRouter(const Prefix& prefix);
  // Connects two routers with a point-to-point link of the given type.
  SegmentId link(size_t a, size_t b, LinkParams params = {},
                 babel::IfType type = babel::IfType::kTunnel);
  // Makes the router vanish at once (no retraction), as a crashed node would.
  void kill(size_t i);
  bool alive(size_t i) const { return nodes_[i].router != nullptr; }

  void run(Duration d) { events_.runFor(d); }
  Time now() const { return events_.now(); }
  size_t size() const { return nodes_.size(); }
  babel::Router& router(size_t i) { return *nodes_[i].router; }
  const Prefix& prefix(size_t i) const { return nodes_[i].prefix; }
  VirtualNet& net() { return net_; }
  EventQueue& events() { return events_; }
  uint64_t rejectedPackets() const { return rejected_; }

  // Walks every (live source, live destination) pair through the forwarding tables.
  RouteCheck check() const;
  // Ordered pairs of live routers connected through up links: what check().reachable
  // must reach once converged.
  uint64_t connectedPairs() const;
  // The forwarding table of router i: (dst, src) -> (next hop, ifindex).
  const std::map<std::pair<Prefix, Prefix>, std::pair<Ipv6, int>>& fib(size_t i) const {
    return nodes_[i].fib;
  }

 private:
  struct Node {
    NodeId id = 0;
    std::unique_ptr<babel::Router> router;
    std::unique_ptr<SeededRandom> random;
    Prefix prefix;
    int nextIfindex = 1;
    std::map<std::pair<Prefix, Prefix>, std::pair<Ipv6, int>> fib;
    uint64_t timerGen = 0;
    Time scheduled = Time::max();
  };
  void drain(size_t i);
  void schedule(size_t i);
  Ipv6 linkLocal(size_t node, int ifindex) const;

  EventQueue events_;
  VirtualNet net_;
  babel::Config base_;
  uint64_t seed_;
  std::vector<Node> nodes_;
  struct Link {
    size_t a, b;
    SegmentId segment;
  };
  std::vector<Link> links_;
  std::map<NodeId, size_t> byId_;
  uint64_t rejected_ = 0;
};

}  // namespace re6st::sim
