// The registry ↔ node conversation core (node_query.h) against re6stnet registry.py's
// rules: datagram format, routed prefixes from a node's status, bootstrap candidates,
// address/versions queries and the topology walk, with hostile answers.
#include "re6st/registry/node_query.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "re6st/base/random.h"

using namespace re6st;
using namespace re6st::registry;
using json = nlohmann::json;

namespace {
const std::string kNet = "001000000000000100001101101110000000000001000010";  // 2001:db8:42::/48
const std::string kReg = "00000000000000000000";                              // 0/20
NodeAnswer ans(const std::string& prefix, uint8_t code, const std::string& payload) {
  return {prefix, code, payload};
}
std::string bitsOf(uint64_t v, size_t len) {
  std::string s;
  for (size_t i = len; i-- > 0;) s += char('0' + ((v >> i) & 1));
  return s;
}
}  // namespace

TEST_CASE("node datagrams are '<bits>\\0<code>[payload]'", "[node_query]") {
  CHECK(asString(encodeNodeMessage({kReg, 5})) == kReg + std::string("\0\x05", 2));
  auto a =
      parseNodeAnswer(asBytes(std::string("0101\0\x01"
                                          "192.0.2.1,1194,udp",
                                          24)));
  REQUIRE(a);
  CHECK(a->prefix == "0101");
  CHECK(a->code == 1);
  CHECK(a->payload == "192.0.2.1,1194,udp");
  CHECK(parseNodeAnswer(asBytes(std::string("0101\0\x04", 6)))->payload.empty());
  for (std::string bad :
       {std::string(""), std::string("0101"), std::string("0101\0", 5), std::string("\0\x01", 2),
        std::string("01x1\0\x01", 6), std::string(129, '0') + std::string("\0\x01", 2)})
    CHECK_FALSE(parseNodeAnswer(asBytes(bad)));
}

TEST_CASE("routed prefixes come from the registry node's routes inside the network",
          "[node_query]") {
  json status = {
      {"routes",
       json::array({
           {{"prefix", "2001:db8:42:1::/64"}, {"via", "fe80::1"}},
           {{"prefix", "2001:db8:42:2::/64"}, {"nexthop", "fe80::2"}, {"selected", true}},
           {{"prefix", "2001:db8:42:3::/64"}, {"nexthop", "fe80::3"}, {"selected", false}},
           {{"prefix", "2001:db8:42::/68"}, {"via", ""}},         // our own: no via
           {{"prefix", "2001:db8:42::/48"}, {"via", "fe80::1"}},  // the network
           {{"prefix", "2001:db8:43::/64"}, {"via", "fe80::1"}},  // outside
           {{"prefix", "::/0"}, {"from", "2001:db8:42::/48"}, {"via", "fe80::1"}},
           {{"prefix", "2001:db8:42:1::/64"}, {"via", "fe80::9"}},  // twice
           {{"prefix", "not a prefix"}, {"via", "fe80::1"}},
           {{"prefix", 7}, {"via", "fe80::1"}},
           "garbage",
       })}};
  CHECK(routedPrefixes(status, kNet) ==
        std::vector<std::string>{"0000000000000001", "0000000000000010"});
  CHECK(routedPrefixes(json::array(), kNet).empty());
  CHECK(routedPrefixes({{"routes", "x"}}, kNet).empty());
  CHECK(routedPrefixes({{"error", "unknown command"}}, kNet).empty());
}

TEST_CASE("bootstrap candidates: shuffled once a minute, never the caller", "[node_query]") {
  SeededRandom random(7);
  BootstrapPeers peers;
  CHECK(peers.stale(0));
  peers.refill(1000, {"01", "10", "11"}, kReg, random);
  CHECK_FALSE(peers.stale(1060));
  std::multiset<std::string> got;
  for (int i = 0; i < 4; ++i) got.insert(peers.pick("xx", kReg));
  CHECK(got == std::multiset<std::string>{"01", "10", "11", kReg});
  CHECK(peers.stale(1001));  // used up
  peers.refill(1001, {}, kReg, random);
  CHECK(peers.pick(kReg, kReg) == kReg);  // the caller is the registry: still the registry
  peers.refill(1002, {"01"}, kReg, random);
  CHECK(peers.stale(1063));
  std::set<std::string> two{peers.pick("01", kReg), peers.pick("01", kReg)};
  CHECK(two == std::set<std::string>{kReg});  // "01" asked: given the registry instead
}

