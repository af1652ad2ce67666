// The Babel router core: the public façade (router.h), neighbour and route bookkeeping,
// and the timers. Receiving is in router_recv.cpp, sending in router_send.cpp.
// Section numbers are RFC 8966 unless noted.
#include "re6st/babel/router.h"

#include <algorithm>

#include "re6st/babel/hmac.h"
#include "re6st/babel/router_state.h"
#include "re6st/babel/seqno.h"
#include "re6st/base/log.h"

namespace re6st::babel {

RouterState::RouterState(Config c, Random& r) : cfg(std::move(c)), rnd(r), seqno(cfg.seqno) {
  for (const Xroute& x : cfg.redistribute) xroutes[{x.dst, x.src}] = x;
}

Duration RouterState::updateInterval() const {
  return cfg.updateInterval > Duration::zero() ? cfg.updateInterval : cfg.helloInterval * 4;
}

Duration RouterState::housekeepingInterval() const {
  return std::clamp<Duration>(cfg.helloInterval / 2, milliseconds(250), seconds(2));
}

uint16_t RouterState::centis(Duration d) const {
  return uint16_t(std::clamp<int64_t>(d.count() / 10'000, 1, 0xFFFF));
}

Neighbour& RouterState::neighbour(int ifindex, const Ipv6& addr, Time now) {
  auto [it, fresh] = neighbours.try_emplace({ifindex, addr});
  if (fresh) {
    it->second.address = addr;
    it->second.ifindex = ifindex;
    it->second.ihuTime = now;
    it->second.helloTime = now;
    LOG_DEBUG("babel: new neighbour " + formatIpv6(addr) + " on " + std::to_string(ifindex));
  }
  return it->second;
}

// Recomputes the link cost and, when it changed, every route through the neighbour.
void RouterState::refreshCost(Neighbour& n, Time now) {
  auto ifc = ifaces.find(n.ifindex);
  if (ifc == ifaces.end()) return;
  uint16_t cost = linkCost(n, ifc->second.link, now);
  if (cost == n.cost) return;
  uint16_t old = n.cost;
  n.cost = cost;
  for (auto& [key, d] : routes) {
    bool touched = false;
    for (Route& r : d.routes) {
      if (r.neighbour != &n) continue;
      r.metric = addMetric(r.refmetric, cost);
      touched = true;
    }
    if (touched) reselect(key, d, now);
  }
  if (old >= kInfinity && cost < kInfinity) {
    // A neighbour just became usable: give it our whole table (it does the same).
    sendFullDump(ifc->second, n.address, now);
  }
}

void RouterState::flushNeighbour(const NeighbourKey& key, Time now) {
  auto it = neighbours.find(key);
  if (it == neighbours.end()) return;
  Neighbour* n = &it->second;
  LOG_DEBUG("babel: neighbour " + formatIpv6(n->address) + " gone");
  for (auto dit = routes.begin(); dit != routes.end();) {
    Destination& d = dit->second;
    auto gone = std::find_if(d.routes.begin(), d.routes.end(),
                             [n](const Route& r) { return r.neighbour == n; });
    if (gone != d.routes.end()) {
      int idx = int(gone - d.routes.begin());
      if (d.selected == idx) d.selected = -1;
      else if (d.selected > idx) --d.selected;
      d.routes.erase(gone);
      if (d.lastNeighbour == n) d.lastNeighbour = nullptr;
      reselect(dit->first, d, now);
    }
    if (d.routes.empty() && !d.installed) dit = routes.erase(dit);
    else ++dit;
  }
  neighbours.erase(it);
}

// §3.6: re-runs selection for one destination, emits kernel actions and decides whether
// neighbours must hear about the change now (§3.7.2 triggered updates).
void RouterState::reselect(const RouteKey& key, Destination& d, Time now) {
  int sel = chooseRoute(d, key, sources);
  d.selected = sel;
  const Route* r = sel >= 0 ? &d.routes[size_t(sel)] : nullptr;
  bool ours = xroutes.count(key) != 0;
  if (r && !ours) {
    auto want = std::make_pair(r->nexthop, r->neighbour->ifindex);
    if (d.installed != want) {
      actions.push_back(InstallRoute{key.first, key.second, r->nexthop, want.second, r->metric});
      d.installed = want;
    }
  } else if (d.installed) {
    actions.push_back(RemoveRoute{key.first, key.second, d.installed->first,
                                  d.installed->second, kInfinity});
    d.installed.reset();
  }
  Neighbour* nb = r ? r->neighbour : nullptr;
  uint16_t metric = r ? r->metric : kInfinity;
  bool changed = nb != d.lastNeighbour || (r && (r->routerId != d.lastRouterId ||
                                                 r->seqno != d.lastSeqno));
  // Large metric changes and any retraction are urgent; small drifts wait for the
  // periodic update (they cannot create loops: the feasibility distance stays put).
  int delta = int(metric) - int(d.lastMetric);
  if (changed || (metric == kInfinity) != (d.lastMetric == kInfinity) || delta >= 256 ||
      delta <= -256) {
    if (!ours) triggered.insert(key);
  }
  d.lastNeighbour = nb;
  d.lastMetric = metric;
  if (r) {
    d.lastRouterId = r->routerId;
    d.lastSeqno = r->seqno;
  }
  // §3.8.2.1 starvation: finite routes exist but none is feasible — ask for a new seqno.
  if (!r && !ours) {
    auto candidate = std::find_if(d.routes.begin(), d.routes.end(),
                                  [](const Route& x) { return x.metric < kInfinity; });
    if (candidate != d.routes.end()) {
      RouterId rid = d.lastRouterId != RouterId{} ? d.lastRouterId : candidate->routerId;
      requestSeqno(key, d, nullptr, rid, now);
    }
  }
}

void RouterState::expireRoutes(Time now) {
  if (now < routesExpireMin) return;
  Time next = Time::max();
  for (auto dit = routes.begin(); dit != routes.end();) {
    Destination& d = dit->second;
    bool touched = false;
    for (size_t i = 0; i < d.routes.size();) {
      Route& r = d.routes[i];
      if (now < r.expires) {
        next = std::min(next, r.expires);
        ++i;
        continue;
      }
      touched = true;
      if (r.refmetric < kInfinity) {
        // §3.5.3: an expired route is retracted first, then forgotten later.
        r.refmetric = r.metric = kInfinity;
        r.expires = now + std::max<Duration>(r.interval * 7 / 2, seconds(10));
        next = std::min(next, r.expires);
        ++i;
        continue;
      }
      if (d.selected == int(i)) d.selected = -1;
      else if (d.selected > int(i)) --d.selected;
      d.routes.erase(d.routes.begin() + long(i));
    }
    if (touched) reselect(dit->first, d, now);
    if (d.routes.empty() && !d.installed) dit = routes.erase(dit);
    else ++dit;
  }
  routesExpireMin = next;
}

void RouterState::housekeeping(Time now) {
  std::vector<NeighbourKey> dead;
  for (auto& [key, n] : neighbours) {
    noteMissedHellos(n, now);
    // §3.4.2: without an IHU for 3.5 IHU intervals the txcost becomes infinite.
    Duration ihuHold = n.ihuInterval > Duration::zero() ? n.ihuInterval * 7 / 2 : seconds(180);
    if (n.txcost != kInfinity && now - n.ihuTime > ihuHold) n.txcost = kInfinity;
    refreshCost(n, now);
    if (n.reach == 0 && now - n.helloTime > std::max<Duration>(n.helloInterval, seconds(1)) * 4)
      dead.push_back(key);
  }
  for (const auto& key : dead) flushNeighbour(key, now);
  expireRoutes(now);
  retryRefused(now);
  sources.expire(now, seconds(200));
  for (auto it = forwarded.begin(); it != forwarded.end();) {
    if (now - it->second > seconds(5)) it = forwarded.erase(it);
    else ++it;
  }
}

// Refused routes become selectable again after kRefusedRetry: the kernel may accept
// them now (an interface address appeared, a conflicting route went away).
void RouterState::retryRefused(Time now) {
  for (auto it = refused.begin(); it != refused.end();) {
    if (now < it->second) {
      ++it;
      continue;
    }
    auto dit = routes.find(it->first);
    if (dit != routes.end()) {
      for (Route& r : dit->second.routes) r.refused = false;
      reselect(it->first, dit->second, now);
    }
    it = refused.erase(it);
  }
}

// §3.7.2: a retraction may be lost; it is repeated a small number of times, unless the
// destination came back meanwhile (then its triggered update already went out).
void RouterState::resendRetractions(Time now) {
  if (!nextResend || now < *nextResend) return;
  nextResend.reset();
  for (auto it = resends.begin(); it != resends.end();) {
    Resend& r = it->second;
    auto d = routes.find(it->first);
    bool back = xroutes.count(it->first) || (d != routes.end() && d->second.selected >= 0);
    if (back || (now >= r.at && r.left == 0)) {
      it = resends.erase(it);
      continue;
    }
    if (now >= r.at) {
      triggered.insert(it->first);
      --r.left;
      r.gap *= 2;
      r.at = now + r.gap;
    }
    if (!nextResend || r.at < *nextResend) nextResend = r.at;
    ++it;
  }
}

// ---- the façade ----

Router::Router(Config config, Random& random)
    : s_(std::make_unique<RouterState>(std::move(config), random)) {}
Router::~Router() = default;

const Config& Router::config() const { return s_->cfg; }

Status Router::addInterface(int ifindex, std::string name, IfType type, const Ipv6& linkLocal,
                            Time now) {
  if (s_->ifaces.count(ifindex)) {
    return makeError(Code::kExists, "babel: interface " + name + " already added");
  }
  if (s_->cfg.signKey) RE6ST_TRY(validateKey(*s_->cfg.signKey));
  Interface ifc;
  ifc.ifindex = ifindex;
  ifc.name = std::move(name);
  ifc.linkLocal = linkLocal;
  ifc.link.type = type;
  const InterfaceDefaults& def = s_->cfg.interfaces;
  ifc.link.nominalCost = type == IfType::kWireless ? def.wirelessCost : def.wiredCost;
  ifc.link.timestamps = type == IfType::kTunnel ? def.timestampsOnTunnel : def.timestampsOnWired;
  ifc.link.rtt = s_->cfg.rtt;
  ifc.helloSeqno = uint16_t(s_->rnd.below(0x10000));
  ifc.pcIndex.resize(8);
  s_->rnd.fill(ifc.pcIndex);
  // Speak at once, then periodically; the first full dump follows shortly (§3.7.1).
  ifc.nextHello = now;
  auto [it, _] = s_->ifaces.emplace(ifindex, std::move(ifc));
  s_->helloMin.reset();
  s_->sendRouteRequest(it->second, kMulticast, RouteReq{kAeWildcard, {}, {}});
  return {};
}

void Router::removeInterface(int ifindex, Time now) {
  std::vector<NeighbourKey> gone;
  for (auto& [key, n] : s_->neighbours) {
    if (key.first == ifindex) gone.push_back(key);
  }
  for (const auto& key : gone) s_->flushNeighbour(key, now);
  s_->ifaces.erase(ifindex);
  s_->helloMin.reset();
  s_->flushTriggered(now);
}

void Router::setCostMultiplier(const Ipv6& neighbour, int ifindex, double factor, Time now) {
  auto it = s_->neighbours.find({ifindex, neighbour});
  if (it == s_->neighbours.end()) return;
  it->second.multiplier = factor > 0 ? factor : 1.0;
  s_->refreshCost(it->second, now);
  s_->flushTriggered(now);
}

void Router::setInterfaceCostMultiplier(int ifindex, double factor, Time now) {
  auto it = s_->ifaces.find(ifindex);
  if (it == s_->ifaces.end()) return;
  it->second.link.multiplier = factor > 0 ? factor : 1.0;
  for (auto& [key, n] : s_->neighbours) {
    if (key.first == ifindex) s_->refreshCost(n, now);
  }
  s_->flushTriggered(now);
}

void Router::setRedistributed(std::vector<Xroute> routes, Time now) {
  std::map<RouteKey, Xroute> next;
  for (const Xroute& x : routes) next[{x.dst, x.src}] = x;
  for (const auto& [key, x] : s_->xroutes) {
    if (!next.count(key)) s_->triggered.insert(key);  // retract what we no longer have
  }
  for (const auto& [key, x] : next) {
    auto old = s_->xroutes.find(key);
    if (old == s_->xroutes.end() || !(old->second == x)) s_->triggered.insert(key);
  }
  s_->xroutes = std::move(next);
  s_->cfg.redistribute = std::move(routes);
  for (auto& [key, d] : s_->routes) {
    if (s_->xroutes.count(key)) s_->reselect(key, d, now);
  }
  s_->flushTriggered(now);
}

void Router::setInterfaceIpv4(int ifindex, std::optional<Ipv6> address, Time now) {
  auto it = s_->ifaces.find(ifindex);
  if (it == s_->ifaces.end() || it->second.ipv4 == address) return;
  it->second.ipv4 = address;
  // Neighbours must learn the new IPv4 next hop (or the switch to v4-via-v6) at once.
  if (!s_->down) s_->sendFullDump(it->second, kMulticast, now);
}

void Router::routeRefused(const Prefix& dst, const Prefix& src, const Ipv6& nexthop,
                          int ifindex, Time now) {
  RouteKey key{dst, src};
  auto dit = s_->routes.find(key);
  if (dit == s_->routes.end()) return;
  Destination& d = dit->second;
  std::pair<Ipv6, int> hop{nexthop, ifindex};
  bool marked = false;
  for (Route& r : d.routes) {
    if (r.nexthop != nexthop || r.neighbour->ifindex != ifindex) continue;
    r.refused = true;
    marked = true;
  }
  if (!marked) return;  // already gone: nothing to reselect
  s_->refused[key] = now + kRefusedRetry;
  // The driver dropped the kernel's route for the key; only forget ours if it was this
  // one (a later InstallRoute may be queued behind the refused one).
  if (d.installed == hop) d.installed.reset();
  s_->reselect(key, d, now);
  s_->maybeFlush(now);
}

void Router::shutdown(Time now) {
  if (s_->down) return;
  s_->down = true;
  s_->triggered.clear();
  s_->resends.clear();
  s_->nextResend.reset();
  s_->flushAt.reset();
  s_->goodbyesLeft = kGoodbyes;
  s_->sendGoodbye(now);
}

bool Router::shutdownPending() const { return s_->down && s_->goodbyesLeft > 0; }

Status Router::handlePacket(Time now, int ifindex, const Ipv6& src, const Ipv6& dst,
                            ByteSpan bytes) {
  if (s_->down) return makeError(Code::kInvalid, "babel: shut down");
  Status st = s_->receive(now, ifindex, src, dst, bytes);
  s_->maybeFlush(now);
  return st;
}

void Router::handleTimeout(Time now) {
  if (s_->down) {
    if (s_->goodbyesLeft > 0 && now >= s_->nextGoodbye) s_->sendGoodbye(now);
    return;
  }
  s_->resendRetractions(now);
  if (now >= s_->nextHousekeeping) {
    s_->housekeeping(now);
    s_->nextHousekeeping = now + s_->housekeepingInterval();
  }
  if (!s_->helloMin || now >= *s_->helloMin) {
    for (auto& [idx, ifc] : s_->ifaces) {
      if (now >= ifc.nextHello) s_->sendHello(ifc, now);
    }
  }
  Duration iv = s_->updateInterval();
  // The first periodic dump comes one interval after start: neighbours get a full unicast
  // dump as soon as they become usable, so an earlier one would only repeat it.
  if (!s_->nextUpdate) {
    s_->nextUpdate = now + iv - Duration(int64_t(s_->rnd.below(uint64_t(iv.count() / 4) + 1)));
  }
  if (now >= *s_->nextUpdate) {
    s_->sendPeriodicDump(now);
    // Jitter (§3.7.1 suggests it) keeps routers from synchronising their dumps.
    s_->nextUpdate = now + iv - Duration(int64_t(s_->rnd.below(uint64_t(iv.count() / 4) + 1)));
  }
  s_->maybeFlush(now);
}

Time Router::nextTimeout() const {
  if (s_->down) {
    return s_->goodbyesLeft > 0 ? s_->nextGoodbye : s_->nextHousekeeping + seconds(3600);
  }
  Time t = s_->nextHousekeeping;
  if (s_->flushAt) t = std::min(t, *s_->flushAt);
  if (s_->nextUpdate) t = std::min(t, *s_->nextUpdate);
  if (s_->nextResend) t = std::min(t, *s_->nextResend);
  if (!s_->helloMin) {
    s_->helloMin = Time::max();
    for (const auto& [idx, ifc] : s_->ifaces) s_->helloMin = std::min(*s_->helloMin, ifc.nextHello);
  }
  t = std::min(t, *s_->helloMin);
  return t;
}

std::optional<Action> Router::pollAction() {
  if (s_->actions.empty()) return std::nullopt;
  Action a = std::move(s_->actions.front());
  s_->actions.pop_front();
  return a;
}

}  // namespace re6st::babel
