// Node cores and their actions; see world.h. A node is composed as re6stnet composes
// its parts (cli/node.py): the tunnel manager's peer messages go through the peer
// protocol, whose deliveries come back to the manager; routing dumps come from Babel.
#include "re6st/scale/world.h"

#include <algorithm>
#include <variant>

#include "re6st/scale/world_state.h"

namespace re6st::scale {
namespace {

std::string bitsOf(size_t i) {
  std::string s(World::kPrefixBits, '0');
  for (int b = 0; b < World::kPrefixBits; ++b)
    if ((i >> (World::kPrefixBits - 1 - b)) & 1) s[size_t(b)] = '1';
  return s;
}

// 198.18.0.0/15 (RFC 2544 benchmarking space), one address per node.
std::string ipv4Of(size_t i) {
  size_t j = i + 1;
  return "198." + std::to_string(18 + (j >> 16)) + "." + std::to_string((j >> 8) & 255) + "." +
         std::to_string(j & 255);
}

}  // namespace

World::World(const Config& config, const Pki& pki)
    : config_(config),
      pki_(pki),
      net_(events_, config.seed * 7919 + 1),
      random_(config.seed),
      tunnelTimeout_(4 * config.hello),
      sampleRandom_(config.seed * 104'729 + 5) {
  if (auto v = pki.version(1)) version_ = std::move(*v);
  nodes_.resize(config.nodes);
  for (size_t i = 0; i < nodes_.size(); ++i) {
    Node& n = nodes_[i];
    n.prefix = bitsOf(i);
    n.subnet = nodeSubnet(pki.network(), n.prefix).value();
    n.ip = nodeIp(pki.network(), n.prefix).value();
    n.serial = std::to_string(i + 1);
    // The registry node is reachable; any other is behind a NAT with probability --nat.
    n.nat = i != 0 && random_.unit() < config.nat;
    if (!n.nat) n.address = ipv4Of(i) + ",1194,udp";
  }
  // Sampled mode: the registry node and track - 1 others drawn at random.
  slot_.assign(nodes_.size(), kNoSlot);
  if (config.track > 1 && config.track < nodes_.size()) {
    std::vector<size_t> order(nodes_.size() - 1);
    for (size_t k = 0; k < order.size(); ++k) order[k] = k + 1;
    shuffleFront(order, config.track - 1, sampleRandom_);
    order.resize(config.track - 1);
    order.push_back(0);
    std::sort(order.begin(), order.end());  // slots in node order
    for (size_t k = 0; k < order.size(); ++k) slot_[order[k]] = uint32_t(k);
    trackedCount_ = order.size();
    mark_.assign(nodes_.size(), 0);
    appearances_.assign(nodes_.size(), 0);
  } else {
    for (size_t i = 0; i < nodes_.size(); ++i) slot_[i] = uint32_t(i);
  }
}

World::~World() = default;

bool World::alive(size_t i) const { return nodes_[i].alive; }
size_t World::size() const { return nodes_.size(); }
const std::string& World::prefix(size_t i) const { return nodes_[i].prefix; }

size_t World::aliveCount() const {
  return size_t(std::count_if(nodes_.begin(), nodes_.end(), [](const Node& n) { return n.alive; }));
}

Ipv6 World::linkLocal(size_t node, int ifindex) const {
  Ipv6 a{0xfe, 0x80};
  for (int k = 0; k < 4; ++k) a[size_t(8 + k)] = uint8_t(uint32_t(node) >> (24 - 8 * k));
  for (int k = 0; k < 4; ++k) a[size_t(12 + k)] = uint8_t(uint32_t(ifindex) >> (24 - 8 * k));
  return a;
}

Status World::start(size_t i) {
  Node& n = nodes_[i];
  if (n.alive) return {};
  Time now = events_.now();
  uint64_t gen = ++n.generation;
  n.random = std::make_unique<SeededRandom>(config_.seed * 1'000'003 + i * 7919 + gen);
  auto id = pki_.identity(n.prefix, i + 1);
  if (!id) return id.error();
  peer::ProtocolConfig pc;
  pc.registryPrefix = nodes_[0].prefix;
  pc.version = version_;
  pc.addresses = n.address;
  pc.nodeInfo = "re6st sim";
  auto proto = peer::Protocol::create(std::move(*id), pc, *n.random, now,
                                      kWallStart * 1'000'000 + toMicros(now));
  if (!proto) return proto.error();
  n.proto = std::move(*proto);
  n.cache = std::make_unique<peer::MemoryPeerCache>(n.prefix, *n.random);
  // Babel as re6stnet runs babeld: hello from the network config, the node subnet
  // redistributed, tunnels with RTT timestamps.
  babel::Config bc;
  bc.helloInterval = config_.hello;
  for (int k = 0; k < 8; ++k) bc.routerId[size_t(k)] = uint8_t((uint64_t(i) + 1) >> (56 - 8 * k));
  bc.seqno = uint16_t(n.random->below(0x10000));
  if (tracked(i)) bc.redistribute = {babel::Xroute{n.subnet, {}, 0}};
  n.router = std::make_unique<babel::Router>(bc, *n.random);
  tunnel::Config tc;
  tc.prefix = n.prefix;
  tc.registryPrefix = nodes_[0].prefix;
  tc.clientCount = config_.clientCount;
  tc.maxClients = config_.effectiveMaxClients();
  tc.tunnelRefresh = config_.tunnelRefresh;
  tc.timeout = tunnelTimeout_;
  auto connected = [this, i](const std::string& p) {
    return nodes_[i].proto && nodes_[i].proto->connected(events_.now(), p);
  };
  n.manager = std::make_unique<tunnel::Manager>(
      tc, tunnel::Deps{*n.cache, *n.random, connected}, now);
  n.proto->setTopology([m = n.manager.get()] { return m->topology(); });
  n.netId = net_.addNode([this, i, gen](Time t, int ifindex, const Ipv6& src, const Ipv6& dst,
                                        ByteSpan bytes) {
    Node& m = nodes_[i];
    if (!m.alive || m.generation != gen) return;
    (void)m.router->handlePacket(t, ifindex, src, dst, bytes);  // bad packets just drop
    drain(i);
  });
  n.fib.assign(sampledMode() ? trackedCount_ : nodes_.size(), kNoRoute);
  n.ifaces.clear();
  n.outgoing.clear();
  n.multipliers.clear();
  dropCandidates(i);
  n.scheduled = Time::max();
  n.protoDirty = true;
  ++n.timerGen;
  n.alive = true;
  ++counters_.joins;
  drain(i);
  return {};
}

void World::kill(size_t i) {
  Node& n = nodes_[i];
  if (!n.alive) return;
  n.alive = false;
  ++n.generation;
  ++n.timerGen;
  ++counters_.deaths;
  net_.removeNode(n.netId);
  // Its peers lose the tunnels when the transport times out (4 × hello).
  for (const auto& [ifindex, id] : n.ifaces) {
    const Tunnel& t = tunnels_[id];
    tearDown(id, t.client != i, t.server != i, tunnelTimeout_);
  }
  for (const auto& [p, id] : n.outgoing) tearDown(id, false, false, Duration{});
  n.ifaces.clear();
  n.outgoing.clear();
  n.multipliers.clear();
  dropCandidates(i);
  n.manager.reset();
  n.proto.reset();
  n.router.reset();
  n.cache.reset();
  n.random.reset();
  std::vector<uint32_t>().swap(n.fib);
}

void World::drain(size_t i) {
  // Cores feed each other (manager → protocol → manager); stop when all are quiet.
  for (int round = 0; round < 100 && nodes_[i].alive; ++round) {
    bool busy = drainRouter(i);
    busy = drainManager(i) || busy;
    busy = drainProtocol(i) || busy;
    if (!busy) break;
  }
  schedule(i);
}

bool World::drainRouter(size_t i) {
  Node& n = nodes_[i];
  bool any = false;
  while (n.alive) {
    auto a = n.router->pollAction();
    if (!a) break;
    any = true;
    if (auto* s = std::get_if<babel::SendPacket>(&*a)) {
      net_.send(n.netId, s->ifindex, s->dst, std::move(s->bytes));
      continue;
    }
    // Routes: only node subnets matter to the checks (no source-specific routes here).
    auto* in = std::get_if<babel::InstallRoute>(&*a);
    auto* rm = std::get_if<babel::RemoveRoute>(&*a);
    const Prefix& dst = in ? in->dst : rm->dst;
    if (dst.len != pki_.networkPrefix().len + kPrefixBits) continue;
    auto d = indexOfIp(dst.addr);
    if (!d || slot_[*d] == kNoSlot) continue;
    if (in) {
      if (!n.ifaces.count(in->ifindex)) ++badInstalls_;  // a route through no tunnel of ours
      n.fib[slot_[*d]] = uint32_t(in->ifindex);
    } else {
      n.fib[slot_[*d]] = kNoRoute;
    }
  }
  return any;
}

bool World::drainManager(size_t i) {
  bool any = false;
  while (nodes_[i].alive) {
    Node& n = nodes_[i];
    auto a = n.manager->pollAction();
    if (!a) break;
    any = true;
    Time now = events_.now();
    if (auto* o = std::get_if<tunnel::OpenTunnel>(&*a)) {
      openTunnel(i, *o);
    } else if (auto* c = std::get_if<tunnel::CloseTunnel>(&*a)) {
      closeTunnel(i, c->prefix);
    } else if (auto* m = std::get_if<tunnel::SetCostMultiplier>(&*a)) {
      n.router->setCostMultiplier(m->neighbour.address, int(m->neighbour.ifindex),
                                  tunnel::babelCostFactor(m->multiplier), now);
      if (m->multiplier == tunnel::kNeutralMultiplier)
        n.multipliers.erase(m->neighbour);
      else
        n.multipliers[m->neighbour] = m->multiplier;
    } else if (auto* s = std::get_if<tunnel::SendPeer>(&*a)) {
      std::optional<ByteSpan> payload;
      if (s->payload) payload = ByteSpan(*s->payload);
      n.proto->send(now, s->prefix, payload);
      n.protoDirty = true;
    } else if (std::holds_alternative<tunnel::AskBootstrap>(*a)) {
      askBootstrap(i);
    } else {
      giveDump(i);
    }
  }
  return any;
}

bool World::drainProtocol(size_t i) {
  bool any = false;
  while (nodes_[i].alive) {
    auto a = nodes_[i].proto->pollAction();
    if (!a) break;
    any = true;
    if (auto* s = std::get_if<peer::SendTo>(&*a)) {
      sendPeer(i, *s);
    } else if (auto* d = std::get_if<peer::Deliver>(&*a)) {
      nodes_[i].manager->peerMessage(events_.now(), d->prefix, d->code, d->data);
    }
    // NewVersion: every simulated node has the one network configuration.
  }
  return any;
}

void World::giveDump(size_t i) {
  Node& n = nodes_[i];
  ++counters_.dumps;
  auto neighbours = n.router->neighbours();
  auto dump = tunnel::dumpFromBabel(neighbours, n.router->selectedRoutes(), pki_.networkPrefix(),
                                    n.multipliers);
  if (sampledMode()) {
    // An untracked neighbour announces no prefix: name it from the tunnel's other end
    // when Babel would route its prefix through the direct link, i.e. when no path
    // through another neighbour is cheaper (paths of two tunnels are considered).
    auto costs = linkCosts(i, neighbours);
    std::vector<std::vector<size_t>> linked(costs.size());  // per entry: its tunnel peers
    for (size_t k = 0; k < costs.size(); ++k)
      for (const auto& f : nodes_[costs[k].first].ifaces)
        if (size_t z = peerOf(costs[k].first, f.first); z != SIZE_MAX) linked[k].push_back(z);
    for (const auto& [x, cost] : costs) {
      if (tracked(x) || cost >= babel::kInfinity || !directIsCheapest(x, cost, costs, linked))
        continue;
      for (const auto& nb : neighbours)
        if (peerOf(i, nb.ifindex) == x)
          dump.routes.push_back({nodes_[x].prefix, {nb.address, uint32_t(nb.ifindex)}, 0});
    }
    dump.candidates = sampleCandidates(i);
  }
  n.manager->handleDump(events_.now(), dump);
}

// The node at the other end of i's tunnel interface, or SIZE_MAX.
size_t World::peerOf(size_t i, int ifindex) const {
  const Node& n = nodes_[i];
  auto it = n.ifaces.find(ifindex);
  if (it == n.ifaces.end()) return SIZE_MAX;
  const Tunnel& t = tunnels_[it->second];
  size_t other = t.client == i ? t.server : t.client;
  return nodes_[other].alive ? other : SIZE_MAX;
}

// Whether Babel would route x's prefix over the direct tunnel of cost `cost`: no path
// through another neighbour y (myCosts: ours to each; linked: y's tunnel peers) and y's
// tunnel to x is cheaper. y's Babel is asked only when y has a tunnel to x (two
// neighbours rarely share one).
bool World::directIsCheapest(size_t x, uint16_t cost,
                             const std::vector<std::pair<size_t, uint16_t>>& myCosts,
                             const std::vector<std::vector<size_t>>& linked) const {
  for (size_t k = 0; k < myCosts.size(); ++k) {
    auto [y, viaCost] = myCosts[k];
    if (y == x || viaCost >= babel::kInfinity) continue;
    if (std::find(linked[k].begin(), linked[k].end(), x) == linked[k].end()) continue;
    for (const auto& [z, c] : linkCosts(y, nodes_[y].router->neighbours()))
      if (z == x && uint32_t(viaCost) + c < cost) return false;
  }
  return true;
}

// (neighbour node, Babel link cost) for each of i's Babel neighbours on a tunnel.
std::vector<std::pair<size_t, uint16_t>> World::linkCosts(
    size_t i, const std::vector<babel::NeighbourInfo>& neighbours) const {
  std::vector<std::pair<size_t, uint16_t>> out;
  for (const auto& nb : neighbours)
    if (size_t x = peerOf(i, nb.ifindex); x != SIZE_MAX) out.emplace_back(x, nb.cost);
  return out;
}

// One pending timer event per node, at the earliest deadline of its three cores; an
// earlier deadline supersedes it (the old event sees a stale generation).
void World::schedule(size_t i) {
  Node& n = nodes_[i];
  if (!n.alive) return;
  if (n.protoDirty) {
    n.protoNext = n.proto->nextTimeout();
    n.protoDirty = false;
  }
  Time t = std::min({n.router->nextTimeout(), n.manager->nextTimeout(), n.protoNext});
  if (t >= n.scheduled) return;
  n.scheduled = t;
  uint64_t gen = ++n.timerGen;
  events_.at(t, [this, i, gen] { onTimer(i, gen); });
}

void World::onTimer(size_t i, uint64_t gen) {
  Node& n = nodes_[i];
  if (!n.alive || n.timerGen != gen) return;
  n.scheduled = Time::max();
  Time now = events_.now();
  if (n.router->nextTimeout() <= now) n.router->handleTimeout(now);
  if (n.protoNext <= now) {
    n.proto->handleTimeout(now);
    n.protoDirty = true;
  }
  if (n.manager->nextTimeout() <= now) n.manager->handleTimeout(now);
  drain(i);
}

size_t World::peerSessions() const {
  size_t n = 0;
  for (const Node& x : nodes_)
    if (x.alive) n += x.proto->sessionCount();
  return n;
}

std::pair<size_t, size_t> World::managerTunnels() const {
  size_t out = 0, in = 0;
  for (const Node& n : nodes_) {
    if (!n.alive) continue;
    out += n.manager->outgoing().size();
    in += n.manager->incoming().size();
  }
  return {out, in};
}

}  // namespace re6st::scale
