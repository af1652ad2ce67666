// Tunnel manager core scenarios on virtual time: filling client slots, the 2-tunnel
// limit while unreachable, refresh of the least useful tunnel with the drain-then-close
// negotiation (codes 2/3) between two managers, --neighbour peers, duplicates, address
// retries with failures remembered in the cache, bootstrap from cache and registry.
#include <catch2/catch.hpp>

#include <set>

#include <limits>

#include "peer_manager_harness.h"
#include "peer_node_harness.h"
#include "re6st/babel/router.h"

using namespace re6st;
using namespace re6st::tunnel;
using re6st::testing::DumpBuilder;
using re6st::testing::drain;
using re6st::testing::nodeAddress;
using re6st::testing::nodePrefix;
using re6st::testing::only;
using re6st::testing::CoreNode;
using re6st::testing::Pair;

namespace {

struct Node {
  SeededRandom random{7};
  peer::MemoryPeerCache cache;
  std::set<std::string> sessions;  // peers with an established peer-protocol session
  Manager manager;
  Time now;

  explicit Node(Config c, Time t = Time())
      : cache(c.prefix, random),
        manager(c, Deps{cache, random, [this](const std::string& p) { return sessions.count(p) > 0; }},
                t),
        now(t) {}

  // Runs the refresh timer and answers a dump request with `dump`.
  std::vector<Action> tick(const RoutingDump& dump, Duration d = seconds(5)) {
    now += d;
    manager.handleTimeout(now);
    auto actions = drain(manager);
    if (!only<RequestDump>(actions).empty()) {
      manager.handleDump(now, dump);
      auto more = drain(manager);
      actions.insert(actions.end(), more.begin(), more.end());
    }
    return actions;
  }
};

Config config(unsigned self, unsigned clients = 3) {
  Config c;
  c.prefix = nodePrefix(self);
  c.registryPrefix = nodePrefix(1);
  c.clientCount = clients;
  c.maxClients = 10;
  c.tunnelRefresh = seconds(300);
  c.timeout = seconds(20);
  return c;
}

std::set<std::string> opened(const std::vector<Action>& a) {
  std::set<std::string> s;
  for (const auto& o : only<OpenTunnel>(a)) s.insert(o.prefix);
  return s;
}

}  // namespace

TEST_CASE("client slots fill with distant peers known to Babel", "[tunnel][manager]") {
  Node n(config(10, 3));
  REQUIRE(n.manager.incomingUp(n.now, nodePrefix(50), 90, "s50"));  // reachable
  for (unsigned p : {20, 21}) n.cache.addPeer(nodePrefix(p), nodeAddress(p));
  n.sessions = {nodePrefix(22), nodePrefix(23)};
  DumpBuilder b;
  // Neighbour 1 (the registry) relays 20..24; 20..24 are distant (not neighbours).
  b.neighbour(5, nodePrefix(1), {nodePrefix(20), nodePrefix(21), nodePrefix(22),
                                 nodePrefix(23), nodePrefix(24)});
  auto a = n.tick(b.dump);
  auto open = opened(a);
  // Peers with a cached address get a tunnel; the others are asked for their address.
  std::set<std::string> asked;
  for (const auto& s : only<SendPeer>(a))
    if (s.payload && *s.payload == Bytes{peer::kAddress}) asked.insert(s.prefix);
  CHECK(open.size() + asked.size() >= 3);
  for (const auto& p : open) CHECK((p == nodePrefix(20) || p == nodePrefix(21)));
  CHECK_FALSE(open.count(nodePrefix(1)));  // a neighbour is never chosen
  // An address answer from an asked peer opens the tunnel.
  for (const auto& p : asked) {
    if (!n.sessions.count(p)) continue;
    n.manager.peerMessage(n.now, p, peer::kAddress, asBytes(nodeAddress(99)));
    auto o = only<OpenTunnel>(drain(n.manager));
    REQUIRE(o.size() == 1);
    CHECK(o[0].address.ip == "198.18.0.99");
  }
  CHECK(n.manager.outgoing().size() == 3);
  // Full: the next rounds open nothing.
  CHECK(opened(n.tick(b.dump)).empty());
}

