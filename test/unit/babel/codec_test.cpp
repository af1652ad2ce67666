// Babel codec: known bytes (babeld's packet from TESTING-NOTES), round trips of every
// TLV, prefix compression, Router-Id/Next-Hop state and one case per malformed input.
#include <catch2/catch.hpp>

#include <string>

#include "re6st/babel/codec.h"

using namespace re6st;
using namespace re6st::babel;

namespace {

Ipv6 ip(const char* s) { return *parseIpv6(s); }
Prefix pfx(const char* s) { return *parsePrefix(s); }
Bytes hex(const char* s) {
  Bytes b;
  REQUIRE(fromHex(s, b));
  return b;
}
const Ipv6 kSrc = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x98, 0x89, 0x7a, 0xff, 0xfe, 0xcf, 0x02, 0x85};

ParsedPacket parse(const Bytes& b) {
  auto r = parsePacket(b, kSrc);
  REQUIRE(r.ok());
  return *r;
}

}  // namespace

TEST_CASE("babel codec: parses babeld's Hello + wildcard request + PC packet") {
  Bytes b = hex("2a020020040c00001e7f006403047445d75b09020000110c00000000d56cf9c12bdc1818");
  ParsedPacket p = parse(b);
  REQUIRE(p.tlvs.size() == 3);
  auto& h = std::get<Hello>(p.tlvs[0]);
  CHECK(h.seqno == 0x1e7f);
  CHECK(h.interval == 100);
  REQUIRE(h.timestamp);
  CHECK(*h.timestamp == 0x7445d75b);
  auto& q = std::get<RouteReq>(p.tlvs[1]);
  CHECK(q.ae == kAeWildcard);
  auto& pc = std::get<PacketCounter>(p.tlvs[2]);
  CHECK(pc.pc == 0);
  CHECK(toHex(pc.index) == "d56cf9c12bdc1818");
  CHECK(p.bodyEnd == b.size());
  CHECK(p.ignored == 0);
}

TEST_CASE("babel codec: writer reproduces babeld's packet byte for byte") {
  PacketWriter w;
  Hello h;
  h.seqno = 0x1e7f;
  h.interval = 100;
  h.timestamp = 0x7445d75b;
  w.hello(h);
  w.routeReq(RouteReq{kAeWildcard, {}, {}});
  w.packetCounter(PacketCounter{0, hex("d56cf9c12bdc1818")});
  CHECK(toHex(w.finish()) ==
        "2a020020040c00001e7f006403047445d75b09020000110c00000000d56cf9c12bdc1818");
}

TEST_CASE("babel codec: every TLV round-trips") {
  PacketWriter w;
  w.ackReq(AckReq{0x1234, 200});
  w.ack(Ack{0x4321});
  Ihu ihu;
  ihu.rxcost = 96;
  ihu.interval = 1200;
  ihu.address = ip("fe80::1:2:3:4");
  ihu.timestamp = std::make_pair(11u, 22u);
  w.ihu(ihu);
  Update u;
  u.dst = pfx("2001:db8:42:1::/64");
  u.src = pfx("2001:db8:42::/48");
  u.metric = 300;
  u.seqno = 65535;
  u.interval = 1600;
  u.routerId = {1, 2, 3, 4, 5, 6, 7, 8};
  w.update(u);
  SeqnoReq sq;
  sq.dst = pfx("2001:db8:42:1::/64");
  sq.seqno = 7;
  sq.hopCount = 64;
  sq.routerId = u.routerId;
  w.seqnoReq(sq);
  w.routeReq(RouteReq{kAeIpv6, pfx("2001:db8::/32"), {}});
  w.challengeReq(ChallengeReq{hex("0011223344556677")});
  w.challengeReply(ChallengeReply{hex("8899")});
  w.pad(1);
  w.pad(5);
  ParsedPacket p = parse(w.finish());
  REQUIRE(p.tlvs.size() == 8);
  CHECK(std::get<AckReq>(p.tlvs[0]).opaque == 0x1234);
  CHECK(std::get<AckReq>(p.tlvs[0]).interval == 200);
  CHECK(std::get<Ack>(p.tlvs[1]).opaque == 0x4321);
  auto& i = std::get<Ihu>(p.tlvs[2]);
  CHECK(i.ae == kAeLinkLocal);
  CHECK(i.address == ihu.address);
  CHECK(i.timestamp == ihu.timestamp);
  auto& pu = std::get<Update>(p.tlvs[3]);
  CHECK(pu.dst == u.dst);
  CHECK(pu.src == u.src);
  CHECK(pu.metric == 300);
  CHECK(pu.seqno == 65535);
  CHECK(pu.routerId == u.routerId);
  CHECK(pu.nexthop == kSrc);  // no Next Hop TLV: the packet source
  auto& ps = std::get<SeqnoReq>(p.tlvs[4]);
  CHECK(ps.dst == sq.dst);
  CHECK(ps.hopCount == 64);
  CHECK(ps.routerId == sq.routerId);
  CHECK(std::get<RouteReq>(p.tlvs[5]).dst == pfx("2001:db8::/32"));
  CHECK(toHex(std::get<ChallengeReq>(p.tlvs[6]).nonce) == "0011223344556677");
  CHECK(toHex(std::get<ChallengeReply>(p.tlvs[7]).nonce) == "8899");
}

