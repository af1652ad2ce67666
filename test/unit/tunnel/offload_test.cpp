// TUN offloads (re6st/tunnel/offload.h): TSO packets split into segments whose every
// length and checksum is checked against a naive RFC 1071 sum; coalesce-then-split
// gives back the original segments; broken vnet headers are refused; packets that may
// not merge (other protocols, out of order, PSH, corrupt) pass through untouched.
#include <catch2/catch.hpp>

#include <cstring>

#include "re6st/tunnel/offload.h"

using namespace re6st;
using namespace re6st::tunnel;

namespace {

uint16_t naiveSum(const Bytes& b, size_t from, size_t to, uint32_t sum = 0) {
  for (size_t i = from; i < to; i += 2) sum += uint32_t(b[i] << 8 | (i + 1 < to ? b[i + 1] : 0));
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return uint16_t(sum);
}

uint32_t naivePseudo(const Bytes& p, uint8_t proto, size_t l4) {
  bool v4 = (p[0] >> 4) == 4;
  uint32_t s = v4 ? naiveSum(p, 12, 20) : naiveSum(p, 8, 40);
  return s + proto + uint32_t(l4 >> 16) + uint32_t(l4 & 0xffff);
}

size_t ipLenOf(const Bytes& p) { return (p[0] >> 4) == 4 ? size_t(p[0] & 15) * 4 : 40; }

// A checksum verifies when the sum over everything (field included) is 0xffff.
bool l4ChecksumOk(const Bytes& p, uint8_t proto) {
  size_t ip = ipLenOf(p);
  return naiveSum(p, ip, p.size(), naivePseudo(p, proto, p.size() - ip)) == 0xffff;
}

uint16_t be16(const Bytes& p, size_t at) { return uint16_t(p[at] << 8 | p[at + 1]); }
uint32_t be32(const Bytes& p, size_t at) { return uint32_t(be16(p, at)) << 16 | be16(p, at + 2); }

// An IP + TCP packet (TCP header with 12 bytes of timestamp-like options) with a
// complete checksum, or with the pseudo-header sum only (partial, as for TSO).
Bytes tcpPacket(bool v4, uint32_t seq, size_t payload, uint8_t flags, uint8_t fill = 0,
                bool partial = false, uint16_t srcPort = 4000) {
  size_t ip = v4 ? 20 : 40, tcp = 32;
  Bytes p(ip + tcp + payload, 0);
  if (v4) {
    p[0] = 0x45;
    p[2] = uint8_t(p.size() >> 8), p[3] = uint8_t(p.size());
    p[4] = 0x12, p[5] = 0x34;  // id
    p[6] = 0x40;                // DF
    p[8] = 64, p[9] = 6;
    for (int i = 0; i < 4; ++i) p[12 + i] = uint8_t(198 + i), p[16 + i] = uint8_t(10 + i);
    uint16_t c = uint16_t(~naiveSum(p, 0, 20));
    p[10] = uint8_t(c >> 8), p[11] = uint8_t(c);
  } else {
    p[0] = 0x60;
    p[4] = uint8_t((p.size() - 40) >> 8), p[5] = uint8_t(p.size() - 40);
    p[6] = 6, p[7] = 64;
    for (int i = 0; i < 16; ++i) p[8 + i] = uint8_t(0x20 + i), p[24 + i] = uint8_t(0x40 + i);
  }
  uint8_t* t = p.data() + ip;
  t[0] = uint8_t(srcPort >> 8), t[1] = uint8_t(srcPort), t[2] = 0x14, t[3] = 0x51;
  for (int i = 0; i < 4; ++i) t[4 + i] = uint8_t(seq >> (24 - 8 * i));
  t[8] = 0xaa, t[11] = 0x01;  // ack
  t[12] = uint8_t((tcp / 4) << 4);
  t[13] = flags;
  t[14] = 0x01, t[15] = 0xf6;  // window
  t[20] = 1, t[21] = 1, t[22] = 8, t[23] = 10, t[27] = 7, t[31] = 9;  // NOP NOP TS
  for (size_t i = 0; i < payload; ++i) p[ip + tcp + i] = uint8_t(fill + i * 7);
  uint32_t pseudo = naivePseudo(p, 6, p.size() - ip);
  uint16_t c = partial ? naiveSum(p, 0, 0, pseudo) : uint16_t(~naiveSum(p, ip, p.size(), pseudo));
  t[16] = uint8_t(c >> 8), t[17] = uint8_t(c);
  return p;
}

VnetHdr tsoHeader(bool v4, uint16_t mss) {
  VnetHdr h;
  h.flags = VnetHdr::kNeedsCsum;
  h.gsoType = v4 ? VnetHdr::kGsoTcpV4 : VnetHdr::kGsoTcpV6;
  h.gsoSize = mss;
  h.csumStart = v4 ? 20 : 40;
  h.csumOffset = 16;
  h.hdrLen = uint16_t(h.csumStart + 32);
  return h;
}

// The IPv4 id a sender gives its k-th segment (splitting reproduces id + k).
Bytes withId(Bytes p, uint16_t id) {
  p[4] = uint8_t(id >> 8), p[5] = uint8_t(id), p[10] = p[11] = 0;
  uint16_t c = uint16_t(~naiveSum(p, 0, 20));
  p[10] = uint8_t(c >> 8), p[11] = uint8_t(c);
  return p;
}

std::pair<VnetHdr, Bytes> unframe(const Bytes& frame) {
  REQUIRE(frame.size() >= kVnetHdrSize);
  return {VnetHdr::decode(frame.data()), Bytes(frame.begin() + kVnetHdrSize, frame.end())};
}

}  // namespace