TEST_CASE("a node nobody can reach keeps only 2 outgoing tunnels", "[tunnel][manager]") {
  Node n(config(10, 8));
  DumpBuilder b;
  std::vector<std::string> distant;
  for (unsigned p = 20; p < 30; ++p) {
    distant.push_back(nodePrefix(p));
    n.cache.addPeer(nodePrefix(p), nodeAddress(p));
  }
  b.neighbour(5, nodePrefix(1), distant);
  n.tick(b.dump);
  n.tick(b.dump);
  CHECK(n.manager.outgoing().size() == 2);
  // Once someone connects to us, the remaining slots fill.
  REQUIRE(n.manager.incomingUp(n.now, nodePrefix(40), 77, "s40"));
  n.tick(b.dump);
  CHECK(n.manager.outgoing().size() == 8);
}

namespace {

// A node with 3 established outgoing tunnels to 20, 21, 22 on ifindex 20, 21, 22; each
// routes `routed[i]` extra prefixes.
void establish(Node& n, const std::vector<unsigned>& routed, DumpBuilder& b) {
  REQUIRE(n.manager.incomingUp(n.now, nodePrefix(50), 90, "s50"));
  unsigned extra = 100;
  b.neighbour(90, nodePrefix(50), {nodePrefix(1)});
  for (unsigned i = 0; i < 3; ++i) {
    n.cache.addPeer(nodePrefix(20 + i), nodeAddress(20 + i));
    std::vector<std::string> via;
    for (unsigned k = 0; k < routed[i]; ++k) via.push_back(nodePrefix(extra++));
    // Before the tunnels exist, Babel reaches them through node 50.
    b.dump.routes.push_back({nodePrefix(20 + i), b.dump.neighbours[0].ref, 256});
  }
  n.tick(b.dump);
  REQUIRE(n.manager.outgoing().size() == 3);
  DumpBuilder after;
  after.neighbour(90, nodePrefix(50), {nodePrefix(1)});
  extra = 100;
  for (unsigned i = 0; i < 3; ++i) {
    n.manager.tunnelUp(n.now, nodePrefix(20 + i), "s" + std::to_string(20 + i));
    std::vector<std::string> via;
    for (unsigned k = 0; k < routed[i]; ++k) via.push_back(nodePrefix(extra++));
    after.neighbour(20 + i, nodePrefix(20 + i), via);
  }
  b = after;
  drain(n.manager);
}

}  // namespace

TEST_CASE("refresh drains the tunnel that routes the fewest prefixes", "[tunnel][manager]") {
  Node n(config(10, 3));
  DumpBuilder b;
  establish(n, {5, 1, 3}, b);
  // Before the refresh period nothing is drained.
  CHECK(only<SetCostMultiplier>(n.tick(b.dump, seconds(100))).empty());
  auto a = n.tick(b.dump, seconds(250));
  auto cost = only<SetCostMultiplier>(a);
  REQUIRE(cost.size() == 1);
  CHECK(cost[0].neighbour.ifindex == 21);  // 21 routes 1 extra prefix
  CHECK(cost[0].multiplier == 4096);
  CHECK(only<CloseTunnel>(a).empty());  // never closed before the negotiation
}

