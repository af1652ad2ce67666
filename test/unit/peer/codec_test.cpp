// Peer protocol codec: known vectors (RFC 2202 HMAC-SHA1, re6stnet's packed integers in
// hello frames), round trips and one case per malformed input.
#include <catch2/catch.hpp>

#include "re6st/base/prefix.h"
#include "re6st/peer/codec.h"

using namespace re6st;
using namespace re6st::peer;

TEST_CASE("hmacSha1 matches RFC 2202 vectors", "[peer][codec]") {
  CHECK(toHex(hmacSha1(Bytes(20, 0x0b), asBytes("Hi There"))) ==
        "b617318655057264e28bc0b6fb378c8ef146be00");
  CHECK(toHex(hmacSha1(asBytes("Jefe"), asBytes("what do ya want for nothing?"))) ==
        "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
}

TEST_CASE("a datagram of 4 bytes or less is refused", "[peer][codec]") {
  CHECK_FALSE(parseFrame(Bytes{0, 0, 0, 3}).ok());
  CHECK_FALSE(parseFrame(Bytes{}).ok());
  auto f = parseFrame(Bytes{0, 0, 1, 2, 9});
  REQUIRE(f.ok());
  CHECK(f->seqno == 258);
  CHECK(f->body.size() == 1);
}

TEST_CASE("hello0 with fingerprint carries the packed protocol", "[peer][codec]") {
  Bytes fp(20, 0xaa);
  Bytes cert = {0x30, 0x82, 1, 2, 3};
  Bytes pkt = encodeHello0(fp, cert);
  // seqno 1, packInteger(10) = 0x0a, fingerprint, certificate.
  CHECK(toHex(ByteSpan(pkt).first(5)) == "000000010a");
  auto f = parseFrame(pkt);
  REQUIRE(f.ok());
  auto h = parseHello0(*f);
  REQUIRE(h.ok());
  CHECK(h->protocol == kProtocol);
  CHECK(*h->fingerprint == fp);
  CHECK(Bytes(h->certificate.begin(), h->certificate.end()) == cert);

  Bytes bare = encodeHello0(std::nullopt, cert);
  CHECK(toHex(ByteSpan(bare).first(4)) == "00000000");
  auto h0 = parseHello0(*parseFrame(bare));
  REQUIRE(h0.ok());
  CHECK_FALSE(h0->fingerprint);
  CHECK(h0->protocol == 0);
}

TEST_CASE("hello0 from a peer older than the protocol field parses without it",
          "[peer][codec]") {
  Bytes pkt = {0, 0, 0, 1};
  pkt.insert(pkt.end(), 20, 0x11);
  pkt.push_back(0x30);
  auto f = parseFrame(pkt);
  auto old = parseHello0(*f, false);
  REQUIRE(old.ok());
  CHECK(old->fingerprint->at(0) == 0x11);
  CHECK(old->certificate.size() == 1);
  // With the protocol field, 0x11 = 17 is read as protocol and the rest is too short.
  CHECK_FALSE(parseHello0(*f, true).ok());
}

TEST_CASE("truncated hello0 are refused", "[peer][codec]") {
  Bytes noCert = {0, 0, 0, 1, 7};
  noCert.insert(noCert.end(), 20, 1);
  CHECK_FALSE(parseHello0(*parseFrame(noCert)).ok());
  Bytes shortFp = {0, 0, 0, 1, 7, 1, 2, 3};
  CHECK_FALSE(parseHello0(*parseFrame(shortFp)).ok());
  Bytes badInt = {0, 0, 0, 1, 0xe0};  // packed integer announcing 7 more bytes
  CHECK_FALSE(parseHello0(*parseFrame(badInt)).ok());
  CHECK_FALSE(parseHello0(*parseFrame(Bytes{0, 0, 0, 2, 1})).ok());
}

TEST_CASE("hello splits secret and signature in halves", "[peer][codec]") {
  Bytes x(256, 1), sig(256, 2);
  Bytes pkt = encodeHello(true, x, sig);
  CHECK(pkt.size() == 4 + 1 + 512);
  auto h = parseHello(*parseFrame(pkt));
  REQUIRE(h.ok());
  CHECK(h->protocol == kProtocol);
  CHECK(h->encryptedSecret.size() == 256);
  CHECK(h->signature[0] == 2);
  Bytes oldPkt = encodeHello(false, x, sig);  // the parsed views point into it
  auto old = parseHello(*parseFrame(oldPkt), false);
  REQUIRE(old.ok());
  CHECK(old->encryptedSecret[255] == 1);
  // An odd body cannot be split.
  CHECK_FALSE(parseHello(*parseFrame(encodeHello(false, x, Bytes(255, 2))), false).ok());
}

TEST_CASE("sealed messages round trip and reject any altered byte", "[peer][codec]") {
  Bytes key(20, 0x42);
  Bytes payload = {kAddress};
  Bytes pkt = seal(key, 3, payload);
  CHECK(pkt.size() == 4 + 1 + kHmacLen);
  CHECK(toHex(ByteSpan(pkt).first(5)) == "0000000301");
  // The trailer is HMAC-SHA1 over seqno || payload.
  CHECK(Bytes(pkt.end() - 20, pkt.end()) == hmacSha1(key, ByteSpan(pkt).first(5)));
  auto back = unseal(key, pkt);
  REQUIRE(back.ok());
  CHECK(*back == payload);
  for (size_t i = 0; i < pkt.size(); ++i) {
    Bytes bad = pkt;
    bad[i] ^= 0x01;
    auto r = unseal(key, bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == Code::kCrypto);
  }
  CHECK_FALSE(unseal(Bytes(20, 0x43), pkt).ok());
  CHECK_FALSE(unseal(key, ByteSpan(pkt).first(23)).ok());
  auto empty = unseal(key, seal(key, 9, {}));
  REQUIRE(empty.ok());
  CHECK(empty->empty());
}

TEST_CASE("secrets grow with time", "[peer][codec]") {
  SeededRandom rnd(1);
  Bytes a = newSecret(1'700'000'000'000'000, rnd);
  Bytes b = newSecret(1'700'000'000'000'001, rnd);
  CHECK(a.size() == kHmacLen);
  CHECK(a < b);
}

TEST_CASE("address lists parse like re6stnet's parse_address", "[peer][codec]") {
  auto l = parseAddressList("198.18.0.1,1194,udp;198.18.0.1,1194,tcp,FR;bad;1.2.3.4,x,udp");
  REQUIRE(l.ok());
  REQUIRE(l->size() == 2);
  CHECK((*l)[0] == Address{"198.18.0.1", 1194, "udp", ""});
  CHECK((*l)[1].country == "FR");
  CHECK(formatAddressList(*l) == "198.18.0.1,1194,udp;198.18.0.1,1194,tcp,FR");
  CHECK(formatAddressList(*l, false) == "198.18.0.1,1194,udp;198.18.0.1,1194,tcp");
  CHECK_FALSE(parseAddressList("").ok());
  CHECK_FALSE(parseAddressList("a,70000,udp").ok());
  CHECK_FALSE(parseAddressList("a,1,u dp").ok());
  CHECK_FALSE(parseAddressList("a,,udp").ok());
  CHECK_FALSE(parseAddressList("a,1,udp,FR,x").ok());
}

TEST_CASE("relay frames between the registry and its node", "[peer][codec]") {
  Relay r{"0101", kTopology, toBytes("x")};
  Bytes b = encodeRelay(r);
  CHECK(asString(b) == std::string("0101\0\5x", 7));
  auto back = parseRelay(b);
  REQUIRE(back.ok());
  CHECK(back->prefix == "0101");
  CHECK(back->code == kTopology);
  CHECK(asString(back->data) == "x");
  CHECK_FALSE(parseRelay(asBytes(std::string_view("\0\5", 2))).ok());   // no prefix
  CHECK_FALSE(parseRelay(asBytes(std::string_view("012\0\5", 5))).ok()); // not bits
  CHECK_FALSE(parseRelay(asBytes(std::string_view("01\0", 3))).ok());    // no code
  CHECK_FALSE(parseRelay(asBytes("0101")).ok());
}
