// The Babel router core on virtual time, routers wired by hand: IPv4 routes (AE 1 with
// an IPv4 next hop, RFC 9229 v4-via-v6), shutdown goodbyes (retractions resent a few
// times), neighbours created only by Hellos, and kernel refusals steering selection.
#include <catch2/catch.hpp>
#include <map>
#include <memory>

#include "re6st/babel/codec.h"
#include "re6st/babel/router.h"
#include "re6st/base/random.h"

using namespace re6st;
using namespace re6st::babel;

namespace {

Ipv6 ll(uint8_t router, uint8_t ifindex) {
  return Ipv6{0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, router, ifindex};
}
Prefix v4net(uint8_t n) {  // 198.18.n.0/24, IPv4-mapped
  return Prefix{Ipv6{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 18, n, 0}, 120};
}
Ipv6 v4addr(uint8_t n) { return Ipv6{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 18, n, 1}; }
Prefix v6net(uint8_t n) { return Prefix{Ipv6{0x20, 0x01, 0x0d, 0xb8, 0, n}, 48}; }

// Routers on point-to-point links; packets are delivered at once, time moves in 10 ms
// steps. Kernel actions land in a per-router table; `refuse` makes installs fail.
struct Net {
  struct Node {
    SeededRandom rnd;
    std::unique_ptr<Router> router;
    std::map<std::pair<Prefix, Prefix>, InstallRoute> kernel;
    std::vector<SendPacket> sent;
    std::function<bool(const InstallRoute&)> refuse;
    explicit Node(uint64_t seed) : rnd(seed) {}
  };
  struct End { int node; int ifindex; };
  Time now = timeFromMicros(1'000'000);
  std::vector<std::unique_ptr<Node>> nodes;
  std::vector<std::pair<End, End>> links;
  bool deliver = true;

  int add(std::vector<Xroute> xroutes) {
    auto n = std::make_unique<Node>(nodes.size() + 7);
    Config c;
    c.routerId = {1, 2, 3, 4, 5, 6, 7, uint8_t(nodes.size() + 1)};
    c.helloInterval = seconds(1);
    c.redistribute = std::move(xroutes);
    n->router = std::make_unique<Router>(c, n->rnd);
    nodes.push_back(std::move(n));
    return int(nodes.size()) - 1;
  }
  void link(int a, int b) {
    int ia = 10 + b, ib = 10 + a;  // ifindex names the peer
    Router& ra = *nodes[size_t(a)]->router;
    Router& rb = *nodes[size_t(b)]->router;
    REQUIRE(ra.addInterface(ia, "if", IfType::kWired, ll(uint8_t(a), uint8_t(ia)), now).ok());
    REQUIRE(rb.addInterface(ib, "if", IfType::kWired, ll(uint8_t(b), uint8_t(ib)), now).ok());
    links.push_back({{a, ia}, {b, ib}});
  }
  void drain(int i) {
    Node& n = *nodes[size_t(i)];
    while (auto a = n.router->pollAction()) {
      if (auto* s = std::get_if<SendPacket>(&*a)) {
        n.sent.push_back(*s);
        if (!deliver) continue;
        for (auto& [x, y] : links) {
          for (auto [from, to] : {std::pair{x, y}, std::pair{y, x}}) {
            if (from.node != i || from.ifindex != s->ifindex) continue;
            (void)nodes[size_t(to.node)]->router->handlePacket(
                now, to.ifindex, ll(uint8_t(i), uint8_t(from.ifindex)), s->dst, s->bytes);
            drain(to.node);
          }
        }
      } else if (auto* r = std::get_if<InstallRoute>(&*a)) {
        if (n.refuse && n.refuse(*r)) {
          n.kernel.erase({r->dst, r->src});
          n.router->routeRefused(r->dst, r->src, r->nexthop, r->ifindex, now);
        } else {
          n.kernel[{r->dst, r->src}] = *r;
        }
      } else if (auto* d = std::get_if<RemoveRoute>(&*a)) {
        n.kernel.erase({d->dst, d->src});
      }
    }
  }
  void run(Duration d) {
    Time end = now + d;
    while (now < end) {
      for (size_t i = 0; i < nodes.size(); ++i) {
        if (nodes[i]->router->nextTimeout() <= now) nodes[i]->router->handleTimeout(now);
        drain(int(i));
      }
      now += milliseconds(10);
    }
  }
  const InstallRoute* route(int i, const Prefix& dst) {
    auto it = nodes[size_t(i)]->kernel.find({dst, Prefix{}});
    return it == nodes[size_t(i)]->kernel.end() ? nullptr : &it->second;
  }
};

}  // namespace

