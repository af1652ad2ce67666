// The peer protocol driver on real UDP sockets: the local registry (a socket on ::1)
// asks its node for the node's addresses and for a peer's session, as re6st-registry
// does over [::1]:326, and gets the answer datagram back on its own socket.
#include <catch2/catch.hpp>

#include <bitset>

#include "peer_pki.h"
#include "re6st/loop/loop.h"
#include "re6st/loop/udp.h"
#include "re6st/peer/driver.h"

using namespace re6st;
using namespace re6st::peer;
using re6st::testing::PeerCa;

namespace {
std::string bits(unsigned n) { return std::bitset<16>(n).to_string(); }
}  // namespace

TEST_CASE("the driver answers the local registry over ::1", "[peer][driver]") {
  PeerCa ca;
  SeededRandom random(5);
  loop::Loop loop;
  ProtocolConfig c;
  c.registryPrefix = bits(2);
  c.addresses = "198.18.0.2,1194,udp";
  c.version = ca.version(1);
  auto core = Protocol::create(ca.node(2), c, random, loop.now(),
                               testing::kPeerWallNow * 1'000'000);
  REQUIRE(core.ok());
  (*core)->setTopology([] { return std::string("0"); });
  std::vector<NewVersion> versions;
  Driver driver(loop, **core, {nullptr, [&](const NewVersion& v) { versions.push_back(v); }});
  REQUIRE(driver.start(loop::SockAddr::parse("::1", 0).value()).ok());
  auto nodeAddr = driver.localAddress();
  REQUIRE(nodeAddr.ok());

  loop::Udp registry(loop);
  REQUIRE(registry.bind(loop::SockAddr::parse("::1", 0).value()).ok());
  std::vector<Bytes> answers;
  REQUIRE(registry
              .start([&](const loop::Datagram& d) {
                answers.emplace_back(d.data.begin(), d.data.end());
                loop.stop();
              })
              .ok());
  loop::Timer guard(loop);
  guard.start(seconds(5), [&] { loop.stop(); });

  REQUIRE(registry.send(*nodeAddr, encodeRelay({bits(2), kAddress, {}})).ok());
  loop.run();
  REQUIRE(answers.size() == 1);
  CHECK(asString(answers[0]) == bits(2) + std::string("\0\1", 2) + "198.18.0.2,1194,udp");
  CHECK(driver.received() == 1);

  // Topology of the node itself.
  REQUIRE(registry.send(*nodeAddr, encodeRelay({bits(2), kTopology, {}})).ok());
  loop.run();
  REQUIRE(answers.size() == 2);
  CHECK(asString(answers[1]) == bits(2) + std::string("\0\5", 2) + "0");

  // "New version available" from the registry reaches the node's handler.
  REQUIRE(registry.send(*nodeAddr, encodeRelay({bits(2), kVersion, {}})).ok());
  guard.start(milliseconds(300), [&] { loop.stop(); });
  loop.run();
  CHECK(versions.size() == 1);
  CHECK(answers.size() == 2);

  // A request for another node starts a session with it: a hello0 to its address. The
  // address does not exist here, so the send may fail; the driver keeps going.
  REQUIRE(registry.send(*nodeAddr, encodeRelay({bits(3), kTopology, {}})).ok());
  guard.start(milliseconds(300), [&] { loop.stop(); });
  loop.run();
  CHECK((*core)->sessionCount() == 1);
  CHECK(driver.received() == 4);
}
