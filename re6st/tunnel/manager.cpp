#include "re6st/tunnel/manager.h"

#include <algorithm>
#include <limits>

#include "re6st/babel/router.h"
#include "re6st/base/log.h"

namespace re6st::tunnel {
namespace {

constexpr Duration kRefreshInterval = seconds(5);  // tunnel.py: refresh every 5 s

std::string name(const std::string& prefix) { return cnFromBits(prefix); }

}  // namespace

double babelCostFactor(uint16_t multiplier) {
  if (multiplier == kLockMultiplier) return std::numeric_limits<double>::infinity();
  return multiplier / double(kNeutralMultiplier);
}

RoutingDump dumpFromBabel(const std::vector<babel::NeighbourInfo>& neighbours,
                          const std::vector<babel::RouteInfo>& routes, const Prefix& network,
                          const std::map<NeighbourRef, uint16_t>& multipliers) {
  RoutingDump d;
  std::map<NeighbourRef, uint16_t> cost;
  for (const auto& n : neighbours) {
    NeighbourRef ref{n.address, uint32_t(n.ifindex)};
    auto m = multipliers.find(ref);
    d.neighbours.push_back({ref, m == multipliers.end() ? kNeutralMultiplier : m->second});
    cost[ref] = n.cost;
  }
  for (const auto& r : routes) {
    if (!r.selected || r.metric == babel::kInfinity) continue;
    NeighbourRef via{r.nexthop, uint32_t(r.ifindex)};
    auto c = cost.find(via);
    if (c == cost.end()) continue;
    RoutingDump::Route route;
    route.via = via;
    route.refmetric = uint16_t(r.metric > c->second ? r.metric - c->second : 0);
    // Node prefixes are the bits of the destination after the network prefix.
    if (network.contains(r.dst)) route.prefix = r.dst.bits().substr(size_t(network.len));
    d.routes.push_back(std::move(route));
  }
  return d;
}

// An outgoing tunnel and the address being tried (tunnel.py Connection).
struct Manager::Connection {
  std::vector<peer::Address> addresses;
  size_t next = 0;         // index of the next address to try (_retry)
  bool connected = false;  // _retry is None
  std::string serial;
};

// Negotiated close of one tunnel (tunnel.py TunnelKiller): drain it with a high cost
// multiplier until no route uses it, lock it, tell the peer (code 2 from the client,
// code 3 from the server once locked too); the client closes on code 3.
struct Manager::Killer {
  enum class State { kIdle, kDraining, kLocking, kLocked, kUnlocking };
  std::string peer;
  bool client = false;
  Time timeout;
  State state = State::kIdle;
  NeighbourRef ref;
  uint16_t savedMultiplier = kNeutralMultiplier;
};

// The routing dump digested like ctl.py handle_dump: neighbours identified by the route
// to their own prefix (refmetric 0), the routes through each, the locked ones.
struct Manager::View {
  struct Neigh {
    NeighbourRef ref;
    std::vector<std::optional<std::string>> routes;
  };
  std::map<std::string, Neigh> neighbours;  // identified, by prefix
  bool unidentifiedRoutes = false;          // routes via neighbours of unknown prefix
  std::set<std::string> peers;              // every node prefix Babel routes to
  std::optional<std::set<std::string>> candidates;  // dump.candidates; else every peer
  const std::set<std::string>& distant() const { return candidates ? *candidates : peers; }
  std::set<NeighbourRef> locked;            // unidentified with multiplier 0
  std::map<NeighbourRef, uint16_t> multipliers;

