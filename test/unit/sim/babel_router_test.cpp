// The Babel router core in pairs and small meshes on virtual time (re6st/sim): neighbour
// discovery, convergence, rerouting after a cut, retraction, cost multipliers,
// source-specific routes, HMAC with challenges, and hostile packets.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "babel_sim.h"
#include "re6st/babel/codec.h"
#include "re6st/sim/babel_net.h"

using namespace re6st;
using namespace re6st::babel;
using re6st::test::babelConfig;
using re6st::test::babelPrefix;

namespace {
bool has(const std::vector<Prefix>& v, const Prefix& p) {
  return std::find(v.begin(), v.end(), p) != v.end();
}
}  // namespace

TEST_CASE("babel router: two routers become neighbours and learn each other's prefix") {
  sim::BabelNet net(1, babelConfig());
  size_t a = net.addRouter(babelPrefix(1));
  size_t b = net.addRouter(babelPrefix(2));
  net.link(a, b);
  net.run(seconds(5));
  auto na = net.router(a).neighbours();
  REQUIRE(na.size() == 1);
  CHECK(na[0].cost == 96);
  CHECK(na[0].txcost == 96);
  CHECK(has(net.router(a).reachablePrefixes(), babelPrefix(2)));
  CHECK(has(net.router(b).reachablePrefixes(), babelPrefix(1)));
  CHECK(net.fib(a).count({babelPrefix(2), Prefix{}}) == 1);
  CHECK(net.router(a).routesVia(na[0].address, na[0].ifindex) ==
        std::vector<Prefix>{babelPrefix(2)});
  auto d = net.router(a).dump();
  CHECK(d["routes"].size() == 1);
  CHECK(d["routes"][0]["prefix"] == "2001:db8:2::/48");
  CHECK(net.rejectedPackets() == 0);
}

TEST_CASE("babel router: RTT is measured over a tunnel and raises the cost") {
  sim::BabelNet net(2, babelConfig());
  size_t a = net.addRouter(babelPrefix(1));
  size_t b = net.addRouter(babelPrefix(2));
  net.link(a, b, sim::LinkParams{milliseconds(50)});  // 100 ms round trip
  net.run(seconds(10));
  auto na = net.router(a).neighbours();
  REQUIRE(na.size() == 1);
  REQUIRE(na[0].rttValid);
  CHECK(na[0].rtt >= milliseconds(99));
  CHECK(na[0].rtt <= milliseconds(101));
  // 96 + 5000 × (100 - 10) / 490 = 96 + 918
  CHECK(na[0].cost >= 96 + 915);
  CHECK(na[0].cost <= 96 + 920);
}

TEST_CASE("babel router: a chain converges, loop-free, and a cut reroutes over a ring") {
  sim::BabelNet net(3, babelConfig());
  const size_t n = 6;
  for (size_t i = 0; i < n; ++i) net.addRouter(babelPrefix(i));
  std::vector<sim::SegmentId> links;
  for (size_t i = 0; i < n; ++i) links.push_back(net.link(i, (i + 1) % n));
  net.run(seconds(15));
  auto c = net.check();
  CHECK(c.pairs == n * (n - 1));
  CHECK(c.reachable == c.pairs);
  CHECK(c.maxHops == 3);
  net.net().setUp(links[0], false);  // cut 0-1: everything goes the other way round
  net.run(seconds(15));
  c = net.check();
  CHECK(c.reachable == c.pairs);
  CHECK(c.loops == 0);
  CHECK(c.maxHops == 5);
}

TEST_CASE("babel router: a vanished router's prefix is retracted everywhere") {
  sim::BabelNet net(4, babelConfig());
  for (size_t i = 0; i < 4; ++i) net.addRouter(babelPrefix(i));
  for (size_t i = 0; i + 1 < 4; ++i) net.link(i, i + 1);
  net.run(seconds(10));
  CHECK(net.check().reachable == 12);
  net.kill(3);
  net.run(seconds(30));
  for (size_t i = 0; i < 3; ++i) {
    CHECK_FALSE(has(net.router(i).reachablePrefixes(), babelPrefix(3)));
    CHECK(net.fib(i).count({babelPrefix(3), Prefix{}}) == 0);
  }
  CHECK(net.check().reachable == 6);
}

TEST_CASE("babel router: removing a redistributed prefix retracts it at once") {
  sim::BabelNet net(5, babelConfig(seconds(4)));
  for (size_t i = 0; i < 3; ++i) net.addRouter(babelPrefix(i));
  net.link(0, 1);
  net.link(1, 2);
  net.run(seconds(20));
  REQUIRE(has(net.router(0).reachablePrefixes(), babelPrefix(2)));
  net.router(2).setRedistributed({}, net.now());
  net.run(milliseconds(100));  // well under one hello interval
  CHECK_FALSE(has(net.router(0).reachablePrefixes(), babelPrefix(2)));
}

TEST_CASE("babel router: a cost multiplier drains a link") {
  sim::BabelNet net(6, babelConfig());
  for (size_t i = 0; i < 4; ++i) net.addRouter(babelPrefix(i));
  net.link(0, 1);  // 0 reaches 3 through 1 or 2
  net.link(0, 2);
  net.link(1, 3);
  net.link(2, 3);
  net.run(seconds(10));
  auto via = net.fib(0).at({babelPrefix(3), Prefix{}});
  NeighbourInfo used{};
  for (const auto& nb : net.router(0).neighbours()) {
    if (nb.address == via.first) used = nb;
  }
  net.router(0).setCostMultiplier(used.address, used.ifindex, 100, net.now());
  net.run(milliseconds(10));
  auto now = net.fib(0).at({babelPrefix(3), Prefix{}});
  CHECK(now.second != via.second);
  CHECK_FALSE(has(net.router(0).routesVia(used.address, used.ifindex), babelPrefix(3)));
}

