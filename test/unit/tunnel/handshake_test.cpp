// Handshake core: DTLS and TLS pairs on virtual time, and every refusal the transport
// must make (wrong CA, wrong CN, revoked, expired), plus loss and garbage.
#include <catch2/catch.hpp>

#include "re6st/tunnel/handshake.h"
#include "tunnel_pki.h"

using namespace re6st;
using namespace re6st::tunnel;
using namespace re6st::tunnel::testing;
using State = Handshake::State;

namespace {

const Bytes kClientId = toBytes("198.18.0.1:1194");

struct Fixture {
  TestCa ca = makeCa(100);
  TestCa otherCa = makeCa(101, 0x1fd00);
  std::shared_ptr<Credentials> alice = creds(ca, 1, "1/16", 11);
  std::shared_ptr<Credentials> bob = creds(ca, 2, "2/16", 12);
};

Fixture& fx() {
  static Fixture f;
  return f;
}

HandshakeOptions opts(Role role, Carrier carrier, std::string cn = "") {
  HandshakeOptions o;
  o.role = role;
  o.carrier = carrier;
  o.expectedCn = std::move(cn);
  o.wallNow = kNow;
  if (role == Role::kResponder) o.transportId = kClientId;
  return o;
}

std::string why(const Handshake& h) {
  return h.state() == State::kFailed ? h.error().message : std::string("-");
}

bool finished(const Handshake& h) { return h.state() == State::kDone || h.state() == State::kFailed; }

// Moves bytes between the two until both finish, advancing virtual time when idle.
// dropFromResponder: how many responder datagrams are lost first.
void pump(Handshake& i, Handshake& r, Time& now, int dropFromResponder = 0) {
  for (int round = 0; round < 200 && !(finished(i) && finished(r)); ++round) {
    bool moved = false;
    while (auto o = i.pollOutput()) {
      moved = true;
      r.handle(now, *o);
      if (r.state() == State::kHelloVerify) {
        while (auto x = r.pollOutput()) i.handle(now, *x);
        r.resetForNextClient(now, kClientId, kNow);
      }
    }
    while (auto o = r.pollOutput()) {
      moved = true;
      if (dropFromResponder > 0) {
        --dropFromResponder;
        continue;
      }
      i.handle(now, *o);
    }
    if (!moved) {
      auto ti = i.nextTimeout(), tr = r.nextTimeout();
      Time next = now + seconds(1);
      if (ti) next = std::min(next, *ti);
      if (tr) next = std::min(next, *tr);
      now = std::max(now, next);
      i.handleTimeout(now);
      r.handleTimeout(now);
    }
  }
}

}  // namespace

TEST_CASE("handshake: DTLS with cookie exchange establishes matching secrets") {
  Time now;
  Handshake i(fx().alice, opts(Role::kInitiator, Carrier::kDatagram, "2/16"), now);
  Handshake r(fx().bob, opts(Role::kResponder, Carrier::kDatagram), now);
  pump(i, r, now);
  INFO("initiator: " << why(i) << " responder: " << why(r));
  REQUIRE(i.state() == State::kDone);
  REQUIRE(r.state() == State::kDone);
  CHECK(i.established().sendSecret == r.established().recvSecret);
  CHECK(i.established().recvSecret == r.established().sendSecret);
  CHECK(i.established().sendSecret != i.established().recvSecret);
  CHECK(i.established().peerCn == "2/16");
  CHECK(i.established().peerSerial == "c");
  CHECK(r.established().peerCn == "1/16");
  CHECK(r.established().peerSerial == "b");
}

TEST_CASE("handshake: TLS over a stream, data after the handshake is left over") {
  Time now;
  Handshake i(fx().alice, opts(Role::kInitiator, Carrier::kStream, "2/16"), now);
  HandshakeOptions ro = opts(Role::kResponder, Carrier::kStream);
  Handshake r(fx().bob, ro, now);
  // Stream: concatenate the server's output with trailing bytes in one chunk.
  for (int round = 0; round < 20 && !(finished(i) && finished(r)); ++round) {
    while (auto o = i.pollOutput()) r.handle(now, *o);
    Bytes chunk;
    while (auto o = r.pollOutput()) chunk.insert(chunk.end(), o->begin(), o->end());
    if (r.state() == State::kDone) chunk.push_back(0x40);
    if (!chunk.empty()) i.handle(now, chunk);
  }
  REQUIRE(i.state() == State::kDone);
  REQUIRE(r.state() == State::kDone);
  CHECK(i.established().sendSecret == r.established().recvSecret);
  CHECK(i.takeLeftover() == Bytes{0x40});
}

TEST_CASE("handshake: DTLS recovers from lost responder flights") {
  Time now;
  Handshake i(fx().alice, opts(Role::kInitiator, Carrier::kDatagram, "2/16"), now);
  Handshake r(fx().bob, opts(Role::kResponder, Carrier::kDatagram), now);
  pump(i, r, now, 2);
  CHECK(i.state() == State::kDone);
  CHECK(r.state() == State::kDone);
  CHECK(now > Time());  // a retransmission timer fired
}

TEST_CASE("handshake: the initiator refuses a responder with the wrong CN") {
  Time now;
  Handshake i(fx().alice, opts(Role::kInitiator, Carrier::kDatagram, "3/16"), now);
  Handshake r(fx().bob, opts(Role::kResponder, Carrier::kDatagram), now);
  pump(i, r, now);
  REQUIRE(i.state() == State::kFailed);
  CHECK(i.error().message.find("not the wanted peer 3/16") != std::string::npos);
  CHECK(r.state() != State::kDone);
}