TEST_CASE("offload: checksum matches a naive RFC 1071 sum at every length") {
  Bytes b(3001);
  for (size_t i = 0; i < b.size(); ++i) b[i] = uint8_t(i * 131 + 17);
  for (size_t n : {0, 1, 2, 3, 7, 8, 9, 15, 64, 1401, 3001}) {
    Bytes part(b.begin(), b.begin() + long(n));
    CHECK(csumFold(csumAdd(part)) == naiveSum(part, 0, n));
  }
}

TEST_CASE("offload: a TSO packet splits into MSS-sized segments with right headers") {
  for (bool v4 : {true, false}) {
    const size_t mss = 1348, payload = 5000;
    Bytes big = tcpPacket(v4, 0xfffff000, payload, 0x10 | 0x08 | 0x01 | 0x80, 3, true);
    auto segs = split(tsoHeader(v4, mss), big);
    REQUIRE(segs.ok());
    REQUIRE(segs->size() == 4);
    size_t ip = v4 ? 20 : 40, hdrs = ip + 32;
    Bytes joined;
    for (size_t k = 0; k < 4; ++k) {
      const Bytes& s = (*segs)[k];
      size_t want = std::min(mss, payload - k * mss);
      CHECK(s.size() == hdrs + want);
      if (v4) {
        CHECK(be16(s, 2) == s.size());
        CHECK(be16(s, 4) == 0x1234 + k);
        CHECK(naiveSum(s, 0, 20) == 0xffff);
      } else {
        CHECK(be16(s, 4) == s.size() - 40);
      }
      CHECK(be32(s, ip + 4) == uint32_t(0xfffff000u + k * mss));  // wraps past 2^32
      uint8_t f = s[ip + 13];
      CHECK(bool(f & 0x01) == (k == 3));  // FIN, PSH: last only
      CHECK(bool(f & 0x08) == (k == 3));
      CHECK(bool(f & 0x80) == (k == 0));  // CWR: first only
      CHECK(l4ChecksumOk(s, 6));
      joined.insert(joined.end(), s.begin() + long(hdrs), s.end());
    }
    CHECK(joined == Bytes(big.begin() + long(hdrs), big.end()));
  }
}

TEST_CASE("offload: IPv6 TSO past a Destination Options header; a Routing header refused") {
  Bytes big = tcpPacket(false, 10, 3000, 0x10, 9, true);
  // Insert an 8-byte Destination Options header (PadN) between IPv6 and TCP.
  Bytes ext = {6, 0, 1, 4, 0, 0, 0, 0};
  big.insert(big.begin() + 40, ext.begin(), ext.end());
  big[6] = 60;
  big[4] = uint8_t((big.size() - 40) >> 8), big[5] = uint8_t(big.size() - 40);
  VnetHdr h = tsoHeader(false, 1000);
  h.csumStart = 48;
  h.hdrLen = 48 + 32;
  auto segs = split(h, big);
  REQUIRE(segs.ok());
  REQUIRE(segs->size() == 3);
  for (const Bytes& s : *segs) {
    CHECK(be16(s, 4) == s.size() - 40);
    CHECK(Bytes(s.begin() + 40, s.begin() + 48) == ext);
    CHECK(naiveSum(s, 48, s.size(), naivePseudo(s, 6, s.size() - 48)) == 0xffff);
  }
  Bytes routed = big;
  routed[6] = 43;  // a Routing header would change the pseudo-header's destination
  CHECK(!split(h, routed).ok());
  VnetHdr wrongStart = h;
  wrongStart.csumStart = 40;
  CHECK(!split(wrongStart, big).ok());
}