TEST_CASE("drain-then-close: both ends lock the link before the client closes it",
          "[tunnel][manager]") {
  Node client(config(10, 3));
  DumpBuilder cb;
  establish(client, {5, 1, 3}, cb);
  // The server end: node 21 serves node 10 on its ifindex 60.
  Node server(config(21, 3));
  REQUIRE(server.manager.incomingUp(server.now, nodePrefix(10), 60, "s10"));
  DumpBuilder sb;
  sb.neighbour(60, nodePrefix(10), {nodePrefix(100)});
  sb.neighbour(61, nodePrefix(70), {nodePrefix(1)});
  server.tick(sb.dump);
  drain(server.manager);

  auto a = client.tick(cb.dump, seconds(301));
  REQUIRE(only<SetCostMultiplier>(a).at(0).neighbour.ifindex == 21);
  // While routes still use node 21's tunnel, the client waits (soft lock).
  a = client.tick(cb.dump);
  CHECK(only<SetCostMultiplier>(a).empty());
  CHECK(only<SendPeer>(a).empty());
  // Routes moved away: 21 no longer routes its own prefix through the tunnel.
  DumpBuilder moved = cb;
  moved.dump.neighbours.clear();
  moved.dump.routes.clear();
  moved.neighbour(90, nodePrefix(50), {nodePrefix(1), nodePrefix(21)});
  moved.neighbour(20, nodePrefix(20), {nodePrefix(100), nodePrefix(101)});
  moved.anonymous(21, 4096);
  moved.neighbour(22, nodePrefix(22), {nodePrefix(106)});
  a = client.tick(moved.dump);
  auto hard = only<SetCostMultiplier>(a);
  REQUIRE(hard.size() == 1);
  CHECK(hard[0].multiplier == 0);
  // Locked: the client asks the server (code 2).
  moved.dump.neighbours[2].costMultiplier = 0;
  a = client.tick(moved.dump);
  auto sent = only<SendPeer>(a);
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].prefix == nodePrefix(21));
  CHECK(*sent[0].payload == Bytes{peer::kKillRequest});
  CHECK(only<CloseTunnel>(a).empty());

  // The server drains its end the same way, then answers code 3.
  server.manager.peerMessage(server.now, nodePrefix(10), peer::kKillRequest, {});
  auto s = drain(server.manager);
  REQUIRE(only<SetCostMultiplier>(s).at(0).neighbour.ifindex == 60);
  DumpBuilder sm;
  sm.anonymous(60, 4096);
  sm.neighbour(61, nodePrefix(70), {nodePrefix(1), nodePrefix(10)});
  s = server.tick(sm.dump);
  REQUIRE(only<SetCostMultiplier>(s).at(0).multiplier == 0);
  sm.dump.neighbours[0].costMultiplier = 0;
  s = server.tick(sm.dump);
  std::vector<SendPeer> reply;
  for (const auto& x : only<SendPeer>(s))
    if (x.prefix == nodePrefix(10) && x.payload && x.payload->at(0) != peer::kAddress)
      reply.push_back(x);
  REQUIRE(reply.size() == 1);
  CHECK(*reply[0].payload == Bytes{peer::kKillResponse});

  // Code 3 makes the client close the tunnel.
  client.manager.peerMessage(client.now, nodePrefix(21), peer::kKillResponse, {});
  auto close = only<CloseTunnel>(drain(client.manager));
  REQUIRE(close.size() == 1);
  CHECK(close[0].prefix == nodePrefix(21));
  CHECK(client.manager.outgoing().size() == 2);
  // The server sees the tunnel go, and restores the multiplier after 2 × timeout.
  server.manager.incomingDown(server.now, nodePrefix(10), 60);
  CHECK(only<SetCostMultiplier>(server.tick(sm.dump)).empty());
  auto restore = only<SetCostMultiplier>(server.tick(sm.dump, seconds(41)));
  REQUIRE(restore.size() == 1);
  CHECK(restore[0].multiplier == kNeutralMultiplier);
}

TEST_CASE("a kill response before the lock is ignored and a stuck drain is undone",
          "[tunnel][manager]") {
  Node n(config(10, 3));
  DumpBuilder b;
  establish(n, {5, 1, 3}, b);
  n.tick(b.dump, seconds(301));
  n.manager.peerMessage(n.now, nodePrefix(21), peer::kKillResponse, {});
  CHECK(only<CloseTunnel>(drain(n.manager)).empty());
  // Routes never move away: after 2 × timeout the multiplier is restored.
  auto a = n.tick(b.dump, seconds(41));
  auto cost = only<SetCostMultiplier>(a);
  REQUIRE(cost.size() == 1);
  CHECK(cost[0].neighbour.ifindex == 21);
  CHECK(cost[0].multiplier == kNeutralMultiplier);
  CHECK(n.manager.outgoing().size() == 3);
}

