// N complete re6st node cores on one virtual clock: per node a Babel router, a tunnel
// manager, a peer protocol core and an in-memory peer cache, composed as re6stnet
// composes them; tunnels are virtual point-to-point links opened when a manager's
// OpenTunnel reaches a node that accepts it; peer datagrams follow the Babel routes hop
// by hop; the registry answers getBootstrapPeer. Single-threaded and deterministic.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "re6st/babel/router.h"
#include "re6st/peer/cache.h"
#include "re6st/peer/protocol.h"
#include "re6st/scale/config.h"
#include "re6st/scale/pki.h"
#include "re6st/sim/virtual_net.h"
#include "re6st/tunnel/manager.h"

namespace re6st::scale {

// Cumulative counters (metrics take differences between samples).
struct Counters {
  uint64_t tunnelsOpened = 0;   // established (both sides up)
  uint64_t tunnelsClosed = 0;   // established ones closed or lost
  uint64_t tunnelAttempts = 0;  // OpenTunnel actions executed
  uint64_t tunnelsRefused = 0;  // refused by the server (max-clients, NAT, dead)
  uint64_t peerSent = 0, peerDelivered = 0, peerUnrouted = 0, peerBytes = 0;
  uint64_t bootstrapAsked = 0, bootstrapAnswered = 0;
  uint64_t dumps = 0;           // routing dumps given to tunnel managers
  uint64_t joins = 0, deaths = 0;
};

class World {
 public:
  static constexpr uint32_t kNoRoute = 0;
  // Node prefixes are 20 bits in the /48 network: /68 subnets, up to 2^20 nodes.
  static constexpr int kPrefixBits = 20;

  World(const Config& config, const Pki& pki);
  ~World();
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  // Node i (0 = the registry node) starts now with fresh cores and an empty cache.
  // Fails only when its identity or protocol core cannot be built.
  Status start(size_t i);
  // Node i vanishes at once (crash): no goodbye; its peers notice through timeouts.
  void kill(size_t i);
  // Splits the underlay: tunnels between the two sides stop carrying packets and are
  // torn down by their ends after the tunnel timeout; no new one crosses.
  void partition(std::vector<uint8_t> side);
  void setRegistryUp(bool up) { registryUp_ = up; }

  void runUntil(Time t) { events_.runUntil(t); }
  Time now() const { return events_.now(); }
  sim::EventQueue& events() { return events_; }
  Random& random() { return random_; }

  // Queries for the metrics.
  size_t size() const;
  bool alive(size_t i) const;
  size_t aliveCount() const;
  // Sampled mode (Config::track): whether node i announces its prefix in Babel (always
  // true in a full simulation). Routes exist, and are checked, to tracked nodes only.
  bool tracked(size_t i) const { return slot_[i] != kNoSlot; }
  bool sampledMode() const { return trackedCount_ != 0; }
  // Component (a representative node) per node of the graph of live tunnels between
  // live nodes, computed now.
  std::vector<uint32_t> overlayComponents() const;
  // The next node on i's installed route to d, nullopt when none or not a live tunnel.
  std::optional<size_t> nextHop(size_t i, size_t d) const;
  // Live tunnels as (client, server) pairs, both ends alive and the link carrying packets.
  std::vector<std::pair<size_t, size_t>> liveTunnels() const;
  const Counters& counters() const { return counters_; }
  uint64_t babelBytes() const { return net_.stats().bytes; }
  uint64_t badInstalls() const { return badInstalls_; }
  // Outgoing/incoming tunnels the managers of live nodes count.
  std::pair<size_t, size_t> managerTunnels() const;
  const std::string& prefix(size_t i) const;
  // Peer-protocol sessions held by live nodes (each keeps the peer's certificate).
  size_t peerSessions() const;
  // Tunnels that are up, with both ends alive (for the timeline).
  size_t tunnelsUp() const;

 private:
  struct Node;
  struct Tunnel;

  // world.cpp: node cores and their actions.
  void drain(size_t i);
  bool drainRouter(size_t i);
  bool drainManager(size_t i);
  bool drainProtocol(size_t i);
  void schedule(size_t i);
  void onTimer(size_t i, uint64_t gen);
  void giveDump(size_t i);
  size_t peerOf(size_t i, int ifindex) const;
  bool directIsCheapest(size_t x, uint16_t cost,
                        const std::vector<std::pair<size_t, uint16_t>>& myCosts,
                        const std::vector<std::vector<size_t>>& linked) const;
  std::vector<std::pair<size_t, uint16_t>> linkCosts(
      size_t i, const std::vector<babel::NeighbourInfo>& neighbours) const;
  Ipv6 linkLocal(size_t node, int ifindex) const;
  // world_tunnels.cpp
  void openTunnel(size_t i, const tunnel::OpenTunnel& o);
  void closeTunnel(size_t i, const std::string& prefix);
  void establish(uint32_t id);
  void failAttempt(uint32_t id);
  void bringUp(Tunnel& t, uint32_t id);
  void tearDown(uint32_t id, bool notifyClient, bool notifyServer, Duration delay);
  void closeEnd(uint32_t id, bool client, bool notify);
  bool crossesPartition(size_t a, size_t b) const;
  // world_overlay.cpp: peer datagrams over Babel routes; the registry.
  void sendPeer(size_t from, const peer::SendTo& s);
  void askBootstrap(size_t i);
  std::optional<peer::CachedPeer> bootstrapPeer(size_t caller);
  std::optional<size_t> indexOfIp(const Ipv6& ip) const;
  std::optional<size_t> indexOfAddress(const std::string& ip) const;
  // One hop of i's installed route to d: the next node and the tunnel's latency.
  std::optional<std::pair<size_t, Duration>> hop(size_t i, size_t d) const;
  // Sampled mode: components at most 1 s old; `track` random members of i's one.
  void refreshComponents();
  std::vector<std::string> sampleCandidates(size_t i);
  void dropCandidates(size_t i);
  bool sameComponent(size_t a, size_t b);

  static constexpr uint32_t kNoSlot = UINT32_MAX;

  Config config_;
  const Pki& pki_;
  Bytes version_;
  sim::EventQueue events_;
  sim::VirtualNet net_;
  SeededRandom random_;
  std::vector<Node> nodes_;
  std::vector<Tunnel> tunnels_;
  std::vector<uint8_t> side_;  // partition side per node, empty = none
  bool registryUp_ = true;
  std::vector<size_t> registryPeers_;  // getBootstrapPeer's shuffled list (re6st-registry)
  Time registryPeersUntil_{};
  Duration tunnelTimeout_;  // re6stnet: tunnels time out after 4 × hello
  Counters counters_;
  uint64_t badInstalls_ = 0;
  // Sampled mode: node → its slot in Node::fib (kNoSlot: untracked); how many are
  // tracked (0 in a full simulation, where every node's slot is its index).
  std::vector<uint32_t> slot_;
  size_t trackedCount_ = 0;
  SeededRandom sampleRandom_;
  std::vector<uint32_t> compOf_;                 // component index per node
  std::vector<std::vector<uint32_t>> members_;   // live members per component index
  std::vector<uint32_t> appearances_;            // in how many samples each node is
  std::vector<uint32_t> mark_;                   // sampling scratch
  uint32_t markStamp_ = 0;
  std::optional<Time> componentsAt_;
};

}  // namespace re6st::scale