TEST_CASE("babel router: IPv4 routes travel as v4-via-v6 without an IPv4 address (RFC 9229)") {
  Net net;
  int a = net.add({{v4net(1), {}, 0}, {v6net(1), {}, 0}});
  int b = net.add({});
  int c = net.add({{v4net(3), {}, 0}});
  net.link(a, b);
  net.link(b, c);
  net.run(seconds(8));
  const InstallRoute* r = net.route(c, v4net(1));
  REQUIRE(r);
  CHECK(r->nexthop == ll(uint8_t(b), uint8_t(10 + c)));  // IPv6 link-local next hop
  CHECK(r->ifindex == 10 + b);
  REQUIRE(net.route(a, v4net(3)));
  CHECK(net.route(a, v6net(1)) == nullptr);  // our own prefix is not installed
  // The packets carried AE 4 and no IPv4 Next Hop.
  bool sawAe4 = false;
  for (const auto& s : net.nodes[size_t(a)]->sent) {
    auto p = parsePacket(s.bytes, ll(uint8_t(a), uint8_t(s.ifindex)));
    REQUIRE(p.ok());
    for (const auto& t : p->tlvs)
      if (auto* u = std::get_if<Update>(&t); u && isV4Prefix(u->dst)) {
        CHECK(u->ae == kAeV4viaV6);
        sawAe4 = true;
      }
  }
  CHECK(sawAe4);
}

TEST_CASE("babel router: with an IPv4 address, IPv4 routes are AE 1 via that address") {
  Net net;
  int a = net.add({{v4net(1), {}, 0}});
  int b = net.add({});
  net.link(a, b);
  net.nodes[size_t(a)]->router->setInterfaceIpv4(10 + b, v4addr(1), net.now);
  net.run(seconds(6));
  const InstallRoute* r = net.route(b, v4net(1));
  REQUIRE(r);
  CHECK(r->nexthop == v4addr(1));
  // Taking the address away switches the neighbour to v4-via-v6 at once.
  net.nodes[size_t(a)]->router->setInterfaceIpv4(10 + b, std::nullopt, net.now);
  net.run(milliseconds(100));
  r = net.route(b, v4net(1));
  REQUIRE(r);
  CHECK(r->nexthop == ll(uint8_t(a), uint8_t(10 + b)));
}

TEST_CASE("babel router: shutdown retracts at once and resends the goodbye") {
  Net net;
  int a = net.add({{v6net(1), {}, 0}, {v4net(1), {}, 0}});
  int b = net.add({{v6net(2), {}, 0}});
  int c = net.add({});
  net.link(a, b);
  net.link(b, c);
  net.run(seconds(8));
  REQUIRE(net.route(b, v6net(1)));
  REQUIRE(net.route(c, v4net(1)));
  REQUIRE(net.route(a, v6net(2)));
  Router& ra = *net.nodes[size_t(a)]->router;
  net.nodes[size_t(a)]->sent.clear();
  ra.shutdown(net.now);
  CHECK(ra.shutdownPending());
  net.drain(a);
  // Neighbours dropped everything learned from a on the first copy, and it went on.
  CHECK(net.route(b, v6net(1)) == nullptr);
  CHECK(net.route(b, v4net(1)) == nullptr);
  net.run(milliseconds(200));
  CHECK(net.route(c, v6net(1)) == nullptr);
  CHECK(net.route(c, v4net(1)) == nullptr);
  CHECK_FALSE(ra.shutdownPending());
  size_t goodbyes = net.nodes[size_t(a)]->sent.size();
  CHECK(goodbyes == 3);  // kGoodbyes on its single interface
  auto p = parsePacket(net.nodes[size_t(a)]->sent.back().bytes, ll(uint8_t(a), 10));
  REQUIRE(p.ok());
  int retractions = 0, wildcard = 0, hellos = 0;
  for (const auto& t : p->tlvs) {
    if (auto* u = std::get_if<Update>(&t)) {
      CHECK(u->metric == kInfinity);
      (u->ae == kAeWildcard ? wildcard : retractions) += 1;
    }
    if (std::holds_alternative<Hello>(t)) ++hellos;
  }
  CHECK(retractions == 2);
  CHECK(wildcard == 1);
  CHECK(hellos == 1);
  // Once down, the core is silent and refuses packets; removing interfaces still
  // removes its kernel routes.
  net.run(seconds(5));
  CHECK(net.nodes[size_t(a)]->sent.size() == goodbyes);
  CHECK_FALSE(ra.handlePacket(net.now, 10 + b, ll(uint8_t(b), 10 + a), kMulticast,
                              net.nodes[size_t(b)]->sent.back().bytes).ok());
  ra.removeInterface(10 + b, net.now);
  net.drain(a);
  CHECK(net.nodes[size_t(a)]->kernel.empty());
  CHECK(net.nodes[size_t(a)]->sent.size() == goodbyes);
}