TEST_CASE("--neighbour peers are kept at refresh", "[tunnel][manager]") {
  Config c = config(10, 3);
  c.neighbours = {nodePrefix(21)};
  Node n(c);
  DumpBuilder b;
  establish(n, {5, 1, 3}, b);
  auto cost = only<SetCostMultiplier>(n.tick(b.dump, seconds(301)));
  REQUIRE(cost.size() == 1);
  CHECK(cost[0].neighbour.ifindex == 22);  // 21 is a --neighbour, 22 routes 3 < 5

  Config all = config(10, 2);
  all.neighbours = {nodePrefix(20), nodePrefix(21)};
  Node m(all);
  REQUIRE(m.manager.incomingUp(m.now, nodePrefix(50), 90, "s50"));
  m.cache.addPeer(nodePrefix(20), nodeAddress(20));
  m.cache.addPeer(nodePrefix(21), nodeAddress(21));
  DumpBuilder d;
  d.neighbour(90, nodePrefix(50), {nodePrefix(1), nodePrefix(20), nodePrefix(21)});
  m.tick(d.dump);
  REQUIRE(m.manager.outgoing().size() == 2);
  // Only --neighbour tunnels: none is ever drained.
  CHECK(only<SetCostMultiplier>(m.tick(d.dump, seconds(400))).empty());
}

TEST_CASE("duplicate tunnels: the node with the smaller prefix drops its own",
          "[tunnel][manager]") {
  Node low(config(10, 3));
  REQUIRE(low.manager.incomingUp(low.now, nodePrefix(50), 90, "s50"));
  low.cache.addPeer(nodePrefix(30), nodeAddress(30));
  DumpBuilder b;
  b.neighbour(90, nodePrefix(50), {nodePrefix(1), nodePrefix(30)});
  REQUIRE(opened(low.tick(b.dump)).count(nodePrefix(30)));
  // 30 connected to us at the same time: 10 < 30, so our outgoing tunnel goes.
  REQUIRE(low.manager.incomingUp(low.now, nodePrefix(30), 91, "s30"));
  auto close = only<CloseTunnel>(drain(low.manager));
  REQUIRE(close.size() == 1);
  CHECK(close[0].prefix == nodePrefix(30));
  CHECK_FALSE(low.cache.failed(nodePrefix(30)));

  Node high(config(40, 3));
  REQUIRE(high.manager.incomingUp(high.now, nodePrefix(50), 90, "s50"));
  high.cache.addPeer(nodePrefix(30), nodeAddress(30));
  REQUIRE(opened(high.tick(b.dump)).count(nodePrefix(30)));
  REQUIRE(high.manager.incomingUp(high.now, nodePrefix(30), 91, "s30"));
  CHECK(only<CloseTunnel>(drain(high.manager)).empty());
  // And no new outgoing tunnel to a peer already served.
  CHECK_FALSE(opened(high.tick(b.dump)).count(nodePrefix(30)));
}

TEST_CASE("addresses are tried in order and failures are remembered", "[tunnel][manager]") {
  Node n(config(10, 1));
  REQUIRE(n.manager.incomingUp(n.now, nodePrefix(50), 90, "s50"));
  n.cache.addPeer(nodePrefix(30), nodeAddress(30, 3));
  DumpBuilder b;
  b.neighbour(90, nodePrefix(50), {nodePrefix(1), nodePrefix(30)});
  auto o = only<OpenTunnel>(n.tick(b.dump));
  REQUIRE(o.size() == 1);
  CHECK(o[0].address.port == 1194);
  CHECK(n.cache.failed(nodePrefix(30)));  // marked until it comes up
  n.manager.tunnelDown(n.now, nodePrefix(30));
  o = only<OpenTunnel>(drain(n.manager));
  REQUIRE(o.size() == 1);
  CHECK(o[0].address.port == 1195);
  n.manager.tunnelUp(n.now, nodePrefix(30), "s30");
  CHECK_FALSE(n.cache.failed(nodePrefix(30)));
  // The address that worked is now first.
  CHECK(n.cache.getAddress(nodePrefix(30))->rfind("198.18.0.30,1195,udp;", 0) == 0);

  // Another peer whose addresses all fail stays marked and is not retried from the cache.
  Node m(config(10, 1));
  REQUIRE(m.manager.incomingUp(m.now, nodePrefix(50), 90, "s50"));
  m.cache.addPeer(nodePrefix(31), nodeAddress(31, 2));
  DumpBuilder d;
  d.neighbour(90, nodePrefix(50), {nodePrefix(1), nodePrefix(31)});
  REQUIRE(opened(m.tick(d.dump)).count(nodePrefix(31)));
  m.manager.tunnelDown(m.now, nodePrefix(31));
  drain(m.manager);
  m.manager.tunnelDown(m.now, nodePrefix(31));
  auto close = only<CloseTunnel>(drain(m.manager));
  REQUIRE(close.size() == 1);
  CHECK(m.cache.failed(nodePrefix(31)));
  CHECK_FALSE(m.cache.getAddress(nodePrefix(31)));
  auto again = m.tick(d.dump);
  CHECK(opened(again).empty());
  auto asked = only<SendPeer>(again);
  bool askedAddress = false;
  for (const auto& s : asked) askedAddress |= s.prefix == nodePrefix(31) && s.payload;
  CHECK(askedAddress);  // it asks the peer for fresh addresses instead
}