TEST_CASE("babel codec: prefix compression shares leading bytes and decodes back") {
  PacketWriter w;
  std::vector<Prefix> ps = {pfx("2001:db8:42:1::/64"), pfx("2001:db8:42:2::/64"),
                            pfx("2001:db8:42:2:8000::/65"), pfx("2001:db9::/32"),
                            pfx("::/0"), pfx("2001:db8:42:2::1/128")};
  Update u;
  u.routerId = {9, 9, 9, 9, 9, 9, 9, 9};
  u.metric = 96;
  for (const Prefix& p : ps) {
    u.dst = p;
    w.update(u);
  }
  Bytes b = w.finish();
  // One Router-Id TLV (12) + 6 updates: smaller than with every prefix byte written out.
  CHECK(b.size() < 4 + 12 + 6 * 12 + (8 + 8 + 9 + 4 + 0 + 16));
  ParsedPacket p = parse(b);
  REQUIRE(p.tlvs.size() == ps.size());
  for (size_t k = 0; k < ps.size(); ++k) CHECK(std::get<Update>(p.tlvs[k]).dst == ps[k]);
}

TEST_CASE("babel codec: Next Hop and Router-Id flag state apply to later updates") {
  // Next Hop AE 3 (fe80::aa), then an update with the router-id flag (id = last 8 bytes).
  Writer raw;
  raw.u8(42); raw.u8(2); raw.u16(0);
  raw.u8(kNextHop); raw.u8(10); raw.u8(kAeLinkLocal); raw.u8(0);
  raw.bytes(hex("00000000000000aa"));
  raw.u8(kUpdate); raw.u8(10 + 16); raw.u8(kAeIpv6); raw.u8(kFlagRouterId | kFlagDefaultPrefix);
  raw.u8(128); raw.u8(0); raw.u16(400); raw.u16(6); raw.u16(96);
  raw.bytes(hex("20010db8000000000102030405060708"));
  // Second update: compressed against the default prefix, 15 bytes omitted.
  raw.u8(kUpdate); raw.u8(10 + 1); raw.u8(kAeIpv6); raw.u8(0);
  raw.u8(128); raw.u8(15); raw.u16(400); raw.u16(6); raw.u16(96);
  raw.u8(0x09);
  Bytes out = raw.take();
  out[3] = uint8_t(out.size() - 4);
  ParsedPacket p = parse(out);
  REQUIRE(p.tlvs.size() == 2);
  auto& u1 = std::get<Update>(p.tlvs[0]);
  CHECK(u1.nexthop == ip("fe80::aa"));
  CHECK(u1.routerId == RouterId{1, 2, 3, 4, 5, 6, 7, 8});
  auto& u2 = std::get<Update>(p.tlvs[1]);
  CHECK(u2.dst == pfx("2001:db8::102:304:506:709/128"));
  CHECK(u2.routerId == RouterId{1, 2, 3, 4, 5, 6, 7, 8});
}

TEST_CASE("babel codec: malformed packets are rejected with an error") {
  CHECK_FALSE(parsePacket(hex(""), kSrc).ok());
  CHECK_FALSE(parsePacket(hex("2a02"), kSrc).ok());
  CHECK_FALSE(parsePacket(hex("2b020000"), kSrc).ok());          // bad magic
  CHECK(parsePacket(hex("2a030000"), kSrc).error().code == Code::kUnsupported);
  CHECK_FALSE(parsePacket(hex("2a020008040c0000"), kSrc).ok());  // body past the end
  CHECK_FALSE(parsePacket(hex("2a020004040c0000"), kSrc).ok());  // TLV past the body
  CHECK_FALSE(parsePacket(hex("2a0200001003aa"), kSrc).ok());    // truncated trailer MAC
  CHECK(parsePacket(hex("2a020000"), kSrc).ok());                // empty is fine
}

TEST_CASE("babel codec: malformed single TLVs are ignored, the rest is kept") {
  auto ignored = [](const char* body) {
    Bytes b = hex(body);
    Bytes pkt = {42, 2, 0, uint8_t(b.size())};
    pkt.insert(pkt.end(), b.begin(), b.end());
    auto r = parsePacket(pkt, kSrc);
    REQUIRE(r.ok());
    CHECK(r->tlvs.empty());
    return r->ignored;
  };
  CHECK(ignored("0401ff") == 1);                                // Hello too short
  CHECK(ignored("0a0e0281000040000102030405060708") == 1);      // seqno request, plen 129
  CHECK(ignored("080a0200810000000000ffff") == 1);              // update, plen 129
  CHECK(ignored("08120200400000000000006020010db800000000") == 1);  // no Router-Id yet
  CHECK(ignored("080a00000000000000000060") == 1);              // AE 0, finite metric
  CHECK(ignored("7f00") == 1);                                  // unknown TLV type
  CHECK(ignored("060a00000000000000000000") == 1);              // all-zero router-id
  // Hello with an unknown mandatory sub-TLV (type >= 128): the whole TLV is ignored.
  CHECK(ignored("04080000000100648500") == 1);
  // Update compressed against a default prefix that was never set.
  CHECK(ignored("060a000001020304050607080810020040020000000000600a0b0c0d0e0f") == 1);
  // Challenge nonce longer than 192 bytes (RFC 8967 §4.3).
  CHECK(ignored(("12c1" + std::string(193 * 2, 'a')).c_str()) == 1);
}

