// Measurements on a running World: route checks that walk the installed routes hop by
// hop between (sampled) node pairs, the tunnel graph's connected components (what the
// routes should reach), and the process's memory. Read-only; single-threaded.
#pragma once

#include <cstdint>
#include <vector>

#include "re6st/base/random.h"
#include "re6st/scale/world.h"

namespace re6st::scale {

struct RouteCheck {
  uint64_t pairs = 0;      // (live source, live destination) pairs examined
  uint64_t expected = 0;   // of which connected through live tunnels (same component)
  uint64_t reachable = 0;  // the next-hop chain ends at the destination
  uint64_t missing = 0;    // some hop has no usable route
  uint64_t loops = 0;      // the chain is longer than any simple path
  uint64_t maxHops = 0;
  double avgHops = 0;
  bool sampled = false;    // pairs drawn at random rather than all pairs
  double share() const { return pairs ? double(reachable) / double(pairs) : 0; }
  // Every pair the tunnels connect has a working loop-free route.
  bool converged() const { return reachable == expected && loops == 0; }
};

// Walks up to maxPairs random pairs of live nodes (every ordered pair when maxPairs is 0
// or not smaller than their number); in sampled mode the destinations are the tracked
// nodes only (World::tracked), the sources any live node.
RouteCheck checkRoutes(const World& world, uint64_t maxPairs, Random& random);

// Components of the graph of live tunnels between live nodes.
struct Components {
  std::vector<uint32_t> of;  // component per node (meaningless for dead nodes)
  uint64_t connectedPairs = 0;  // ordered pairs of live nodes in the same component
  uint64_t livePairs = 0;
  size_t count = 0;             // components among live nodes
  double share() const { return livePairs ? double(connectedPairs) / double(livePairs) : 1; }
};
Components tunnelComponents(const World& world);

struct Memory {
  uint64_t rssKb = 0;   // VmRSS
  uint64_t peakKb = 0;  // VmHWM
};
Memory processMemory();

}  // namespace re6st::scale