TEST_CASE("an established tunnel that dies is replaced at once", "[tunnel][manager]") {
  Node n(config(10, 3));
  DumpBuilder b;
  establish(n, {5, 1, 3}, b);
  n.manager.tunnelDown(n.now, nodePrefix(20));
  REQUIRE(only<CloseTunnel>(drain(n.manager)).size() == 1);
  n.cache.addPeer(nodePrefix(33), nodeAddress(33));
  b.dump.routes.push_back({nodePrefix(33), b.dump.neighbours[0].ref, 256});
  auto a = n.tick(b.dump);
  CHECK(opened(a) == std::set<std::string>{nodePrefix(33)});
}

TEST_CASE("bootstrap from the cache first, then from the registry", "[tunnel][manager]") {
  Node n(config(10, 3));
  n.cache.addPeer(nodePrefix(40), nodeAddress(40));
  auto a = n.tick(RoutingDump{});
  CHECK(opened(a) == std::set<std::string>{nodePrefix(40)});
  CHECK(only<AskBootstrap>(a).empty());

  Node empty(config(11, 3));
  a = empty.tick(RoutingDump{});
  REQUIRE(only<AskBootstrap>(a).size() == 1);
  CHECK(opened(a).empty());
  // Only one request in flight.
  CHECK(only<AskBootstrap>(empty.tick(RoutingDump{})).empty());
  empty.manager.bootstrapPeer(empty.now, peer::CachedPeer{nodePrefix(41), nodeAddress(41)});
  auto o = only<OpenTunnel>(drain(empty.manager));
  REQUIRE(o.size() == 1);
  CHECK(o[0].prefix == nodePrefix(41));
  CHECK(empty.cache.size() == 1);

  // The registry sending our own prefix is ignored.
  Node own(config(12, 3));
  own.tick(RoutingDump{});
  own.manager.bootstrapPeer(own.now, peer::CachedPeer{nodePrefix(12), nodeAddress(12)});
  CHECK(only<OpenTunnel>(drain(own.manager)).empty());
}

TEST_CASE("without a route to the registry the node asks for a peer to rejoin",
          "[tunnel][manager]") {
  Node n(config(10, 3));
  REQUIRE(n.manager.incomingUp(n.now, nodePrefix(50), 90, "s50"));
  DumpBuilder b;  // an island: 50 and 51, no registry (node 1)
  b.neighbour(90, nodePrefix(50), {nodePrefix(51)});
  auto a = n.tick(b.dump);
  REQUIRE(only<AskBootstrap>(a).size() == 1);
  n.manager.bootstrapPeer(n.now, peer::CachedPeer{nodePrefix(60), nodeAddress(60)});
  CHECK(opened(drain(n.manager)) == std::set<std::string>{nodePrefix(60)});
  // Not again before the back-off (timeout × (1 + random(0..peers))) expires.
  CHECK(only<AskBootstrap>(n.tick(b.dump)).empty());
  // Once the registry is routed, the node considers itself connected and says hello.
  b.dump.routes.push_back({nodePrefix(1), b.dump.neighbours[0].ref, 256});
  a = n.tick(b.dump, seconds(100));
  CHECK(only<AskBootstrap>(a).empty());
  bool hello = false;
  for (const auto& s : only<SendPeer>(a)) hello |= s.prefix == nodePrefix(1) && !s.payload;
  CHECK(hello);
}

