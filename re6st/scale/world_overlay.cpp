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
constexpr int kUntrackedHops = 4;  // sampled mode: ~ the average hop count at N >= 400
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
  if (!n.alive || d >= slot_.size() || slot_[d] == kNoSlot) return std::nullopt;
  uint32_t ifindex = n.fib[slot_[d]];
  if (ifindex == kNoRoute) return std::nullopt;
  auto it = n.ifaces.find(int(ifindex));
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
  if (!tracked(*d)) {
    // Sampled mode, no route to follow: delivered within the overlay component over a
    // path of kUntrackedHops tunnels of drawn latency.
    if (!sameComponent(from, *d)) {
      ++counters_.peerUnrouted;
      return;
    }
    for (int k = 0; k < kUntrackedHops; ++k) latency += config_.latency.draw(sampleRandom_);
  }
  size_t cur = tracked(*d) ? from : *d;  // routes exist to tracked nodes only
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
    if (sampledMode()) {
      // Its node routes to every node of its component (Babel carries only some here).
      refreshComponents();
      for (uint32_t m : members_[compOf_[0]])
        if (m != 0) registryPeers_.push_back(m);
    } else {
      for (const Prefix& p : r.router->reachablePrefixes()) {
        if (p.len != pki_.networkPrefix().len + kPrefixBits) continue;
        auto i = indexOfIp(p.addr);
        if (i && *i != 0) registryPeers_.push_back(*i);
      }
    }
    registryPeers_.push_back(0);
    shuffle(registryPeers_, random_);
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

namespace {
uint32_t findRoot(std::vector<uint32_t>& parent, uint32_t x) {
  while (parent[x] != x) x = parent[x] = parent[parent[x]];
  return x;
}
}  // namespace

std::vector<uint32_t> World::overlayComponents() const {
  std::vector<uint32_t> parent(nodes_.size());
  for (uint32_t i = 0; i < parent.size(); ++i) parent[i] = i;
  for (auto [a, b] : liveTunnels())
    parent[findRoot(parent, uint32_t(a))] = findRoot(parent, uint32_t(b));
  for (uint32_t i = 0; i < parent.size(); ++i) parent[i] = findRoot(parent, i);
  return parent;
}

// Babel learns of a new tunnel within a hello or so: a second of staleness is less.
void World::refreshComponents() {
  Time now = events_.now();
  if (componentsAt_ && now < *componentsAt_ + seconds(1)) return;
  componentsAt_ = now;
  std::vector<uint32_t> root = overlayComponents();
  std::vector<uint32_t> index(nodes_.size(), UINT32_MAX);
  compOf_.assign(nodes_.size(), UINT32_MAX);
  members_.clear();
  for (uint32_t i = 0; i < nodes_.size(); ++i) {
    if (!nodes_[i].alive) continue;
    uint32_t& k = index[root[i]];
    if (k == UINT32_MAX) {
      k = uint32_t(members_.size());
      members_.emplace_back();
    }
    compOf_[i] = k;
    members_[k].push_back(i);
  }
}

bool World::sameComponent(size_t a, size_t b) {
  refreshComponents();
  return compOf_[a] != UINT32_MAX && compOf_[a] == compOf_[b];
}

// Distant-peer candidates: each node keeps a sample of `track` members of its component
// (other than itself), so that a uniform pick among them is a uniform pick among all the
// nodes Babel would know. The sample is kept from one dump to the next, as the routing
// table is (the manager opens peer sessions with candidates and picks among the ones
// that answered at a later dump): members that left the component are replaced and one
// random member per dump is swapped for a new one, so newcomers get found. Every node
// must be a candidate of about as many nodes as any other, as with full routing tables
// where everyone is everyone's candidate: new members are the less sampled of two
// random ones (two choices keep the counts within a few of each other; a plain random
// sample lets some nodes be known by many more and become hubs).
// (The registry node is tracked: Babel's own route tells the manager it is there.)
std::vector<std::string> World::sampleCandidates(size_t i) {
  refreshComponents();
  std::vector<uint32_t>& c = nodes_[i].candidates;
  uint32_t comp = compOf_[i];
  std::vector<std::string> out;
  if (comp == UINT32_MAX) {
    dropCandidates(i);
    return out;
  }
  const std::vector<uint32_t>& m = members_[comp];
  size_t want = std::min(config_.track, m.size() - 1);
  std::erase_if(c, [&](uint32_t x) {
    if (compOf_[x] == comp) return false;
    --appearances_[x];
    return true;
  });
  if (!c.empty() && c.size() >= want) {
    size_t k = size_t(sampleRandom_.below(c.size()));
    --appearances_[c[k]];
    c.erase(c.begin() + ptrdiff_t(k));
  }
  if (++markStamp_ == 0) {
    std::fill(mark_.begin(), mark_.end(), 0);
    markStamp_ = 1;
  }
  mark_[i] = markStamp_;
  for (uint32_t x : c) mark_[x] = markStamp_;
  auto add = [&](uint32_t x) {
    mark_[x] = markStamp_;
    ++appearances_[x];
    c.push_back(x);
  };
  if (want * 2 >= m.size()) {  // a large share: partial shuffle of the unmarked ones
    std::vector<uint32_t> pool;
    for (uint32_t x : m)
      if (mark_[x] != markStamp_) pool.push_back(x);
    size_t n = std::min(want - c.size(), pool.size());
    shuffleFront(pool, n, sampleRandom_);
    for (size_t k = 0; k < n; ++k) add(pool[k]);
  } else {
    auto draw = [&] {
      for (;;) {
        uint32_t x = m[size_t(sampleRandom_.below(m.size()))];
        if (mark_[x] != markStamp_) return x;
      }
    };
    while (c.size() < want) {
      uint32_t a = draw(), b = draw();
      add(appearances_[b] < appearances_[a] ? b : a);
    }
  }
  out.reserve(c.size());
  for (uint32_t x : c) out.push_back(nodes_[x].prefix);
  return out;
}

void World::dropCandidates(size_t i) {
  for (uint32_t x : nodes_[i].candidates) --appearances_[x];
  nodes_[i].candidates.clear();
}

}  // namespace re6st::scale
