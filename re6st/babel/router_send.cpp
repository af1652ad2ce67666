// The Babel router core, sending side: Hellos with IHUs, full dumps, triggered updates,
// route and seqno requests, each packet counted and signed (RFC 8967 §4.1–4.2) when a
// sign key is configured. Section numbers are RFC 8966 unless noted.
#include "re6st/babel/hmac.h"
#include "re6st/babel/router_state.h"
#include "re6st/babel/seqno.h"

namespace re6st::babel {
namespace {

uint32_t stamp(Time t) { return uint32_t(uint64_t(toMicros(t))); }
constexpr size_t kUpdateRoom = 60;  // worst case of one Update with Router-Id and source

}  // namespace

PacketWriter RouterState::newPacket(Interface& ifc) {
  PacketWriter w;
  // RFC 8967 §4.1: every signed packet carries a fresh packet counter with our index.
  if (cfg.signKey) w.packetCounter(PacketCounter{++ifc.pc, ifc.pcIndex});
  return w;
}

void RouterState::emit(Interface& ifc, const Ipv6& dst, PacketWriter& w) {
  if (down && !sendingGoodbye) return;  // after shutdown() only the goodbyes go out
  size_t base = 4 + (cfg.signKey ? 6 + ifc.pcIndex.size() : 0);
  if (w.size() <= base) return;
  Bytes bytes = w.finish();
  if (cfg.signKey) appendMac(bytes, *cfg.signKey, ifc.linkLocal, dst);
  actions.push_back(SendPacket{ifc.ifindex, dst, std::move(bytes)});
}

void RouterState::sendHello(Interface& ifc, Time now) {
  PacketWriter w = newPacket(ifc);
  Hello h;
  h.seqno = ifc.helloSeqno++;
  h.interval = centis(cfg.helloInterval);
  if (ifc.link.timestamps) h.timestamp = stamp(now);
  w.hello(h);
  // §3.4.2: IHUs every third Hello; with timestamps on every Hello, since babeld only
  // takes an RTT sample from an IHU travelling with a timestamped Hello.
  bool withIhu = ifc.link.timestamps || ifc.hellos % 3 == 0;
  ++ifc.hellos;
  if (withIhu) {
    Duration ihuEvery = ifc.link.timestamps ? cfg.helloInterval : cfg.helloInterval * 3;
    // Neighbours are keyed (ifindex, address): this interface's ones are one range.
    for (auto it = neighbours.lower_bound({ifc.ifindex, Ipv6{}});
         it != neighbours.end() && it->first.first == ifc.ifindex; ++it) {
      Neighbour& n = it->second;
      Ihu t;
      t.rxcost = rxcost(n, ifc.link, now);
      t.interval = centis(ihuEvery);
      t.address = n.address;
      if (ifc.link.timestamps && n.helloTimestamp) {
        t.timestamp = std::make_pair(*n.helloTimestamp, stamp(n.helloTimestampArrival));
      }
      if (w.size() + 40 > kMaxPacket) {
        emit(ifc, kMulticast, w);
        w = newPacket(ifc);
      }
      w.ihu(t);
    }
  }
  emit(ifc, kMulticast, w);
  ifc.nextHello = now + cfg.helloInterval;
  helloMin.reset();
}

// What we say about key on interface out: our own route, the selected route (poisoned
// back onto the point-to-point tunnel it came from), or a retraction.
std::optional<Update> RouterState::announcement(const RouteKey& key, const Interface& out,
                                                Time now) {
  auto x = xroutes.find(key);
  auto d = routes.find(key);
  return announce(key, x == xroutes.end() ? nullptr : &x->second,
                  d == routes.end() ? nullptr : &d->second, &out, now);
}

Update RouterState::announce(const RouteKey& key, const Xroute* x, const Destination* d,
                             const Interface* out, Time now) {
  Update u;
  u.ae = kAeIpv6;
  u.dst = key.first;
  u.src = key.second;
  u.interval = centis(updateInterval());
  if (x) {
    u.seqno = seqno;
    u.metric = x->metric;
    u.routerId = cfg.routerId;
  } else if (d && d->selected >= 0) {
    const Route& r = d->routes[size_t(d->selected)];
    u.seqno = r.seqno;
    u.metric = r.metric;
    u.routerId = r.routerId;
    if (out && out->link.type == IfType::kTunnel && r.neighbour->ifindex == out->ifindex) {
      u.metric = kInfinity;  // split horizon with poisoned reverse (§3.7.4)
    }
  } else {
    u.seqno = d ? d->lastSeqno : seqno;
    u.metric = kInfinity;
    u.routerId = cfg.routerId;
  }
  // §3.7.3: advertising a finite metric updates the feasibility distance.
  if (u.metric < kInfinity) sources.advertised({u.routerId, u.dst, u.src}, u.seqno, u.metric, now);
  return u;
}

void RouterState::sendFullDump(Interface& ifc, const Ipv6& dst, Time now) {
  PacketWriter w = newPacket(ifc);
  auto put = [&](Update u) {
    if (u.metric == kInfinity) return;  // a dump carries routes, not retractions
    if (!fitFamily(u, ifc)) return;
    if (w.size() + kUpdateRoom > kMaxPacket) {
      emit(ifc, dst, w);
      w = newPacket(ifc);
    }
    w.update(u);
  };
  for (const auto& [key, x] : xroutes) put(announce(key, &x, nullptr, &ifc, now));
  for (const auto& [key, d] : routes) {
    // Skip poisoned routes before building them, and our own prefixes (sent above).
    if (d.selected < 0) continue;
    const Route& r = d.routes[size_t(d.selected)];
    if (ifc.link.type == IfType::kTunnel && r.neighbour->ifindex == ifc.ifindex) continue;
    if (d.installed || !xroutes.count(key)) put(announce(key, nullptr, &d, &ifc, now));
  }
  emit(ifc, dst, w);
}

// The periodic dump goes out on every interface at once, so each route is looked at
// (and its feasibility distance refreshed) once rather than once per interface.
void RouterState::sendPeriodicDump(Time now) {
  std::vector<std::pair<Interface*, PacketWriter>> outs;
  for (auto& [idx, ifc] : ifaces) outs.emplace_back(&ifc, newPacket(ifc));
  auto put = [&](const Update& u, int learnedOn) {
    if (u.metric == kInfinity) return;
    for (auto& [ifc, w] : outs) {
      if (ifc->link.type == IfType::kTunnel && ifc->ifindex == learnedOn) continue;
      Update v = u;
      if (!fitFamily(v, *ifc)) continue;
      if (w.size() + kUpdateRoom > kMaxPacket) {
        emit(*ifc, kMulticast, w);
        w = newPacket(*ifc);
      }
      w.update(v);
    }
  };
  for (const auto& [key, x] : xroutes) put(announce(key, &x, nullptr, nullptr, now), -1);
  for (const auto& [key, d] : routes) {
    if (d.selected < 0 || xroutes.count(key)) continue;
    const Route& r = d.routes[size_t(d.selected)];
    put(announce(key, nullptr, &d, nullptr, now), r.neighbour->ifindex);
  }
  for (auto& [ifc, w] : outs) emit(*ifc, kMulticast, w);
}

void RouterState::sendUpdateTo(Interface& ifc, const Ipv6& dst, const RouteKey& key, Time now) {
  auto u = announcement(key, ifc, now);
  if (!u || !fitFamily(*u, ifc)) return;
  PacketWriter w = newPacket(ifc);
  w.update(*u);
  emit(ifc, dst, w);
}

void RouterState::maybeFlush(Time now, bool force) {
  if (triggered.empty()) {
    flushAt.reset();
    return;
  }
  if (!flushAt) flushAt = now + kTriggerDelay;
  if (force || now >= *flushAt) flushTriggered(now);
}

void RouterState::flushTriggered(Time now) {
  flushAt.reset();
  if (triggered.empty()) return;
  // Each key is looked up once, then written on every interface (poisoned where learned).
  std::vector<std::pair<Interface*, PacketWriter>> outs;
  for (auto& [idx, ifc] : ifaces) outs.emplace_back(&ifc, newPacket(ifc));
  for (const RouteKey& key : triggered) {
    auto x = xroutes.find(key);
    auto d = routes.find(key);
    const Xroute* xp = x == xroutes.end() ? nullptr : &x->second;
    const Destination* dp = d == routes.end() ? nullptr : &d->second;
    Update u = announce(key, xp, dp, nullptr, now);
    if (u.metric == kInfinity && !resends.count(key)) {
      Time at = now + kRetractionResendGap;
      resends[key] = Resend{kRetractionResends, at, kRetractionResendGap};
      if (!nextResend || *nextResend > at) nextResend = at;
    }
    int learnedOn = -1;
    if (!xp && dp && dp->selected >= 0) {
      learnedOn = dp->routes[size_t(dp->selected)].neighbour->ifindex;
    }
    for (auto& [ifc, w] : outs) {
      Update v = u;
      if (ifc->link.type == IfType::kTunnel && ifc->ifindex == learnedOn) v.metric = kInfinity;
      if (!fitFamily(v, *ifc)) continue;
      if (w.size() + kUpdateRoom > kMaxPacket) {
        emit(*ifc, kMulticast, w);
        w = newPacket(*ifc);
      }
      w.update(v);
    }
  }
  for (auto& [ifc, w] : outs) emit(*ifc, kMulticast, w);
  triggered.clear();
}

bool RouterState::fitFamily(Update& u, const Interface& ifc) const {
  if (u.ae == kAeWildcard || !isV4Prefix(u.dst)) return true;
  // babeld's choice per interface: with an IPv4 address, AE 1 and that address as next
  // hop (Next Hop TLV, §4.6.8); without, v4-via-v6 (RFC 9229 §2) if enabled.
  if (ifc.ipv4) {
    u.ae = kAeIpv4;
    u.nexthop = *ifc.ipv4;
    return true;
  }
  if (!cfg.v4viav6) return false;
  u.ae = kAeV4viaV6;
  u.nexthop = Ipv6{};
  return true;
}

void RouterState::sendGoodbye(Time now) {
  sendingGoodbye = true;
  for (auto& [idx, ifc] : ifaces) {
    PacketWriter w = newPacket(ifc);
    for (const auto& [key, x] : xroutes) {
      Update u;
      u.dst = key.first;
      u.src = key.second;
      u.seqno = seqno;
      u.metric = kInfinity;
      u.interval = centis(updateInterval());
      if (!fitFamily(u, ifc)) continue;
      if (w.size() + kUpdateRoom > kMaxPacket) {
        emit(ifc, kMulticast, w);
        w = newPacket(ifc);
      }
      w.update(u);
    }
    // §4.6.9: AE 0 with infinite metric retracts every route we announced on this link,
    // forwarded ones included, so neighbours do not wait for them to expire.
    Update all;
    all.ae = kAeWildcard;
    all.metric = kInfinity;
    all.seqno = seqno;
    all.interval = centis(updateInterval());
    w.update(all);
    // babeld: a Hello announcing a 10 ms interval makes neighbours count us as gone
    // after a few missed ones instead of a few hello intervals.
    Hello h;
    h.seqno = ifc.helloSeqno++;
    h.interval = 1;
    w.hello(h);
    emit(ifc, kMulticast, w);
  }
  sendingGoodbye = false;
  --goodbyesLeft;
  nextGoodbye = now + kGoodbyeGap;
}

void RouterState::sendRouteRequest(Interface& ifc, const Ipv6& dst, const RouteReq& q) {
  PacketWriter w = newPacket(ifc);
  w.routeReq(q);
  emit(ifc, dst, w);
}

void RouterState::sendSeqnoRequest(Interface& ifc, const Ipv6& dst, const SeqnoReq& q) {
  PacketWriter w = newPacket(ifc);
  w.seqnoReq(q);
  emit(ifc, dst, w);
}

// §3.8.2: ask the source of a route for a newer seqno, unicast to one neighbour or
// multicast on every interface; at most once a second per destination.
void RouterState::requestSeqno(const RouteKey& key, Destination& d, Neighbour* only,
                               const RouterId& rid, Time now) {
  if (d.lastSeqnoRequest != Time{} && now - d.lastSeqnoRequest < seconds(1)) return;
  d.lastSeqnoRequest = now;
  SeqnoReq q;
  q.ae = kAeIpv6;
  q.dst = key.first;
  q.src = key.second;
  q.routerId = rid;
  q.hopCount = kSeqnoRequestHops;
  const FeasibilityDistance* fd = sources.find({rid, key.first, key.second});
  q.seqno = seqnoPlus(fd ? fd->seqno : d.lastSeqno, 1);
  if (only) {
    auto it = ifaces.find(only->ifindex);
    if (it != ifaces.end()) sendSeqnoRequest(it->second, only->address, q);
    return;
  }
  for (auto& [idx, ifc] : ifaces) sendSeqnoRequest(ifc, kMulticast, q);
}

}  // namespace re6st::babel
