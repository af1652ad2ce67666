// Peer protocol cores exchanging real datagrams on virtual time: the hello0/hello
// handshake with real certificates and RSA, sealed messages and their answers, replays
// and forgeries, foreign and revoked certificates, session loss, certificate expiry,
// network versions, and relaying for the local registry over ::1.
#include <catch2/catch.hpp>

#include <bitset>

#include "peer_pki.h"
#include "re6st/crypto/hmac.h"
#include "re6st/peer/protocol.h"

using namespace re6st;
using namespace re6st::peer;
using re6st::testing::kPeerWallNow;
using re6st::testing::nodeEndpoint;
using re6st::testing::PeerCa;
using re6st::testing::Wire;

namespace {

std::string bits(unsigned n) { return std::bitset<16>(n).to_string(); }

struct Net {
  PeerCa ca;
  SeededRandom random{3};
  Time now = Time() + seconds(1000);
  std::map<unsigned, std::unique_ptr<Protocol>> nodes;
  Wire wire;

  Protocol& add(unsigned n, ProtocolConfig c = {}, std::optional<Identity> id = std::nullopt) {
    if (c.addresses.empty()) c.addresses = "198.18.0." + std::to_string(n) + ",1194,udp,FR";
    if (c.nodeInfo.empty()) c.nodeInfo = "re6st test, node " + std::to_string(n);
    if (c.version.empty()) c.version = ca.version(1);
    auto p = Protocol::create(id ? std::move(*id) : ca.node(n), c, random, now,
                              kPeerWallNow * 1'000'000);
    REQUIRE(p.ok());
    wire.add(**p);
    return *(nodes[n] = std::move(*p));
  }
  void run() { wire.run(now); }
  void advance(Duration d) { now += d; }
};

Bytes msg(std::initializer_list<uint8_t> b) { return Bytes(b); }

}  // namespace

TEST_CASE("two nodes establish a session and exchange sealed messages", "[peer][protocol]") {
  Net net;
  Protocol& a = net.add(1);
  Protocol& b = net.add(2);
  CHECK(a.network() == "001000000000000100001101101110000000000001000010");
  CHECK(a.prefix() == bits(1));
  // No session yet: the message is not sent, a hello0 (seqno 0) is.
  CHECK_FALSE(a.send(net.now, bits(2), msg({kNodeInfo})));
  auto first = a.pollAction();
  REQUIRE(first);
  auto& hello0 = std::get<SendTo>(*first);
  CHECK(hello0.to == peerEndpoint(a.network(), bits(2)));
  CHECK(toHex(ByteSpan(hello0.data).first(4)) == "00000000");
  net.wire.route(net.now, bits(1), hello0);
  net.run();
  // hello0 → hello0 with fingerprint → hello → version: both ends are connected.
  CHECK(a.connected(net.now, bits(2)));
  CHECK(b.connected(net.now, bits(1)));
  REQUIRE(a.session(bits(2)));
  CHECK(a.session(bits(2))->serial() == "2");
  CHECK(net.wire.take<NewVersion>().empty());  // same version on both sides

  // Address request and answer: delivered to the tunnel manager of a.
  CHECK(a.send(net.now, bits(2), msg({kAddress})));
  net.run();
  auto d = net.wire.take<Deliver>();
  REQUIRE(d.size() == 1);
  CHECK(d[0].prefix == bits(2));
  CHECK(d[0].code == kAddress);
  CHECK(asString(d[0].data) == "198.18.0.2,1194,udp,FR");

  // Tunnel kill codes go to the manager of the receiver.
  CHECK(b.send(net.now, bits(1), msg({kKillRequest})));
  net.run();
  d = net.wire.take<Deliver>();
  REQUIRE(d.size() == 1);
  CHECK(d[0].prefix == bits(2));
  CHECK(d[0].code == kKillRequest);
}

TEST_CASE("replayed and forged sealed messages are ignored", "[peer][protocol]") {
  Net net;
  Protocol& a = net.add(1);
  Protocol& b = net.add(2);
  a.send(net.now, bits(2), std::nullopt);
  net.run();
  REQUIRE(a.connected(net.now, bits(2)));
  size_t before = net.wire.sent.size();
  REQUIRE(a.send(net.now, bits(2), msg({kKillRequest})));
  auto act = a.pollAction();
  Bytes sealed = std::get<SendTo>(*act).data;
  b.handle(net.now, nodeEndpoint(a.network(), bits(1)), sealed);
  net.run();
  CHECK(net.wire.take<Deliver>().size() == 1);
  CHECK(net.wire.sent.size() > before);  // b answered (empty sealed message)
  before = net.wire.sent.size();
  // The same datagram again: seqno not above the last one.
  b.handle(net.now, nodeEndpoint(a.network(), bits(1)), sealed);
  // Any altered byte.
  for (size_t i = 0; i < sealed.size(); ++i) {
    Bytes bad = sealed;
    bad[i] ^= 0x40;
    b.handle(net.now, nodeEndpoint(a.network(), bits(1)), bad);
  }
  // From another address of the network (another node's prefix): wrong session.
  b.handle(net.now, nodeEndpoint(a.network(), bits(3)), sealed);
  net.run();
  CHECK(net.wire.take<Deliver>().empty());
  CHECK(net.wire.sent.size() == before);
}