TEST_CASE("revoked and surplus incoming tunnels are refused", "[tunnel][manager]") {
  Config c = config(10, 3);
  c.maxClients = 2;
  Node n(c);
  n.manager.setCrl({"bad"});
  CHECK_FALSE(n.manager.incomingUp(n.now, nodePrefix(30), 1, "bad"));
  CHECK(n.manager.incomingUp(n.now, nodePrefix(31), 2, "ok1"));
  CHECK(n.manager.incomingUp(n.now, nodePrefix(32), 3, "ok2"));
  CHECK_FALSE(n.manager.incomingUp(n.now, nodePrefix(33), 4, "ok3"));
  n.manager.incomingDown(n.now, nodePrefix(31), 2);
  CHECK(n.manager.incomingUp(n.now, nodePrefix(33), 4, "ok3"));
  CHECK(n.manager.topology() == "0 32/16 33/16");
  // An outgoing tunnel whose server turns out revoked is closed.
  n.cache.addPeer(nodePrefix(40), nodeAddress(40));
  DumpBuilder b;
  b.neighbour(2, nodePrefix(32), {nodePrefix(1), nodePrefix(40)});
  REQUIRE(opened(n.tick(b.dump)).count(nodePrefix(40)));
  n.manager.tunnelUp(n.now, nodePrefix(40), "bad");
  CHECK(only<CloseTunnel>(drain(n.manager)).size() == 1);
}

TEST_CASE("Babel's tables become the dump the manager reads", "[tunnel][manager]") {
  Prefix net = parsePrefix("2001:db8:42::/48").value();
  std::string netBits = net.bits();
  babel::NeighbourInfo n1;
  n1.address = parseIpv6("fe80::1").value();
  n1.ifindex = 5;
  n1.cost = 96;
  auto route = [&](const Prefix& dst, uint16_t metric, bool selected) {
    babel::RouteInfo r;
    r.dst = dst;
    r.metric = metric;
    r.nexthop = n1.address;
    r.ifindex = 5;
    r.selected = selected;
    return r;
  };
  std::vector<babel::RouteInfo> routes = {
      route(nodeSubnet(netBits, nodePrefix(20)).value(), 96, true),   // its own prefix
      route(nodeSubnet(netBits, nodePrefix(21)).value(), 300, true),  // relayed
      route(nodeSubnet(netBits, nodePrefix(22)).value(), 300, false), // not selected
      route(Prefix{}, 400, true),                                     // ::/0 (gateway)
      route(nodeSubnet(netBits, nodePrefix(1)).value(), 500, true),   // the registry
  };
  NeighbourRef ref{n1.address, 5};
  auto d = dumpFromBabel({n1}, routes, net, {{ref, kDrainMultiplier}});
  REQUIRE(d.neighbours.size() == 1);
  CHECK(d.neighbours[0].costMultiplier == kDrainMultiplier);
  REQUIRE(d.routes.size() == 4);
  CHECK(*d.routes[0].prefix == nodePrefix(20));
  CHECK(d.routes[0].refmetric == 0);
  CHECK(d.routes[1].refmetric == 204);
  CHECK_FALSE(d.routes[2].prefix);
  CHECK(babelCostFactor(kLockMultiplier) == std::numeric_limits<double>::infinity());
  CHECK(babelCostFactor(kDrainMultiplier) == 16.0);
  // The manager sees 20 as a neighbour and 21 as a distant peer to connect to.
  Node n(config(10, 3));
  REQUIRE(n.manager.incomingUp(n.now, nodePrefix(50), 90, "s50"));
  n.cache.addPeer(nodePrefix(20), nodeAddress(20));
  n.cache.addPeer(nodePrefix(21), nodeAddress(21));
  CHECK(opened(n.tick(d)) == std::set<std::string>{nodePrefix(21)});
}