TEST_CASE("handshake: a certificate from another CA is refused by both sides") {
  auto mallory = creds(fx().otherCa, 3, "2/16", 12);
  SECTION("responder from another CA") {
    Time now;
    Handshake i(fx().alice, opts(Role::kInitiator, Carrier::kDatagram, "2/16"), now);
    Handshake r(mallory, opts(Role::kResponder, Carrier::kDatagram), now);
    pump(i, r, now);
    REQUIRE(i.state() == State::kFailed);
    CHECK(i.error().code == Code::kCrypto);
    CHECK(r.state() != State::kDone);
  }
  SECTION("initiator from another CA") {
    // Mallory trusts the real CA (so she accepts the responder) but her own certificate
    // comes from another CA: the responder must refuse her.
    auto mkey = testKey(3);
    auto mcert = issue(fx().otherCa, mkey, "2/16", 12);
    auto spy = std::make_shared<Credentials>(fx().ca.cert.clone(), std::move(mcert),
                                             std::move(mkey));
    Time now;
    Handshake i(spy, opts(Role::kInitiator, Carrier::kStream, "1/16"), now);
    Handshake r(fx().alice, opts(Role::kResponder, Carrier::kStream), now);
    pump(i, r, now);
    REQUIRE(r.state() == State::kFailed);
    CHECK(r.error().code == Code::kCrypto);
    CHECK(r.error().message.find("issued by another CA") != std::string::npos);
    CHECK(i.state() != State::kDone);
  }
}

TEST_CASE("handshake: revoked serials are refused") {
  Time now;
  auto carol = creds(fx().ca, 4, "4/16", 0x44);
  carol->revoked = {"c"};  // bob's serial
  SECTION("initiator refuses a revoked responder") {
    Handshake i(carol, opts(Role::kInitiator, Carrier::kDatagram, "2/16"), now);
    Handshake r(fx().bob, opts(Role::kResponder, Carrier::kDatagram), now);
    pump(i, r, now);
    REQUIRE(i.state() == State::kFailed);
    CHECK(i.error().message.find("revoked") != std::string::npos);
  }
  SECTION("responder refuses a revoked initiator") {
    Handshake i(fx().bob, opts(Role::kInitiator, Carrier::kDatagram, "4/16"), now);
    Handshake r(carol, opts(Role::kResponder, Carrier::kDatagram), now);
    pump(i, r, now);
    REQUIRE(r.state() == State::kFailed);
    CHECK(r.error().message.find("revoked") != std::string::npos);
    CHECK(i.state() != State::kDone);
  }
}

TEST_CASE("handshake: expired and not-yet-valid certificates are refused") {
  Time now;
  auto old = creds(fx().ca, 5, "5/16", 0x55, kNow - 3 * 86400, kNow - 86400);
  Handshake i(fx().alice, opts(Role::kInitiator, Carrier::kDatagram, "5/16"), now);
  Handshake r(old, opts(Role::kResponder, Carrier::kDatagram), now);
  pump(i, r, now);
  REQUIRE(i.state() == State::kFailed);
  CHECK(i.error().message.find("expired") != std::string::npos);

  Time now2;
  HandshakeOptions early = opts(Role::kInitiator, Carrier::kDatagram, "2/16");
  early.wallNow = kNow - 2 * 86400;  // before bob's notBefore
  Handshake i2(fx().alice, early, now2);
  Handshake r2(fx().bob, opts(Role::kResponder, Carrier::kDatagram), now2);
  pump(i2, r2, now2);
  REQUIRE(i2.state() == State::kFailed);
  CHECK(i2.error().message.find("not yet valid") != std::string::npos);
}

TEST_CASE("handshake: no answer fails after the timeout") {
  Time now;
  HandshakeOptions o = opts(Role::kInitiator, Carrier::kDatagram, "2/16");
  o.timeout = seconds(5);
  Handshake i(fx().alice, o, now);
  int sent = 0;
  for (int k = 0; k < 100 && i.state() == State::kRunning; ++k) {
    while (i.pollOutput()) ++sent;
    auto t = i.nextTimeout();
    REQUIRE(t);
    now = *t;
    i.handleTimeout(now);
  }
  CHECK(i.state() == State::kFailed);
  CHECK(i.error().code == Code::kTimeout);
  CHECK(now == Time() + seconds(5));
  CHECK(sent >= 3);  // ClientHello retransmitted
}

TEST_CASE("handshake: the responder gate answers spoofed hellos statelessly and survives garbage") {
  Time now;
  Handshake gate(fx().bob, opts(Role::kResponder, Carrier::kDatagram), now);
  // ClientHellos "from" many addresses: each gets a HelloVerifyRequest, nothing more.
  for (int k = 0; k < 50; ++k) {
    Handshake spoof(fx().alice, opts(Role::kInitiator, Carrier::kDatagram, "2/16"), now);
    auto hello = spoof.pollOutput();
    REQUIRE(hello);
    gate.handle(now, *hello);
    REQUIRE(gate.state() == State::kHelloVerify);
    auto hvr = gate.pollOutput();
    REQUIRE(hvr);
    CHECK(hvr->size() < hello->size());  // no amplification
    CHECK_FALSE(gate.pollOutput());
    gate.resetForNextClient(now, toBytes("spoof" + std::to_string(k)), kNow);
  }
  // Garbage: fails cleanly, and a reset gate still completes a real handshake.
  gate.handle(now, toBytes("\x16\xfe\xfd garbage that is not a record"));
  gate.resetForNextClient(now, kClientId, kNow);
  Handshake i(fx().alice, opts(Role::kInitiator, Carrier::kDatagram, "2/16"), now);
  pump(i, gate, now);
  CHECK(i.state() == State::kDone);
  CHECK(gate.state() == State::kDone);
}