TEST_CASE("babel codec: source-specific sub-TLV round trips in requests (RFC 9079)") {
  PacketWriter w;
  w.routeReq(RouteReq{kAeIpv6, pfx("::/0"), pfx("2001:db8:42::/48")});
  ParsedPacket p = parse(w.finish());
  REQUIRE(p.tlvs.size() == 1);
  auto& q = std::get<RouteReq>(p.tlvs[0]);
  CHECK(q.ae == kAeIpv6);
  CHECK(q.dst == pfx("::/0"));
  CHECK(q.src == pfx("2001:db8:42::/48"));
}

TEST_CASE("babel codec: IPv4 updates as AE 1 with a Next Hop TLV, or AE 4 (RFC 9229)") {
  auto v4 = [](uint8_t a, uint8_t b, uint8_t c, uint8_t d, int len) {
    return Prefix{Ipv6{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a, b, c, d}, 96 + len};
  };
  Ipv6 nh = v4(198, 18, 1, 1, 32).addr;
  PacketWriter w;
  Update u;
  u.ae = kAeIpv4;
  u.metric = 96;
  u.seqno = 3;
  u.interval = 400;
  u.routerId = {1, 2, 3, 4, 5, 6, 7, 8};
  u.nexthop = nh;
  u.dst = v4(198, 18, 1, 0, 24);
  w.update(u);
  size_t afterFirst = w.size();
  u.dst = v4(10, 0, 0, 0, 8);
  w.update(u);  // same next hop: no second Next Hop TLV
  CHECK(w.size() - afterFirst == 2 + 10 + 1);
  u.ae = kAeV4viaV6;
  u.dst = v4(198, 18, 2, 0, 24);
  w.update(u);
  Bytes b = w.finish();
  // Router-Id, Next Hop AE 1 (198.18.1.1), Update AE 1 198.18.1.0/24.
  CHECK(toHex(ByteSpan(b).subspan(16, 8)) == "07060100c6120101");
  ParsedPacket p = parse(b);
  REQUIRE(p.tlvs.size() == 3);
  auto& a = std::get<Update>(p.tlvs[0]);
  CHECK(a.ae == kAeIpv4);
  CHECK(a.dst == v4(198, 18, 1, 0, 24));
  CHECK(a.nexthop == nh);
  CHECK(std::get<Update>(p.tlvs[1]).dst == v4(10, 0, 0, 0, 8));
  auto& c = std::get<Update>(p.tlvs[2]);
  CHECK(c.ae == kAeV4viaV6);
  CHECK(c.dst == v4(198, 18, 2, 0, 24));
  CHECK(c.nexthop == kSrc);  // v4-via-v6: the IPv6 next hop, here the packet's source
  CHECK(c.routerId == RouterId{1, 2, 3, 4, 5, 6, 7, 8});
  CHECK(isV4Prefix(c.dst));
}

TEST_CASE("babel codec: IPv4 next hop rules and the IPv4 router-id flag") {
  auto one = [](const char* body) {
    Bytes b = hex(body);
    Bytes pkt = {42, 2, 0, uint8_t(b.size())};
    pkt.insert(pkt.end(), b.begin(), b.end());
    auto r = parsePacket(pkt, kSrc);
    REQUIRE(r.ok());
    return *r;
  };
  // AE 1 with a finite metric and no IPv4 Next Hop: ignored (§4.6.9).
  CHECK(one("060a00000102030405060708" "080d01001800006400010060c61201").ignored == 1);
  // AE 1 retraction without a Next Hop: kept (babeld accepts it too).
  auto r = one("080d0100180000640001ffffc61201");
  REQUIRE(r.tlvs.size() == 1);
  CHECK(std::get<Update>(r.tlvs[0]).metric == kInfinity);
  // AE 1 with the router-id flag: the id is the IPv4 address zero-extended (babeld).
  auto f = one("07060100c6120101" "080e01402000006400010060c6120105");
  REQUIRE(f.tlvs.size() == 1);
  CHECK(std::get<Update>(f.tlvs[0]).routerId == RouterId{0, 0, 0, 0, 198, 18, 1, 5});
  // Next Hop with AE 4 carries no address: ignored; AE 4 in a request reads as AE 1.
  CHECK(one("07020400").ignored == 1);
  auto q = one("0906041ac0a80100");
  REQUIRE(q.tlvs.size() == 1);
  CHECK(std::get<RouteReq>(q.tlvs[0]).ae == kAeIpv4);
}
