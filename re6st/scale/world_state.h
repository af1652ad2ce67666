// Internal state of the scale World (world.h): one node's cores and tables, one virtual
// tunnel. Shared by world.cpp, world_tunnels.cpp and world_overlay.cpp; not part of the
// interface. Single-threaded like World.
#pragma once

#include "re6st/scale/world.h"

namespace re6st::scale {

struct World::Node {
  std::string prefix;  // node prefix bits (CN "<int>/<len>")
  Prefix subnet;
  Ipv6 ip{};
  std::string address;  // code 1 address list; "" behind a NAT (nobody can connect)
  std::string serial;
  bool nat = false;
  bool alive = false;
  uint64_t generation = 0;  // bumped by start and kill: stale events compare it
  sim::NodeId netId = 0;
  std::unique_ptr<SeededRandom> random;
  std::unique_ptr<peer::MemoryPeerCache> cache;
  std::unique_ptr<babel::Router> router;
  std::unique_ptr<peer::Protocol> proto;
  std::unique_ptr<tunnel::Manager> manager;
  std::vector<uint32_t> fib;                 // destination node → ifindex (kNoRoute)
  std::map<int, uint32_t> ifaces;            // ifindex → tunnel id
  std::map<std::string, uint32_t> outgoing;  // peer prefix → tunnel id (attempt or up)
  std::map<tunnel::NeighbourRef, uint16_t> multipliers;  // as the manager set them
  std::vector<uint32_t> candidates;  // sampled mode: the distant-peer sample it keeps
  int nextIfindex = 1;  // never reused: packets in flight to a closed tunnel drop
  // The peer protocol's deadline (certificate expiries) walks every session: cached,
  // recomputed only after the core was given something (sessions appear then).
  Time protoNext = Time::max();
  bool protoDirty = true;
  uint64_t timerGen = 0;
  Time scheduled = Time::max();
};

struct World::Tunnel {
  enum class State : uint8_t { kConnecting, kUp, kClosed };
  static constexpr uint32_t kNobody = UINT32_MAX;  // the address names no node
  uint32_t client = 0, server = kNobody;
  std::string prefix;  // what the client's manager asked for (OpenTunnel.prefix)
  uint64_t clientGen = 0, serverGen = 0;
  int clientIf = 0, serverIf = 0;
  sim::SegmentId segment = 0;
  Duration latency{};
  State state = State::kConnecting;
};

}  // namespace re6st::scale
