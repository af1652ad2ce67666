// The Babel router core, receiving side: authentication (RFC 8967 §4.3), then each TLV
// in packet order. Section numbers are RFC 8966 unless noted.
#include <algorithm>
#include <utility>

#include "re6st/babel/hmac.h"
#include "re6st/babel/router_state.h"
#include "re6st/babel/seqno.h"
#include "re6st/base/log.h"

namespace re6st::babel {
namespace {

bool isLinkLocal(const Ipv6& a) { return a[0] == 0xfe && (a[1] & 0xc0) == 0x80; }
bool isMartian(const Prefix& p) {
  // babeld's martians: link-local and multicast IPv6, loopback 127/8 and multicast or
  // reserved 224/3 IPv4, and IPv4-mapped space that is not a valid IPv4 prefix.
  if (isV4Mapped(p.addr)) {
    if (p.len < 96) return true;
    return (p.len >= 104 && p.addr[12] == 127) || (p.len >= 99 && p.addr[12] >= 224);
  }
  return (p.len >= 10 && isLinkLocal(p.addr)) || (p.len >= 8 && p.addr[0] == 0xff);
}
bool hasHello(const ParsedPacket& p) {
  return std::any_of(p.tlvs.begin(), p.tlvs.end(),
                     [](const Tlv& t) { return std::holds_alternative<Hello>(t); });
}
uint32_t stamp(Time t) { return uint32_t(uint64_t(toMicros(t))); }

}  // namespace

// RFC 8967 §4.3: MAC first, then the packet counter; an unknown index or a replayed
// counter triggers a challenge and only the challenge TLVs are processed.
bool RouterState::authenticate(Interface& ifc, Neighbour& n, const ParsedPacket& p, Time now) {
  const PacketCounter* pc = nullptr;
  for (const Tlv& t : p.tlvs) {
    if (auto* c = std::get_if<PacketCounter>(&t)) {
      pc = c;
      break;
    }
  }
  for (const Tlv& t : p.tlvs) {
    if (auto* q = std::get_if<ChallengeReq>(&t)) {
      // Reply at most every 300 ms (RFC 8967 §4.3 rate limiting).
      if (now - n.lastChallengeReply >= milliseconds(300) || n.lastChallengeReply == Time{}) {
        n.lastChallengeReply = now;
        PacketWriter w = newPacket(ifc);
        w.challengeReply(ChallengeReply{q->nonce});
        emit(ifc, n.address, w);
      }
    }
  }
  if (!pc) return false;
  bool accepted = false;
  for (const Tlv& t : p.tlvs) {
    auto* r = std::get_if<ChallengeReply>(&t);
    if (r && !n.challengeNonce.empty() && r->nonce == n.challengeNonce &&
        now < n.challengeExpiry) {
      accepted = true;
      n.challengeNonce.clear();
    }
  }
  if (!accepted && n.pcIndex && *n.pcIndex == pc->index && pc->pc > n.pc) accepted = true;
  if (accepted) {
    n.pcIndex = pc->index;
    n.pc = pc->pc;
    return true;
  }
  if (now - n.lastChallengeSent >= milliseconds(300) || n.lastChallengeSent == Time{}) {
    n.lastChallengeSent = now;
    n.challengeNonce.assign(16, 0);
    rnd.fill(n.challengeNonce);
    n.challengeExpiry = now + seconds(30);
    PacketWriter w = newPacket(ifc);
    w.challengeReq(ChallengeReq{n.challengeNonce});
    emit(ifc, n.address, w);
  }
  return false;
}

Status RouterState::receive(Time now, int ifindex, const Ipv6& src, const Ipv6& dst,
                            ByteSpan bytes) {
  auto ifit = ifaces.find(ifindex);
  if (ifit == ifaces.end()) return makeError(Code::kNotFound, "babel: unknown interface");
  Interface& ifc = ifit->second;
  if (!isLinkLocal(src)) return makeError(Code::kProtocol, "babel: source is not link-local");
  if (src == ifc.linkLocal) return makeError(Code::kProtocol, "babel: our own packet");
  auto parsed = parsePacket(bytes, src);
  if (!parsed) return parsed.error();
  const ParsedPacket& p = *parsed;
  if (!cfg.acceptKeys.empty() &&
      !verifyMac(cfg.acceptKeys, p.macs, src, dst, bytes, p.bodyEnd)) {
    return makeError(Code::kCrypto, "babel: no valid MAC from " + formatIpv6(src));
  }
  // §3.4: a neighbour comes into being with its first Hello; IHUs and updates from an
  // unknown router are ignored, its requests answered. Under RFC 8967 a packet whose
  // MAC verified creates the entry (§4.3: the packet-counter and challenge state).
  if (cfg.acceptKeys.empty() && !neighbours.count({ifindex, src}) && !hasHello(p)) {
    answerStranger(ifc, src, p, now);
    return {};
  }
  Neighbour& n = neighbour(ifindex, src, now);
  if (!cfg.acceptKeys.empty() && !authenticate(ifc, n, p, now)) {
    return makeError(Code::kPermission, "babel: packet counter not validated, challenged " +
                                            formatIpv6(src));
  }
  // The Hello timestamp of this packet, used by IHU timestamps anywhere in the packet.
  std::optional<uint32_t> helloTs;
  for (const Tlv& t : p.tlvs) {
    if (auto* h = std::get_if<Hello>(&t)) helloTs = h->timestamp;
  }
  // A hostile packet may repeat a request thousands of times: answer at most one
  // wildcard Route Request per packet, and gather the Acks into as few packets as fit.
  bool dumped = false;
  std::optional<PacketWriter> acks;  // created on the first Ack Request
  for (const Tlv& t : p.tlvs) {
    if (auto* h = std::get_if<Hello>(&t)) onHello(n, *h, now);
    else if (auto* i = std::get_if<Ihu>(&t)) onIhu(n, ifc, *i, helloTs, now);
    else if (auto* u = std::get_if<Update>(&t)) onUpdate(n, *u, now);
    else if (auto* q = std::get_if<RouteReq>(&t)) {
      if (q->ae != kAeWildcard || !std::exchange(dumped, true)) onRouteReq(n, *q, now);
    } else if (auto* s = std::get_if<SeqnoReq>(&t)) onSeqnoReq(n, *s, now);
    else if (auto* a = std::get_if<AckReq>(&t)) {
      if (acks && acks->size() + 4 > kMaxPacket) {
        emit(ifc, src, *acks);
        acks.reset();
      }
      if (!acks) acks = newPacket(ifc);
      acks->ack(Ack{a->opaque});  // §3.3: acknowledge at once, unicast
    }
  }
  if (acks) emit(ifc, src, *acks);
  return {};
}

// A router we have no Hello from yet (it just started and asks for our table first):
// its Route Requests and Ack Requests get answers, the rest waits for its Hello.
void RouterState::answerStranger(Interface& ifc, const Ipv6& src, const ParsedPacket& p,
                                 Time now) {
  bool dumped = false;
  for (const Tlv& t : p.tlvs) {
    if (auto* q = std::get_if<RouteReq>(&t)) {
      if (q->ae != kAeWildcard) sendUpdateTo(ifc, src, {q->dst, q->src}, now);
      else if (!std::exchange(dumped, true)) sendFullDump(ifc, src, now);
    } else if (auto* a = std::get_if<AckReq>(&t)) {
      PacketWriter w = newPacket(ifc);
      w.ack(Ack{a->opaque});
      emit(ifc, src, w);
    }
  }
  LOG_DEBUG("babel: packet from " + formatIpv6(src) + " before its first Hello");
}

void RouterState::onHello(Neighbour& n, const Hello& h, Time now) {
  // §3.4.1: unicast and multicast Hellos have separate seqno spaces; like babeld by
  // default, only multicast Hellos feed the link-quality history.
  if (h.flags & kHelloUnicast) return;
  noteHello(n, h.seqno, Duration(int64_t(h.interval) * 10'000), now);
  // babeld: answer a new neighbour's first Hellos at once rather than an interval later,
  // so that both sides see two Hellos and an IHU within a round trip or two.
  uint16_t recent = n.reach & 0xE000;
  if (recent == 0x8000 || recent == 0xC000) {
    auto ifc = ifaces.find(n.ifindex);
    if (ifc != ifaces.end()) {
      ifc->second.nextHello = std::min(ifc->second.nextHello, now);
      helloMin.reset();
    }
  }
  if (h.timestamp) {
    n.helloTimestamp = h.timestamp;
    n.helloTimestampArrival = now;
  }
  refreshCost(n, now);
}

void RouterState::onIhu(Neighbour& n, Interface& ifc, const Ihu& t,
                        std::optional<uint32_t> helloTs, Time now) {
  // §4.6.6: an IHU names the receiver; ignore those for other routers on the link.
  if (t.ae != kAeWildcard && t.address != ifc.linkLocal) return;
  n.txcost = t.rxcost;
  n.ihuInterval = Duration(int64_t(t.interval) * 10'000);
  n.ihuTime = now;
  if (t.timestamp && helloTs && ifc.link.timestamps) {
    // babeld RTT: (now - origin) minus the time the peer held our Hello.
    auto sample = rttSample(t.timestamp->first, t.timestamp->second, *helloTs, stamp(now));
    if (sample) {
      n.rtt = smoothRtt(n.rtt, n.rttValid, *sample, ifc.link.rtt.rttDecay);
      n.rttValid = true;
      n.rttTime = now;
    }
  }
  refreshCost(n, now);
}

// §3.5.3–3.5.4: an update creates or refreshes the route through this neighbour.
void RouterState::onUpdate(Neighbour& n, const Update& u, Time now) {
  if (u.ae == kAeWildcard) {  // retract everything this neighbour announced
    for (auto& [key, d] : routes) {
      bool touched = false;
      for (Route& r : d.routes) {
        if (r.neighbour != &n || r.refmetric == kInfinity) continue;
        r.refmetric = r.metric = kInfinity;
        touched = true;
      }
      if (touched) reselect(key, d, now);
    }
    return;
  }
  if (isMartian(u.dst) || (u.src.len && isMartian(u.src))) return;
  // Source-specific IPv4 routes cannot be installed in Linux (no IPv4 subtrees); babeld
  // ≥ 1.10 does not route them either.
  if (isV4Prefix(u.dst) && u.src.len) return;
  if (u.metric != kInfinity && u.routerId == cfg.routerId) return;  // our own, echoed back
  RouteKey key{u.dst, u.src};
  if (xroutes.count(key)) return;  // we originate it ourselves
  auto dit = routes.find(key);
  Route* r = nullptr;
  if (dit != routes.end()) {
    for (Route& x : dit->second.routes) {
      if (x.neighbour == &n) r = &x;
    }
  }
  if (!r) {
    if (u.metric == kInfinity) return;  // retraction of something we never had
    if (!sources.isFeasible({u.routerId, u.dst, u.src}, u.seqno, u.metric)) {
      // §3.8.2.2: an unfeasible route while we have nothing selected: ask its source for
      // a newer seqno (unicast to this neighbour), rather than storing it.
      // babeld also asks when the selected route is much worse (a drained tunnel).
      Destination& d = routes[key];
      uint16_t metric = addMetric(u.metric, n.cost);
      if (d.selected < 0 || int(d.routes[size_t(d.selected)].metric) >= int(metric) + 512)
        requestSeqno(key, d, &n, u.routerId, now);
      if (d.routes.empty() && !d.installed) routes.erase(key);
      return;
    }
    Destination& d = routes[key];
    d.routes.push_back(Route{});
    r = &d.routes.back();
    r->neighbour = &n;
    dit = routes.find(key);
  }
  Duration iv = Duration(int64_t(u.interval) * 10'000);
  if (iv <= Duration::zero()) iv = updateInterval();
  bool same = r->refmetric == u.metric && r->seqno == u.seqno && r->routerId == u.routerId &&
              r->nexthop == u.nexthop && r->metric == addMetric(u.metric, n.cost);
  r->routerId = u.metric == kInfinity ? r->routerId : u.routerId;
  r->seqno = u.metric == kInfinity ? r->seqno : u.seqno;
  r->refmetric = u.metric;
  r->metric = addMetric(u.metric, n.cost);
  r->nexthop = u.nexthop;
  r->interval = iv;
  // §3.5.3: a route expires after 3.5 announced intervals without refresh.
  r->expires = now + iv * 7 / 2;
  routesExpireMin = std::min(routesExpireMin, r->expires);
  Destination& d = dit->second;
  int idx = int(r - d.routes.data());
  // An existing route turned unfeasible (its source's seqno did not move while its metric
  // grew): if it would clearly beat the selected one, ask the source for a newer seqno.
  if (r->metric < kInfinity && !sources.isFeasible({u.routerId, u.dst, u.src}, u.seqno, u.metric) &&
      (d.selected < 0 ||
       (d.selected != idx && int(d.routes[size_t(d.selected)].metric) >= int(r->metric) + 512)))
    requestSeqno(key, d, &n, u.routerId, now);
  // A refresh that changes nothing, or a route that stays clearly worse than the selected
  // one, cannot change the selection: skip it (the common case of periodic updates).
  if (same && d.selected >= 0) return;
  if (d.selected >= 0 && d.selected != idx) {
    const Route& sel = d.routes[size_t(d.selected)];
    if (sel.metric < kInfinity && int(r->metric) + hysteresis(sel.metric) > int(sel.metric)) return;
  }
  reselect(key, d, now);
}

void RouterState::onRouteReq(Neighbour& n, const RouteReq& q, Time now) {
  auto ifit = ifaces.find(n.ifindex);
  if (ifit == ifaces.end()) return;
  // §3.8.1.1: a wildcard request asks for a full dump; a specific one for one prefix
  // (a retraction if we have no route).
  if (q.ae == kAeWildcard) sendFullDump(ifit->second, n.address, now);
  else sendUpdateTo(ifit->second, n.address, {q.dst, q.src}, now);  // AE 1 or 2
}

void RouterState::onSeqnoReq(Neighbour& n, const SeqnoReq& q, Time now) {
  if (q.ae != kAeIpv6 && q.ae != kAeIpv4) return;
  RouteKey key{q.dst, q.src};
  auto ifit = ifaces.find(n.ifindex);
  if (ifit == ifaces.end()) return;
  // §3.8.1.2 for our own prefix: bump our seqno when asked for a newer one.
  if (xroutes.count(key)) {
    if (q.routerId == cfg.routerId && seqnoNewer(q.seqno, seqno)) seqno = seqnoPlus(seqno, 1);
    triggered.insert(key);
    return;
  }
  auto dit = routes.find(key);
  if (dit == routes.end() || dit->second.selected < 0) return;
  Destination& d = dit->second;
  Route& sel = d.routes[size_t(d.selected)];
  if (sel.metric >= kInfinity) return;
  if (sel.routerId != q.routerId || !seqnoNewer(q.seqno, sel.seqno)) {
    triggered.insert(key);  // what we have already satisfies the request
    return;
  }
  // Forward towards the source, once per (prefix, seqno) for a while, never back.
  if (q.hopCount < 2 || sel.neighbour == &n) return;
  auto fkey = std::make_tuple(q.dst, q.src, q.seqno);
  auto [fit, fresh] = forwarded.try_emplace(fkey, now);
  if (!fresh) return;
  auto out = ifaces.find(sel.neighbour->ifindex);
  if (out == ifaces.end()) return;
  SeqnoReq fwd = q;
  fwd.hopCount = uint8_t(q.hopCount - 1);
  sendSeqnoRequest(out->second, sel.neighbour->address, fwd);
}

}  // namespace re6st::babel