TEST_CASE("babel router: only a Hello makes a neighbour (RFC 8966 §3.4)") {
  SeededRandom rnd(1);
  Config cfg;
  cfg.routerId = {9, 9, 9, 9, 9, 9, 9, 9};
  cfg.redistribute = {{v6net(1), {}, 0}};
  Router r(cfg, rnd);
  Time now = timeFromMicros(5'000'000);
  REQUIRE(r.addInterface(3, "if", IfType::kWired, ll(1, 3), now).ok());
  Ipv6 peer = ll(2, 3);
  // An update and an IHU from a stranger: ignored, no neighbour, no route.
  PacketWriter w;
  Update u;
  u.dst = v6net(7);
  u.metric = 100;
  u.seqno = 1;
  u.interval = 400;
  u.routerId = {7, 7, 7, 7, 7, 7, 7, 7};
  w.update(u);
  Ihu ihu;
  ihu.rxcost = 96;
  ihu.interval = 300;
  ihu.address = ll(1, 3);
  w.ihu(ihu);
  Bytes bytes = w.finish();
  CHECK(r.handlePacket(now, 3, peer, kMulticast, bytes).ok());
  CHECK(r.neighbours().empty());
  CHECK(r.routes().empty());
  // The same with a Hello first in the packet: the neighbour exists, the route is kept.
  PacketWriter h;
  h.hello(Hello{0, 1, 100, std::nullopt});
  h.update(u);
  h.ihu(ihu);
  CHECK(r.handlePacket(now, 3, peer, kMulticast, h.finish()).ok());
  CHECK(r.neighbours().size() == 1);
  CHECK(r.routes().size() == 1);
  // Afterwards, packets without a Hello from the known neighbour are fine.
  CHECK(r.handlePacket(now, 3, peer, kMulticast, bytes).ok());
  // A stranger's wildcard Route Request (a router that just started) is answered with
  // our table, unicast, without making it a neighbour.
  while (r.pollAction()) {
  }
  PacketWriter q;
  q.routeReq(RouteReq{kAeWildcard, {}, {}});
  CHECK(r.handlePacket(now, 3, ll(4, 3), kMulticast, q.finish()).ok());
  bool answered = false;
  while (auto a = r.pollAction())
    if (auto* s = std::get_if<SendPacket>(&*a); s && s->dst == ll(4, 3)) answered = true;
  CHECK(answered);
  CHECK(r.neighbours().size() == 1);
}

TEST_CASE("babel router: a refused kernel route selects another, then is retried") {
  Net net;
  int a = net.add({{v6net(1), {}, 0}});
  int b = net.add({});
  int c = net.add({});
  int d = net.add({});
  // d reaches a through b or c.
  net.link(a, b);
  net.link(a, c);
  net.link(b, d);
  net.link(c, d);
  bool refuseAll = false;
  int refusedVia = -1;
  net.nodes[size_t(d)]->refuse = [&](const InstallRoute& r) {
    if (refuseAll) return true;
    if (refusedVia < 0) refusedVia = r.ifindex;  // the first choice is refused
    return r.ifindex == refusedVia;
  };
  net.run(seconds(8));
  const InstallRoute* r = net.route(d, v6net(1));
  REQUIRE(r);
  CHECK(r->ifindex != refusedVia);  // the other neighbour's route is installed
  // Everything refused: no route stays installed, d retracts it instead of announcing
  // a route it cannot forward on.
  refuseAll = true;
  InstallRoute was = *r;
  net.nodes[size_t(d)]->kernel.clear();
  net.nodes[size_t(d)]->router->routeRefused(v6net(1), {}, was.nexthop, was.ifindex, net.now);
  net.drain(d);
  net.run(milliseconds(100));
  CHECK(net.route(d, v6net(1)) == nullptr);
  bool selected = false;
  for (const auto& ri : net.nodes[size_t(d)]->router->routes())
    if (ri.dst == v6net(1) && ri.selected) selected = true;
  CHECK_FALSE(selected);
  // The kernel accepts again: the retry (5 s) installs a route without any new update.
  refuseAll = false;
  refusedVia = 0;
  net.run(seconds(7));
  CHECK(net.route(d, v6net(1)) != nullptr);
}

