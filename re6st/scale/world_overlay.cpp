// Peer-protocol datagrams over the overlay, and the registry; see world.h.
// A datagram to a node address follows the installed Babel routes hop by hop at the
// moment it is sent (the latencies of the tunnels crossed add up); it is lost when some
// hop has no route or the chain loops, as it would be in the kernel. Datagrams to ::1
// (answers for a local registry) have no one to reach in the simulation.
#include <algorithm>

#include "re6st/scale/world.h"
#include "re6st/scale/world_state.h"

namespace re6st::scale {
namespace {
constexpr int kMaxHops = 64;
constexpr Duration kRegistryRtt = milliseconds(100);      // HTTP round trip
constexpr Duration kRegistryTimeout = seconds(5);         // registry unreachable
constexpr Duration kBootstrapListLifetime = seconds(60);  // re6st-registry: peers cached 60 s
}  // namespace

// Node subnets and addresses carry the node index in the 20 bits after the /48.
std::optional<size_t> World::indexOfIp(const Ipv6& ip) const {
  if (!pki_.networkPrefix().contains(ip)) return std::nullopt;
  size_t i = (size_t(ip[6]) << 12) | (size_t(ip[7]) << 4) | (size_t(ip[8]) >> 4);
  if (i >= nodes_.size()) return std::nullopt;
  return i;
}

std::optional<std::pair<size_t, Duration>> World::hop(size_t i, size_t d) const {
  const Node& n = nodes_[i];
  if (!n.alive || d >= n.fib.size() || n.fib[d] == kNoRoute) return std::nullopt;
  auto it = n.ifaces.find(int(n.fib[d]));
  if (it == n.ifaces.end()) return std::nullopt;
  const Tunnel& t = tunnels_[it->second];
  if (t.state != Tunnel::State::kUp || !net_.isUp(t.segment)) return std::nullopt;
  size_t other = t.client == i ? t.server : t.client;
  if (!nodes_[other].alive) return std::nullopt;
  return std::pair{other, t.latency};
}

std::optional<size_t> World::nextHop(size_t i, size_t d) const {
  auto h = hop(i, d);
  if (!h) return std::nullopt;
  return h->first;
}

void World::sendPeer(size_t from, const peer::SendTo& s) {
  ++counters_.peerSent;
  auto d = indexOfIp(s.to.ip);
  if (!d || *d == from || !nodes_[*d].alive) {
    ++counters_.peerUnrouted;
    return;
  }
  Duration latency{};
  size_t cur = from;
  for (int hops = 0; cur != *d; ++hops) {
    auto h = hop(cur, *d);
    if (!h || hops == kMaxHops) {
      ++counters_.peerUnrouted;
      return;
    }
    cur = h->first;
    latency += h->second;
  }
  counters_.peerBytes += s.data.size();
  uint64_t gen = nodes_[*d].generation;
  peer::Endpoint src{nodes_[from].ip, peer::kPort};
  events_.after(latency, [this, to = *d, gen, src, data = s.data] {
    Node& n = nodes_[to];
    if (!n.alive || n.generation != gen) return;
    ++counters_.peerDelivered;
    n.proto->handle(events_.now(), src, data);
    n.protoDirty = true;
    drain(to);
  });
}

void World::askBootstrap(size_t i) {
  ++counters_.bootstrapAsked;
  uint64_t gen = nodes_[i].generation;
  Duration delay = registryUp_ ? kRegistryRtt : kRegistryTimeout;
  events_.after(delay, [this, i, gen] {
    Node& n = nodes_[i];
    if (!n.alive || n.generation != gen) return;
    std::optional<peer::CachedPeer> p;
    if (registryUp_) p = bootstrapPeer(i);
    if (p) ++counters_.bootstrapAnswered;
    n.manager->bootstrapPeer(events_.now(), p);
    drain(i);
  });
}

// re6st-registry getBootstrapPeer: a shuffled list of the prefixes its node routes to,
// plus its own, refreshed after 60 s; one is popped per request. The registry then asks
// that node for its address (peer code 1): read directly here, and none when the node is
// gone or has no public address (the real registry times out and answers nothing).
std::optional<peer::CachedPeer> World::bootstrapPeer(size_t caller) {
  Node& r = nodes_[0];
  if (!r.alive) return std::nullopt;
  Time now = events_.now();
  if (now >= registryPeersUntil_ || registryPeers_.empty()) {
    registryPeers_.clear();
    for (const Prefix& p : r.router->reachablePrefixes()) {
      if (p.len != pki_.networkPrefix().len + kPrefixBits) continue;
      auto i = indexOfIp(p.addr);
      if (i && *i != 0) registryPeers_.push_back(*i);
    }
    registryPeers_.push_back(0);
    for (size_t k = registryPeers_.size(); k > 1; --k)
      std::swap(registryPeers_[k - 1], registryPeers_[size_t(random_.below(k))]);
    registryPeersUntil_ = now + kBootstrapListLifetime;
  }
  size_t p = registryPeers_.back();
  registryPeers_.pop_back();
  if (p == caller) return std::nullopt;  // re6st-registry: "very unlikely", no retry
  const Node& n = nodes_[p];
  if (!n.alive || n.address.empty()) return std::nullopt;
  return peer::CachedPeer{n.prefix, n.address};
}

std::vector<std::pair<size_t, size_t>> World::liveTunnels() const {
  std::vector<std::pair<size_t, size_t>> out;
  for (const Tunnel& t : tunnels_) {
    if (t.state != Tunnel::State::kUp || !net_.isUp(t.segment)) continue;
    if (nodes_[t.client].alive && nodes_[t.server].alive) out.emplace_back(t.client, t.server);
  }
  return out;
}

size_t World::tunnelsUp() const { return liveTunnels().size(); }

}  // namespace re6st::scale