  explicit View(const RoutingDump& d) {
    std::map<NeighbourRef, std::pair<uint16_t, std::vector<std::optional<std::string>>>> n;
    for (const auto& x : d.neighbours) n[x.ref].first = multipliers[x.ref] = x.costMultiplier;
    std::set<NeighbourRef> identified;
    for (const auto& r : d.routes) {
      auto it = n.find(r.via);
      if (it == n.end()) continue;  // route via a neighbour the dump does not list
      if (r.prefix && !r.prefix->empty()) {
        peers.insert(*r.prefix);
        if (r.refmetric == 0) identified.insert(r.via);
      }
      it->second.second.push_back(r.prefix);
    }
    for (const auto& r : d.routes)
      if (r.prefix && !r.prefix->empty() && r.refmetric == 0 && n.count(r.via))
        neighbours[*r.prefix] = Neigh{r.via, n[r.via].second};
    for (const auto& [ref, v] : n) {
      if (identified.count(ref)) continue;
      if (v.first == 0) locked.insert(ref);
      if (!v.second.empty()) unidentifiedRoutes = true;
    }
    if (d.candidates) {
      candidates.emplace(d.candidates->begin(), d.candidates->end());
      peers.insert(candidates->begin(), candidates->end());
    }
  }
};

Manager::Manager(Config config, Deps deps, Time now)
    : config_(std::move(config)),
      deps_(std::move(deps)),
      view_(std::make_unique<View>(RoutingDump{})),
      nextRefresh_(now),
      nextTunnelRefresh_(now + config_.tunnelRefresh) {}

Manager::~Manager() = default;

Time Manager::nextTimeout() const { return nextRefresh_; }

std::optional<Action> Manager::pollAction() {
  if (actions_.empty()) return std::nullopt;
  Action a = std::move(actions_.front());
  actions_.pop_front();
  return a;
}

void Manager::send(const std::string& prefix, std::optional<Bytes> payload) {
  emit(SendPeer{prefix, std::move(payload)});
}

// tunnel.py TunnelManager.refresh: a dump is needed when a tunnel died, the refresh
// period is over, a kill is in progress, or new tunnels must be chosen from routes.
void Manager::handleTimeout(Time now) {
  now_ = now;
  if (now < nextRefresh_) return;
  nextRefresh_ = now + kRefreshInterval;
  if (waitingDump_ || deadTunnel_ || nextTunnelRefresh_ < now || !killing_.empty() ||
      needDump(now)) {
    deadTunnel_ = false;
    waitingDump_ = true;
    emit(RequestDump{});
  }
}

void Manager::handleDump(Time now, const RoutingDump& dump) {
  now_ = now;
  waitingDump_ = false;
  nextRefresh_ = now + kRefreshInterval;
  view_ = std::make_unique<View>(dump);
  stepKillers(now);
  if (nextTunnelRefresh_ < now) {
    removeSomeTunnels(now);
    nextTunnelRefresh_ = now + config_.tunnelRefresh;
  }
  makeNewTunnels(now, true);
}

// _makeNewTunnels(False): without a fresh dump, connect to remembered distant peers;
// ask for a dump when they are too few or the registry check is due.
bool Manager::needDump(Time now) {
  int count = int(config_.clientCount) - int(connections_.size());
  if (count <= 0) return false;
  if (int(distantPeers_.size()) < count || (disconnected_ && *disconnected_ < now)) return true;
  connecting_.clear();
  connectDistant(now, count);
  return false;
}

void Manager::makeNewTunnels(Time now, bool routeDumped) {
  if (!routeDumped) {
    needDump(now);
    return;
  }
  int count = int(config_.clientCount) - int(connections_.size());
  if (count <= 0) return;
  // CAVEAT (as re6stnet): forget peers that did not answer our address request.
  connecting_.clear();
  distantPeers_.clear();
  for (const auto& p : view_->distant())
    if (!view_->neighbours.count(p) && p != config_.prefix) distantPeers_.push_back(p);
  // Order by _newTunnelScore: --neighbour peers last (popped first), others at random.
  std::vector<std::pair<double, std::string>> scored;
  for (auto& p : distantPeers_)
    scored.emplace_back(double(config_.neighbours.count(p)) + deps_.random.unit(), p);
  std::sort(scored.begin(), scored.end());
  for (size_t i = 0; i < scored.size(); ++i) distantPeers_[i] = scored[i].second;
  if (checkRegistry(now))
    connectFromCache(now, count);
  else
    connectDistant(now, count);
}

// The registry check of _makeNewTunnels: returns true when peers must come from the
// cache (or the registry) because we are not connected to the network.
bool Manager::checkRegistry(Time now) {
  const std::string& registry = config_.registryPrefix;
  if (registry == config_.prefix) return distantPeers_.empty();
  if (view_->peers.count(registry) || connections_.count(registry) || served_.count(registry)) {
    disconnected_.reset();
    send(registry, std::nullopt);  // be ready to receive any message from the registry
    return false;
  }
  if (disconnected_ && now <= *disconnected_) return false;  // do not bootstrap too often
  LOG_INFO("No route to registry (" + std::to_string(view_->peers.size()) + " peers, " +
           std::to_string(distantPeers_.size()) + " distant)");
  disconnected_ = now + config_.timeout * int64_t(1 + deps_.random.below(view_->peers.size() + 1));
  if (!view_->peers.empty() && bootstrap_ == Bootstrap::kNone) {
    // We are not the only disconnected node: ask the registry for a node to rejoin.
    bootstrap_ = Bootstrap::kRejoin;
    emit(AskBootstrap{});
  }
  return true;
}

void Manager::connectDistant(Time now, int count) {
  // Limit client tunnels while nobody can reach us from outside.
  if (served_.empty()) count = std::max(0, int(std::min(2u, config_.clientCount)) - int(connections_.size()));
  while (count > 0 && !distantPeers_.empty()) {
    std::string p = distantPeers_.back();
    distantPeers_.pop_back();
    if (auto address = deps_.cache.getAddress(p)) {
      count -= makeTunnel(now, p, *address);
    } else if (deps_.peerConnected && deps_.peerConnected(p)) {
      send(p, Bytes{peer::kAddress});
      connecting_.insert(p);
      --count;
    } else {
      send(p, Bytes{peer::kAddress});  // opens the session (hello0); counted next time
    }
  }
}

// No route to the registry (usually at startup): peers from the cache that Babel does
// not know yet, else a bootstrap peer from the registry, else addresses that failed.
void Manager::connectFromCache(Time now, int count) {
  int made = 0;
  bool bootstrap = true;
  for (const auto& c : deps_.cache.peerList(false)) {
    if (view_->peers.count(c.prefix)) continue;
    bootstrap = false;
    if (makeTunnel(now, c.prefix, c.address) && ++made == count) return;
  }
  if (made || !view_->peers.empty()) return;
  if (bootstrap && config_.registryPrefix != config_.prefix) {
    if (bootstrap_ == Bootstrap::kNone) {
      bootstrap_ = Bootstrap::kStartup;
      emit(AskBootstrap{});
    }
    return;
  }
  for (const auto& c : deps_.cache.peerList(true))
    if (makeTunnel(now, c.prefix, c.address)) break;
}

void Manager::bootstrapPeer(Time now, const std::optional<peer::CachedPeer>& p) {
  now_ = now;
  Bootstrap context = bootstrap_;
  bootstrap_ = Bootstrap::kNone;
  if (p && p->prefix != config_.prefix && !p->prefix.empty()) {
    deps_.cache.addPeer(p->prefix, p->address);
    int count = int(config_.clientCount) - int(connections_.size());
    if (count > 0 && !view_->peers.count(p->prefix) && makeTunnel(now, p->prefix, p->address))
      return;
  } else if (p) {
    LOG_WARNING("Buggy registry sent us our own address");
  }
  int count = int(config_.clientCount) - int(connections_.size());
  if (count <= 0) return;
  if (context == Bootstrap::kRejoin) {
    // Registry dead? Assume we are connected after all.
    if (!p) connectDistant(now, count);
  } else if (context == Bootstrap::kStartup) {
    // Last chance to connect: retry an address that already failed.
    for (const auto& c : deps_.cache.peerList(true))
      if (makeTunnel(now, c.prefix, c.address)) break;
  }
}

bool Manager::makeTunnel(Time now, const std::string& prefix, const std::string& address) {
  if (prefix.empty() || prefix == config_.prefix || served_.count(prefix) ||
      connections_.count(prefix))
    return false;
  Connection c;
  if (auto list = peer::parseAddressList(address)) {
    for (auto& a : *list)
      if (!config_.disabledProtos.count(a.proto)) c.addresses.push_back(std::move(a));
  }
  // Marked as failed until the tunnel comes up (cache.connecting(prefix, 1)).
  deps_.cache.connecting(prefix, true);
  if (c.addresses.empty()) return false;
  LOG_INFO("Establishing a connection with " + name(prefix));
  open(now, prefix, connections_[prefix] = std::move(c));
  return true;
}

void Manager::open(Time now, const std::string& prefix, Connection& c) {
  emit(OpenTunnel{prefix, c.addresses[c.next]});
  ++c.next;
  nextTunnelRefresh_ = now + config_.tunnelRefresh;  // Connection.open resets the period
}

void Manager::kill(const std::string& prefix) {
  auto it = connections_.find(prefix);
  if (it == connections_.end()) return;
  LOG_INFO("Killing the connection with " + name(prefix) + "...");
  abortKiller(now_, prefix, std::nullopt);
  connections_.erase(it);
  emit(CloseTunnel{prefix});
}

void Manager::tunnelUp(Time now, const std::string& prefix, const std::string& serial) {
  now_ = now;
  auto it = connections_.find(prefix);
  if (it == connections_.end() || it->second.connected) return;
  if (crl_.count(serial)) {
    kill(prefix);
    return;
  }
  Connection& c = it->second;
  c.connected = true;
  c.serial = serial;
  size_t used = c.next - 1;
  // The address that worked goes first in the cache; the first one just clears the mark.
  if (used)
    deps_.cache.addPeer(prefix, c.addresses[used].str(), true);
  else
    deps_.cache.connecting(prefix, false);
}

void Manager::tunnelDown(Time now, const std::string& prefix) {
  now_ = now;
  auto it = connections_.find(prefix);
  if (it == connections_.end()) return;
  Connection& c = it->second;
  if (c.connected) {
    deadTunnel_ = true;
    kill(prefix);
  } else if (c.next >= c.addresses.size()) {
    kill(prefix);  // every address failed: the cache keeps the failure mark
  } else {
    LOG_INFO("Retrying " + name(prefix) + " with alternate address");
    open(now, prefix, c);
  }
}

bool Manager::incomingUp(Time now, const std::string& prefix, uint32_t ifindex,
                         const std::string& serial) {
  now_ = now;
  if (crl_.count(serial) || prefix.empty() || prefix == config_.prefix) return false;
  size_t n = 0;
  for (const auto& [p, s] : served_) n += s.size();
  if (n >= config_.maxClients && !(served_.count(prefix) && served_[prefix].count(ifindex)))
    return false;
  served_[prefix][ifindex] = serial;
  // Duplicate tunnel: the node with the smaller prefix drops its outgoing one.
  if (connections_.count(prefix) && config_.prefix < prefix) {
    kill(prefix);
    deps_.cache.connecting(prefix, false);
  }
  return true;
}

void Manager::incomingDown(Time now, const std::string& prefix, uint32_t ifindex) {
  now_ = now;
  auto it = served_.find(prefix);
  if (it == served_.end() || !it->second.erase(ifindex)) return;
  if (it->second.empty()) served_.erase(it);
  abortKiller(now, prefix, ifindex);
}

void Manager::peerMessage(Time now, const std::string& prefix, uint8_t code, ByteSpan data) {
  now_ = now;
  if (code == peer::kAddress) {
    if (data.empty()) return;
    std::string address = asString(data);
    if (!peer::parseAddressList(address)) return;
    deps_.cache.addPeer(prefix, address);
    if (connecting_.erase(prefix)) makeTunnel(now, prefix, address);
  } else if (code == peer::kKillRequest || code == peer::kKillResponse) {
    auto it = killing_.find(prefix);
    if (it == killing_.end()) {
      // A client asks us to drain the tunnel it wants to close.
      if (code == peer::kKillRequest && served_.count(prefix)) startKiller(now, prefix, false);
    } else if (code == peer::kKillResponse && it->second.state == Killer::State::kLocked) {
      kill(prefix);
    }
  }
}

void Manager::setCrl(std::set<std::string> serials) {
  crl_ = std::move(serials);
  std::vector<std::string> revoked;
  for (const auto& [p, c] : connections_)
    if (c.connected && crl_.count(c.serial)) revoked.push_back(p);
  for (const auto& p : revoked) kill(p);
}

// _tunnelScore: () for a tunnel Babel cannot match to a neighbour or that routes nothing,
// else (is a --neighbour, number of node prefixes routed through it).
std::vector<int> Manager::tunnelScore(const std::string& prefix) const {
  auto it = view_->neighbours.find(prefix);
  if (it == view_->neighbours.end()) return {};
  int n = 0;
  for (const auto& r : it->second.routes)
    if (r && !r->empty()) ++n;  // the default route is redundant with the gateway node
  if (!n) return {};
  return {int(config_.neighbours.count(prefix)), n};
}

void Manager::removeSomeTunnels(Time now) {
  std::set<std::string> candidates;
  for (const auto& [p, c] : connections_)
    if (!killing_.count(p)) candidates.insert(p);
  // Keep only a small number of tunnels while nobody can reach us (configure NAT!).
  unsigned keep = (!served_.empty() || disconnected_) ? config_.clientCount
                                                      : std::min(2u, config_.clientCount);
  if (candidates.empty() || candidates.size() < keep || candidates == config_.neighbours) return;
  const std::string* best = nullptr;
  std::vector<int> bestScore;
  for (const auto& p : candidates) {
    auto s = tunnelScore(p);
    if (!best || s < bestScore) best = &p, bestScore = s;
  }
  std::string victim = *best;
  LOG_INFO("Draining the tunnel to " + name(victim));
  startKiller(now, victim, true);
}

void Manager::startKiller(Time now, const std::string& prefix, bool client) {
  Killer& k = killing_[prefix];
  k.peer = prefix;
  k.client = client;
  k.timeout = now + 2 * config_.timeout;
  runKiller(now, k);
}

void Manager::runKiller(Time now, Killer& k) {
  using S = Killer::State;
  switch (k.state) {
    case S::kIdle: {
      auto it = view_->neighbours.find(k.peer);
      if (it == view_->neighbours.end()) return;  // not identified yet
      k.ref = it->second.ref;
      k.savedMultiplier = view_->multipliers[k.ref];
      k.state = S::kDraining;
      emit(SetCostMultiplier{k.ref, kDrainMultiplier});
      return;
    }
    case S::kDraining:
      // Wait until no route uses the neighbour (and the dump is unambiguous).
      if (view_->neighbours.count(k.peer) || view_->unidentifiedRoutes) return;
      emit(SetCostMultiplier{k.ref, kLockMultiplier});
      k.state = S::kLocking;
      return;
    case S::kLocking:
      if (view_->locked.count(k.ref)) {
        k.state = S::kLocked;
        k.timeout = now + 2 * config_.timeout;
        send(k.peer, Bytes{k.client ? peer::kKillRequest : peer::kKillResponse});
      } else {
        k.timeout = Time::min();  // give up at the next dump
      }
      return;
    case S::kLocked:
    case S::kUnlocking:
      return;
  }
}

void Manager::stepKillers(Time now) {
  for (auto it = killing_.begin(); it != killing_.end();) {
    Killer& k = it->second;
    if (k.timeout < now) {
      if (k.state != Killer::State::kUnlocking)
        LOG_INFO("Abort destruction of tunnel " + std::string(k.client ? "to " : "from ") +
                 name(k.peer));
      if (k.state != Killer::State::kIdle) emit(SetCostMultiplier{k.ref, k.savedMultiplier});
      it = killing_.erase(it);
    } else {
      runKiller(now, k);
      ++it;
    }
  }
}

void Manager::abortKiller(Time now, const std::string& prefix, std::optional<uint32_t> ifindex) {
  auto it = killing_.find(prefix);
  if (it == killing_.end()) return;
  Killer& k = it->second;
  if (k.state == Killer::State::kIdle) {
    killing_.erase(it);
  } else if ((!ifindex || *ifindex == k.ref.ifindex) && k.state != Killer::State::kUnlocking) {
    // Restore the multiplier later: the routes must not flap back meanwhile.
    k.state = Killer::State::kUnlocking;
    k.timeout = now + 2 * config_.timeout;
  }
}

std::vector<std::string> Manager::outgoing() const {
  std::vector<std::string> v;
  for (const auto& [p, c] : connections_) v.push_back(p);
  return v;
}

std::vector<std::string> Manager::incoming() const {
  std::vector<std::string> v;
  for (const auto& [p, s] : served_) v.push_back(p);
  return v;
}

std::string Manager::topology() const {
  std::string s = std::to_string(connections_.size());
  for (const auto& [p, c] : connections_) s += " " + name(p);
  for (const auto& [p, x] : served_) s += " " + name(p);
  return s;
}

}  // namespace re6st::tunnel