TEST_CASE("offload: NEEDS_CSUM on a plain packet completes the checksum (UDP too)") {
  Bytes udp(40 + 8 + 101, 0);
  udp[0] = 0x60, udp[5] = 8 + 101, udp[6] = 17, udp[7] = 64;
  for (int i = 0; i < 16; ++i) udp[8 + i] = uint8_t(i), udp[24 + i] = uint8_t(0x80 | i);
  udp[40] = 0x12, udp[42] = 0x34, udp[45] = 8 + 101;
  for (size_t i = 48; i < udp.size(); ++i) udp[i] = uint8_t(i);
  uint16_t ps = naiveSum(udp, 0, 0, naivePseudo(udp, 17, 8 + 101));
  udp[46] = uint8_t(ps >> 8), udp[47] = uint8_t(ps);
  VnetHdr h;
  h.flags = VnetHdr::kNeedsCsum;
  h.csumStart = 40;
  h.csumOffset = 6;
  auto out = split(h, udp);
  REQUIRE(out.ok());
  REQUIRE(out->size() == 1);
  CHECK(l4ChecksumOk((*out)[0], 17));
  Bytes tcp = tcpPacket(false, 1, 700, 0x18, 0, true);
  auto t = split(tsoHeader(false, 1400), tcp);  // one segment only: still completed
  REQUIRE(t.ok());
  REQUIRE(t->size() == 1);
  CHECK(l4ChecksumOk((*t)[0], 6));
  CHECK(split(VnetHdr{}, udp).value()[0] == udp);  // no flags: unchanged
}

TEST_CASE("offload: hostile or broken vnet headers are refused") {
  Bytes big = tcpPacket(true, 1, 3000, 0x10, 0, true);
  auto refused = [&](VnetHdr h, const Bytes& p) { return !split(h, p).ok(); };
  VnetHdr h = tsoHeader(true, 1000);
  CHECK(split(h, big).ok());
  VnetHdr zero = h;
  zero.gsoSize = 0;
  CHECK(refused(zero, big));
  VnetHdr far = h;
  far.hdrLen = uint16_t(big.size() + 1);
  CHECK(refused(far, big));
  VnetHdr cs = h;
  cs.csumStart = uint16_t(big.size());
  CHECK(refused(cs, big));
  cs = h;
  cs.csumOffset = 200;
  CHECK(refused(cs, big));
  for (uint8_t type : {uint8_t(VnetHdr::kGsoUdp), uint8_t(2), uint8_t(5), uint8_t(0x7f),
                       uint8_t(VnetHdr::kGsoTcpV4 | VnetHdr::kGsoEcn)}) {
    VnetHdr u = h;
    u.gsoType = type;
    CHECK(refused(u, big));
  }
  CHECK(refused(tsoHeader(false, 1000), big));  // TCPV6 on an IPv4 packet
  Bytes cut(big.begin(), big.end() - 1);        // total length says more
  CHECK(refused(h, cut));
  Bytes udp = big;
  udp[9] = 17;
  CHECK(refused(h, udp));
  CHECK(refused(h, Bytes{}));
  Bytes tiny(big.begin(), big.begin() + 30);
  tiny[2] = 0, tiny[3] = 30;
  CHECK(refused(h, tiny));  // TCP header cut
  VnetHdr noCsum = h;
  noCsum.flags = 0;
  CHECK(refused(noCsum, big));
}

TEST_CASE("offload: coalescing consecutive segments then splitting gives them back") {
  for (bool v4 : {true, false}) {
    Bytes big = tcpPacket(v4, 77, 20000, 0x18, 5, true);
    auto segs = split(tsoHeader(v4, 1348), big);
    REQUIRE(segs.ok());
    auto frames = coalesce(*segs);
    REQUIRE(frames.size() == 1);
    auto [h, pkt] = unframe(frames[0]);
    CHECK(h.gsoType == (v4 ? VnetHdr::kGsoTcpV4 : VnetHdr::kGsoTcpV6));
    CHECK(h.gsoSize == 1348);
    CHECK(h.flags == VnetHdr::kNeedsCsum);
    CHECK(h.hdrLen == h.csumStart + 32);
    CHECK(pkt.size() == big.size());
    auto again = split(h, pkt);
    REQUIRE(again.ok());
    CHECK(*again == *segs);
  }
}

