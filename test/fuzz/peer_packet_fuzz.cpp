// Fuzz target for the peer protocol (UDP 326) decoders: the codec parsers on raw bytes,
// and a real Protocol core fed hostile datagrams from a network peer, from ::1 (relay
// frames), and as payloads sealed inside an established session (so _processPacket's
// code handling is reached). First byte selects the mode. Must never crash or hang.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "re6st/base/prefix.h"
#include "re6st/crypto/ca.h"
#include "re6st/peer/codec.h"
#include "re6st/peer/protocol.h"

using namespace re6st;

namespace {

constexpr int64_t kWall = 1'750'000'000;

crypto::PrivateKey key() {
  auto k = crypto::PrivateKey::generateRsa(1024);
  if (!k) abort();
  return std::move(*k);
}

crypto::CertSpec spec(std::string cn, uint64_t serial) {
  crypto::CertSpec s;
  s.subject = {{"CN", std::move(cn)}, {"serialNumber", "1"}};
  s.serial = crypto::serialFromU128(serial);
  s.not_before = kWall - 86400;
  s.not_after = kWall + 86400;
  return s;
}

struct World {
  crypto::PrivateKey caKey = key();
  crypto::Certificate ca = crypto::createCaCertificate(caKey, spec("ca", 0x120010db80042ULL)).value();
  SeededRandom random{1};
  Time now = Time() + seconds(10);
  std::unique_ptr<peer::Protocol> a, b;

  peer::Identity node(unsigned n) {
    crypto::PrivateKey k = key();
    auto c = crypto::issueCertificate(ca, caKey, *k.publicKey(), spec(std::to_string(n) + "/16", n));
    return {ca.clone(), std::move(c.value()), std::move(k)};
  }

  World() {
    peer::ProtocolConfig c;
    c.registryPrefix = bitsFrom(1);
    c.addresses = "198.18.0.1,1194,udp";
    Bytes v = packInteger(1);
    Bytes sig = caKey.signSha512(v).value();
    v.insert(v.end(), sig.begin(), sig.end());
    c.version = v;
    a = std::move(peer::Protocol::create(node(1), c, random, now, kWall * 1'000'000).value());
    b = std::move(peer::Protocol::create(node(2), c, random, now, kWall * 1'000'000).value());
    a->setTopology([] { return std::string("0"); });
    b->send(now, a->prefix(), std::nullopt);
    pump();
    if (!b->connected(now, a->prefix())) abort();
  }

  static std::string bitsFrom(unsigned n) {
    std::string s(16, '0');
    for (int i = 0; i < 16; ++i) s[size_t(15 - i)] = char('0' + (n >> i & 1));
    return s;
  }

  // Delivers datagrams between a and b until both are quiet.
  void pump() {
    for (int rounds = 0; rounds < 64; ++rounds) {
      bool busy = false;
      for (auto* p : {a.get(), b.get()}) {
        peer::Protocol* other = p == a.get() ? b.get() : a.get();
        while (auto act = p->pollAction()) {
          auto* s = std::get_if<peer::SendTo>(&*act);
          if (!s || s->to.ip == peer::kLoopback) continue;
          busy = true;
          peer::Endpoint from{nodeIp(p->network(), p->prefix()).value()};
          other->handle(now, from, s->data);
        }
      }
      if (!busy) return;
    }
  }
};

World& world() {
  static World* w = new World();  // reachable for the whole run: not a leak
  return *w;
}

void codecOnly(ByteSpan data) {
  if (auto f = peer::parseFrame(data)) {
    (void)peer::parseHello0(*f, true);
    (void)peer::parseHello0(*f, false);
    (void)peer::parseHello(*f, true);
    (void)peer::parseHello(*f, false);
  }
  (void)peer::unseal(Bytes(20, 7), data);
  (void)peer::parseRelay(data);
  (void)peer::parseAddressList(asString(data));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  ByteSpan rest(data + 2, size - 2);
  World& w = world();
  w.now += milliseconds(1);
  switch (data[0] % 4) {
    case 0:
      codecOnly(rest);
      break;
    case 1: {  // from a node of the network: prefix chosen by the second byte
      peer::Endpoint from{nodeIp(w.a->network(), World::bitsFrom(data[1] % 8)).value()};
      w.a->handle(w.now, from, rest);
      break;
    }
    case 2:
      w.a->handle(w.now, peer::Endpoint{peer::kLoopback, 4000}, rest);
      break;
    case 3:  // any payload inside a valid session
      if (!rest.empty()) w.b->send(w.now, w.a->prefix(), rest);
      break;
  }
  w.pump();
  while (w.a->pollAction()) {
  }
  while (w.b->pollAction()) {
  }
  // Keep the session alive for mode 3 (a lost session would only re-handshake).
  if (!w.b->connected(w.now, w.a->prefix())) {
    w.b->send(w.now, w.a->prefix(), std::nullopt);
    w.pump();
  }
  return 0;
}