// The manager and the peer protocol composed as in a node (peer_node_harness.h).
TEST_CASE("an address learnt through code 1 opens a tunnel", "[tunnel][manager][peer]") {
  Pair net;
  CoreNode& a = net.add(10);
  net.add(30);
  REQUIRE(a.manager->incomingUp(net.now, nodePrefix(50), 90, "s50"));
  // 30 is distant and not in a's cache. A first round opens the session, the next one
  // asks for the address; the answer opens the tunnel.
  DumpBuilder d;
  d.neighbour(90, nodePrefix(50), {nodePrefix(1), nodePrefix(30)});
  net.tick(a, d.dump);
  REQUIRE(a.proto->connected(net.now, nodePrefix(30)));
  auto open = only<OpenTunnel>(net.tick(a, d.dump));
  REQUIRE(open.size() == 1);
  CHECK(open[0].prefix == nodePrefix(30));
  CHECK(open[0].address.ip == "198.18.0.30");
  CHECK(a.cache.getAddress(nodePrefix(30)) == std::nullopt);  // failed until it comes up
  a.manager->tunnelUp(net.now, nodePrefix(30), "1e");
  CHECK(a.cache.getAddress(nodePrefix(30)) == "198.18.0.30,1194,udp");
}

TEST_CASE("tunnel close negotiated over the peer protocol", "[tunnel][manager][peer]") {
  Pair net;
  CoreNode& c = net.add(10, 1);  // one client slot: its only tunnel is refreshed
  CoreNode& s = net.add(21);
  // c has an outgoing tunnel to 21 (ifindex 21 on c), 21 serves c (ifindex 60 on 21).
  REQUIRE(c.manager->incomingUp(net.now, nodePrefix(50), 90, "s50"));
  REQUIRE(s.manager->incomingUp(net.now, nodePrefix(10), 60, "a"));
  c.cache.addPeer(nodePrefix(21), "198.18.0.21,1194,udp");
  DumpBuilder before;
  before.neighbour(90, nodePrefix(50), {nodePrefix(1), nodePrefix(21), nodePrefix(22)});
  REQUIRE_FALSE(only<OpenTunnel>(net.tick(c, before.dump)).empty());
  c.manager->tunnelUp(net.now, nodePrefix(21), "15");
  DumpBuilder cd;
  cd.neighbour(90, nodePrefix(50), {nodePrefix(1), nodePrefix(22)});
  cd.neighbour(21, nodePrefix(21));
  DumpBuilder sd;
  sd.neighbour(60, nodePrefix(10));
  sd.neighbour(61, nodePrefix(70), {nodePrefix(1)});
  c.proto->send(net.now, nodePrefix(21), std::nullopt);  // peer session up
  net.pump();
  REQUIRE(c.proto->connected(net.now, nodePrefix(21)));

  // Refresh: 21 routes nothing but itself, so it is the one drained.
  auto cost = only<SetCostMultiplier>(net.tick(c, cd.dump, seconds(301)));
  REQUIRE(cost.size() == 1);
  CHECK(cost[0].neighbour.ifindex == 21);
  // Routes moved away, then the link is locked: c sends code 2 through the session.
  DumpBuilder cMoved;
  cMoved.neighbour(90, nodePrefix(50), {nodePrefix(1), nodePrefix(21), nodePrefix(22)});
  cMoved.anonymous(21, kDrainMultiplier);
  net.tick(c, cMoved.dump);
  cMoved.dump.neighbours[1].costMultiplier = kLockMultiplier;
  CHECK(only<CloseTunnel>(net.tick(c, cMoved.dump)).empty());
  // 21 received code 2 and started draining its end.
  auto sCost = only<SetCostMultiplier>(net.tick(s, sd.dump));
  REQUIRE_FALSE(sCost.empty());
  CHECK(sCost[0].neighbour.ifindex == 60);
  DumpBuilder sMoved;
  sMoved.anonymous(60, kDrainMultiplier);
  sMoved.neighbour(61, nodePrefix(70), {nodePrefix(1), nodePrefix(10)});
  net.tick(s, sMoved.dump);
  sMoved.dump.neighbours[0].costMultiplier = kLockMultiplier;
  net.tick(s, sMoved.dump);  // locked: 21 answers code 3, which closes c's tunnel
  auto closed = only<CloseTunnel>(std::exchange(c.actions, {}));
  REQUIRE(closed.size() == 1);
  CHECK(closed[0].prefix == nodePrefix(21));
  CHECK(c.manager->outgoing().empty());
}