TEST_CASE("offload: non-TCP and out-of-order packets pass through untouched, in order") {
  Bytes icmp(40 + 8, 0);
  icmp[0] = 0x60, icmp[5] = 8, icmp[6] = 58, icmp[7] = 64;
  std::vector<Bytes> in = {
      tcpPacket(false, 1000, 500, 0x10, 1),  // seq 1000
      icmp,
      tcpPacket(false, 2000, 500, 0x10, 2),  // a gap: new run
      tcpPacket(false, 1500, 500, 0x10, 3),  // backwards: new run
      tcpPacket(false, 2000, 0, 0x10),       // pure ACK
      tcpPacket(false, 2500, 500, 0x12, 4),  // SYN+ACK flags: not mergeable
  };
  auto frames = coalesce(in);
  REQUIRE(frames.size() == in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    auto [h, pkt] = unframe(frames[i]);
    CHECK(h.gsoType == VnetHdr::kGsoNone);
    CHECK(h.flags == 0);
    CHECK(pkt == in[i]);
  }
}

TEST_CASE("offload: runs end at PSH, at a short segment and at a corrupt one") {
  std::vector<Bytes> in = {
      tcpPacket(true, 0, 1000, 0x10), withId(tcpPacket(true, 1000, 1000, 0x18), 0x1235),  // PSH
      tcpPacket(true, 2000, 1000, 0x10), withId(tcpPacket(true, 3000, 400, 0x10), 0x1235),  // short
      tcpPacket(true, 3400, 400, 0x10),                                     // new run
  };
  Bytes corrupt = tcpPacket(true, 3800, 400, 0x10);
  corrupt.back() ^= 1;
  in.push_back(corrupt);
  auto frames = coalesce(in);
  REQUIRE(frames.size() == 4);
  auto [h0, p0] = unframe(frames[0]);
  CHECK(h0.gsoType == VnetHdr::kGsoTcpV4);
  CHECK(p0[20 + 13] == 0x18);  // PSH kept on the merged packet
  auto s0 = split(h0, p0);
  REQUIRE(s0.ok());
  CHECK(*s0 == std::vector<Bytes>{in[0], in[1]});
  auto [h1, p1] = unframe(frames[1]);
  CHECK(split(h1, p1).value() == std::vector<Bytes>{in[2], in[3]});
  auto [h2, p2] = unframe(frames[2]);
  CHECK(h2.gsoType == VnetHdr::kGsoNone);
  CHECK(p2 == in[4]);
  CHECK(unframe(frames[3]).second == corrupt);
}

TEST_CASE("offload: interleaved flows merge separately, first-seen order kept") {
  std::vector<Bytes> in;
  for (uint32_t k = 0; k < 6; ++k) {
    in.push_back(tcpPacket(false, k * 1200, 1200, 0x10, uint8_t(k), false, 4000));
    in.push_back(tcpPacket(false, 9 + k * 1200, 1200, 0x10, uint8_t(k), false, 4001));
  }
  auto frames = coalesce(in);
  REQUIRE(frames.size() == 2);
  for (size_t f = 0; f < 2; ++f) {
    auto [h, pkt] = unframe(frames[f]);
    auto segs = split(h, pkt);
    REQUIRE(segs.ok());
    REQUIRE(segs->size() == 6);
    for (size_t k = 0; k < 6; ++k) CHECK((*segs)[k] == in[2 * k + f]);
  }
}

TEST_CASE("offload: a run stops at 64 KiB") {
  std::vector<Bytes> in;
  for (uint32_t k = 0; k < 60; ++k) in.push_back(tcpPacket(true, k * 1400, 1400, 0x10));
  auto frames = coalesce(in);
  REQUIRE(frames.size() == 2);
  size_t total = 0;
  for (const Bytes& f : frames) {
    CHECK(f.size() - kVnetHdrSize <= 65535);
    auto [h, pkt] = unframe(f);
    total += split(h, pkt).value().size();
  }
  CHECK(total == 60);
}
