// The two cores composed as a node composes them: the tunnel manager's SendPeer goes
// through the peer protocol, whose Deliver comes back to the manager. Two such nodes
// negotiate the close of a tunnel (codes 2/3) over an authenticated peer session, and a
// node learns a peer's address through code 1 and opens a tunnel to it.
#include <catch2/catch.hpp>

#include <bitset>

#include "peer_manager_harness.h"
#include "peer_pki.h"

using namespace re6st;
using namespace re6st::tunnel;
using re6st::testing::DumpBuilder;
using re6st::testing::nodePrefix;
using re6st::testing::PeerCa;
using re6st::testing::Wire;

namespace {

struct CoreNode {
  SeededRandom random;
  peer::MemoryPeerCache cache;
  std::unique_ptr<peer::Protocol> proto;
  std::unique_ptr<Manager> manager;
  std::vector<Action> actions;  // manager actions other than SendPeer

  // now: the owner's clock, read when the manager asks whether a session is up.
  CoreNode(const PeerCa& ca, unsigned n, const Time& now, const std::string& addresses,
           unsigned clients)
      : random(n), cache(nodePrefix(n), random) {
    peer::ProtocolConfig pc;
    pc.registryPrefix = nodePrefix(1);
    pc.addresses = addresses;
    pc.version = ca.version(1);
    proto = std::move(peer::Protocol::create(ca.node(n), pc, random, now,
                                             testing::kPeerWallNow * 1'000'000).value());
    Config c;
    c.prefix = nodePrefix(n);
    c.registryPrefix = nodePrefix(1);
    c.clientCount = clients;
    c.timeout = seconds(20);
    manager = std::make_unique<Manager>(
        c, Deps{cache, random, [this, &now](const std::string& p) { return proto->connected(now, p); }},
        now);
  }
};

struct Pair {
  PeerCa ca;
  Time now = Time() + seconds(100);
  std::map<unsigned, std::unique_ptr<CoreNode>> nodes;
  Wire wire;

  CoreNode& add(unsigned n, unsigned clients = 3) {
    auto& node = nodes[n] = std::make_unique<CoreNode>(
        ca, n, now, "198.18.0." + std::to_string(n) + ",1194,udp", clients);
    wire.add(*node->proto);
    return *node;
  }

  // Moves messages between the cores of every node until all are quiet.
  void pump() {
    for (int round = 0; round < 50; ++round) {
      bool busy = false;
      for (auto& [n, node] : nodes) {
        while (auto a = node->manager->pollAction()) {
          busy = true;
          if (auto* s = std::get_if<SendPeer>(&*a)) {
            std::optional<ByteSpan> payload;
            if (s->payload) payload = ByteSpan(*s->payload);
            node->proto->send(now, s->prefix, payload);
          } else {
            node->actions.push_back(std::move(*a));
          }
        }
      }
      for (auto& [n, node] : nodes) {
        while (auto a = node->proto->pollAction()) {
          busy = true;
          if (auto* send = std::get_if<peer::SendTo>(&*a))
            wire.route(now, node->proto->prefix(), *send);
          else if (auto* d = std::get_if<peer::Deliver>(&*a))
            node->manager->peerMessage(now, d->prefix, d->code, d->data);
        }
      }
      if (!busy) return;
    }
  }

  std::vector<Action> tick(CoreNode& n, const RoutingDump& dump, Duration d = seconds(5)) {
    now += d;
    for (auto& [k, node] : nodes) node->manager->handleTimeout(now);
    n.manager->handleDump(now, dump);
    pump();
    return std::exchange(n.actions, {});
  }
};

template <class T>
size_t count(const std::vector<Action>& a) {
  return testing::only<T>(a).size();
}

}  // namespace

TEST_CASE("an address learnt through code 1 opens a tunnel", "[peer][node]") {
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
  auto actions = net.tick(a, d.dump);
  auto open = testing::only<OpenTunnel>(actions);
  REQUIRE(open.size() == 1);
  CHECK(open[0].prefix == nodePrefix(30));
  CHECK(open[0].address.ip == "198.18.0.30");
  CHECK(a.cache.getAddress(nodePrefix(30)) == std::nullopt);  // failed until it comes up
  a.manager->tunnelUp(net.now, nodePrefix(30), "1e");
  CHECK(a.cache.getAddress(nodePrefix(30)) == "198.18.0.30,1194,udp");
}

TEST_CASE("tunnel close negotiated over the peer protocol", "[peer][node]") {
  Pair net;
  CoreNode& c = net.add(10, 1);  // one client slot: its only tunnel is refreshed
  CoreNode& s = net.add(21);
  // c has an outgoing tunnel to 21 (ifindex 21 on c), 21 serves c (ifindex 60 on 21).
  REQUIRE(c.manager->incomingUp(net.now, nodePrefix(50), 90, "s50"));
  REQUIRE(s.manager->incomingUp(net.now, nodePrefix(10), 60, "a"));
  c.cache.addPeer(nodePrefix(21), "198.18.0.21,1194,udp");
  DumpBuilder before;
  before.neighbour(90, nodePrefix(50), {nodePrefix(1), nodePrefix(21), nodePrefix(22)});
  REQUIRE(count<OpenTunnel>(net.tick(c, before.dump)) >= 1);
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
  auto a = net.tick(c, cd.dump, seconds(301));
  auto cost = testing::only<SetCostMultiplier>(a);
  REQUIRE(cost.size() == 1);
  CHECK(cost[0].neighbour.ifindex == 21);
  // Routes moved away, then the link is locked: c sends code 2 through the session.
  DumpBuilder cMoved;
  cMoved.neighbour(90, nodePrefix(50), {nodePrefix(1), nodePrefix(21), nodePrefix(22)});
  cMoved.anonymous(21, kDrainMultiplier);
  net.tick(c, cMoved.dump);
  cMoved.dump.neighbours[1].costMultiplier = kLockMultiplier;
  a = net.tick(c, cMoved.dump);
  CHECK(count<CloseTunnel>(a) == 0);
  // 21 received code 2 and started draining its end.
  auto sActions = net.tick(s, sd.dump);
  auto sCost = testing::only<SetCostMultiplier>(sActions);
  REQUIRE_FALSE(sCost.empty());
  CHECK(sCost[0].neighbour.ifindex == 60);
  DumpBuilder sMoved;
  sMoved.anonymous(60, kDrainMultiplier);
  sMoved.neighbour(61, nodePrefix(70), {nodePrefix(1), nodePrefix(10)});
  net.tick(s, sMoved.dump);
  sMoved.dump.neighbours[0].costMultiplier = kLockMultiplier;
  net.tick(s, sMoved.dump);  // locked: 21 answers code 3, which closes c's tunnel
  auto closed = testing::only<CloseTunnel>(std::exchange(c.actions, {}));
  REQUIRE(closed.size() == 1);
  CHECK(closed[0].prefix == nodePrefix(21));
  CHECK(c.manager->outgoing().empty());
}