TEST_CASE("babel router: a retraction is resent a small number of times (RFC 8966 §3.7.2)") {
  Net net;
  int a = net.add({{v6net(1), {}, 0}, {v6net(2), {}, 0}});
  int b = net.add({});
  net.link(a, b);
  net.run(seconds(6));
  REQUIRE(net.route(b, v6net(1)));
  Router& ra = *net.nodes[size_t(a)]->router;
  auto retractions = [&](const Prefix& p) {
    int n = 0;
    for (const auto& s : net.nodes[size_t(a)]->sent) {
      auto pkt = parsePacket(s.bytes, ll(uint8_t(a), 10));
      REQUIRE(pkt.ok());
      for (const auto& t : pkt->tlvs)
        if (auto* u = std::get_if<Update>(&t); u && u->dst == p && u->metric == kInfinity) ++n;
    }
    return n;
  };
  net.nodes[size_t(a)]->sent.clear();
  ra.setRedistributed({{v6net(2), {}, 0}}, net.now);
  net.drain(a);
  CHECK(net.route(b, v6net(1)) == nullptr);
  net.run(seconds(3));
  CHECK(retractions(v6net(1)) == 3);  // the first, then after 0.5 s and 1 s more
  net.run(seconds(5));
  CHECK(retractions(v6net(1)) == 3);  // and no more
  // A prefix that comes back before its resend is not retracted again.
  net.nodes[size_t(a)]->sent.clear();
  ra.setRedistributed({}, net.now);
  net.run(milliseconds(100));
  ra.setRedistributed({{v6net(2), {}, 0}}, net.now);
  net.run(seconds(3));
  CHECK(retractions(v6net(2)) == 1);
  CHECK(net.route(b, v6net(2)) != nullptr);
}

TEST_CASE("babel router: a drained link gives way to an unfeasible route after a seqno request") {
  // y reaches x directly and through z. The direct link is drained (cost × 16): the route
  // through z has the same seqno and refmetric = y's feasibility distance, so it is not
  // feasible; like babeld, y asks x for a newer seqno and then switches to z.
  Net net;
  int x = net.add({{v6net(1), {}, 0}});
  int y = net.add({});
  int z = net.add({});
  net.link(x, y);
  net.link(y, z);
  net.link(z, x);
  net.run(seconds(10));
  const InstallRoute* r = net.route(y, v6net(1));
  REQUIRE(r);
  REQUIRE(r->ifindex == 10 + x);
  net.nodes[size_t(y)]->router->setInterfaceCostMultiplier(10 + x, 16, net.now);
  net.run(seconds(30));
  r = net.route(y, v6net(1));
  REQUIRE(r);
  CHECK(r->ifindex == 10 + z);
}

// Housekeeping skips the route scan while no route can have expired: a route still goes
// away 3.5 announced intervals after its last update (§3.5.3), each time it comes back.
TEST_CASE("babel router: a route not refreshed expires after 3.5 intervals, again and again") {
  Net net;
  int a = net.add({});
  Router& ra = *net.nodes[size_t(a)]->router;
  REQUIRE(ra.addInterface(20, "if", IfType::kWired, ll(uint8_t(a), 20), net.now).ok());
  Ipv6 f = ll(9, 9);  // a neighbour speaking through hand-made packets
  RouterId rid{9, 9, 9, 9, 9, 9, 9, 9};
  uint16_t helloSeqno = 0, seqno = 1;
  auto hear = [&](bool withUpdate, uint16_t updateCentis) {
    PacketWriter w;
    w.hello(Hello{0, helloSeqno++, 100, std::nullopt});
    Ihu ihu;
    ihu.rxcost = 96;
    ihu.interval = 300;
    ihu.address = ll(uint8_t(a), 20);
    w.ihu(ihu);
    if (withUpdate) {
      Update u;
      u.interval = updateCentis;
      u.seqno = seqno;
      u.metric = 0;
      u.dst = v6net(7);
      u.routerId = rid;
      w.update(u);
    }
    (void)ra.handlePacket(net.now, 20, f, ll(uint8_t(a), 20), w.finish());
    net.drain(a);
  };
  // Hellos every second; an update (interval 2 s, so it lasts 7 s) only when asked.
  auto runHearing = [&](Duration d, bool updates) {
    for (Time end = net.now + d; net.now < end;) {
      hear(updates, 200);
      net.run(seconds(1));
    }
  };
  runHearing(seconds(3), false);  // housekeeping runs on an empty table first
  for (int round = 0; round < 2; ++round) {
    runHearing(seconds(4), true);
    REQUIRE(net.route(a, v6net(7)) != nullptr);
    Time last = net.now - seconds(1);  // the last update heard
    runHearing(seconds(6), false);     // 5 s after it: still there
    CHECK(net.route(a, v6net(7)) != nullptr);
    runHearing(seconds(4), false);     // 9 s after: expired (7 s) and removed
    CHECK(net.route(a, v6net(7)) == nullptr);
    CHECK(net.now - last >= seconds(7));
    ++seqno;
  }
}