TEST_CASE("certificates from another CA, revoked or from the wrong source are refused",
          "[peer][protocol]") {
  Net net;
  Protocol& a = net.add(1);
  PeerCa other(101);
  // A node of another network with the same CA serial (same prefix) but another key.
  Protocol& x = net.add(3, {}, other.node(3));
  x.send(net.now, bits(1), std::nullopt);
  net.run();
  CHECK(a.sessionCount() == 0);
  CHECK_FALSE(x.connected(net.now, bits(1)));

  // Revoked serial (serialToHex of 4 is "4").
  ProtocolConfig c;
  c.crl = {"4"};
  Protocol& r = net.add(5, c);
  Protocol& four = net.add(4);
  four.send(net.now, bits(5), std::nullopt);
  net.run();
  CHECK_FALSE(r.connected(net.now, bits(4)));
  CHECK(r.session(bits(4)) == nullptr);

  // A valid certificate for 6/16 sent from 7's address is ignored.
  Protocol& six = net.add(6);
  Bytes hello = encodeHello0(std::nullopt, net.ca.node(6).cert.der());
  a.handle(net.now, nodeEndpoint(a.network(), bits(7)), hello);
  CHECK_FALSE(a.pollAction());
  CHECK(a.session(bits(6)) == nullptr);
  (void)six;
  // Datagrams from outside the network are ignored.
  a.handle(net.now, Endpoint{parseIpv6("2001:db8:43::1").value()}, hello);
  CHECK_FALSE(a.pollAction());
}

TEST_CASE("revocation drops existing sessions", "[peer][protocol]") {
  Net net;
  Protocol& a = net.add(1);
  net.add(2);
  a.send(net.now, bits(2), std::nullopt);
  net.run();
  REQUIRE(a.connected(net.now, bits(2)));
  a.setCrl({"2"});
  CHECK_FALSE(a.connected(net.now, bits(2)));
  CHECK(a.sessionCount() == 0);
}

TEST_CASE("a hello0 without protocol field (older re6stnet) is accepted", "[peer][protocol]") {
  Net net;
  Protocol& a = net.add(1);
  Identity old = net.ca.node(2);
  Bytes fp = crypto::sha1(net.ca.node(1).cert.der());
  Bytes pkt = {0, 0, 0, 1};
  pkt.insert(pkt.end(), fp.begin(), fp.end());
  Bytes der = old.cert.der();
  pkt.insert(pkt.end(), der.begin(), der.end());
  a.handle(net.now, nodeEndpoint(a.network(), bits(2)), pkt);
  auto act = a.pollAction();
  REQUIRE(act);
  auto& hello = std::get<SendTo>(*act).data;
  // It knows our certificate: we answer hello (seqno 2) without our protocol field,
  // since the peer announced none: 4 + 128 + 128 bytes with RSA 1024.
  CHECK(toHex(ByteSpan(hello).first(4)) == "00000002");
  CHECK(hello.size() == 4 + 256);
  // The old peer can decrypt the secret with its key and check our signature.
  auto h = parseHello(*parseFrame(hello), false);
  REQUIRE(h.ok());
  auto secret = old.key.decrypt(h->encryptedSecret);
  REQUIRE(secret.ok());
  CHECK(secret->size() == kHmacLen);
  CHECK(net.ca.node(1).cert.publicKey().verifySha512(h->encryptedSecret, h->signature).ok());
}

TEST_CASE("a session without answers is lost after a minute and renegotiated",
          "[peer][protocol]") {
  Net net;
  Protocol& a = net.add(1);
  Protocol& b = net.add(2);
  a.send(net.now, bits(2), std::nullopt);
  net.run();
  // b goes silent: a's messages are dropped on the floor.
  REQUIRE(a.send(net.now, bits(2), msg({kNodeInfo})));
  while (a.pollAction()) {
  }
  net.advance(seconds(59));
  CHECK(a.connected(net.now, bits(2)));
  net.advance(seconds(2));
  CHECK_FALSE(a.connected(net.now, bits(2)));
  // The next send restarts the handshake, now with b's fingerprint (seqno 1).
  CHECK_FALSE(a.send(net.now, bits(2), msg({kNodeInfo})));
  auto act = a.pollAction();
  REQUIRE(act);
  CHECK(toHex(ByteSpan(std::get<SendTo>(*act).data).first(5)) == "000000010a");
  net.wire.route(net.now, bits(1), std::get<SendTo>(*act));
  net.run();
  CHECK(a.connected(net.now, bits(2)));
  CHECK(b.connected(net.now, bits(1)));
  // hello0 is rate limited to one a minute while unanswered.
  Protocol& c = net.add(3);
  (void)c;
  net.wire.nodes.erase(bits(3));
  CHECK_FALSE(a.send(net.now, bits(3), std::nullopt));
  CHECK(a.pollAction());
  CHECK_FALSE(a.send(net.now + seconds(30), bits(3), std::nullopt));
  CHECK_FALSE(a.pollAction());
}