TEST_CASE("babel router: source-specific default route from a gateway (RFC 9079)") {
  sim::BabelNet net(7, babelConfig());
  for (size_t i = 0; i < 3; ++i) net.addRouter(babelPrefix(i));
  net.link(0, 1);
  net.link(1, 2);
  Prefix network = *parsePrefix("2001:db8::/32");
  net.router(2).setRedistributed({Xroute{babelPrefix(2), {}, 0}, Xroute{Prefix{}, network, 0}},
                                 net.now());
  net.run(seconds(10));
  CHECK(net.fib(0).count({Prefix{}, network}) == 1);
  CHECK(net.fib(0).count({Prefix{}, Prefix{}}) == 0);
}

TEST_CASE("babel router: HMAC — same key talks, wrong key is isolated, replays dropped") {
  Config c = babelConfig();
  Key k{"k1", KeyType::kBlake2s128, Bytes(32, 7)};
  c.signKey = k;
  c.acceptKeys = {k};
  sim::BabelNet net(8, c);
  for (size_t i = 0; i < 3; ++i) net.addRouter(babelPrefix(i));
  net.link(0, 1);
  net.run(seconds(8));
  CHECK(has(net.router(0).reachablePrefixes(), babelPrefix(1)));
  CHECK(net.router(0).neighbours().at(0).cost == 96);

  // A router with another key: every packet it sends is rejected (bad MAC).
  Config bad = babelConfig();
  Key other{"k1", KeyType::kBlake2s128, Bytes(32, 8)};
  bad.signKey = other;
  bad.acceptKeys = {other};
  SeededRandom rnd(99);
  Router intruder(bad, rnd);
  Ipv6 ll = *parseIpv6("fe80::99");
  REQUIRE(intruder.addInterface(1, "x", IfType::kTunnel, ll, net.now()).ok());
  intruder.handleTimeout(net.now());
  int rejected = 0;
  while (auto a = intruder.pollAction()) {
    if (auto* s = std::get_if<SendPacket>(&*a)) {
      auto st = net.router(0).handlePacket(net.now(), 1, ll, s->dst, s->bytes);
      REQUIRE_FALSE(st.ok());
      CHECK(st.error().code == Code::kCrypto);
      ++rejected;
    }
  }
  CHECK(rejected >= 1);
  CHECK(net.router(0).neighbours().size() == 1);

  // A valid packet from the same key but an unknown sender is challenged, not processed.
  Config same = c;
  SeededRandom rnd2(5);
  Router newcomer(same, rnd2);
  Ipv6 ll2 = *parseIpv6("fe80::77");
  REQUIRE(newcomer.addInterface(1, "y", IfType::kTunnel, ll2, net.now()).ok());
  newcomer.handleTimeout(net.now());
  auto first = newcomer.pollAction();
  REQUIRE(first);
  auto& pkt = std::get<SendPacket>(*first);
  auto st = net.router(0).handlePacket(net.now(), 1, ll2, pkt.dst, pkt.bytes);
  CHECK(st.error().code == Code::kPermission);
  // ... and the same bytes replayed after a challenge round are refused again.
  auto again = net.router(0).handlePacket(net.now(), 1, ll2, pkt.dst, pkt.bytes);
  CHECK_FALSE(again.ok());
}

TEST_CASE("babel router: hostile packets are rejected without state change") {
  SeededRandom rnd(1);
  Router r(babelConfig(), rnd);
  Ipv6 ll = *parseIpv6("fe80::1");
  Ipv6 peer = *parseIpv6("fe80::2");
  REQUIRE(r.addInterface(3, "t", IfType::kTunnel, ll, Time()).ok());
  Bytes junk = {42, 2, 0, 9, 8, 7};
  CHECK_FALSE(r.handlePacket(Time(), 3, peer, kMulticast, junk).ok());
  CHECK_FALSE(r.handlePacket(Time(), 4, peer, kMulticast, Bytes{42, 2, 0, 0}).ok());
  CHECK_FALSE(r.handlePacket(Time(), 3, *parseIpv6("2001:db8::1"), kMulticast,
                             Bytes{42, 2, 0, 0}).ok());
  CHECK(r.neighbours().empty());
  CHECK(r.addInterface(3, "t", IfType::kTunnel, ll, Time()).error().code == Code::kExists);
}

TEST_CASE("babel router: wired pair installs a prefix and a source-specific default") {
  sim::BabelNet net(10, babelConfig());
  size_t a = net.addRouter(babelPrefix(1));
  size_t b = net.addRouter(babelPrefix(2));
  net.router(b).setRedistributed({Xroute{babelPrefix(2), {}, 0},
                                  Xroute{Prefix{}, babelPrefix(2), 0}}, net.now());
  net.link(a, b, {}, IfType::kWired);
  net.run(seconds(10));
  CHECK(net.fib(a).size() == 2);
  CHECK(net.fib(a).count({babelPrefix(2), Prefix{}}) == 1);
  CHECK(net.fib(a).count({Prefix{}, babelPrefix(2)}) == 1);
}