TEST_CASE("an address query ends with the peer's answer and ignores others", "[node_query]") {
  NodeQuery q(NodeQuery::kAddress, {"0101"});
  auto sent = q.start();
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].prefix == "0101");
  CHECK(sent[0].code == kCodeAddress);
  CHECK_FALSE(q.onAnswer(ans("0110", 1, "x")).accepted);  // another peer
  CHECK_FALSE(q.onAnswer(ans("0101", 4, "x")).accepted);  // another code
  CHECK_FALSE(q.done());
  CHECK(q.onAnswer(ans("0101", 1, "192.0.2.1,1194,udp,FR")).accepted);
  CHECK(q.done());
  CHECK(q.address() == std::string("192.0.2.1,1194,udp,FR"));
  CHECK_FALSE(q.onAnswer(ans("0101", 1, "late")).accepted);
  CHECK(q.address() == std::string("192.0.2.1,1194,udp,FR"));
}

TEST_CASE("versions asks every routed node and the registry; silent ones stay null",
          "[node_query]") {
  NodeQuery q(NodeQuery::kVersions, {"01", "10", kReg, "01"});
  auto sent = q.start();
  CHECK(sent.size() == 3);
  for (auto& m : sent) CHECK(m.code == kCodeVersion);
  CHECK(q.onAnswer(ans(kReg, 4, "0.1, Linux")).accepted);
  CHECK(q.onAnswer(ans("01", 4, "0.2, \"x\"")).accepted);
  CHECK_FALSE(q.done());
  CHECK(q.resultJson() ==
        "{\"00000000000000000000\": \"0.1, Linux\", \"01\": \"0.2, \\\"x\\\"\", \"10\": null}");
  CHECK(q.onAnswer(ans("10", 4, "")).accepted);
  CHECK(q.done());
}

TEST_CASE("topology walks from the registry node through every node named", "[node_query]") {
  NodeQuery q(NodeQuery::kTopology, {kReg});
  auto sent = q.start();
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].code == kCodeTopology);
  // Registry 0/20: one tunnel to 1/20, incoming from 2/20.
  auto s = q.onAnswer(ans(kReg, 5, "1 1/20 2/20"));
  CHECK(s.accepted);
  REQUIRE(s.send.size() == 2);
  CHECK(s.send[0].prefix == bitsOf(1, 20));
  CHECK(s.send[1].prefix == bitsOf(2, 20));
  // 1/20 names 3/20 (new), the registry (known) and itself in garbage form (ignored).
  s = q.onAnswer(ans(bitsOf(1, 20), 5, "2 0/20 3/20 nonsense"));
  REQUIRE(s.send.size() == 1);
  CHECK(s.send[0].prefix == bitsOf(3, 20));
  // Hostile answers: N too large, sender in its own list, N not a number: no edges.
  CHECK(q.onAnswer(ans(bitsOf(2, 20), 5, "5 0/20")).send.empty());
  CHECK_FALSE(q.onAnswer(ans(bitsOf(2, 20), 5, "0")).accepted);  // already answered
  CHECK(q.onAnswer(ans(bitsOf(3, 20), 5, "1 3/20")).send.empty());
  CHECK(q.done());
  auto g = json::parse(q.resultJson());
  CHECK(g == json{{"", {"0/20", "1/20"}},
                  {"0/20", {"1/20"}},
                  {"1/20", {"0/20", "3/20"}},
                  {"2/20", {"0/20"}}});
}

TEST_CASE("topology of a lone registry node and of garbage answers", "[node_query]") {
  NodeQuery q(NodeQuery::kTopology, {kReg});
  q.start();
  CHECK(q.onAnswer(ans(kReg, 5, "0")).send.empty());
  CHECK(q.done());
  CHECK(q.resultJson() == "{\"\": [\"0/20\"], \"0/20\": []}");
  NodeQuery silent(NodeQuery::kTopology, {kReg});
  silent.start();
  CHECK(silent.resultJson() == "{}");
  for (const std::string& junk : std::vector<std::string>{"", " ", "x", "-1 0/20", "9999999 0/20",
                                                          "1", std::string(5000, '1')}) {
    NodeQuery j(NodeQuery::kTopology, {kReg});
    j.start();
    CHECK(j.onAnswer(ans(kReg, 5, junk)).send.empty());
  }
}