TEST_CASE("sessions are forgotten when the peer certificate expires", "[peer][protocol]") {
  Net net;
  Protocol& a = net.add(1);
  net.add(2, {}, net.ca.node(2, kPeerWallNow + 3600));
  a.send(net.now, bits(2), std::nullopt);
  net.run();
  REQUIRE(a.connected(net.now, bits(2)));
  Time t = a.nextTimeout();
  CHECK(t > net.now + seconds(3599));
  CHECK(t < net.now + seconds(3603));
  a.handleTimeout(net.now + seconds(1800));
  CHECK(a.sessionCount() == 1);
  a.handleTimeout(t);
  CHECK(a.sessionCount() == 0);
}

TEST_CASE("network versions spread to peers that are late", "[peer][protocol]") {
  Net net;
  ProtocolConfig newer;
  newer.version = net.ca.version(5);
  Protocol& a = net.add(1);
  Protocol& b = net.add(2, newer);
  a.send(net.now, bits(2), std::nullopt);
  net.run();
  // b's hello answer carried version 5: a learns it, b learns nothing.
  auto v = net.wire.take<NewVersion>();
  REQUIRE(v.size() == 1);
  CHECK(v[0].version == net.ca.version(5));
  // A version not signed by the CA is ignored.
  Bytes forged = net.ca.version(9);
  forged.back() ^= 1;
  Bytes m{kVersion};
  m.insert(m.end(), forged.begin(), forged.end());
  REQUIRE(b.send(net.now, bits(1), m));
  net.run();
  CHECK(net.wire.take<NewVersion>().empty());
  // broadcastVersion tells neighbours that do not have it.
  Protocol& c = net.add(3);
  b.broadcastVersion(net.now, {bits(1), bits(3)});
  net.run();
  v = net.wire.take<NewVersion>();
  (void)c;
  // 3 had no session: the broadcast opened one, whose hello answer carries version 5.
  REQUIRE(v.size() == 1);
  CHECK(v[0].version == net.ca.version(5));
}

TEST_CASE("the local registry talks to peers through its node over ::1", "[peer][protocol]") {
  Net net;
  ProtocolConfig reg;
  reg.registryPrefix = bits(2);
  Protocol& node = net.add(1, reg);
  Protocol& registryNode = net.add(2, reg);
  node.setTopology([] { return std::string("1 2/16 3/16"); });
  registryNode.setTopology([] { return std::string("0"); });
  Endpoint registry{kLoopback, 51000};
  // Ask our own node for its addresses.
  registryNode.handle(net.now, registry, encodeRelay({bits(2), kAddress, {}}));
  auto act = registryNode.pollAction();
  REQUIRE(act);
  auto& own = std::get<SendTo>(*act);
  CHECK(own.to == registry);
  CHECK(asString(own.data) == bits(2) + std::string("\0\1", 2) + "198.18.0.2,1194,udp,FR");
  // Ask node 1 for its topology: relayed with bit 0x80, answered, handed back.
  registryNode.handle(net.now, registry, encodeRelay({bits(1), kTopology, {}}));
  net.run();  // first time: handshake only
  REQUIRE(registryNode.connected(net.now, bits(1)));
  registryNode.handle(net.now, registry, encodeRelay({bits(1), kTopology, {}}));
  net.run();
  REQUIRE(net.wire.local.size() == 1);
  CHECK(net.wire.local[0].first == bits(2));
  auto relay = parseRelay(net.wire.local[0].second);
  REQUIRE(relay.ok());
  CHECK(relay->prefix == bits(1));
  CHECK(relay->code == kTopology);
  CHECK(asString(relay->data) == "1 2/16 3/16");
  // Code 5 from a node that is not the registry gets no topology.
  Protocol& other = net.add(3, reg);
  other.send(net.now, bits(1), std::nullopt);
  net.run();
  size_t before = net.wire.sent.size();
  REQUIRE(other.send(net.now, bits(1), msg({kTopology})));
  net.run();
  // Request and an empty sealed answer only (24 bytes: seqno + HMAC).
  REQUIRE(net.wire.sent.size() == before + 2);
  CHECK(net.wire.sent.back().second.size() == 4 + kHmacLen);
  // Malformed local datagrams are ignored.
  registryNode.handle(net.now, registry, asBytes("junk"));
  CHECK_FALSE(registryNode.pollAction());
}
