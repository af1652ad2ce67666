// Virtual tunnels; see world.h. A tunnel is a point-to-point segment of the virtual
// network with one latency drawn per tunnel. Opening takes a handshake (3 round trips,
// as a DTLS 1.2 handshake with cookie); the server's tunnel manager may refuse
// (--max-clients); nodes behind a NAT and dead nodes never answer, so the client gives
// up after the connect timeout. Closing is seen at once by the closing end and one
// latency later by the other; a dead or partitioned peer after the tunnel timeout.
#include <charconv>

#include "re6st/scale/world.h"
#include "re6st/scale/world_state.h"

namespace re6st::scale {
namespace {
constexpr int kHandshakeRoundTrips = 3;
// An attempt that gets no answer is abandoned after this (re6stnet gives OpenVPN a
// connect timeout of the same order before trying the next address).
constexpr Duration kConnectTimeout = seconds(15);
}  // namespace

std::optional<size_t> World::indexOfAddress(const std::string& ip) const {
  // "198.A.B.C" with A in 18..19 (see ipv4Of in world.cpp).
  unsigned v[4];
  const char* p = ip.data();
  const char* end = ip.data() + ip.size();
  for (int k = 0; k < 4; ++k) {
    auto r = std::from_chars(p, end, v[k]);
    if (r.ec != std::errc() || v[k] > 255) return std::nullopt;
    p = r.ptr;
    if (k < 3) {
      if (p == end || *p != '.') return std::nullopt;
      ++p;
    }
  }
  if (p != end || v[0] != 198 || v[1] < 18 || v[1] > 19) return std::nullopt;
  size_t j = (size_t(v[1] - 18) << 16) | (size_t(v[2]) << 8) | v[3];
  if (j == 0 || j > nodes_.size()) return std::nullopt;
  return j - 1;
}

bool World::crossesPartition(size_t a, size_t b) const {
  return !side_.empty() && side_[a] != side_[b];
}

void World::openTunnel(size_t i, const tunnel::OpenTunnel& o) {
  ++counters_.tunnelAttempts;
  Node& c = nodes_[i];
  // An OpenTunnel replaces any previous attempt to the same prefix (next address).
  if (auto it = c.outgoing.find(o.prefix); it != c.outgoing.end()) {
    uint32_t old = it->second;
    c.outgoing.erase(it);
    tearDown(old, false, true, tunnels_[old].latency);
  }
  Tunnel t;
  t.client = uint32_t(i);
  t.clientGen = c.generation;
  t.prefix = o.prefix;
  t.latency = config_.latency.draw(random_);
  auto server = indexOfAddress(o.address.ip);
  if (server && nodes_[*server].prefix == o.prefix && o.address.proto == "udp")
    t.server = uint32_t(*server);
  uint32_t id = uint32_t(tunnels_.size());
  tunnels_.push_back(std::move(t));
  c.outgoing[o.prefix] = id;
  if (tunnels_[id].server == Tunnel::kNobody) {
    events_.after(kConnectTimeout, [this, id] { failAttempt(id); });
    return;
  }
  events_.after(2 * kHandshakeRoundTrips * tunnels_[id].latency, [this, id] { establish(id); });
}

void World::establish(uint32_t id) {
  Tunnel& t = tunnels_[id];
  if (t.state != Tunnel::State::kConnecting) return;
  Node& c = nodes_[t.client];
  if (!c.alive || c.generation != t.clientGen) {
    t.state = Tunnel::State::kClosed;
    return;
  }
  size_t si = t.server;
  Node& s = nodes_[si];
  if (!s.alive || s.nat || crossesPartition(t.client, si)) {
    // Nobody answers: the client waits for its connect timeout.
    Duration spent = 2 * kHandshakeRoundTrips * t.latency;
    events_.after(std::max(Duration{}, kConnectTimeout - spent), [this, id] { failAttempt(id); });
    return;
  }
  int sif = s.nextIfindex++;
  if (!s.manager->incomingUp(events_.now(), c.prefix, uint32_t(sif), c.serial)) {
    ++counters_.tunnelsRefused;
    drain(si);
    events_.after(2 * tunnels_[id].latency, [this, id] { failAttempt(id); });
    return;
  }
  tunnels_[id].serverIf = sif;
  tunnels_[id].serverGen = s.generation;
  bringUp(tunnels_[id], id);
  drain(si);
  Tunnel& u = tunnels_[id];
  Node& cc = nodes_[u.client];
  if (u.state == Tunnel::State::kUp && cc.alive && cc.generation == u.clientGen) {
    cc.manager->tunnelUp(events_.now(), u.prefix, nodes_[u.server].serial);
    drain(u.client);
  }
}

void World::failAttempt(uint32_t id) {
  Tunnel& t = tunnels_[id];
  if (t.state != Tunnel::State::kConnecting) return;
  t.state = Tunnel::State::kClosed;
  Node& c = nodes_[t.client];
  if (!c.alive || c.generation != t.clientGen) return;
  auto it = c.outgoing.find(t.prefix);
  if (it == c.outgoing.end() || it->second != id) return;  // replaced or closed meanwhile
  c.outgoing.erase(it);
  c.manager->tunnelDown(events_.now(), t.prefix);
  drain(t.client);
}

void World::bringUp(Tunnel& t, uint32_t id) {
  Time now = events_.now();
  Node& c = nodes_[t.client];
  Node& s = nodes_[t.server];
  t.clientIf = c.nextIfindex++;
  sim::LinkParams lp;
  lp.latency = t.latency;
  lp.loss = config_.loss;
  t.segment = net_.addSegment(lp);
  t.state = Tunnel::State::kUp;
  ++counters_.tunnelsOpened;
  for (auto [node, ifindex] : {std::pair{t.client, t.clientIf}, std::pair{t.server, t.serverIf}}) {
    Node& n = node == t.client ? c : s;
    Ipv6 ll = linkLocal(node, ifindex);
    net_.attach(n.netId, ifindex, ll, t.segment);
    n.ifaces[ifindex] = id;
    // Names as re6stnet's (re6stnet<N>); the router only uses them in dumps.
    (void)n.router->addInterface(ifindex, "re6stnet" + std::to_string(ifindex),
                                 babel::IfType::kTunnel, ll, now);
  }
}

void World::closeTunnel(size_t i, const std::string& prefix) {
  Node& c = nodes_[i];
  auto it = c.outgoing.find(prefix);
  if (it == c.outgoing.end()) return;
  uint32_t id = it->second;
  c.outgoing.erase(it);
  tearDown(id, false, true, tunnels_[id].latency);
}

// Ends the tunnel: an end not notified is the one that decided (its manager knows);
// a notified end learns it after delay, through the transport.
void World::tearDown(uint32_t id, bool notifyClient, bool notifyServer, Duration delay) {
  Tunnel& t = tunnels_[id];
  if (t.state == Tunnel::State::kConnecting) {
    t.state = Tunnel::State::kClosed;
    return;
  }
  if (t.state != Tunnel::State::kUp) return;
  t.state = Tunnel::State::kClosed;
  ++counters_.tunnelsClosed;
  net_.setUp(t.segment, false);  // nothing crosses any more
  for (bool client : {true, false}) {
    bool notify = client ? notifyClient : notifyServer;
    if (notify)
      events_.after(delay, [this, id, client] { closeEnd(id, client, true); });
    else
      closeEnd(id, client, false);
  }
}

void World::closeEnd(uint32_t id, bool client, bool notify) {
  const Tunnel& t = tunnels_[id];
  size_t i = client ? t.client : t.server;
  Node& n = nodes_[i];
  if (!n.alive || n.generation != (client ? t.clientGen : t.serverGen)) return;
  int ifindex = client ? t.clientIf : t.serverIf;
  if (!n.ifaces.erase(ifindex)) return;
  Time now = events_.now();
  net_.detach(n.netId, ifindex);
  n.router->removeInterface(ifindex, now);
  std::erase_if(n.multipliers, [ifindex](const auto& m) { return int(m.first.ifindex) == ifindex; });
  if (notify) {
    if (client) {
      auto it = n.outgoing.find(t.prefix);
      if (it != n.outgoing.end() && it->second == id) n.outgoing.erase(it);
      n.manager->tunnelDown(now, t.prefix);
    } else {
      n.manager->incomingDown(now, nodes_[t.client].prefix, uint32_t(ifindex));
    }
  }
  drain(i);
}

void World::partition(std::vector<uint8_t> side) {
  side_ = std::move(side);
  side_.resize(nodes_.size(), 0);
  for (uint32_t id = 0; id < tunnels_.size(); ++id) {
    const Tunnel& t = tunnels_[id];
    if (t.state == Tunnel::State::kUp && crossesPartition(t.client, t.server))
      tearDown(id, true, true, tunnelTimeout_);
  }
}

}  // namespace re6st::scale
